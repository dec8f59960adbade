//! The check of a record's custom values against the definitions of its kind, and the
//! filter of what a role sees; the rules are in the parent module's comment.

use serde_json::{Map, Value};

use crate::{
    Error, Result,
    domain::{
        Role, User,
        crm::{
            CustomMatch, EntityKind,
            custom_fields::{FieldDefinition, FieldKind, HasCustom, plural},
        },
    },
    store::{
        Conn,
        crm::{
            Scope, companies as company_store, contacts as contact_store,
            custom_fields as field_store, deals as deal_store, leads as lead_store,
        },
    },
};

/// `filters` checked against the definitions of `entity` (no read when there are none).
pub(crate) async fn checked_matches(
    conn: &mut Conn,
    actor: &User,
    entity: EntityKind,
    filters: Vec<CustomMatch>,
) -> Result<Vec<CustomMatch>> {
    if filters.is_empty() {
        return Ok(filters);
    }
    Fields::load(conn, entity).await?.matches(actor, filters)
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

    /// A list's custom-field filters, checked: each names a field of this kind that `actor`
    /// sees (one they do not see is as unknown to them as one that does not exist) and a
    /// value of its type, normalized as stored values are; returned with `stored` set.
    pub(crate) fn matches(
        &self,
        actor: &User,
        given: Vec<CustomMatch>,
    ) -> Result<Vec<CustomMatch>> {
        given
            .into_iter()
            .map(|mut found| {
                let field = self
                    .definition(&found.key)
                    .ok()
                    .filter(|field| field.access.sees(actor.role))
                    .ok_or_else(|| {
                        Error::validation(
                            format!("custom.{}", found.key),
                            format!("is not a custom field of {}", plural(self.entity)),
                        )
                    })?;
                let value = field
                    .check_value(&Value::String(found.value.clone()))?
                    .ok_or_else(|| Error::validation(field.path(), "must not be empty"))?;
                found.stored = Some(value.to_string());
                Ok(found)
            })
            .collect()
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
