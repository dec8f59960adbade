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

use serde_json::{Map, Value, json};

use super::require_writer;
use crate::{
    Error, Result, Store,
    domain::{
        Role, User,
        crm::{
            CustomFieldId, EntityKind,
            custom_fields::{
                FIELDS_MAX, FieldAccess, FieldDefinition, FieldDefinitionPatch, FieldKind,
                HasCustom, LABEL_MAX, NewFieldDefinition, list_options, plural,
            },
            text::required_text,
        },
        now,
    },
    service::ClientInfo,
    store::{
        Conn, NewAuditEntry,
        crm::{
            Scope, companies as company_store, contacts as contact_store,
            custom_fields as field_store, deals as deal_store, leads as lead_store,
        },
        insert_audit,
    },
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

/// The definitions of one kind of record, read once per operation.
pub(crate) struct Fields {
    entity: EntityKind,
    fields: Vec<FieldDefinition>,
}

impl Fields {
    pub(crate) async fn load(conn: &mut Conn, entity: EntityKind) -> Result<Self> {
        Ok(Self {
            entity,
            fields: field_store::of_entity(conn, entity).await?,
        })
    }

    fn definition(&self, key: &str) -> Result<&FieldDefinition> {
        self.fields
            .iter()
            .find(|field| field.key == key)
            .ok_or_else(|| {
                Error::validation(
                    format!("custom.{key}"),
                    format!("is not a custom field of {}", plural(self.entity)),
                )
            })
    }

    /// The custom values of a new record, checked and normalized. `actor` is the member of
    /// staff creating it (`None`: the system); `required` says whether its required fields
    /// must be filled (see the module comment for who is exempt).
    pub(crate) async fn for_new(
        &self,
        conn: &mut Conn,
        scope: &Scope,
        actor: Option<&User>,
        required: bool,
        given: &Value,
    ) -> Result<Value> {
        let mut values = Map::new();
        for (key, raw) in entries(given)? {
            let field = self.definition(key)?;
            if let Some(actor) = actor
                && !raw.is_null()
                && !field.access.sees(actor.role)
            {
                may_change(field, actor.role)?;
            }
            let Some(value) = field.check_value(raw)? else {
                continue;
            };
            if let Some(actor) = actor {
                may_change(field, actor.role)?;
            }
            linked(conn, scope, field, &value).await?;
            values.insert(key.clone(), value);
        }
        if required {
            let fills = |field: &&FieldDefinition| actor.is_none_or(|a| field.access.edits(a.role));
            if let Some(missing) = self
                .fields
                .iter()
                .filter(fills)
                .find(|field| field.required && !values.contains_key(&field.key))
            {
                return Err(Error::validation(missing.path(), "is required"));
            }
        }
        Ok(Value::Object(values))
    }

    /// `stored` with the keys of `patch` changed by `actor` (`null` clears one).
    pub(crate) async fn for_change(
        &self,
        conn: &mut Conn,
        scope: &Scope,
        actor: &User,
        stored: &Value,
        patch: &Value,
    ) -> Result<Value> {
        let mut values = stored.as_object().cloned().unwrap_or_default();
        for (key, raw) in entries(patch)? {
            let field = self.definition(key)?;
            if !field.access.sees(actor.role) {
                may_change(field, actor.role)?;
            }
            let value = field.check_value(raw)?;
            if value.as_ref() == values.get(key) {
                continue;
            }
            may_change(field, actor.role)?;
            match value {
                Some(value) => {
                    linked(conn, scope, field, &value).await?;
                    values.insert(key.clone(), value);
                }
                None if field.required => {
                    return Err(Error::validation(
                        field.path(),
                        "is required and cannot be cleared",
                    ));
                }
                None => {
                    values.remove(key);
                }
            }
        }
        Ok(Value::Object(values))
    }

    /// The custom values of merged records: for a field the merging role may change, the
    /// picked record's value wins, else the target's; a field it may not change keeps the
    /// target's value. Either way a field the target lacks takes the first value found
    /// among the picked record and the sources, so a merge loses no value.
    pub(crate) fn merged(
        &self,
        role: Role,
        target: &Value,
        picked: Option<&Value>,
        sources: &[&Value],
    ) -> Value {
        let mut values = target.as_object().cloned().unwrap_or_default();
        let donors: Vec<&Map<String, Value>> = picked
            .into_iter()
            .chain(sources.iter().copied())
            .filter_map(Value::as_object)
            .collect();
        for donor in &donors {
            for (key, value) in donor.iter() {
                if !values.contains_key(key) {
                    values.insert(key.clone(), value.clone());
                }
            }
        }
        if let Some(picked) = picked.and_then(Value::as_object) {
            for (key, value) in picked {
                let editable = self
                    .fields
                    .iter()
                    .any(|field| field.key == *key && field.access.edits(role));
                if editable {
                    values.insert(key.clone(), value.clone());
                }
            }
        }
        Value::Object(values)
    }

    /// Takes out of `record` every value `role` may not see.
    pub(crate) fn hide<T: HasCustom>(&self, role: Role, record: &mut T) {
        if let Some(values) = record.custom_mut().as_object_mut() {
            values.retain(|key, _| {
                self.fields
                    .iter()
                    .any(|field| field.key == *key && field.access.sees(role))
            });
        }
    }
}

/// Takes out of each record what `actor` may not see (one read of the definitions).
pub(crate) async fn hide_all<'a, T: HasCustom + 'a>(
    conn: &mut Conn,
    actor: &User,
    records: impl IntoIterator<Item = &'a mut T>,
) -> Result<()> {
    let fields = Fields::load(conn, T::ENTITY).await?;
    for record in records {
        fields.hide(actor.role, record);
    }
    Ok(())
}

fn entries(given: &Value) -> Result<Vec<(&String, &Value)>> {
    match given {
        Value::Null => Ok(Vec::new()),
        Value::Object(values) => Ok(values.iter().collect()),
        _ => Err(Error::validation("custom", "must be a JSON object")),
    }
}

fn may_change(field: &FieldDefinition, role: Role) -> Result<()> {
    if field.access.edits(role) {
        Ok(())
    } else {
        Err(Error::FieldForbidden {
            field: field.path().into(),
            message: format!("the {role} role may not change this field").into(),
        })
    }
}

/// A link must name a record of its kind that the writer can see.
async fn linked(
    conn: &mut Conn,
    scope: &Scope,
    field: &FieldDefinition,
    value: &Value,
) -> Result<()> {
    let FieldKind::Link(entity) = field.kind else {
        return Ok(());
    };
    let id = value.as_str().unwrap_or_default();
    let found = match entity {
        EntityKind::Contact => match id.parse() {
            Ok(id) => contact_store::get(conn, scope, id).await?.is_some(),
            Err(_) => false,
        },
        EntityKind::Company => match id.parse() {
            Ok(id) => company_store::get(conn, scope, id).await?.is_some(),
            Err(_) => false,
        },
        EntityKind::Deal => match id.parse() {
            Ok(id) => deal_store::get(conn, scope, id).await?.is_some(),
            Err(_) => false,
        },
        EntityKind::Lead => match id.parse() {
            Ok(id) => lead_store::get(conn, scope, id).await?.is_some(),
            Err(_) => false,
        },
    };
    if found {
        Ok(())
    } else {
        Err(Error::validation(
            field.path(),
            format!("no such {}", entity.as_str()),
        ))
    }
}
