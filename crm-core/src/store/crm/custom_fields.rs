//! The `custom_fields` table (definitions), and removing one field's values from every
//! record of its kind when the definition is deleted.

use serde_json::Value;

use super::sql::Sql;
use crate::{
    Error, Result,
    domain::{
        Timestamp,
        crm::{
            CustomFieldId, CustomMatch, EntityKind,
            custom_fields::{
                FieldAccess, FieldDefinition, FieldKind, FieldType, roles_from_text, roles_text,
            },
        },
    },
    store::{Conn, rows::parse_id},
};

/// Appends to a list's conditions that the record (aliased `c`) holds each checked custom
/// value. Values sit in a compact JSON object in `c.custom`, so `"key":value` followed by a
/// comma or the closing brace is that key's value and nothing else (a quote inside a
/// string is escaped, so no key can be found inside a value). `replace` finds it letter
/// case and all on both engines, where SQLite's `like` would ignore case. A match the
/// service has not checked (`stored` unset) matches nothing.
pub(crate) fn restrict(sql: &mut Sql, matches: &[CustomMatch]) {
    for found in matches {
        let Some(stored) = &found.stored else {
            sql.push(" and 1 = 0");
            continue;
        };
        let key = Value::String(found.key.clone()).to_string();
        sql.push(" and (replace(c.custom, ")
            .text(format!("{key}:{stored},"))
            .push(", '') <> c.custom or replace(c.custom, ")
            .text(format!("{key}:{stored}}}"))
            .push(", '') <> c.custom)");
    }
}

macro_rules! select_fields {
    () => {
        "select id, entity, field_key, label, field_type, options, link_entity, required, \
         sort_order, visible_to, editable_by, created_at, updated_at from custom_fields"
    };
}

#[derive(sqlx::FromRow)]
struct FieldRow {
    id: String,
    entity: String,
    field_key: String,
    label: String,
    field_type: String,
    options: String,
    link_entity: Option<String>,
    required: i64,
    sort_order: i64,
    visible_to: String,
    editable_by: String,
    created_at: i64,
    updated_at: i64,
}

impl FieldRow {
    fn into_definition(self) -> Result<FieldDefinition> {
        let malformed = || Error::Internal("malformed custom field definition in database".into());
        let options: Vec<String> = serde_json::from_str(&self.options).map_err(|_| malformed())?;
        let kind = match FieldType::parse(&self.field_type).map_err(|_| malformed())? {
            FieldType::Text => FieldKind::Text,
            FieldType::Number => FieldKind::Number,
            FieldType::Date => FieldKind::Date,
            FieldType::Boolean => FieldKind::Boolean,
            FieldType::List => FieldKind::List(options),
            FieldType::Link => FieldKind::Link(
                EntityKind::parse(self.link_entity.as_deref().unwrap_or_default())
                    .map_err(|_| malformed())?,
            ),
        };
        Ok(FieldDefinition {
            id: parse_id(&self.id)?,
            entity: EntityKind::parse(&self.entity).map_err(|_| malformed())?,
            key: self.field_key,
            label: self.label,
            kind,
            required: self.required != 0,
            sort_order: self.sort_order,
            access: FieldAccess::parse(
                &roles_from_text(&self.visible_to),
                &roles_from_text(&self.editable_by),
            )
            .map_err(|_| malformed())?,
            created_at: Timestamp::from_millis(self.created_at),
            updated_at: Timestamp::from_millis(self.updated_at),
        })
    }
}

/// The fields of one kind of record, in display order.
pub(crate) async fn of_entity(conn: &mut Conn, entity: EntityKind) -> Result<Vec<FieldDefinition>> {
    let rows: Vec<FieldRow> = sqlx::query_as(concat!(
        select_fields!(),
        " where entity = $1 order by sort_order, field_key"
    ))
    .bind(entity.as_str())
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(FieldRow::into_definition).collect()
}

pub(crate) async fn get(conn: &mut Conn, id: CustomFieldId) -> Result<Option<FieldDefinition>> {
    let row: Option<FieldRow> = sqlx::query_as(concat!(select_fields!(), " where id = $1"))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(FieldRow::into_definition).transpose()
}

fn options_text(kind: &FieldKind) -> String {
    match kind {
        FieldKind::List(options) => serde_json::json!(options).to_string(),
        _ => "[]".to_owned(),
    }
}

fn link_text(kind: &FieldKind) -> Option<&'static str> {
    match kind {
        FieldKind::Link(entity) => Some(entity.as_str()),
        _ => None,
    }
}

/// A second field with the same key on the same kind of record is a conflict on
/// `custom_fields_entity_key`.
pub(crate) async fn insert(conn: &mut Conn, field: &FieldDefinition) -> Result<()> {
    sqlx::query(
        "insert into custom_fields (id, entity, field_key, label, field_type, options, \
         link_entity, required, sort_order, visible_to, editable_by, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(field.id.to_string())
    .bind(field.entity.as_str())
    .bind(field.key.as_str())
    .bind(field.label.as_str())
    .bind(field.kind.field_type().as_str())
    .bind(options_text(&field.kind))
    .bind(link_text(&field.kind))
    .bind(i64::from(field.required))
    .bind(field.sort_order)
    .bind(roles_text(field.access.visible_to()))
    .bind(roles_text(field.access.editable_by()))
    .bind(field.created_at.millis())
    .bind(field.updated_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes what a definition may change: label, options, required, order and access.
pub(crate) async fn update(conn: &mut Conn, field: &FieldDefinition) -> Result<()> {
    sqlx::query(
        "update custom_fields set label = $2, options = $3, required = $4, sort_order = $5, \
         visible_to = $6, editable_by = $7, updated_at = $8 where id = $1",
    )
    .bind(field.id.to_string())
    .bind(field.label.as_str())
    .bind(options_text(&field.kind))
    .bind(i64::from(field.required))
    .bind(field.sort_order)
    .bind(roles_text(field.access.visible_to()))
    .bind(roles_text(field.access.editable_by()))
    .bind(field.updated_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn delete(conn: &mut Conn, id: CustomFieldId) -> Result<()> {
    sqlx::query("delete from custom_fields where id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The position after the last field of `entity` (0 for the first).
pub(crate) async fn next_sort_order(conn: &mut Conn, entity: EntityKind) -> Result<i64> {
    let last: Option<i64> =
        sqlx::query_scalar("select max(sort_order) from custom_fields where entity = $1")
            .bind(entity.as_str())
            .fetch_one(conn)
            .await?;
    Ok(last.map_or(0, |last| last.saturating_add(1)))
}

#[derive(sqlx::FromRow)]
struct ValuesRow {
    id: String,
    custom: String,
}

/// Takes the value of `key` out of every record of `entity`, deleted records included, and
/// returns how many records held one. The JSON is edited here rather than in SQL because
/// the two engines spell JSON functions differently; the `like` only narrows the rows read
/// (a key is `[a-z0-9_]`, so the pattern needs no escaping beyond what `_` matches anyway).
pub(crate) async fn remove_values(conn: &mut Conn, entity: EntityKind, key: &str) -> Result<u64> {
    let (select, update) = match entity {
        EntityKind::Contact => (
            "select id, custom from contacts where custom like $1",
            "update contacts set custom = $2 where id = $1",
        ),
        EntityKind::Company => (
            "select id, custom from companies where custom like $1",
            "update companies set custom = $2 where id = $1",
        ),
        EntityKind::Deal => (
            "select id, custom from deals where custom like $1",
            "update deals set custom = $2 where id = $1",
        ),
        EntityKind::Lead => (
            "select id, custom from leads where custom like $1",
            "update leads set custom = $2 where id = $1",
        ),
    };
    let rows: Vec<ValuesRow> = sqlx::query_as(select)
        .bind(format!("%\"{key}\"%"))
        .fetch_all(&mut *conn)
        .await?;
    let mut changed = 0;
    for row in rows {
        let mut custom: serde_json::Value = serde_json::from_str(&row.custom)
            .map_err(|_| Error::Internal("malformed custom fields in database".into()))?;
        let removed = custom
            .as_object_mut()
            .and_then(|values| values.remove(key))
            .is_some();
        if removed {
            sqlx::query(update)
                .bind(row.id)
                .bind(custom.to_string())
                .execute(&mut *conn)
                .await?;
            changed += 1;
        }
    }
    Ok(changed)
}
