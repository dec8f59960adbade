//! The website widget: which sites may embed a widget channel, what its pre-chat form asks,
//! and the anonymous visitors who chat through it. A visitor's id is what the inbound
//! pipeline sees as the provider's user and chat id.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{
    ChannelId, Timestamp, VisitorId,
    crm::{EmailAddress, PhoneNumber},
};
use crate::Error;

/// Whether the pre-chat form shows a field, and whether the visitor must fill it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldRule {
    #[default]
    Off,
    Optional,
    Required,
}

impl FieldRule {
    pub fn parse(field: &'static str, raw: Option<&str>) -> Result<Self, Error> {
        match raw {
            None | Some("off") => Ok(FieldRule::Off),
            Some("optional") => Ok(FieldRule::Optional),
            Some("required") => Ok(FieldRule::Required),
            Some(_) => Err(Error::validation(
                format!("prechat.{field}"),
                "must be off, optional or required",
            )),
        }
    }
}

/// The pre-chat form: each of name, e-mail and phone off, optional or required.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrechatForm {
    #[serde(default)]
    pub name: FieldRule,
    #[serde(default)]
    pub email: FieldRule,
    #[serde(default)]
    pub phone: FieldRule,
}

/// What a visitor typed into the form, before checking.
#[derive(Clone, Debug, Default)]
pub struct RawDetails {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A visitor's checked details; a field the form leaves off is never kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VisitorDetails {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl PrechatForm {
    pub fn is_empty(&self) -> bool {
        [self.name, self.email, self.phone]
            .iter()
            .all(|rule| *rule == FieldRule::Off)
    }

    /// Checks the visitor's input against the form; the first bad field is the error.
    pub fn check(&self, raw: RawDetails) -> Result<VisitorDetails, Error> {
        Ok(VisitorDetails {
            name: field(self.name, "name", raw.name, |name| {
                let name = name.trim();
                if name.chars().count() > 100 {
                    Err(Error::validation(
                        "name",
                        "must be at most 100 characters long",
                    ))
                } else {
                    Ok(name.to_owned())
                }
            })?,
            email: field(self.email, "email", raw.email, |email| {
                EmailAddress::parse(email)
                    .map(|address| address.as_str().to_owned())
                    .map_err(|error| rename(error, "email"))
            })?,
            phone: field(self.phone, "phone", raw.phone, |phone| {
                PhoneNumber::parse(phone)
                    .map(|number| number.as_str().to_owned())
                    .map_err(|error| rename(error, "phone"))
            })?,
        })
    }
}

fn field(
    rule: FieldRule,
    name: &'static str,
    raw: Option<String>,
    parse: impl Fn(&str) -> Result<String, Error>,
) -> Result<Option<String>, Error> {
    let given = raw.filter(|value| !value.trim().is_empty());
    match (rule, given) {
        (FieldRule::Off, _) => Ok(None),
        (FieldRule::Required, None) => Err(Error::validation(name, "is required")),
        (FieldRule::Optional, None) => Ok(None),
        (_, Some(value)) => parse(&value).map(Some),
    }
}

/// The shared parsers name their own field (`address`, `number`); the form names its own.
fn rename(error: Error, field: &'static str) -> Error {
    match error {
        Error::Validation { message, .. } => Error::Validation {
            field: Cow::Borrowed(field),
            message,
        },
        other => other,
    }
}

/// An origin a widget may be embedded on: `scheme://host[:port]`, lowercased, or `*` for any.
pub fn parse_origin(raw: &str) -> Result<String, Error> {
    let origin = raw.trim().trim_end_matches('/').to_lowercase();
    if origin == "*" {
        return Ok(origin);
    }
    let invalid = || {
        Error::validation(
            "allowed_origins",
            format!("{raw:?} is not an origin like https://example.com"),
        )
    };
    let (scheme, rest) = origin.split_once("://").ok_or_else(invalid)?;
    let host = rest.split(':').next().unwrap_or_default();
    let port_ok = rest
        .split_once(':')
        .is_none_or(|(_, port)| !port.is_empty() && port.parse::<u16>().is_ok());
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if matches!(scheme, "http" | "https") && host_ok && port_ok {
        Ok(origin)
    } else {
        Err(invalid())
    }
}

/// A widget channel's settings, kept in the channel's `config`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetConfig {
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub prechat: PrechatForm,
}

impl WidgetConfig {
    /// Reads the config a widget channel was stored with; anything unreadable allows nothing.
    pub fn of(config: &serde_json::Value) -> Self {
        serde_json::from_value(config.clone()).unwrap_or_default()
    }

    /// Whether a page on `origin` may talk to this widget. A request without an `Origin`
    /// header passes only when every origin is allowed.
    pub fn allows(&self, origin: Option<&str>) -> bool {
        if self.allowed_origins.iter().any(|allowed| allowed == "*") {
            return true;
        }
        let Some(origin) = origin else { return false };
        let origin = origin.trim_end_matches('/').to_lowercase();
        self.allowed_origins.contains(&origin)
    }
}

/// An anonymous visitor; the token that identifies it is held only by its browser.
#[derive(Clone, Debug, Serialize)]
pub struct Visitor {
    pub id: VisitorId,
    #[serde(skip)]
    pub channel_id: ChannelId,
    #[serde(flatten)]
    pub details: VisitorDetails,
    pub created_at: Timestamp,
}

impl Visitor {
    /// The name operators see: the form's name, else a short stable label.
    pub fn display_name(&self) -> String {
        match &self.details.name {
            Some(name) => name.clone(),
            None => {
                let id = self.id.to_string();
                format!("Visitor {}", &id[id.len().saturating_sub(4)..])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: FieldRule, email: FieldRule, phone: FieldRule) -> PrechatForm {
        PrechatForm { name, email, phone }
    }

    #[test]
    fn a_required_field_left_empty_names_that_field() {
        let form = form(FieldRule::Required, FieldRule::Off, FieldRule::Off);
        let error = form.check(RawDetails::default()).unwrap_err();
        assert!(matches!(error, Error::Validation { field, .. } if field == "name"));
    }

    #[test]
    fn a_bad_email_or_phone_names_its_own_field() {
        let form = form(FieldRule::Off, FieldRule::Optional, FieldRule::Optional);
        let bad_email = RawDetails {
            email: Some("not-an-address".into()),
            ..RawDetails::default()
        };
        let bad_phone = RawDetails {
            phone: Some("call me".into()),
            ..RawDetails::default()
        };
        assert!(
            matches!(form.check(bad_email), Err(Error::Validation { field, .. }) if field == "email")
        );
        assert!(
            matches!(form.check(bad_phone), Err(Error::Validation { field, .. }) if field == "phone")
        );
    }

    #[test]
    fn fields_the_form_leaves_off_are_dropped_and_the_rest_normalized() {
        let form = form(FieldRule::Off, FieldRule::Required, FieldRule::Optional);
        let details = form
            .check(RawDetails {
                name: Some("Anna".into()),
                email: Some(" Anna@Example.COM ".into()),
                phone: Some("8 (912) 345-67-89".into()),
            })
            .unwrap();
        assert_eq!(details.name, None);
        assert_eq!(details.email.as_deref(), Some("anna@example.com"));
        assert_eq!(details.phone.as_deref(), Some("+79123456789"));
    }

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(
            parse_origin("https://Shop.example.com/").unwrap(),
            "https://shop.example.com"
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:8081").unwrap(),
            "http://127.0.0.1:8081"
        );
        for bad in [
            "shop.example.com",
            "ftp://x.org",
            "https://x.org/path",
            "https://x.org:99999",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_listed_origins_pass_unless_any_is_allowed() {
        let config = WidgetConfig {
            allowed_origins: vec!["https://shop.example.com".into()],
            prechat: PrechatForm::default(),
        };
        assert!(config.allows(Some("https://shop.example.com")));
        assert!(!config.allows(Some("https://evil.example.com")));
        assert!(!config.allows(None));
        let open = WidgetConfig {
            allowed_origins: vec!["*".into()],
            prechat: PrechatForm::default(),
        };
        assert!(open.allows(None));
    }
}
