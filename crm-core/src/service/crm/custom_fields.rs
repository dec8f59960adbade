//! Custom fields: admins define them per kind of record (`CustomFields`); every create,
//! change and merge of a contact, company, deal or lead checks and filters its custom values
//! through `Fields`, inside the transaction of that write, so REST, the open lines, merges
//! and imports all obey the same rules and a refused value leaves nothing written.
//!
//! The rules:
//! - a key without a definition is a 422 naming it; a value of the wrong shape is a 422
//!   naming it and saying what the field takes; a link must name a record the writer can see;
//! - staff creating a record must fill its required fields, those their role may change
//!   (`required` is "required from whoever may fill it"). The system creating a contact for
//!   a client's first message (open lines), or a contact or deal made from a converted lead,
//!   has nobody to ask, so required fields are not enforced there; the value is asked for
//!   when someone next edits the field. A change may not clear a required field, but a record
//!   still missing one can be changed otherwise;
//! - a change names only the keys it changes (`null` clears one); keys not named keep their
//!   values, so what a role cannot see survives another role's edits;
//! - setting a field the role may not change is a 403 naming it; repeating the stored value
//!   of a field the role sees but may not change is accepted as no change (a form sends back
//!   what it showed); a field the role cannot see is refused whatever the value, so that
//!   nothing can be learnt about it;
//! - outputs (cards, lists, duplicate matches, merges, conversions) carry only the values of
//!   fields the caller's role sees. Values without a definition (written before definitions
//!   existed) are kept but shown to nobody. Custom values never go on the timeline, so the
//!   timeline shows no value a role may not see.
//!
//! Deleting a definition deletes its values from every record of its kind, deleted records
//! included, in the same transaction, and records the count in the audit log: a field
//! defined later under the same key starts empty instead of inheriting values checked
//! against another definition.

mod checks;

use serde_json::json;

pub(crate) use self::checks::{Fields, checked_matches, hide_all};

use super::require_writer;
use crate::{
    Error, Result, Store,
    domain::{
        Role, User,
        crm::{
            CustomFieldId, EntityKind,
            custom_fields::{
                FIELDS_MAX, FieldAccess, FieldDefinition, FieldDefinitionPatch, FieldKind,
                LABEL_MAX, NewFieldDefinition, list_options, plural,
            },
            text::required_text,
        },
        now,
    },
    service::ClientInfo,
    store::{Conn, NewAuditEntry, crm::custom_fields as field_store, insert_audit},
};

#[derive(Clone)]
pub struct CustomFields {
    store: Store,
}

fn require_admin(user: &User) -> Result<()> {
    require_writer(user)?;
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::Forbidden("only admins define custom fields".into()))
    }
}

impl CustomFields {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// The fields of `entity` the caller's role sees, in display order.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn list(&self, actor: &User, entity: EntityKind) -> Result<Vec<FieldDefinition>> {
        let mut conn = self.store.acquire().await?;
        let fields = field_store::of_entity(&mut conn, entity).await?;
        Ok(fields
            .into_iter()
            .filter(|field| field.access.sees(actor.role))
            .collect())
    }

    /// Defines a field; its key must be new for its kind of record (409 otherwise).
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn create(&self, actor: &User, new: NewFieldDefinition) -> Result<FieldDefinition> {
        require_admin(actor)?;
        let mut tx = self.store.begin().await?;
        let existing = field_store::of_entity(&mut tx, new.entity).await?;
        if existing.len() >= FIELDS_MAX {
            return Err(Error::validation(
                "entity",
                format!(
                    "{} have {FIELDS_MAX} custom fields already",
                    plural(new.entity)
                ),
            ));
        }
        if existing.iter().any(|field| field.key == new.key) {
            return Err(Error::Conflict {
                constraint: "custom_fields_entity_key".into(),
                message: format!("{} already have a field {}", plural(new.entity), new.key).into(),
            });
        }
        let sort_order = match new.sort_order {
            Some(order) => order,
            None => field_store::next_sort_order(&mut tx, new.entity).await?,
        };
        let now = now();
        let field = FieldDefinition {
            id: CustomFieldId::new(),
            entity: new.entity,
            key: new.key,
            label: new.label,
            kind: new.kind,
            required: new.required,
            sort_order,
            access: new.access,
            created_at: now,
            updated_at: now,
        };
        field_store::insert(&mut tx, &field).await?;
        tx.commit().await?;
        Ok(field)
    }

    /// Changes a field's label, options (lists only), required flag, order or access.
    #[tracing::instrument(skip_all, fields(field.id = %id), err(level = "warn"))]
    pub async fn update(
        &self,
        actor: &User,
        entity: EntityKind,
        id: CustomFieldId,
        patch: FieldDefinitionPatch,
    ) -> Result<FieldDefinition> {
        require_admin(actor)?;
        let mut tx = self.store.begin().await?;
        let mut field = definition(&mut tx, entity, id).await?;
        if let Some(label) = patch.label {
            field.label = required_text("label", &label, LABEL_MAX)?;
        }
        if let Some(options) = patch.options {
            match &mut field.kind {
                FieldKind::List(current) => *current = list_options(options)?,
                _ => {
                    return Err(Error::validation(
                        "options",
                        "only a list field has options",
                    ));
                }
            }
        }
        if let Some(required) = patch.required {
            field.required = required;
        }
        if let Some(order) = patch.sort_order {
            field.sort_order = order;
        }
        if patch.visible_to.is_some() || patch.editable_by.is_some() {
            let visible = patch
                .visible_to
                .unwrap_or_else(|| field.access.visible_to().to_vec());
            let editable = patch
                .editable_by
                .unwrap_or_else(|| field.access.editable_by().to_vec());
            field.access = FieldAccess::parse(&visible, &editable)?;
        }
        field.updated_at = now();
        field_store::update(&mut tx, &field).await?;
        tx.commit().await?;
        Ok(field)
    }

    /// Deletes a field and, with it, its value in every record of its kind (see the module
    /// comment); the audit entry says how many records lost a value.
    #[tracing::instrument(skip_all, fields(field.id = %id), err(level = "warn"))]
    pub async fn delete(
        &self,
        actor: &User,
        entity: EntityKind,
        id: CustomFieldId,
        client: &ClientInfo,
    ) -> Result<()> {
        require_admin(actor)?;
        let mut tx = self.store.begin().await?;
        let field = definition(&mut tx, entity, id).await?;
        let removed = field_store::remove_values(&mut tx, field.entity, &field.key).await?;
        field_store::delete(&mut tx, id).await?;
        insert_audit(
            &mut tx,
            NewAuditEntry {
                actor_id: Some(actor.id),
                action: "custom_field.delete",
                target_kind: Some("custom_field"),
                target_id: Some(id.to_string()),
                detail: json!({"entity": field.entity, "key": field.key, "label": field.label, "values_removed": removed}),
                client_addr: client.addr.as_deref(),
            },
            now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The field `id` of `entity`; a field of another kind of record is not found.
async fn definition(
    conn: &mut Conn,
    entity: EntityKind,
    id: CustomFieldId,
) -> Result<FieldDefinition> {
    field_store::get(conn, id)
        .await?
        .filter(|field| field.entity == entity)
        .ok_or(Error::not_found("custom field"))
}
