//! Bounded free-text fields and the custom-fields object, validated with the field named.

use std::borrow::Cow;

use crate::Error;

/// Longest name part (first, last, middle name) in characters.
pub const NAME_MAX: usize = 100;
/// Longest company name in characters.
pub const COMPANY_NAME_MAX: usize = 200;
/// Longest position, source or other short text in characters.
pub const SHORT_MAX: usize = 200;
/// Longest address in characters.
pub const ADDRESS_MAX: usize = 500;
/// Largest custom-fields object, serialized, in bytes.
pub const CUSTOM_MAX_BYTES: usize = 16 * 1024;

/// Trims `raw`; empty becomes `None`. Longer than `max` characters or containing control
/// characters (line breaks are allowed where `multiline`) is a validation error on `field`.
pub fn optional_text(
    field: impl Into<Cow<'static, str>>,
    raw: Option<&str>,
    max: usize,
    multiline: bool,
) -> Result<Option<String>, Error> {
    let Some(text) = raw.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    let field = field.into();
    if text.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("must be at most {max} characters long"),
        ));
    }
    let bad = |c: char| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t'));
    if text.chars().any(bad) {
        return Err(Error::validation(
            field,
            "must not contain control characters",
        ));
    }
    Ok(Some(text.to_owned()))
}

/// Like `optional_text`, but the value must be present.
pub fn required_text(
    field: impl Into<Cow<'static, str>>,
    raw: &str,
    max: usize,
) -> Result<String, Error> {
    let field = field.into();
    optional_text(field.clone(), Some(raw), max, false)?
        .ok_or_else(|| Error::validation(field, "is required"))
}

/// Custom fields: a JSON object (absent means `{}`), at most `CUSTOM_MAX_BYTES` serialized.
/// Its values are checked against their definitions by the service (`custom_fields`).
pub fn custom_fields(value: Option<serde_json::Value>) -> Result<serde_json::Value, Error> {
    let value = value.unwrap_or_else(|| serde_json::Value::Object(Default::default()));
    if !value.is_object() {
        return Err(Error::validation("custom", "must be a JSON object"));
    }
    if value.to_string().len() > CUSTOM_MAX_BYTES {
        return Err(Error::validation("custom", "must be at most 16 KiB"));
    }
    Ok(value)
}

/// Puts a validation error of an element inside its list: `number` of the second phone
/// becomes `phones[1].number`. Other errors pass through.
pub fn nested(list: &str, index: usize) -> impl FnOnce(Error) -> Error + '_ {
    move |error| match error {
        Error::Validation { field, message } => Error::Validation {
            field: format!("{list}[{index}].{field}").into(),
            message,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_text_is_absent_and_long_text_names_the_field() {
        assert_eq!(optional_text("x", Some("  "), 5, false).unwrap(), None);
        assert_eq!(
            optional_text("x", Some(" ab "), 5, false)
                .unwrap()
                .as_deref(),
            Some("ab")
        );
        let error = optional_text("position", Some("abcdef"), 5, false).unwrap_err();
        assert!(matches!(error, Error::Validation { ref field, .. } if field == "position"));
    }

    #[test]
    fn line_breaks_are_allowed_only_in_multiline_fields() {
        assert!(optional_text("address", Some("a\nb"), 10, true).is_ok());
        assert!(optional_text("position", Some("a\nb"), 10, false).is_err());
    }

    #[test]
    fn custom_fields_must_be_an_object() {
        assert!(custom_fields(Some(serde_json::json!([1]))).is_err());
        assert_eq!(custom_fields(None).unwrap(), serde_json::json!({}));
    }

    #[test]
    fn element_errors_are_named_by_their_position() {
        let error = nested("phones", 1)(Error::validation("number", "bad"));
        assert!(
            matches!(error, Error::Validation { ref field, .. } if field == "phones[1].number")
        );
    }
}
