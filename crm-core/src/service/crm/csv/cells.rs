//! How values that are not plain text are written in one CSV cell, and read back: lists of
//! phones, e-mails and identities, the custom-fields object, instants. Export writes exactly
//! what import reads, so a file goes out and comes back without loss.
//!
//! A list is `kind:value` entries separated by `;` (`mobile:+79161234567;work:+74951234567`).
//! The kind may be left out on import (a phone is then `mobile`, an e-mail `work`); the
//! value is everything after the first `:`, so it may itself contain colons but not `;`.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::{
    Error, Result,
    domain::{
        Timestamp,
        crm::{Email, Identity, NewIdentity, Phone, text::custom_fields},
    },
};

/// Separates the entries of a list cell.
pub const LIST_SEPARATOR: char = ';';

/// The non-empty `;`-separated entries of a cell, each split at its first `:` into an
/// optional kind and the value.
fn entries(cell: &str) -> impl Iterator<Item = (Option<&str>, &str)> {
    cell.split(LIST_SEPARATOR)
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| match entry.split_once(':') {
            Some((kind, value)) => (Some(kind.trim()), value.trim()),
            None => (None, entry),
        })
}

/// Renames a validation error of one element to the cell's column, with its position.
fn in_column(column: &'static str, index: usize) -> impl FnOnce(Error) -> Error {
    move |error| match error {
        Error::Validation { message, .. } => Error::Validation {
            field: Cow::Borrowed(column),
            message: format!("entry {}: {message}", index + 1).into(),
        },
        other => other,
    }
}

pub fn write_phones(phones: &[Phone]) -> String {
    join(
        phones
            .iter()
            .map(|phone| format!("{}:{}", phone.kind.as_str(), phone.number)),
    )
}

/// Phones normalized to E.164, the same parse the create endpoint uses.
pub fn read_phones(column: &'static str, cell: &str) -> Result<Vec<Phone>> {
    entries(cell)
        .enumerate()
        .map(|(index, (kind, number))| Phone::parse(number, kind).map_err(in_column(column, index)))
        .collect()
}

pub fn write_emails(emails: &[Email]) -> String {
    join(
        emails
            .iter()
            .map(|email| format!("{}:{}", email.kind.as_str(), email.address.as_str())),
    )
}

pub fn read_emails(column: &'static str, cell: &str) -> Result<Vec<Email>> {
    entries(cell)
        .enumerate()
        .map(|(index, (kind, address))| {
            Email::parse(address, kind).map_err(in_column(column, index))
        })
        .collect()
}

pub fn write_identities(identities: &[Identity]) -> String {
    join(
        identities
            .iter()
            .map(|identity| format!("{}:{}", identity.channel.as_str(), identity.external_id)),
    )
}

/// `channel:external_id` entries; the channel is required.
pub fn read_identities(column: &'static str, cell: &str) -> Result<Vec<NewIdentity>> {
    entries(cell)
        .enumerate()
        .map(|(index, (channel, external_id))| {
            let channel = channel
                .ok_or_else(|| Error::validation(column, "must be written channel:external_id"));
            channel
                .and_then(|channel| NewIdentity::parse(channel, external_id))
                .map_err(in_column(column, index))
        })
        .collect()
}

fn join(entries: impl Iterator<Item = String>) -> String {
    entries.collect::<Vec<_>>().join(";")
}

/// The custom-fields object as JSON text; empty for `{}`.
pub fn write_custom(custom: &Value) -> String {
    match custom {
        Value::Object(map) if map.is_empty() => String::new(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The custom-fields object of a row. The `custom` column, when the file has it, holds the
/// whole object as JSON (empty: `{}`); without it the row starts from `existing` (the
/// record being updated) or `{}`. The `custom.<key>` columns then set one key each: a cell
/// holds JSON when it parses as JSON (`42`, `true`, `"42"`, `[1,2]`) and plain text
/// otherwise; an empty cell leaves the key as it is.
pub fn read_custom(
    existing: Option<&Value>,
    json: Option<&str>,
    keyed: &[(&str, &str)],
) -> Result<Value> {
    let mut object = match json.map(str::trim) {
        Some("") => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(Error::validation(
                    "custom",
                    "must be a JSON object such as {\"tier\":\"gold\"}",
                ));
            }
        },
        None => match existing {
            Some(Value::Object(map)) => map.clone(),
            _ => Map::new(),
        },
    };
    for (key, cell) in keyed {
        if cell.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str::<Value>(cell.trim())
            .unwrap_or_else(|_| Value::String((*cell).to_owned()));
        object.insert((*key).to_owned(), value);
    }
    custom_fields(Some(Value::Object(object)))
}

/// An instant as RFC 3339 UTC, for the export-only `created_at` and `updated_at` columns.
pub fn write_instant(at: Timestamp) -> String {
    at.to_offset_date_time()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn phones_round_trip_with_their_kinds_and_are_normalized() {
        let phones = read_phones("phones", "work: 8 (916) 123-45-67 ; +44 20 7946 0958").unwrap();
        assert_eq!(
            write_phones(&phones),
            "work:+79161234567;mobile:+442079460958"
        );
        assert_eq!(
            read_phones("phones", &write_phones(&phones)).unwrap(),
            phones
        );
    }

    #[test]
    fn a_bad_entry_names_the_column_and_its_position() {
        let error = read_phones("phones", "+79161234567;call me").unwrap_err();
        assert!(
            matches!(error, Error::Validation { ref field, ref message } if field == "phones" && message.starts_with("entry 2:"))
        );
        assert!(read_identities("identities", "12345").is_err());
    }

    #[test]
    fn custom_cells_keep_strings_that_look_like_json_apart_from_json() {
        let keyed = [("n", "42"), ("s", "\"42\""), ("t", "gold"), ("e", "")];
        let custom = read_custom(None, Some(r#"{"a":"x"}"#), &keyed).unwrap();
        assert_eq!(custom, json!({"a": "x", "n": 42, "s": "42", "t": "gold"}));
        assert_eq!(
            read_custom(None, Some(&write_custom(&custom)), &[]).unwrap(),
            custom
        );
        assert_eq!(write_custom(&json!({})), "");
        assert!(read_custom(None, Some("[1]"), &[]).is_err());
    }

    #[test]
    fn keyed_custom_cells_change_only_their_key_of_an_existing_object() {
        let existing = json!({"a": 1, "b": 2});
        let custom = read_custom(Some(&existing), None, &[("b", "3")]).unwrap();
        assert_eq!(custom, json!({"a": 1, "b": 3}));
    }
}
