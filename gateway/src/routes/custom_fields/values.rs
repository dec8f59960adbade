//! The `custom` object of a record's body, read from its raw JSON so that a number keeps the
//! digits it was written with: a JSON parser turns `12345678901234567890.12` into a float
//! and rounds it, so such a number is handed on as its text, which number fields read
//! exactly. Numbers a float holds exactly stay numbers, so a text field still refuses `5`.

use std::collections::BTreeMap;

use crm_core::domain::crm::{custom_fields::decimal, text::custom_fields};
use serde_json::{Map, Value, value::RawValue};

use crate::error::{ApiError, Result};

/// The custom values of a body, `None` when it has no `custom`.
pub fn custom_values(raw: Option<&RawValue>) -> Result<Option<Value>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let not_object = || ApiError::invalid_field("custom", "must be a JSON object");
    let text = raw.get().trim();
    if text == "null" {
        return Ok(Some(custom_fields(None)?));
    }
    if !text.starts_with('{') {
        return Err(not_object());
    }
    let raw_entries: BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(text).map_err(|_| not_object())?;
    let entries = raw_entries
        .into_iter()
        .map(|(key, value)| Ok((key, exact(&value)?)))
        .collect::<Result<Map<String, Value>>>()?;
    Ok(Some(custom_fields(Some(Value::Object(entries)))?))
}

/// One value: a number token that a float would round becomes its text.
fn exact(raw: &RawValue) -> Result<Value> {
    let text = raw.get().trim();
    let value: Value = serde_json::from_str(text).map_err(|_| {
        ApiError::bad_request("malformed_json", "the request body is not valid JSON")
    })?;
    if let Value::Number(number) = &value
        && decimal(text) != decimal(&number.to_string())
    {
        return Ok(Value::String(text.to_owned()));
    }
    Ok(value)
}
