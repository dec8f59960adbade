//! Custom fields: typed definitions an admin adds to a kind of CRM record (contact, company,
//! deal, lead), who sees and who changes each, and the check of a value against its
//! definition (`value.rs`, exact decimals in `decimal.rs`).
//!
//! A record keeps its values in one JSON object keyed by the definition's key. Values are
//! stored normalized: text trimmed, numbers as decimal text (`"1500.5"`, never a float),
//! dates as `YYYY-MM-DD`, list choices and link ids as text, booleans as JSON booleans. An
//! empty value is no value: the key is absent.

mod access;
mod decimal;
mod value;

use serde::{Serialize, Serializer, ser::SerializeStruct};

use super::{CustomFieldId, EntityKind, timeline::text_enum};
use crate::{
    Error,
    domain::{Role, Timestamp},
};

pub use access::{FieldAccess, roles_from_text, roles_text};
pub use decimal::decimal;

/// Longest label, in characters.
pub const LABEL_MAX: usize = 200;
/// Most choices of a list field.
pub const OPTIONS_MAX: usize = 200;
/// Longest choice of a list field, in characters.
pub const OPTION_MAX: usize = 200;
/// Longest text value, in characters.
pub const TEXT_MAX: usize = 4000;
/// Most fields one kind of record may have.
pub const FIELDS_MAX: usize = 200;

text_enum!(
    /// The kind of value a field holds.
    FieldType, "type", "text, number, date, list, boolean, link",
    {
        Text => "text",
        Number => "number",
        Date => "date",
        List => "list",
        Boolean => "boolean",
        Link => "link",
    }
);

/// What a field holds, with what its type needs: the choices of a list, the kind of record
/// a link points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Date,
    Boolean,
    List(Vec<String>),
    Link(EntityKind),
}

impl FieldKind {
    pub fn field_type(&self) -> FieldType {
        match self {
            FieldKind::Text => FieldType::Text,
            FieldKind::Number => FieldType::Number,
            FieldKind::Date => FieldType::Date,
            FieldKind::Boolean => FieldType::Boolean,
            FieldKind::List(_) => FieldType::List,
            FieldKind::Link(_) => FieldType::Link,
        }
    }

    /// The type with its parameters: `options` only for a list (1 to `OPTIONS_MAX`
    /// distinct, non-empty texts), `link_entity` only for a link.
    pub fn parse(
        field_type: FieldType,
        options: Option<Vec<String>>,
        link_entity: Option<&str>,
    ) -> Result<Self, Error> {
        if field_type != FieldType::List && options.is_some() {
            return Err(Error::validation(
                "options",
                "only a list field has options",
            ));
        }
        if field_type != FieldType::Link && link_entity.is_some() {
            return Err(Error::validation(
                "link_entity",
                "only a link field points at a kind of record",
            ));
        }
        Ok(match field_type {
            FieldType::Text => FieldKind::Text,
            FieldType::Number => FieldKind::Number,
            FieldType::Date => FieldKind::Date,
            FieldType::Boolean => FieldKind::Boolean,
            FieldType::List => FieldKind::List(list_options(options.unwrap_or_default())?),
            FieldType::Link => {
                let raw = link_entity.ok_or_else(|| {
                    Error::validation(
                        "link_entity",
                        "a link field names contact, company, deal or lead",
                    )
                })?;
                FieldKind::Link(EntityKind::parse(raw).map_err(|_| {
                    Error::validation("link_entity", "must be one of contact, company, deal, lead")
                })?)
            }
        })
    }
}

/// The choices of a list field, trimmed; order kept.
pub fn list_options(raw: Vec<String>) -> Result<Vec<String>, Error> {
    if raw.is_empty() || raw.len() > OPTIONS_MAX {
        return Err(Error::validation(
            "options",
            "a list field has 1 to 200 options",
        ));
    }
    let mut options: Vec<String> = Vec::with_capacity(raw.len());
    for (index, option) in raw.iter().enumerate() {
        let option = option.trim();
        let field = format!("options[{index}]");
        if option.is_empty() || option.chars().count() > OPTION_MAX {
            return Err(Error::validation(field, "must be 1 to 200 characters long"));
        }
        if option.chars().any(char::is_control) {
            return Err(Error::validation(
                field,
                "must not contain control characters",
            ));
        }
        if options.iter().any(|known| known == option) {
            return Err(Error::validation(field, "is listed twice"));
        }
        options.push(option.to_owned());
    }
    Ok(options)
}

/// A field's key: 1–64 characters of `a-z`, `0-9` and `_`, starting with a letter. It names
/// the value inside every record, so it never changes.
pub fn field_key(raw: &str) -> Result<String, Error> {
    let key = raw.trim();
    let valid = (1..=64).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(key.to_owned())
    } else {
        Err(Error::validation(
            "key",
            "must be 1 to 64 characters of a-z, 0-9 and _, starting with a letter",
        ))
    }
}

/// The definition of one custom field of one kind of record.
#[derive(Clone, Debug)]
pub struct FieldDefinition {
    pub id: CustomFieldId,
    pub entity: EntityKind,
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    /// Staff must give a value when they create a record (see `service::crm::custom_fields`).
    pub required: bool,
    pub sort_order: i64,
    pub access: FieldAccess,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl FieldDefinition {
    /// The name a value of this field goes by in errors: `custom.<key>`.
    pub fn path(&self) -> String {
        format!("custom.{}", self.key)
    }
}

impl Serialize for FieldDefinition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("FieldDefinition", 13)?;
        out.serialize_field("id", &self.id)?;
        out.serialize_field("entity", &self.entity)?;
        out.serialize_field("key", &self.key)?;
        out.serialize_field("label", &self.label)?;
        out.serialize_field("type", self.kind.field_type().as_str())?;
        let options = match &self.kind {
            FieldKind::List(options) => Some(options),
            _ => None,
        };
        out.serialize_field("options", &options)?;
        let link = match &self.kind {
            FieldKind::Link(entity) => Some(entity),
            _ => None,
        };
        out.serialize_field("link_entity", &link)?;
        out.serialize_field("required", &self.required)?;
        out.serialize_field("sort_order", &self.sort_order)?;
        out.serialize_field("visible_to", self.access.visible_to())?;
        out.serialize_field("editable_by", self.access.editable_by())?;
        out.serialize_field("created_at", &self.created_at)?;
        out.serialize_field("updated_at", &self.updated_at)?;
        out.end()
    }
}

/// A field to define; each part validated on its own (`field_key`, `FieldKind::parse`,
/// `FieldAccess::parse`, the label with `text::required_text`).
#[derive(Clone, Debug)]
pub struct NewFieldDefinition {
    pub entity: EntityKind,
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    /// `None`: after the last field.
    pub sort_order: Option<i64>,
    pub access: FieldAccess,
}

/// A change to a definition. The entity, key and type stay: values already stored were
/// checked against them. A list may get new options; values holding an option taken out
/// keep it until they are next changed.
#[derive(Clone, Debug, Default)]
pub struct FieldDefinitionPatch {
    pub label: Option<String>,
    pub options: Option<Vec<String>>,
    pub required: Option<bool>,
    pub sort_order: Option<i64>,
    /// Checked together against the definition's current access by the service.
    pub visible_to: Option<Vec<Role>>,
    pub editable_by: Option<Vec<Role>>,
}

/// A record that carries custom values, so the service can check and filter them whatever
/// the kind of record.
pub trait HasCustom {
    const ENTITY: EntityKind;
    fn custom(&self) -> &serde_json::Value;
    fn custom_mut(&mut self) -> &mut serde_json::Value;
}

macro_rules! has_custom {
    ($type:ty, $entity:expr) => {
        impl HasCustom for $type {
            const ENTITY: EntityKind = $entity;
            fn custom(&self) -> &serde_json::Value {
                &self.custom
            }
            fn custom_mut(&mut self) -> &mut serde_json::Value {
                &mut self.custom
            }
        }
    };
}

has_custom!(super::Contact, EntityKind::Contact);
has_custom!(super::Company, EntityKind::Company);
has_custom!(super::Deal, EntityKind::Deal);
has_custom!(super::Lead, EntityKind::Lead);

/// What a kind of record is called in messages.
pub fn plural(entity: EntityKind) -> &'static str {
    match entity {
        EntityKind::Contact => "contacts",
        EntityKind::Company => "companies",
        EntityKind::Deal => "deals",
        EntityKind::Lead => "leads",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_lowercase_words_starting_with_a_letter() {
        assert_eq!(field_key(" tax_id2 ").unwrap(), "tax_id2");
        for bad in ["", "Tax", "2nd", "a-b", "ключ", &"a".repeat(65)] {
            assert!(field_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_list_needs_distinct_options_and_only_a_list_has_them() {
        assert!(FieldKind::parse(FieldType::List, None, None).is_err());
        assert!(
            FieldKind::parse(FieldType::List, Some(vec!["a".into(), " a".into()]), None).is_err()
        );
        assert!(FieldKind::parse(FieldType::Text, Some(vec!["a".into()]), None).is_err());
        assert_eq!(
            FieldKind::parse(FieldType::List, Some(vec![" Gold ".into()]), None).unwrap(),
            FieldKind::List(vec!["Gold".into()])
        );
        assert_eq!(
            FieldKind::parse(FieldType::Link, None, Some("company")).unwrap(),
            FieldKind::Link(EntityKind::Company)
        );
        assert!(FieldKind::parse(FieldType::Link, None, Some("user")).is_err());
    }
}
