//! Attachments: files uploaded to the media store and referenced by messages. The bytes are
//! addressed by their SHA-256 (`ContentHash`), so identical uploads share one stored file;
//! each upload still gets its own `Attachment` with its uploader, name and type.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use super::{Timestamp, UserId};
use crate::Error;

/// The id of one upload. A UUIDv7 like every other id (see `ids.rs`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct AttachmentId(uuid::Uuid);

impl AttachmentId {
    pub fn new() -> Self {
        Self(uuid::Uuid::now_v7())
    }

    pub fn as_uuid(&self) -> uuid::Uuid {
        self.0
    }

    /// The ids a send request lists; a malformed one fails naming the `attachments` field.
    pub fn parse_list(raw: &[String]) -> Result<Vec<Self>, Error> {
        raw.iter()
            .map(|id| {
                id.parse().map_err(|_| {
                    Error::validation("attachments", format!("{id:?} is not an attachment id"))
                })
            })
            .collect()
    }
}

impl fmt::Display for AttachmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for AttachmentId {
    type Err = Error;

    fn from_str(raw: &str) -> Result<Self, Error> {
        uuid::Uuid::parse_str(raw)
            .map(Self)
            .map_err(|_| Error::validation("attachment", "not a valid attachment id"))
    }
}

/// The SHA-256 of a file's bytes as 64 lowercase hex digits: the key the media store files
/// it under. Parsing accepts nothing else, so a key can never name a path outside the store.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ContentHash(String);

impl ContentHash {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let valid = raw.len() == 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return Err(Error::validation(
                "sha256",
                "must be 64 lowercase hex digits",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The hex form of a finished digest.
    pub fn from_digest(digest: [u8; 32]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(64);
        for byte in digest {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A MIME type as the uploader declared it: `type/subtype` in lowercase, plus the `charset`
/// parameter when one was given (other parameters are dropped). It is served back verbatim,
/// never sniffed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ContentType(String);

impl ContentType {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let invalid = || Error::validation("content_type", "must be a MIME type such as image/png");
        let mut parts = raw.split(';');
        let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let (kind, subtype) = essence.split_once('/').ok_or_else(invalid)?;
        if !is_token(kind) || !is_token(subtype) || essence.len() > 127 {
            return Err(invalid());
        }
        let charset = parts.find_map(|parameter| {
            let (name, value) = parameter.split_once('=')?;
            let value = value.trim().trim_matches('"').to_ascii_lowercase();
            (name.trim().eq_ignore_ascii_case("charset") && is_token(&value) && value.len() <= 40)
                .then_some(value)
        });
        Ok(Self(match charset {
            Some(charset) => format!("{essence}; charset={charset}"),
            None => essence,
        }))
    }

    /// `type/subtype`, without parameters.
    pub fn essence(&self) -> &str {
        self.0.split(';').next().unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a browser may show the file in place rather than save it: raster images only.
    /// SVG is an image that can run script, so it is always downloaded.
    pub fn renders_inline(&self) -> bool {
        let essence = self.essence();
        essence.starts_with("image/") && essence != "image/svg+xml"
    }

    /// Matches a pattern from the allowed-types list: `*/*`, `type/*` or an exact essence.
    pub fn matches(&self, pattern: &str) -> bool {
        let pattern = pattern.trim().to_ascii_lowercase();
        let essence = self.essence();
        match pattern.strip_suffix("/*") {
            Some("*") => true,
            Some(kind) => essence.split('/').next() == Some(kind),
            None => essence == pattern,
        }
    }

    /// Whether `pattern` is something `matches` understands.
    pub fn is_valid_pattern(pattern: &str) -> bool {
        match pattern.trim().split_once('/') {
            Some(("*", "*")) => true,
            Some((kind, "*")) => is_token(kind),
            Some((kind, subtype)) => is_token(kind) && is_token(subtype),
            None => false,
        }
    }
}

/// An RFC 9110 token: the characters a type or subtype may use (no `*`, which marks patterns).
fn is_token(raw: &str) -> bool {
    !raw.is_empty()
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'+-.^_`|~".contains(&b))
}

/// The name a file is offered under: its last path component, without control characters,
/// 1 to 255 characters. Any script or language is fine; it is encoded when served.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct FileName(String);

impl FileName {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, Error> {
        let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let name: String = last.chars().filter(|c| !c.is_control()).collect();
        let name = name.trim();
        if name.is_empty() || name == "." || name == ".." {
            return Err(Error::validation("file_name", "must name a file"));
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(Error::validation(
                "file_name",
                "must be at most 255 characters long",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An upload whose bytes are already in the media store, to be recorded for its uploader.
#[derive(Clone, Debug)]
pub struct NewAttachment {
    pub sha256: ContentHash,
    pub size_bytes: u64,
    pub content_type: ContentType,
    pub file_name: FileName,
}

#[derive(Clone, Debug, Serialize)]
pub struct Attachment {
    pub id: AttachmentId,
    /// `None` once the uploader's account has been deleted.
    pub uploader_id: Option<UserId>,
    pub sha256: ContentHash,
    pub size_bytes: u64,
    pub content_type: ContentType,
    pub file_name: FileName,
    pub created_at: Timestamp,
}

impl Attachment {
    /// What a message carries about the attachment, so clients render it without a lookup.
    pub fn reference(&self) -> AttachmentRef {
        AttachmentRef {
            id: self.id,
            file_name: self.file_name.as_str().to_owned(),
            content_type: self.content_type.as_str().to_owned(),
            size_bytes: self.size_bytes,
        }
    }
}

/// One element of a message's `attachments` array.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub id: AttachmentId,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_content_hash_is_64_lowercase_hex_digits() {
        let hash = ContentHash::from_digest([0xab; 32]);
        assert_eq!(hash.as_str(), "ab".repeat(32));
        assert!(ContentHash::parse(hash.as_str()).is_ok());
        for bad in ["AB".repeat(32), "../".repeat(21) + "a", "ab".repeat(31)] {
            assert!(ContentHash::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_content_type_keeps_its_essence_and_charset() {
        let parsed = ContentType::parse("Text/Plain; Charset=\"UTF-8\"; format=flowed").unwrap();
        assert_eq!(parsed.as_str(), "text/plain; charset=utf-8");
        assert_eq!(parsed.essence(), "text/plain");
        for bad in ["", "text", "text/", "/plain", "te xt/plain", "*/*"] {
            assert!(ContentType::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn patterns_match_by_type_or_exactly() {
        let png = ContentType::parse("image/png").unwrap();
        assert!(png.matches("image/*") && png.matches("*/*") && png.matches("IMAGE/PNG"));
        assert!(!png.matches("image/jpeg") && !png.matches("video/*"));
        assert!(ContentType::is_valid_pattern("application/vnd.ms-excel"));
        assert!(!ContentType::is_valid_pattern("image") && !ContentType::is_valid_pattern("*/png"));
    }

    #[test]
    fn only_raster_images_render_inline() {
        let inline = |raw| ContentType::parse(raw).unwrap().renders_inline();
        assert!(inline("image/png"));
        assert!(!inline("image/svg+xml"));
        assert!(!inline("application/pdf"));
    }

    #[test]
    fn a_file_name_loses_its_path_and_control_characters() {
        assert_eq!(
            FileName::parse("C:\\Users\\a\\Отчёт\u{0}.pdf")
                .unwrap()
                .as_str(),
            "Отчёт.pdf"
        );
        assert_eq!(
            FileName::parse("../../etc/passwd").unwrap().as_str(),
            "passwd"
        );
        for bad in ["", "  ", "dir/", "..", &"я".repeat(256)] {
            assert!(FileName::parse(bad).is_err(), "{bad:?}");
        }
    }
}
