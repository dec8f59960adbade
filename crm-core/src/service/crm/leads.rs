//! Leads: create, read, change, delete, list, and conversion into a deal and a contact.
//! Visibility by role as for contacts.

use serde_json::json;

use super::{
    contacts, creator_scope,
    custom_fields::{Fields, checked_matches, hide_all},
    deals, owner_of_new, page_size, paging, require_writer, responsible_department, scope_of,
};
use crate::{
    Error, Result, Store,
    domain::{
        User,
        crm::{
            Contact, ContactId, ConvertLead, Deal, Email, EntityKind, EntityRef, Lead, LeadFilter,
            LeadId, LeadPatch, LeadStatus, NewContact, NewDeal, NewLead, NewTimelineEntry, Page,
            Phone, TimelineEntryId, TimelineKind, check_status, summarize,
        },
        now,
    },
    service::ClientInfo,
    store::{
        Conn, NewAuditEntry, conversation_links,
        crm::{self as crm_store, Scope, contacts as contact_store, leads as lead_store},
        insert_audit,
    },
};

#[derive(Clone)]
pub struct Leads {
    store: Store,
}

/// What converting a lead produced.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Conversion {
    pub lead: Lead,
    pub deal: Deal,
    pub contact: Contact,
    /// Whether the contact was made from the lead (rather than given).
    pub contact_created: bool,
}

impl Leads {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Creates a lead; the responsible user defaults to the caller. `None` is the system
    /// (the open lines), which is not asked for required custom values.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn create(&self, actor: Option<&User>, new: NewLead) -> Result<Lead> {
        let mut tx = self.store.begin().await?;
        let scope = creator_scope(&mut tx, actor).await?;
        let (mut lead, fields) = insert_new(&mut tx, &scope, actor, new, None).await?;
        tx.commit().await?;
        if let Some(actor) = actor {
            fields.hide(actor.role, &mut lead);
        }
        Ok(lead)
    }

    #[tracing::instrument(skip_all, fields(lead.id = %id), err(level = "warn"))]
    pub async fn get(&self, actor: &User, id: LeadId) -> Result<Lead> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let mut lead = lead_store::get(&mut conn, &scope, id)
            .await?
            .ok_or(Error::not_found("lead"))?;
        hide_all(&mut conn, actor, [&mut lead]).await?;
        Ok(lead)
    }

    /// Leads the caller may see that match `filter`, newest first; `total` on the first page.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn list(&self, actor: &User, mut filter: LeadFilter) -> Result<Page<Lead>> {
        let limit = page_size(filter.limit);
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        filter.custom = checked_matches(
            &mut conn,
            actor,
            EntityKind::Lead,
            std::mem::take(&mut filter.custom),
        )
        .await?;
        let total = match filter.after {
            None => Some((lead_store::count(&mut conn, &scope, &filter).await?, false)),
            Some(_) => None,
        };
        let probe = LeadFilter {
            limit: paging::probe(limit),
            ..filter
        };
        let mut items = lead_store::list(&mut conn, &scope, &probe).await?;
        hide_all(&mut conn, actor, &mut items).await?;
        Ok(paging::page(items, limit, total, |lead| {
            lead.id.to_string()
        }))
    }

    /// Changes a lead. Junk needs a reason; a converted lead no longer changes status.
    #[tracing::instrument(skip_all, fields(lead.id = %id), err(level = "warn"))]
    pub async fn update(&self, actor: &User, id: LeadId, patch: LeadPatch) -> Result<Lead> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        crm_store::lock(&mut tx, self.store.backend(), "leads", &[id.to_string()]).await?;
        let before = lead_store::get(&mut tx, &scope, id)
            .await?
            .ok_or(Error::not_found("lead"))?;
        let fields = Fields::load(&mut tx, EntityKind::Lead).await?;
        let mut after = before.clone();
        if let Some(custom) = &patch.custom {
            after.custom = fields
                .for_change(&mut tx, &scope, actor, &before.custom, custom)
                .await?;
        }
        let set = |field: &mut Option<String>, value: Option<Option<String>>| {
            if let Some(value) = value {
                *field = value;
            }
        };
        set(&mut after.title, patch.title);
        set(&mut after.name, patch.name);
        set(&mut after.phone, patch.phone);
        set(&mut after.email, patch.email);
        set(&mut after.company_name, patch.company_name);
        set(&mut after.source, patch.source);
        set(&mut after.junk_reason, patch.junk_reason);
        if let Some(status) = patch.status
            && status != before.status
        {
            if before.status == LeadStatus::Converted {
                return Err(Error::refused(
                    "already_converted",
                    "a converted lead keeps its status",
                ));
            }
            check_status(status, after.junk_reason.as_deref())?;
            after.status = status;
        }
        if after.status == LeadStatus::Junk {
            check_status(LeadStatus::Junk, after.junk_reason.as_deref())?;
        } else {
            after.junk_reason = None;
        }
        NewLead {
            title: after.title.clone(),
            name: after.name.clone(),
            phone: after.phone.clone(),
            email: after.email.clone(),
            company_name: after.company_name.clone(),
            ..NewLead::default()
        }
        .check()?;
        if let Some(responsible) = patch.responsible_id
            && Some(responsible) != before.responsible_id
        {
            after.responsible_id = Some(responsible);
            after.department_id = responsible_department(&mut tx, responsible).await?;
        }
        after.updated_at = now();
        lead_store::update(&mut tx, &after).await?;
        tx.commit().await?;
        fields.hide(actor.role, &mut after);
        Ok(after)
    }

    /// Deletes a lead (kept as history) and records it in the audit log.
    #[tracing::instrument(skip_all, fields(lead.id = %id), err(level = "warn"))]
    pub async fn delete(&self, actor: &User, id: LeadId, client: &ClientInfo) -> Result<()> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        let lead = lead_store::get(&mut tx, &scope, id)
            .await?
            .ok_or(Error::not_found("lead"))?;
        let now = now();
        lead_store::soft_delete(&mut tx, id, now).await?;
        insert_audit(
            &mut tx,
            NewAuditEntry {
                actor_id: Some(actor.id),
                action: "lead.delete",
                target_kind: Some("lead"),
                target_id: Some(id.to_string()),
                detail: json!({"label": lead.label()}),
                client_addr: client.addr.as_deref(),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Converts a lead in one transaction: a deal (for `how.contact_id`, else the lead's own
    /// contact when the caller sees it, else a contact made from the lead's name, phone and
    /// e-mail), the lead marked converted and linked
    /// to both, and a timeline entry on the lead, the deal and the contact. A converted
    /// lead is refused with `already_converted`, a junk one with `lead_is_junk`.
    #[tracing::instrument(skip_all, fields(lead.id = %id), err(level = "warn"))]
    pub async fn convert(&self, actor: &User, id: LeadId, how: ConvertLead) -> Result<Conversion> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        crm_store::lock(&mut tx, self.store.backend(), "leads", &[id.to_string()]).await?;
        let mut lead = lead_store::get(&mut tx, &scope, id)
            .await?
            .ok_or(Error::not_found("lead"))?;
        match lead.status {
            LeadStatus::Converted => {
                return Err(Error::refused(
                    "already_converted",
                    "the lead was converted already",
                ));
            }
            LeadStatus::Junk => {
                return Err(Error::refused(
                    "lead_is_junk",
                    "a junk lead is not converted; set it back to in_work first",
                ));
            }
            LeadStatus::New | LeadStatus::InWork => {}
        }
        // A lead from the open lines knows its client's contact; it is reused when the
        // caller sees it and names no other.
        let known = match (how.contact_id, lead.contact_id) {
            (Some(contact_id), _) => Some(
                contact_store::get(&mut tx, &scope, contact_id)
                    .await?
                    .ok_or_else(|| Error::validation("contact_id", "no such contact"))?,
            ),
            (None, Some(contact_id)) => contact_store::get(&mut tx, &scope, contact_id).await?,
            (None, None) => None,
        };
        let (contact, contact_created) = match known {
            Some(contact) => (contact, false),
            None => {
                let new = contact_from(&lead)?;
                (
                    contacts::insert_new(&mut tx, &scope, Some(actor), new).await?,
                    true,
                )
            }
        };
        let deal = deals::insert_new(
            &mut tx,
            &scope,
            Some(actor),
            NewDeal {
                title: how.title.unwrap_or_else(|| lead.label()),
                money: how.money,
                expected_close: how.expected_close,
                pipeline_id: how.pipeline_id,
                stage_id: how.stage_id,
                probability: None,
                contact_id: Some(contact.id),
                company_id: how.company_id,
                source: lead.source.clone(),
                responsible_id: lead.responsible_id,
                custom: json!({}),
            },
        )
        .await?;
        let now = now();
        lead.status = LeadStatus::Converted;
        lead.contact_id = Some(contact.id);
        lead.deal_id = Some(deal.id);
        lead.converted_at = Some(now);
        lead.updated_at = now;
        lead_store::update(&mut tx, &lead).await?;
        // The lead's conversations are about the deal now: their history and what the client
        // writes next go on the deal's timeline too.
        for room in conversation_links::rooms_of_lead(&mut tx, lead.id).await? {
            conversation_links::set_deal(&mut tx, room, Some(deal.id), now).await?;
            crm_store::timeline::link_room(&mut tx, room, EntityRef::deal(deal.id), now).await?;
        }
        let entry = NewTimelineEntry {
            kind: TimelineKind::Conversion,
            author_id: Some(actor.id),
            occurred_at: now,
            summary: summarize(&format!("Lead converted into deal {}", deal.title)),
            payload: json!({"event": "lead_converted", "lead_id": lead.id, "deal_id": deal.id, "contact_id": contact.id, "contact_created": contact_created}),
            links: vec![
                EntityRef::lead(lead.id),
                EntityRef::deal(deal.id),
                EntityRef::contact(contact.id),
            ],
        };
        crm_store::timeline::insert(&mut tx, TimelineEntryId::new(), &entry, now).await?;
        let (mut lead, mut deal, mut contact) = (lead, deal, contact);
        hide_all(&mut tx, actor, [&mut lead]).await?;
        hide_all(&mut tx, actor, [&mut deal]).await?;
        hide_all(&mut tx, actor, [&mut contact]).await?;
        tx.commit().await?;
        Ok(Conversion {
            lead,
            deal,
            contact,
            contact_created,
        })
    }
}

/// Creates a lead inside the caller's transaction (`Leads::create`), about `contact` when
/// one is known; returns it with the custom field definitions that hide its values.
async fn insert_new(
    conn: &mut Conn,
    scope: &Scope,
    actor: Option<&User>,
    new: NewLead,
    contact: Option<ContactId>,
) -> Result<(Lead, Fields)> {
    new.check()?;
    let fields = Fields::load(conn, EntityKind::Lead).await?;
    let custom = fields
        .for_new(conn, scope, actor, actor.is_some(), &new.custom)
        .await?;
    let (responsible_id, department_id) = owner_of_new(conn, actor, new.responsible_id).await?;
    let now = now();
    let status = new.status.unwrap_or(LeadStatus::New);
    let lead = Lead {
        id: LeadId::new(),
        title: new.title,
        name: new.name,
        phone: new.phone,
        email: new.email,
        company_name: new.company_name,
        junk_reason: new.junk_reason.filter(|_| status == LeadStatus::Junk),
        status,
        source: new.source,
        responsible_id,
        department_id,
        contact_id: contact,
        deal_id: None,
        converted_at: None,
        custom,
        created_at: now,
        updated_at: now,
    };
    lead_store::insert(conn, &lead, actor.map(|a| a.id)).await?;
    Ok((lead, fields))
}

/// A lead the system (the open lines) creates inside its transaction, about the client's
/// `contact`, which converting it reuses.
pub(crate) async fn insert_by_system(
    conn: &mut Conn,
    new: NewLead,
    contact: ContactId,
) -> Result<Lead> {
    Ok(insert_new(conn, &Scope::All, None, new, Some(contact))
        .await?
        .0)
}

/// The contact a lead becomes: its name (or what it is called), phone and e-mail, its
/// source and responsible user.
fn contact_from(lead: &Lead) -> Result<NewContact> {
    Ok(NewContact {
        first_name: Some(lead.name.clone().unwrap_or_else(|| lead.label())),
        source: lead.source.clone(),
        responsible_id: lead.responsible_id,
        custom: json!({}),
        phones: lead
            .phone
            .as_deref()
            .map(|phone| Phone::parse(phone, None))
            .transpose()?
            .into_iter()
            .collect(),
        emails: lead
            .email
            .as_deref()
            .map(|email| Email::parse(email, None))
            .transpose()?
            .into_iter()
            .collect(),
        ..NewContact::default()
    })
}
