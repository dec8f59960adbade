//! Companies: create, read, change, delete, list and search. Duplicate search is in
//! `duplicates.rs`.

use serde_json::json;

use super::{
    changes, creator_scope,
    custom_fields::{Fields, checked_matches, hide_all},
    owner_of_new, page_size, paging, require_writer, responsible_department, scope_of,
};
use crate::{
    Error, Result, Store,
    domain::{
        User,
        crm::{
            Company, CompanyFilter, CompanyId, CompanyPatch, EntityKind, EntityRef, NewCompany,
            Page, TimelineEntryId, dedup_emails, dedup_phones,
        },
        now,
    },
    service::ClientInfo,
    store::{
        NewAuditEntry,
        crm::{self as crm_store, companies as company_store},
        insert_audit,
    },
};

#[derive(Clone)]
pub struct Companies {
    pub(super) store: Store,
}

impl Companies {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Creates a company; the responsible user defaults to the caller. `None` is the system,
    /// which is not asked for required custom values.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn create(&self, actor: Option<&User>, new: NewCompany) -> Result<Company> {
        let mut tx = self.store.begin().await?;
        let scope = creator_scope(&mut tx, actor).await?;
        let fields = Fields::load(&mut tx, EntityKind::Company).await?;
        let custom = fields
            .for_new(&mut tx, &scope, actor, actor.is_some(), &new.custom)
            .await?;
        let (responsible_id, department_id) =
            owner_of_new(&mut tx, actor, new.responsible_id).await?;
        let now = now();
        let mut company = Company {
            id: CompanyId::new(),
            name: new.name,
            address: new.address,
            responsible_id,
            department_id,
            custom,
            phones: dedup_phones(new.phones)?,
            emails: dedup_emails(new.emails)?,
            created_at: now,
            updated_at: now,
        };
        company_store::insert(&mut tx, &company, actor.map(|a| a.id)).await?;
        tx.commit().await?;
        if let Some(actor) = actor {
            fields.hide(actor.role, &mut company);
        }
        Ok(company)
    }

    #[tracing::instrument(skip_all, fields(company.id = %id), err(level = "warn"))]
    pub async fn get(&self, actor: &User, id: CompanyId) -> Result<Company> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let mut company = company_store::get(&mut conn, &scope, id)
            .await?
            .ok_or(Error::not_found("company"))?;
        hide_all(&mut conn, actor, [&mut company]).await?;
        Ok(company)
    }

    /// Companies the caller may see that match `filter`, newest first; `total` on the
    /// first page only.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn list(&self, actor: &User, mut filter: CompanyFilter) -> Result<Page<Company>> {
        let limit = page_size(filter.limit);
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        filter.custom = checked_matches(
            &mut conn,
            actor,
            EntityKind::Company,
            std::mem::take(&mut filter.custom),
        )
        .await?;
        let total = match filter.after {
            None => Some(company_store::count(&mut conn, &scope, &filter).await?),
            Some(_) => None,
        };
        let probe = CompanyFilter {
            limit: paging::probe(limit),
            ..filter
        };
        let mut items = company_store::list(&mut conn, &scope, &probe).await?;
        hide_all(&mut conn, actor, &mut items).await?;
        Ok(paging::page(items, limit, total, |company| {
            company.id.to_string()
        }))
    }

    /// Changes a company; changes of name, responsible, phones or e-mails go on its
    /// timeline in the same transaction.
    #[tracing::instrument(skip_all, fields(company.id = %id), err(level = "warn"))]
    pub async fn update(
        &self,
        actor: &User,
        id: CompanyId,
        patch: CompanyPatch,
    ) -> Result<Company> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        crm_store::lock(
            &mut tx,
            self.store.backend(),
            "companies",
            &[id.to_string()],
        )
        .await?;
        let before = company_store::get(&mut tx, &scope, id)
            .await?
            .ok_or(Error::not_found("company"))?;
        let fields = Fields::load(&mut tx, EntityKind::Company).await?;
        let mut after = before.clone();
        if let Some(name) = patch.name {
            after.name = name;
        }
        if let Some(address) = patch.address {
            after.address = address;
        }
        if let Some(custom) = patch.custom {
            after.custom = fields
                .for_change(&mut tx, &scope, actor, &before.custom, &custom)
                .await?;
        }
        if let Some(phones) = patch.phones {
            after.phones = dedup_phones(phones)?;
        }
        if let Some(emails) = patch.emails {
            after.emails = dedup_emails(emails)?;
        }
        if let Some(responsible) = patch.responsible_id
            && Some(responsible) != before.responsible_id
        {
            after.responsible_id = Some(responsible);
            after.department_id = responsible_department(&mut tx, responsible).await?;
        }
        after.updated_at = now();
        company_store::update(&mut tx, &before, &after).await?;
        let changes = changes::of_company(&mut tx, &before, &after).await?;
        let links = vec![EntityRef::company(id)];
        if let Some(entry) = changes::entry(actor.id, changes, links, after.updated_at) {
            crm_store::timeline::insert(&mut tx, TimelineEntryId::new(), &entry, after.updated_at)
                .await?;
        }
        tx.commit().await?;
        fields.hide(actor.role, &mut after);
        Ok(after)
    }

    /// Deletes a company (kept as history); its contacts stay and keep the reference.
    #[tracing::instrument(skip_all, fields(company.id = %id), err(level = "warn"))]
    pub async fn delete(&self, actor: &User, id: CompanyId, client: &ClientInfo) -> Result<()> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        crm_store::lock(
            &mut tx,
            self.store.backend(),
            "companies",
            &[id.to_string()],
        )
        .await?;
        let company = company_store::get(&mut tx, &scope, id)
            .await?
            .ok_or(Error::not_found("company"))?;
        let now = now();
        company_store::soft_delete(&mut tx, &company, now).await?;
        insert_audit(
            &mut tx,
            NewAuditEntry {
                actor_id: Some(actor.id),
                action: "company.delete",
                target_kind: Some("company"),
                target_id: Some(id.to_string()),
                detail: json!({"name": company.name}),
                client_addr: client.addr.as_deref(),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
