//! Exact decimal text for number fields: parsed digit by digit and written back in its
//! shortest form, never through a float, so `0.1` stays `0.1` and twenty-digit amounts keep
//! every digit.

/// Most significant digits a number field keeps.
pub const DIGITS_MAX: usize = 38;
/// Most digits before or after the decimal point.
const PLACES_MAX: i64 = 60;

/// `raw` (`-12.50`, `+3`, `1e3`, `0.000`) as its shortest decimal text (`-12.5`, `3`,
/// `1000`, `0`); `None` when it is not a decimal number or has more than `DIGITS_MAX`
/// significant digits.
pub fn decimal(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (negative, rest) = match raw.as_bytes().first()? {
        b'-' => (true, &raw[1..]),
        b'+' => (false, &raw[1..]),
        _ => (false, raw),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let is_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !is_digits(whole) || !is_digits(fraction) {
        return None;
    }
    let exponent: i64 = match exponent {
        Some(text) => {
            let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
            if digits.is_empty() || digits.len() > 3 || !is_digits(digits) {
                return None;
            }
            text.parse().ok()?
        }
        None => 0,
    };
    // All digits with the decimal point `point` places from the left.
    let digits: Vec<u8> = whole.bytes().chain(fraction.bytes()).collect();
    let point = i64::try_from(whole.len()).ok()? + exponent;
    let first = digits.iter().position(|d| *d != b'0');
    let Some(first) = first else {
        return Some("0".to_owned());
    };
    let last = digits.iter().rposition(|d| *d != b'0').unwrap_or(first);
    if last - first + 1 > DIGITS_MAX {
        return None;
    }
    let first = i64::try_from(first).ok()?;
    let last = i64::try_from(last).ok()?;
    // An exponent may not blow a short text up into a huge one.
    if point - first > PLACES_MAX || last + 1 - point > PLACES_MAX {
        return None;
    }
    // Positions relative to the point: integer digits are < point.
    let digit_at = |index: i64| -> u8 {
        usize::try_from(index)
            .ok()
            .and_then(|i| digits.get(i).copied())
            .unwrap_or(b'0')
    };
    let mut text = String::new();
    if negative {
        text.push('-');
    }
    if point <= first {
        text.push('0');
    } else {
        for index in first..point {
            text.push(char::from(digit_at(index)));
        }
    }
    if last >= point {
        text.push('.');
        for index in point..=last {
            text.push(char::from(digit_at(index)));
        }
    }
    Some(text)
}

/// Significant digits of a decimal text as `decimal` writes it.
pub fn significant_digits(text: &str) -> usize {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let trimmed = digits.trim_start_matches('0').trim_end_matches('0');
    trimmed.len().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_in_their_shortest_exact_form() {
        let cases = [
            ("0.1", "0.1"),
            ("12.50", "12.5"),
            ("-0012.0", "-12"),
            ("+3", "3"),
            ("0.000", "0"),
            ("-0", "0"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1e3", "1000"),
            ("1.5e-3", "0.0015"),
            (
                "12345678901234567890.123456789",
                "12345678901234567890.123456789",
            ),
            ("0.00012", "0.00012"),
            ("100", "100"),
        ];
        for (raw, expected) in cases {
            assert_eq!(decimal(raw).as_deref(), Some(expected), "{raw}");
        }
    }

    #[test]
    fn anything_else_is_not_a_decimal() {
        for bad in [
            "", "abc", "1,5", "1.2.3", "-", ".", "1e", "1e9999", "1e100", "0x10", "1 000",
        ] {
            assert_eq!(decimal(bad), None, "{bad}");
        }
        assert_eq!(decimal(&"9".repeat(39)), None);
    }

    #[test]
    fn significant_digits_ignore_leading_and_trailing_zeros() {
        assert_eq!(significant_digits("0.00012"), 2);
        assert_eq!(significant_digits("1000"), 1);
        assert_eq!(significant_digits("-12.5"), 3);
    }
}
