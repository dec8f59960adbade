//! Deals: create, read, change, delete, list, stage history, and bulk changes (`bulk.rs`).
//! Visibility by role as for contacts; contacts and companies a deal links to must be
//! visible to the caller.

mod bulk;
pub(crate) mod placement;

use serde_json::json;

use super::{
    changes,
    contacts::visible_company,
    creator_scope,
    custom_fields::{Fields, checked_matches, hide_all},
    owner_of_new, page_size, paging, require_writer, responsible_department, scope_of,
};
use crate::{
    Error, Result, Store,
    domain::{
        User,
        crm::{
            ContactId, Deal, DealFilter, DealId, DealPatch, EntityKind, EntityRef, Money, NewDeal,
            Page, StageChange, TimelineEntryId,
        },
        now,
    },
    service::ClientInfo,
    store::{
        Conn, NewAuditEntry,
        crm::{
            self as crm_store, Scope, contacts as contact_store, deals as deal_store, stage_history,
        },
        insert_audit,
    },
};

#[derive(Clone)]
pub struct Deals {
    store: Store,
}

impl Deals {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Creates a deal. The pipeline defaults to the default one, the stage to its first,
    /// the probability to the stage's, the responsible user to the caller. `None` is the
    /// system (the open lines), which is not asked for required custom values.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn create(&self, actor: Option<&User>, mut new: NewDeal) -> Result<Deal> {
        let mut tx = self.store.begin().await?;
        let scope = creator_scope(&mut tx, actor).await?;
        let fields = Fields::load(&mut tx, EntityKind::Deal).await?;
        new.custom = fields
            .for_new(&mut tx, &scope, actor, actor.is_some(), &new.custom)
            .await?;
        let mut deal = insert_new(&mut tx, &scope, actor, new).await?;
        tx.commit().await?;
        if let Some(actor) = actor {
            fields.hide(actor.role, &mut deal);
        }
        Ok(deal)
    }

    #[tracing::instrument(skip_all, fields(deal.id = %id), err(level = "warn"))]
    pub async fn get(&self, actor: &User, id: DealId) -> Result<Deal> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let mut deal = deal_store::get(&mut conn, &scope, id)
            .await?
            .ok_or(Error::not_found("deal"))?;
        hide_all(&mut conn, actor, [&mut deal]).await?;
        Ok(deal)
    }

    /// Deals the caller may see that match `filter`, in its order; `total` on the first page.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn list(&self, actor: &User, mut filter: DealFilter) -> Result<Page<Deal>> {
        filter.check()?;
        let limit = page_size(filter.limit);
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        filter.custom = checked_matches(
            &mut conn,
            actor,
            EntityKind::Deal,
            std::mem::take(&mut filter.custom),
        )
        .await?;
        let total = match filter.after {
            None => Some((deal_store::count(&mut conn, &scope, &filter).await?, false)),
            Some(_) => None,
        };
        let sort = filter.sort;
        let probe = DealFilter {
            limit: paging::probe(limit),
            ..filter
        };
        let mut items = deal_store::list(&mut conn, &scope, &probe).await?;
        hide_all(&mut conn, actor, &mut items).await?;
        Ok(paging::page(items, limit, total, |deal| {
            sort.cursor_after(deal).to_string()
        }))
    }

    /// The stages the deal went through, oldest first.
    #[tracing::instrument(skip_all, fields(deal.id = %id), err(level = "warn"))]
    pub async fn history(&self, actor: &User, id: DealId) -> Result<Vec<StageChange>> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        deal_store::get(&mut conn, &scope, id)
            .await?
            .ok_or(Error::not_found("deal"))?;
        stage_history::of_deal(&mut conn, id).await
    }

    /// Changes a deal. A stage change is recorded in the stage history and on the timeline
    /// of the deal, its contact and its company; other changes that matter become one
    /// `field_change` entry on the same timelines.
    #[tracing::instrument(skip_all, fields(deal.id = %id), err(level = "warn"))]
    pub async fn update(&self, actor: &User, id: DealId, patch: DealPatch) -> Result<Deal> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        crm_store::lock(&mut tx, self.store.backend(), "deals", &[id.to_string()]).await?;
        let before = deal_store::get(&mut tx, &scope, id)
            .await?
            .ok_or(Error::not_found("deal"))?;
        let now = now();
        let fields = Fields::load(&mut tx, EntityKind::Deal).await?;
        let mut after = apply(&mut tx, &scope, &before, &patch).await?;
        if let Some(custom) = &patch.custom {
            after.custom = fields
                .for_change(&mut tx, &scope, actor, &before.custom, custom)
                .await?;
        }
        after.updated_at = now;
        let moving = patch.stage_id.is_some()
            || patch
                .pipeline_id
                .is_some_and(|pipeline| pipeline != before.pipeline_id);
        let moved = if moving {
            let current = Some(before.pipeline_id);
            let (_, from) = placement::place(&mut tx, None, Some(before.stage_id), current).await?;
            let (_, to) =
                placement::place(&mut tx, patch.pipeline_id, patch.stage_id, current).await?;
            placement::enter(&mut after, &to, now);
            (from.id != to.id).then_some((from, to))
        } else {
            None
        };
        deal_store::update(&mut tx, &after).await?;
        if let Some((from, to)) = moved {
            placement::record_move(&mut tx, &after, &from, &to, Some(actor.id), now).await?;
        }
        let changes = changes::of_deal(&mut tx, &before, &after).await?;
        let mut links = vec![EntityRef::deal(id)];
        for deal in [&before, &after] {
            links.extend(deal.contact_id.map(EntityRef::contact));
            links.extend(deal.company_id.map(EntityRef::company));
        }
        if let Some(entry) = changes::entry(actor.id, changes, links, now) {
            crm_store::timeline::insert(&mut tx, TimelineEntryId::new(), &entry, now).await?;
        }
        tx.commit().await?;
        fields.hide(actor.role, &mut after);
        Ok(after)
    }

    /// Deletes a deal (kept as history, gone from every list and report) and records it in
    /// the audit log.
    #[tracing::instrument(skip_all, fields(deal.id = %id), err(level = "warn"))]
    pub async fn delete(&self, actor: &User, id: DealId, client: &ClientInfo) -> Result<()> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        crm_store::lock(&mut tx, self.store.backend(), "deals", &[id.to_string()]).await?;
        let deal = deal_store::get(&mut tx, &scope, id)
            .await?
            .ok_or(Error::not_found("deal"))?;
        let now = now();
        deal_store::soft_delete(&mut tx, id, now).await?;
        insert_audit(
            &mut tx,
            NewAuditEntry {
                actor_id: Some(actor.id),
                action: "deal.delete",
                target_kind: Some("deal"),
                target_id: Some(id.to_string()),
                detail: json!({"title": deal.title}),
                client_addr: client.addr.as_deref(),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Creates a deal inside the caller's transaction: for `Deals::create` and for converting
/// a lead. Its first stage history entry is written with it. `new.custom` is already
/// checked (`Fields::for_new`).
pub(super) async fn insert_new(
    conn: &mut Conn,
    scope: &Scope,
    actor: Option<&User>,
    new: NewDeal,
) -> Result<Deal> {
    let (pipeline, stage) = placement::place(conn, new.pipeline_id, new.stage_id, None).await?;
    let (responsible_id, department_id) = owner_of_new(conn, actor, new.responsible_id).await?;
    if let Some(contact) = new.contact_id {
        visible_contact(conn, scope, contact).await?;
    }
    if let Some(company) = new.company_id {
        visible_company(conn, scope, company).await?;
    }
    let now = now();
    let mut deal = Deal {
        id: DealId::new(),
        title: new.title,
        money: new.money,
        expected_close: new.expected_close,
        pipeline_id: pipeline.id,
        stage_id: stage.id,
        probability: new.probability.unwrap_or(stage.probability),
        probability_overridden: new.probability.is_some(),
        contact_id: new.contact_id,
        company_id: new.company_id,
        source: new.source,
        responsible_id,
        department_id,
        closed_on: None,
        custom: new.custom,
        created_at: now,
        updated_at: now,
    };
    placement::enter(&mut deal, &stage, now);
    let author = actor.map(|a| a.id);
    deal_store::insert(conn, &deal, author).await?;
    placement::record_history(conn, &deal, None, &stage, author, now).await?;
    Ok(deal)
}

/// A deal the system (the open lines) creates inside its transaction.
pub(crate) async fn insert_by_system(conn: &mut Conn, mut new: NewDeal) -> Result<Deal> {
    let fields = Fields::load(conn, EntityKind::Deal).await?;
    new.custom = fields
        .for_new(conn, &Scope::All, None, false, &new.custom)
        .await?;
    insert_new(conn, &Scope::All, None, new).await
}

async fn visible_contact(conn: &mut Conn, scope: &Scope, id: ContactId) -> Result<()> {
    contact_store::get(conn, scope, id)
        .await?
        .map(|_| ())
        .ok_or_else(|| Error::validation("contact_id", "no such contact"))
}

/// `before` with the patch's plain fields applied and its links checked; the stage is
/// placed by the caller.
async fn apply(conn: &mut Conn, scope: &Scope, before: &Deal, patch: &DealPatch) -> Result<Deal> {
    let mut after = before.clone();
    if let Some(title) = &patch.title {
        after.title.clone_from(title);
    }
    if patch.amount.is_some() || patch.currency.is_some() {
        let currency = patch.currency.unwrap_or(before.money.currency);
        let amount = patch
            .amount
            .clone()
            .unwrap_or_else(|| before.money.amount_text());
        after.money = Money::parse(&amount, currency)?;
    }
    if let Some(close) = patch.expected_close {
        after.expected_close = close;
    }
    if let Some(source) = &patch.source {
        after.source.clone_from(source);
    }
    if let Some(contact) = patch.contact_id {
        if let Some(id) = contact
            && contact != before.contact_id
        {
            visible_contact(conn, scope, id).await?;
        }
        after.contact_id = contact;
    }
    if let Some(company) = patch.company_id {
        if let Some(id) = company
            && company != before.company_id
        {
            visible_company(conn, scope, id).await?;
        }
        after.company_id = company;
    }
    if let Some(responsible) = patch.responsible_id
        && Some(responsible) != before.responsible_id
    {
        after.responsible_id = Some(responsible);
        after.department_id = responsible_department(conn, responsible).await?;
    }
    match patch.probability {
        Some(Some(probability)) => {
            after.probability = probability;
            after.probability_overridden = true;
        }
        Some(None) if before.probability_overridden => {
            let (_, stage) =
                placement::place(conn, None, Some(before.stage_id), Some(before.pipeline_id))
                    .await?;
            after.probability = stage.probability;
            after.probability_overridden = false;
        }
        _ => {}
    }
    Ok(after)
}
