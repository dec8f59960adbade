//! How a contact or company is reached: phone numbers normalized to E.164 and e-mail
//! addresses lowercased, each with a type. Normalized values are what duplicate search and
//! the open-lines lookup compare, so two spellings of one number are one number.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Error;

/// A phone number in E.164: `+` and 8 to 15 digits, the first not 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Normalizes what people type: spaces, dashes, dots, slashes and parentheses are
    /// dropped; `00` becomes `+`; an 11-digit number starting with the Russian trunk prefix
    /// `8` becomes `+7…`; a number without `+` is read as already carrying its country code.
    /// Letters, extensions and anything else are rejected rather than guessed at.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(Error::validation("number", "is required"));
        }
        let mut digits = String::with_capacity(text.len());
        let mut plus = false;
        for (index, c) in text.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if index == 0 => plus = true,
                ' ' | '-' | '(' | ')' | '.' | '/' | '\u{a0}' => {}
                _ => {
                    return Err(Error::validation(
                        "number",
                        "may contain only digits, a leading +, spaces, dashes, dots and parentheses",
                    ));
                }
            }
        }
        if !plus {
            if let Some(rest) = digits.strip_prefix("00") {
                digits = rest.to_owned();
            } else if digits.len() == 11 && digits.starts_with('8') {
                digits.replace_range(..1, "7");
            }
        }
        if !(8..=15).contains(&digits.len()) {
            return Err(Error::validation(
                "number",
                "must have 8 to 15 digits including the country code",
            ));
        }
        if digits.starts_with('0') {
            return Err(Error::validation(
                "number",
                "must start with a country code (no country code begins with 0)",
            ));
        }
        Ok(Self(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but the last four digits hidden, for logs.
    pub fn masked(&self) -> String {
        let keep = self.0.len().saturating_sub(4);
        format!("+***{}", &self.0[keep.max(1)..])
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! kind_enum {
    ($(#[$doc:meta])* $name:ident, $list:literal, { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),* }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            pub fn parse(raw: &str) -> Result<Self, Error> {
                match raw.trim() {
                    $($text => Ok($name::$variant),)*
                    _ => Err(Error::validation("kind", concat!("must be one of ", $list))),
                }
            }
        }
    };
}

kind_enum!(
    /// What a phone number is for.
    PhoneKind, "mobile, work, home, other",
    { Mobile => "mobile", Work => "work", Home => "home", Other => "other" }
);

kind_enum!(
    /// What an e-mail address is for.
    EmailKind, "work, home, other",
    { Work => "work", Home => "home", Other => "other" }
);

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Phone {
    pub number: PhoneNumber,
    pub kind: PhoneKind,
}

impl Phone {
    /// A phone from request values; a missing kind means a mobile number, which is what
    /// messengers identify clients by.
    pub fn parse(number: &str, kind: Option<&str>) -> Result<Self, Error> {
        Ok(Self {
            number: PhoneNumber::parse(number)?,
            kind: kind.map_or(Ok(PhoneKind::Mobile), PhoneKind::parse)?,
        })
    }
}

/// An e-mail address, trimmed and lowercased.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Accepts `local@domain.tld`: one `@`, a local part of 1–64 characters without spaces,
    /// a domain of dot-separated labels of letters, digits and dashes, 254 characters at most.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let address = raw.trim().to_lowercase();
        let invalid = || Error::validation("address", "is not an e-mail address");
        if address.is_empty() {
            return Err(Error::validation("address", "is required"));
        }
        if address.chars().count() > 254 {
            return Err(Error::validation(
                "address",
                "must be at most 254 characters long",
            ));
        }
        let (local, domain) = address.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.chars().count() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[]\\,;:\"".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(address))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Email {
    pub address: EmailAddress,
    pub kind: EmailKind,
}

impl Email {
    /// An e-mail from request values; a missing kind means a work address.
    pub fn parse(address: &str, kind: Option<&str>) -> Result<Self, Error> {
        Ok(Self {
            address: EmailAddress::parse(address)?,
            kind: kind.map_or(Ok(EmailKind::Work), EmailKind::parse)?,
        })
    }
}

/// At most this many phones and as many e-mails per record.
pub const MAX_PER_RECORD: usize = 20;

/// Drops repeated numbers (the first kind given wins) and enforces the per-record bound.
pub fn dedup_phones(phones: Vec<Phone>) -> Result<Vec<Phone>, Error> {
    let mut kept: Vec<Phone> = Vec::with_capacity(phones.len());
    for phone in phones {
        if !kept.iter().any(|p| p.number == phone.number) {
            kept.push(phone);
        }
    }
    if kept.len() > MAX_PER_RECORD {
        return Err(Error::validation("phones", "at most 20 phone numbers"));
    }
    Ok(kept)
}

/// Drops repeated addresses (the first kind given wins) and enforces the per-record bound.
pub fn dedup_emails(emails: Vec<Email>) -> Result<Vec<Email>, Error> {
    let mut kept: Vec<Email> = Vec::with_capacity(emails.len());
    for email in emails {
        if !kept.iter().any(|e| e.address == email.address) {
            kept.push(email);
        }
    }
    if kept.len() > MAX_PER_RECORD {
        return Err(Error::validation("emails", "at most 20 e-mail addresses"));
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(raw: &str) -> String {
        PhoneNumber::parse(raw).unwrap().as_str().to_owned()
    }

    #[test]
    fn formatting_is_stripped() {
        assert_eq!(e164("+7 (916) 123-45-67"), "+79161234567");
        assert_eq!(e164(" +44 20.7946.0958 "), "+442079460958");
        assert_eq!(e164("+1 212/555-0199"), "+12125550199");
    }

    #[test]
    fn the_russian_trunk_prefix_becomes_plus_seven() {
        assert_eq!(e164("8 (916) 123-45-67"), "+79161234567");
        assert_eq!(e164("89161234567"), "+79161234567");
        // Eleven digits starting with 7 already carry the country code.
        assert_eq!(e164("7 916 123 45 67"), "+79161234567");
    }

    #[test]
    fn double_zero_is_the_international_prefix() {
        assert_eq!(e164("00 49 30 1234567"), "+49301234567");
    }

    #[test]
    fn with_a_plus_an_eight_is_a_country_code_not_a_trunk_prefix() {
        assert_eq!(e164("+81 3 1234 5678"), "+81312345678");
    }

    #[test]
    fn too_short_too_long_and_letters_are_rejected_naming_the_field() {
        for bad in [
            "12345",
            "+1234567890123456",
            "call me",
            "+7 916 123 45 67 ext 1",
            "",
            "+0123456789",
        ] {
            let error = PhoneNumber::parse(bad).unwrap_err();
            assert!(
                matches!(error, Error::Validation { ref field, .. } if field == "number"),
                "{bad}: {error:?}"
            );
        }
        assert!(PhoneNumber::parse("7+9161234567").is_err());
    }

    #[test]
    fn masked_numbers_keep_only_the_last_four_digits() {
        assert_eq!(
            PhoneNumber::parse("+79161234567").unwrap().masked(),
            "+***4567"
        );
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Anna.K@Example.COM ")
                .unwrap()
                .as_str(),
            "anna.k@example.com"
        );
        assert_eq!(
            EmailAddress::parse("иван@почта.рф").unwrap().as_str(),
            "иван@почта.рф"
        );
        for bad in [
            "anna",
            "anna@",
            "@example.com",
            "a b@example.com",
            "anna@example",
            "a@b..c",
            "a@@b.c",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_kinds_list_the_valid_ones() {
        let message = PhoneKind::parse("fax").unwrap_err().to_string();
        assert!(message.contains("mobile, work, home, other"), "{message}");
        assert_eq!(
            Phone::parse("+79161234567", None).unwrap().kind,
            PhoneKind::Mobile
        );
    }

    #[test]
    fn repeated_numbers_keep_the_first_kind() {
        let phones = dedup_phones(vec![
            Phone::parse("+79161234567", Some("work")).unwrap(),
            Phone::parse("8 916 123-45-67", Some("home")).unwrap(),
        ])
        .unwrap();
        assert_eq!(phones.len(), 1);
        assert_eq!(phones[0].kind, PhoneKind::Work);
    }
}
