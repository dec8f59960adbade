//! `Content-Disposition` both ways: reading the file name an upload names, and offering a
//! download under its name with RFC 6266 / RFC 5987 encoding, so any script survives.

use axum::http::HeaderValue;

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>`, or `inline`
/// in place of `attachment`. The fallback is for clients that ignore `filename*`.
pub fn header(inline: bool, file_name: &str) -> HeaderValue {
    let kind = if inline { "inline" } else { "attachment" };
    let value = format!(
        "{kind}; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(file_name),
        encode_ext_value(file_name)
    );
    // Both parts are ASCII by construction, so this cannot fail; the fallback keeps the type.
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("attachment"))
}

/// The name with anything outside printable ASCII, and the quote and backslash that would
/// end or escape the quoted string, replaced by `_`.
fn ascii_fallback(name: &str) -> String {
    name.chars()
        .map(|c| {
            if (c.is_ascii_graphic() || c == ' ') && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// RFC 5987 `value-chars`: `attr-char`s as they are, every other UTF-8 byte as `%XX`.
fn encode_ext_value(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The file name in a request's `Content-Disposition`: `filename*` (UTF-8 or ISO-8859-1)
/// when present and decodable, else `filename`.
pub fn file_name(header: &str) -> Option<String> {
    let (_, parameters) = header.split_once(';')?;
    let mut plain = None;
    let mut extended = None;
    for (name, value) in parse_parameters(parameters) {
        if name.eq_ignore_ascii_case("filename*") {
            extended = decode_ext_value(&value);
        } else if name.eq_ignore_ascii_case("filename") {
            plain = Some(value);
        }
    }
    extended.or(plain)
}

/// `name=value` pairs separated by `;`, where a value is a token or a quoted string with
/// backslash escapes (which may hold `;`).
fn parse_parameters(raw: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut chars = raw.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ';' || c.is_whitespace()).is_some() {}
        let name: String = chars
            .by_ref()
            .take_while(|c| *c != '=')
            .collect::<String>()
            .trim()
            .to_owned();
        if name.is_empty() {
            return pairs;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
            while chars.next_if(|c| *c != ';').is_some() {}
        } else {
            while let Some(c) = chars.next_if(|c| *c != ';') {
                value.push(c);
            }
        }
        pairs.push((name, value.trim().to_owned()));
    }
}

/// `charset'language'percent-encoded` (RFC 5987).
fn decode_ext_value(raw: &str) -> Option<String> {
    let (charset, rest) = raw.split_once('\'')?;
    let (_language, encoded) = rest.split_once('\'')?;
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut input = encoded.bytes();
    while let Some(byte) = input.next() {
        if byte == b'%' {
            let high = char::from(input.next()?).to_digit(16)?;
            let low = char::from(input.next()?).to_digit(16)?;
            bytes.push(u8::try_from(high * 16 + low).ok()?);
        } else {
            bytes.push(byte);
        }
    }
    if charset.eq_ignore_ascii_case("utf-8") {
        String::from_utf8(bytes).ok()
    } else if charset.eq_ignore_ascii_case("iso-8859-1") {
        Some(bytes.into_iter().map(char::from).collect())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cyrillic_name_is_percent_encoded_with_an_ascii_fallback() {
        let value = header(false, "Отчёт \"Q3\".pdf");
        assert_eq!(
            value.to_str().unwrap(),
            "attachment; filename=\"_____ _Q3_.pdf\"; \
             filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20%22Q3%22.pdf"
        );
        assert!(
            header(true, "a.png")
                .to_str()
                .unwrap()
                .starts_with("inline; ")
        );
    }

    #[test]
    fn an_upload_name_prefers_the_extended_parameter() {
        let both = "attachment; filename=\"fallback.pdf\"; filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82.pdf";
        assert_eq!(file_name(both).as_deref(), Some("Отчёт.pdf"));
        let latin = "attachment; filename*=iso-8859-1'en'%E9t%E9.txt";
        assert_eq!(file_name(latin).as_deref(), Some("été.txt"));
    }

    #[test]
    fn a_quoted_name_may_hold_semicolons_and_escaped_quotes() {
        let quoted = r#"form-data; name="file"; filename="a; \"b\".txt""#;
        assert_eq!(file_name(quoted).as_deref(), Some("a; \"b\".txt"));
        let broken = "attachment; filename*=UTF-8''%ZZ; filename=plain.txt";
        assert_eq!(file_name(broken).as_deref(), Some("plain.txt"));
        assert_eq!(file_name("attachment"), None);
    }
}
