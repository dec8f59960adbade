//! Contacts: create, read, change, delete, list and search. Identities, duplicate search
//! and merge are in `identities.rs`, `duplicates.rs` and `merge.rs`.

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
            Contact, ContactFilter, ContactId, ContactPatch, EntityKind, EntityRef, Identity,
            IdentityId, NewContact, NewIdentity, Page, TimelineEntryId, dedup_emails, dedup_phones,
        },
        now,
    },
    service::ClientInfo,
    store::{
        Conn, NewAuditEntry,
        crm::{self as crm_store, Scope, companies as company_store, contacts as contact_store},
        insert_audit,
    },
};

#[derive(Clone)]
pub struct Contacts {
    pub(super) store: Store,
}

impl Contacts {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Creates a contact. Staff (`actor`) must be allowed to write; the responsible user
    /// defaults to them, and a company must be one they can see. `None` is the system (the
    /// open lines): no caller checks, and the contact may stay unassigned, visible to admins
    /// until someone takes it. An identity already held by another contact is a conflict.
    /// Custom values are checked as `custom_fields` says; the system is not asked for
    /// required ones.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn create(&self, actor: Option<&User>, mut new: NewContact) -> Result<Contact> {
        let mut tx = self.store.begin().await?;
        let scope = creator_scope(&mut tx, actor).await?;
        let fields = Fields::load(&mut tx, EntityKind::Contact).await?;
        new.custom = fields
            .for_new(&mut tx, &scope, actor, actor.is_some(), &new.custom)
            .await?;
        let mut contact = insert_new(&mut tx, &scope, actor, new).await?;
        tx.commit().await?;
        if let Some(actor) = actor {
            fields.hide(actor.role, &mut contact);
        }
        tracing::debug!(contact.id = %contact.id, "contact created");
        Ok(contact)
    }

    /// A contact the caller may see, with phones, e-mails and identities.
    #[tracing::instrument(skip_all, fields(contact.id = %id), err(level = "warn"))]
    pub async fn get(&self, actor: &User, id: ContactId) -> Result<Contact> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let mut contact = contact_store::get(&mut conn, &scope, id)
            .await?
            .ok_or(Error::not_found("contact"))?;
        hide_all(&mut conn, actor, [&mut contact]).await?;
        Ok(contact)
    }

    /// Contacts the caller may see that match `filter`, newest first; `total` on the first
    /// page only.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn list(&self, actor: &User, mut filter: ContactFilter) -> Result<Page<Contact>> {
        let limit = page_size(filter.limit);
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        filter.custom = checked_matches(
            &mut conn,
            actor,
            EntityKind::Contact,
            std::mem::take(&mut filter.custom),
        )
        .await?;
        let total = match filter.after {
            None => Some(contact_store::count(&mut conn, &scope, &filter).await?),
            Some(_) => None,
        };
        let probe = ContactFilter {
            limit: paging::probe(limit),
            ..filter
        };
        let mut items = contact_store::list(&mut conn, &scope, &probe).await?;
        hide_all(&mut conn, actor, &mut items).await?;
        Ok(paging::page(items, limit, total, |contact| {
            contact.id.to_string()
        }))
    }

    /// Changes a contact. A new responsible user must exist and be enabled (the contact
    /// then follows them out of the caller's sight if need be); a new company must be
    /// visible. Changes of responsible, company, phones or e-mails are written to the
    /// timeline of the contact and of the companies involved, in the same transaction.
    #[tracing::instrument(skip_all, fields(contact.id = %id), err(level = "warn"))]
    pub async fn update(
        &self,
        actor: &User,
        id: ContactId,
        mut patch: ContactPatch,
    ) -> Result<Contact> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        crm_store::lock(&mut tx, self.store.backend(), "contacts", &[id.to_string()]).await?;
        let before = contact_store::get(&mut tx, &scope, id)
            .await?
            .ok_or(Error::not_found("contact"))?;
        let fields = Fields::load(&mut tx, EntityKind::Contact).await?;
        let mut after = before.clone();
        if let Some(custom) = patch.custom.take() {
            after.custom = fields
                .for_change(&mut tx, &scope, actor, &before.custom, &custom)
                .await?;
        }
        apply(&mut after, patch)?;
        if after.responsible_id != before.responsible_id
            && let Some(responsible) = after.responsible_id
        {
            after.department_id = responsible_department(&mut tx, responsible).await?;
        }
        if after.company_id != before.company_id
            && let Some(company) = after.company_id
        {
            visible_company(&mut tx, &scope, company).await?;
        }
        recognisable(&after)?;
        after.updated_at = now();
        contact_store::update(&mut tx, &before, &after).await?;
        let changes = changes::of_contact(&mut tx, &before, &after).await?;
        let mut links = vec![EntityRef::contact(id)];
        links.extend(before.company_id.map(EntityRef::company));
        links.extend(after.company_id.map(EntityRef::company));
        if let Some(entry) = changes::entry(actor.id, changes, links, after.updated_at) {
            crm_store::timeline::insert(&mut tx, TimelineEntryId::new(), &entry, after.updated_at)
                .await?;
        }
        tx.commit().await?;
        fields.hide(actor.role, &mut after);
        Ok(after)
    }

    /// Deletes a contact (kept as history, gone from every list) and records it in the
    /// audit log.
    #[tracing::instrument(skip_all, fields(contact.id = %id), err(level = "warn"))]
    pub async fn delete(&self, actor: &User, id: ContactId, client: &ClientInfo) -> Result<()> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        crm_store::lock(&mut tx, self.store.backend(), "contacts", &[id.to_string()]).await?;
        let contact = contact_store::get(&mut tx, &scope, id)
            .await?
            .ok_or(Error::not_found("contact"))?;
        let now = now();
        contact_store::soft_delete(&mut tx, &contact, None, now).await?;
        insert_audit(
            &mut tx,
            NewAuditEntry {
                actor_id: Some(actor.id),
                action: "contact.delete",
                target_kind: Some("contact"),
                target_id: Some(id.to_string()),
                detail: json!({"name": contact.display_name()}),
                client_addr: client.addr.as_deref(),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Creates a contact inside the caller's transaction: for `Contacts::create` and for
/// converting a lead. `scope` decides which company may be linked.
pub(super) async fn insert_new(
    conn: &mut Conn,
    scope: &Scope,
    actor: Option<&User>,
    new: NewContact,
) -> Result<Contact> {
    new.check()?;
    let (responsible_id, department_id) = owner_of_new(conn, actor, new.responsible_id).await?;
    if let Some(company) = new.company_id {
        visible_company(&mut *conn, scope, company).await?;
    }
    let now = now();
    let contact = Contact {
        id: ContactId::new(),
        first_name: new.first_name,
        last_name: new.last_name,
        middle_name: new.middle_name,
        position: new.position,
        company_id: new.company_id,
        address: new.address,
        source: new.source,
        responsible_id,
        department_id,
        custom: new.custom,
        phones: dedup_phones(new.phones)?,
        emails: dedup_emails(new.emails)?,
        identities: new
            .identities
            .into_iter()
            .map(|identity| Identity {
                id: IdentityId::new(),
                channel: identity.channel,
                external_id: identity.external_id,
                created_at: now,
            })
            .collect(),
        created_at: now,
        updated_at: now,
    };
    contact_store::insert(&mut *conn, &contact, actor.map(|a| a.id))
        .await
        .map_err(identity_conflict)?;
    Ok(contact)
}

/// The company must exist and be visible to the caller; otherwise the field is invalid.
pub(super) async fn visible_company(
    conn: &mut Conn,
    scope: &Scope,
    id: crate::domain::crm::CompanyId,
) -> Result<()> {
    company_store::get(conn, scope, id)
        .await?
        .map(|_| ())
        .ok_or_else(|| Error::validation("company_id", "no such company"))
}

fn recognisable(contact: &Contact) -> Result<()> {
    NewContact {
        first_name: contact.first_name.clone(),
        last_name: contact.last_name.clone(),
        phones: contact.phones.clone(),
        emails: contact.emails.clone(),
        identities: contact
            .identities
            .iter()
            .map(|i| NewIdentity {
                channel: i.channel,
                external_id: i.external_id.clone(),
            })
            .collect(),
        ..NewContact::default()
    }
    .check()
}

fn apply(contact: &mut Contact, patch: ContactPatch) -> Result<()> {
    let set = |field: &mut Option<String>, value: Option<Option<String>>| {
        if let Some(value) = value {
            *field = value;
        }
    };
    set(&mut contact.first_name, patch.first_name);
    set(&mut contact.last_name, patch.last_name);
    set(&mut contact.middle_name, patch.middle_name);
    set(&mut contact.position, patch.position);
    set(&mut contact.address, patch.address);
    set(&mut contact.source, patch.source);
    if let Some(company) = patch.company_id {
        contact.company_id = company;
    }
    if let Some(responsible) = patch.responsible_id {
        contact.responsible_id = Some(responsible);
    }
    if let Some(phones) = patch.phones {
        contact.phones = dedup_phones(phones)?;
    }
    if let Some(emails) = patch.emails {
        contact.emails = dedup_emails(emails)?;
    }
    Ok(())
}

/// A unique violation on identities means another contact already holds it.
pub(super) fn identity_conflict(error: Error) -> Error {
    match error {
        Error::Conflict { constraint, .. }
            if constraint.contains("identities") || constraint.contains("external_id") =>
        {
            Error::Conflict {
                constraint,
                message: "this channel identity belongs to another contact".into(),
            }
        }
        other => other,
    }
}
