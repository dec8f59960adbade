//! Merging duplicate contacts into one.

use std::collections::BTreeMap;

use serde_json::json;

use super::{Contacts, custom_fields::Fields, require_writer, scope_of};
use crate::{
    Error, Result,
    domain::{
        Timestamp, User,
        crm::{
            Contact, ContactField, ContactId, EntityKind, EntityRef, MergeContacts,
            NewTimelineEntry, TimelineEntryId, TimelineKind, dedup_emails, dedup_phones, summarize,
        },
        now,
    },
    service::ClientInfo,
    store::{
        Conn, NewAuditEntry,
        crm::{
            self as crm_store, contacts as contact_store, identities, timeline as timeline_store,
        },
        insert_audit,
    },
};

impl Contacts {
    /// Merges `merge.source_ids` into `merge.target_id` in one transaction. Every contact
    /// must be visible to the caller. Field values follow `merge.pick`, else the target's,
    /// else the first source's that has one; the responsible user brings their department
    /// along. Phones and e-mails are united (target's first), identities, timeline links
    /// and tasks move to the target, the sources are deleted with `merged_into_id` set. The merge is
    /// written to the audit log and as a `merge` entry on the target's timeline.
    #[tracing::instrument(skip_all, fields(contact.id = %merge.target_id), err(level = "warn"))]
    pub async fn merge(
        &self,
        actor: &User,
        merge: MergeContacts,
        client: &ClientInfo,
    ) -> Result<Contact> {
        require_writer(actor)?;
        let mut ids = vec![merge.target_id];
        ids.extend(&merge.source_ids);
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
        crm_store::lock(&mut tx, self.store.backend(), "contacts", &keys).await?;
        let found = contact_store::get_many(&mut tx, &scope, &ids).await?;
        if found.len() != ids.len() {
            return Err(Error::not_found("contact"));
        }
        let (target, sources) = found.split_first().ok_or(Error::not_found("contact"))?;
        let now = now();
        let picks: BTreeMap<ContactField, ContactId> = merge.pick.iter().copied().collect();
        let fields = Fields::load(&mut tx, EntityKind::Contact).await?;
        let mut after = merged(target, sources, &picks, now)?;
        let picked = picks
            .get(&ContactField::Custom)
            .and_then(|id| found.iter().find(|contact| contact.id == *id))
            .map(|contact| &contact.custom);
        let donors: Vec<&serde_json::Value> = sources.iter().map(|c| &c.custom).collect();
        after.custom = fields.merged(actor.role, &target.custom, picked, &donors);
        contact_store::update(&mut tx, target, &after).await?;
        let into = EntityRef::contact(target.id);
        let mut moved_entries = 0;
        for source in sources {
            identities::move_identities(&mut tx, source.id, target.id, now).await?;
            moved_entries +=
                timeline_store::move_links(&mut tx, EntityRef::contact(source.id), into, now)
                    .await?;
            crm_store::tasks::move_entity(&mut tx, EntityRef::contact(source.id), into, now)
                .await?;
            reattach(&mut tx, source.id, target.id, now).await?;
            contact_store::soft_delete(&mut tx, source, Some(target.id), now).await?;
        }
        let merged_from: Vec<_> = sources
            .iter()
            .map(|source| json!({"id": source.id, "name": source.display_name()}))
            .collect();
        let picked: BTreeMap<&str, ContactId> = picks
            .iter()
            .map(|(field, id)| (field.as_str(), *id))
            .collect();
        insert_audit(
            &mut tx,
            NewAuditEntry {
                actor_id: Some(actor.id),
                action: "contact.merge",
                target_kind: Some("contact"),
                target_id: Some(target.id.to_string()),
                detail: json!({"merged": merged_from, "picked": picked, "timeline_entries_moved": moved_entries}),
                client_addr: client.addr.as_deref(),
            },
            now,
        )
        .await?;
        let names: Vec<String> = sources.iter().map(Contact::display_name).collect();
        let entry = NewTimelineEntry {
            kind: TimelineKind::Merge,
            author_id: Some(actor.id),
            occurred_at: now,
            summary: summarize(&format!("Merged into this contact: {}", names.join(", "))),
            payload: json!({"merged": merged_from, "picked": picked}),
            links: vec![into],
        };
        timeline_store::insert(&mut tx, TimelineEntryId::new(), &entry, now).await?;
        let mut merged = contact_store::get(&mut tx, &crm_store::Scope::All, target.id)
            .await?
            .ok_or(Error::not_found("contact"))?;
        tx.commit().await?;
        fields.hide(actor.role, &mut merged);
        Ok(merged)
    }
}

/// Everything else that points at a contact moves from `from` to `into` here, in the
/// merge's transaction: deals and the leads converted into it.
async fn reattach(conn: &mut Conn, from: ContactId, into: ContactId, now: Timestamp) -> Result<()> {
    crm_store::relink_contact(conn, from, into, now).await
}

fn is_set(contact: &Contact, field: ContactField) -> bool {
    match field {
        ContactField::FirstName => contact.first_name.is_some(),
        ContactField::LastName => contact.last_name.is_some(),
        ContactField::MiddleName => contact.middle_name.is_some(),
        ContactField::Position => contact.position.is_some(),
        ContactField::CompanyId => contact.company_id.is_some(),
        ContactField::Address => contact.address.is_some(),
        ContactField::Source => contact.source.is_some(),
        ContactField::ResponsibleId => contact.responsible_id.is_some(),
        ContactField::Custom => contact
            .custom
            .as_object()
            .is_some_and(|fields| !fields.is_empty()),
    }
}

fn copy(into: &mut Contact, from: &Contact, field: ContactField) {
    match field {
        ContactField::FirstName => into.first_name.clone_from(&from.first_name),
        ContactField::LastName => into.last_name.clone_from(&from.last_name),
        ContactField::MiddleName => into.middle_name.clone_from(&from.middle_name),
        ContactField::Position => into.position.clone_from(&from.position),
        ContactField::CompanyId => into.company_id = from.company_id,
        ContactField::Address => into.address.clone_from(&from.address),
        ContactField::Source => into.source.clone_from(&from.source),
        ContactField::ResponsibleId => {
            into.responsible_id = from.responsible_id;
            into.department_id = from.department_id;
        }
        ContactField::Custom => into.custom.clone_from(&from.custom),
    }
}

/// The target as it is after the merge.
fn merged(
    target: &Contact,
    sources: &[Contact],
    picks: &BTreeMap<ContactField, ContactId>,
    now: Timestamp,
) -> Result<Contact> {
    let mut after = target.clone();
    // Custom values merge key by key (`Fields::merged`), not as one object.
    for field in ContactField::ALL
        .into_iter()
        .filter(|field| *field != ContactField::Custom)
    {
        let chosen = match picks.get(&field) {
            Some(id) => sources.iter().find(|source| source.id == *id),
            None if !is_set(target, field) => sources.iter().find(|source| is_set(source, field)),
            None => None,
        };
        if let Some(source) = chosen {
            copy(&mut after, source, field);
        }
    }
    let everyone = || std::iter::once(target).chain(sources);
    after.phones = dedup_phones(everyone().flat_map(|c| c.phones.clone()).collect())?;
    after.emails = dedup_emails(everyone().flat_map(|c| c.emails.clone()).collect())?;
    after.identities = everyone().flat_map(|c| c.identities.clone()).collect();
    after.updated_at = now;
    Ok(after)
}
