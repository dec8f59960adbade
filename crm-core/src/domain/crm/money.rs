//! Money as an exact decimal: an integer count of the currency's minor units (kopecks,
//! cents; yen have none) and an ISO 4217 currency. Amounts are parsed from their decimal
//! text and never pass through floating point, so 0.1 + 0.2 is 0.30 here.

use std::fmt;

use serde::{Serialize, Serializer, ser::SerializeStruct};

use crate::Error;

/// The currencies accepted, with their number of decimal places (ISO 4217).
const CURRENCIES: &[(&str, u32)] = &[
    ("AED", 2),
    ("AMD", 2),
    ("AZN", 2),
    ("BHD", 3),
    ("BYN", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CNY", 2),
    ("CZK", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("INR", 2),
    ("JPY", 0),
    ("KGS", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KZT", 2),
    ("OMR", 3),
    ("PLN", 2),
    ("RUB", 2),
    ("TRY", 2),
    ("UAH", 2),
    ("USD", 2),
    ("UZS", 2),
];

/// An ISO 4217 currency from the list above.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: &'static str,
    exponent: u32,
}

impl Currency {
    /// A three-letter code, any letter case. Unknown codes are a validation error on
    /// `currency`.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let code = raw.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(known, _)| *known == code)
            .map(|(code, exponent)| Currency {
                code,
                exponent: *exponent,
            })
            .ok_or_else(|| Error::validation("currency", "is not a supported ISO 4217 code"))
    }

    pub fn code(self) -> &'static str {
        self.code
    }

    /// Decimal places of the minor unit: 2 for RUB, 0 for JPY, 3 for KWD.
    pub fn exponent(self) -> u32 {
        self.exponent
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

/// An amount in a currency. Serialized as `{"amount": "1250.50", "currency": "RUB"}`, the
/// amount as a string so that no JSON reader turns it into a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    /// Parses a non-negative plain decimal (`1250`, `1250.5`, `1250.50`) in `currency`.
    /// More decimal places than the currency has, exponents, signs and separators are
    /// validation errors on `amount`.
    pub fn parse(raw: &str, currency: Currency) -> Result<Self, Error> {
        let text = raw.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || text.ends_with('.') {
            return Err(Error::validation(
                "amount",
                "must be a non-negative decimal number such as 1250.50",
            ));
        }
        let places = fraction.len() as u32;
        if places > currency.exponent {
            return Err(Error::validation(
                "amount",
                format!(
                    "{} allows {} decimal places, {text} has {places}",
                    currency.code, currency.exponent
                ),
            ));
        }
        let too_large = || Error::validation("amount", "is too large");
        let mut minor: i64 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add(i64::from(b - b'0')))
                .ok_or_else(too_large)?;
        }
        minor = minor
            .checked_mul(10_i64.pow(currency.exponent - places))
            .ok_or_else(too_large)?;
        Ok(Self { minor, currency })
    }

    pub fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    /// The amount as decimal text with exactly the currency's places.
    pub fn amount_text(self) -> String {
        decimal_text(i128::from(self.minor), self.currency.exponent)
    }
}

/// `value` scaled down by `places` decimal places, as exact text: (123456, 2) → "1234.56".
pub fn decimal_text(value: i128, places: u32) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let digits = value.unsigned_abs().to_string();
    let places = places as usize;
    if places == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = places + 1);
    let (whole, fraction) = padded.split_at(padded.len() - places);
    format!("{sign}{whole}.{fraction}")
}

/// A sum of `amount × percent` in minor units × 100, as text with the currency's places,
/// and two more only when they are not zero: 33.3333 stays exact, 33.0000 reads 33.00.
pub fn weighted_text(minor_percent: i128, currency: Currency) -> String {
    if minor_percent % 100 == 0 {
        decimal_text(minor_percent / 100, currency.exponent)
    } else {
        decimal_text(minor_percent, currency.exponent + 2)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("Money", 2)?;
        state.serialize_field("amount", &self.amount_text())?;
        state.serialize_field("currency", &self.currency)?;
        state.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rub() -> Currency {
        Currency::parse("rub").unwrap()
    }

    #[test]
    fn amounts_are_exact_in_minor_units() {
        assert_eq!(Money::parse("1250.5", rub()).unwrap().minor, 125_050);
        assert_eq!(Money::parse("0.10", rub()).unwrap().minor, 10);
        assert_eq!(Money::parse("7", rub()).unwrap().amount_text(), "7.00");
        let yen = Currency::parse("JPY").unwrap();
        assert_eq!(Money::parse("1500", yen).unwrap().amount_text(), "1500");
    }

    #[test]
    fn too_many_decimals_and_odd_forms_name_the_amount() {
        for raw in ["10.005", "-1", "1e3", "1.", ".5", "1 000", "", "12,5"] {
            let error = Money::parse(raw, rub()).unwrap_err();
            assert!(
                matches!(error, Error::Validation { ref field, .. } if field == "amount"),
                "{raw}"
            );
        }
        assert!(Money::parse("1.5", Currency::parse("JPY").unwrap()).is_err());
        assert!(Money::parse("99999999999999999999", rub()).is_err());
        assert!(Currency::parse("XXX").is_err());
    }

    #[test]
    fn weighted_sums_keep_their_fraction() {
        assert_eq!(weighted_text(10_000 * 33, rub()), "33.00");
        assert_eq!(weighted_text(10_001 * 33, rub()), "33.0033");
        assert_eq!(decimal_text(5, 2), "0.05");
    }
}
