//! One value checked against its definition and normalized for storage. Every error names
//! the value as `custom.<key>` and says what the field takes.

use serde_json::Value;

use super::{
    FieldDefinition, FieldKind, TEXT_MAX,
    decimal::{decimal, significant_digits},
};
use crate::{Error, domain::crm::CalendarDate};

/// Significant digits a JSON number (a float once parsed) carries without loss; longer
/// numbers must come as text to stay exact.
const FLOAT_DIGITS: usize = 15;

impl FieldDefinition {
    /// The value to store for `raw`, or `None` when it is empty (`null`, `""`): the record
    /// then has no value for the field. A link is only checked for the shape of an id here;
    /// whether the record exists is the service's to check.
    pub fn check_value(&self, raw: &Value) -> Result<Option<Value>, Error> {
        let invalid = |message: String| Error::validation(self.path(), message);
        let text = match raw {
            Value::Null => return Ok(None),
            Value::String(text) if text.trim().is_empty() => return Ok(None),
            Value::String(text) => Some(text.trim()),
            _ => None,
        };
        match &self.kind {
            FieldKind::Text => {
                let text = text.ok_or_else(|| invalid("must be text".into()))?;
                if text.chars().count() > TEXT_MAX {
                    return Err(invalid(format!(
                        "must be at most {TEXT_MAX} characters long"
                    )));
                }
                let bad = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t');
                if text.chars().any(bad) {
                    return Err(invalid("must not contain control characters".into()));
                }
                Ok(Some(Value::String(text.to_owned())))
            }
            FieldKind::Number => number(raw, text).map(Some).map_err(invalid),
            FieldKind::Date => {
                let text =
                    text.ok_or_else(|| invalid("must be a date written YYYY-MM-DD".into()))?;
                CalendarDate::parse("date", text)
                    .map(|date| Some(Value::String(date.to_string())))
                    .map_err(|_| {
                        invalid(format!(
                            "must be a date written YYYY-MM-DD; {text:?} is not one"
                        ))
                    })
            }
            FieldKind::Boolean => match (raw, text) {
                (Value::Bool(flag), _) => Ok(Some(Value::Bool(*flag))),
                (_, Some("true")) => Ok(Some(Value::Bool(true))),
                (_, Some("false")) => Ok(Some(Value::Bool(false))),
                _ => Err(invalid("must be true or false".into())),
            },
            FieldKind::List(options) => {
                let choice = text.filter(|text| options.iter().any(|option| option == text));
                choice
                    .map(|choice| Some(Value::String(choice.to_owned())))
                    .ok_or_else(|| invalid(format!("must be one of: {}", options.join(", "))))
            }
            FieldKind::Link(entity) => text
                .and_then(|text| uuid::Uuid::parse_str(text).ok())
                .map(|id| Some(Value::String(id.to_string())))
                .ok_or_else(|| invalid(format!("must be the id of a {}", entity.as_str()))),
        }
    }
}

/// A number field's value: decimal text, or a JSON number that carries every digit it was
/// written with (an integer, or at most `FLOAT_DIGITS` significant digits).
fn number(raw: &Value, text: Option<&str>) -> Result<Value, String> {
    let shape = "must be a number, like 1500 or -12.75";
    let exact = match (raw, text) {
        (_, Some(text)) => decimal(text).ok_or_else(|| format!("{shape}; {text:?} is not one"))?,
        (Value::Number(number), _) => {
            let written = number.to_string();
            let exact = decimal(&written).ok_or_else(|| shape.to_owned())?;
            if number.is_f64() && significant_digits(&exact) > FLOAT_DIGITS {
                return Err(format!(
                    "{written} has more digits than a JSON number keeps exactly; send it as \
                     text, like \"{written}\""
                ));
            }
            exact
        }
        _ => return Err(shape.to_owned()),
    };
    Ok(Value::String(exact))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::{
        Role, Timestamp,
        crm::{CustomFieldId, EntityKind, custom_fields::FieldAccess},
    };

    fn field(kind: FieldKind) -> FieldDefinition {
        FieldDefinition {
            id: CustomFieldId::new(),
            entity: EntityKind::Contact,
            key: "x".into(),
            label: "X".into(),
            kind,
            required: false,
            sort_order: 0,
            access: FieldAccess::parse(&Role::ALL, &[]).unwrap(),
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    fn field_of(error: Error) -> String {
        match error {
            Error::Validation { field, .. } => field.into_owned(),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn numbers_are_kept_as_exact_decimal_text() {
        let number = field(FieldKind::Number);
        let cases = [
            (
                json!("12345678901234567890.10"),
                json!("12345678901234567890.1"),
            ),
            (json!(0.1), json!("0.1")),
            (json!(1500), json!("1500")),
            (json!(-7), json!("-7")),
        ];
        for (raw, stored) in cases {
            assert_eq!(number.check_value(&raw).unwrap(), Some(stored), "{raw}");
        }
        assert!(number.check_value(&json!(0.30000000000000004)).is_err());
        assert_eq!(
            field_of(number.check_value(&json!("abc")).unwrap_err()),
            "custom.x"
        );
        assert!(number.check_value(&json!(true)).is_err());
    }

    #[test]
    fn each_type_takes_its_own_shape() {
        let date = field(FieldKind::Date);
        assert_eq!(
            date.check_value(&json!("2026-02-28")).unwrap(),
            Some(json!("2026-02-28"))
        );
        assert!(date.check_value(&json!("2026-02-30")).is_err());
        let flag = field(FieldKind::Boolean);
        assert_eq!(flag.check_value(&json!("true")).unwrap(), Some(json!(true)));
        assert!(flag.check_value(&json!(1)).is_err());
        let list = field(FieldKind::List(vec!["Gold".into(), "Silver".into()]));
        assert_eq!(
            list.check_value(&json!(" Gold ")).unwrap(),
            Some(json!("Gold"))
        );
        assert!(list.check_value(&json!("gold")).is_err());
        let link = field(FieldKind::Link(EntityKind::Company));
        assert!(link.check_value(&json!("nope")).is_err());
        let text = field(FieldKind::Text);
        assert!(text.check_value(&json!(5)).is_err());
        assert_eq!(text.check_value(&json!("  ")).unwrap(), None);
        assert_eq!(text.check_value(&Value::Null).unwrap(), None);
    }
}
