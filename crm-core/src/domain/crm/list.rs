//! Listing and searching records: filters, keyset pages, and duplicate matches.

use serde::Serialize;

use super::{Company, CompanyId, Contact, ContactId};
use crate::{Error, domain::UserId};

/// Most records one page may hold.
pub const PAGE_MAX: i64 = 200;
/// Longest search text, in characters.
pub const QUERY_MAX: usize = 200;

/// A search text: 1–200 characters after trimming. It matches names by word prefix, and
/// phones and e-mails exactly once normalized.
pub fn search_text(raw: &str) -> Result<String, Error> {
    let text = raw.trim();
    let length = text.chars().count();
    if length == 0 || length > QUERY_MAX {
        return Err(Error::validation("q", "must be 1 to 200 characters long"));
    }
    Ok(text.to_owned())
}

/// Records whose custom field `key` holds `value` (`custom.<key>=<value>` in a list's
/// query). The service checks the field and the value against the definitions and sets
/// `stored`: the value as the record holds it, which is what the store looks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomMatch {
    pub key: String,
    pub value: String,
    pub stored: Option<String>,
}

impl CustomMatch {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            stored: None,
        }
    }
}

/// Which contacts to list, newest first. Filters combine with AND, and always within what
/// the caller may see.
#[derive(Clone, Debug, Default)]
pub struct ContactFilter {
    pub q: Option<String>,
    pub responsible_id: Option<UserId>,
    pub company_id: Option<CompanyId>,
    /// Custom field values the contacts must hold, all of them.
    pub custom: Vec<CustomMatch>,
    /// Only contacts older than this one (the last of the previous page).
    pub after: Option<ContactId>,
    pub limit: i64,
}

/// Which companies to list, newest first.
#[derive(Clone, Debug, Default)]
pub struct CompanyFilter {
    pub q: Option<String>,
    pub responsible_id: Option<UserId>,
    /// Custom field values the companies must hold, all of them.
    pub custom: Vec<CustomMatch>,
    pub after: Option<CompanyId>,
    pub limit: i64,
}

/// One page of a list. `total` counts every record the filter matches; it is computed for
/// the first page only (no cursor), since it does not change from page to page. A name
/// search stops counting at 1,000: then `total_capped` is set and there are at least
/// `total` matches.
#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    pub total: Option<i64>,
    pub total_capped: bool,
}

/// Why two records look like the same person or organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchReason {
    Phone,
    Email,
    Name,
}

#[derive(Clone, Debug, Serialize)]
pub struct ContactMatch {
    pub contact: Contact,
    pub reasons: Vec<MatchReason>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CompanyMatch {
    pub company: Company,
    pub reasons: Vec<MatchReason>,
}

/// What to look for when searching duplicates: any shared phone, any shared e-mail, or an
/// equal name key (`names::name_key`). Built from a record, or from what someone is about
/// to enter.
#[derive(Clone, Debug, Default)]
pub struct Likeness {
    pub phones: Vec<super::PhoneNumber>,
    pub emails: Vec<super::EmailAddress>,
    pub name_key: Option<String>,
}

impl Likeness {
    pub fn is_empty(&self) -> bool {
        self.phones.is_empty() && self.emails.is_empty() && self.name_key.is_none()
    }
}

/// Where a sorted page starts: strictly after the record with this sort key and id, in
/// the list's order. Written `<key>_<id>`, or just `<id>` for lists ordered by id alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortCursor {
    pub key: Option<i64>,
    pub id: uuid::Uuid,
}

impl SortCursor {
    pub fn id(id: uuid::Uuid) -> Self {
        Self { key: None, id }
    }
}

impl std::fmt::Display for SortCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.key {
            Some(key) => write!(f, "{key}_{}", self.id),
            None => write!(f, "{}", self.id),
        }
    }
}

impl std::str::FromStr for SortCursor {
    type Err = Error;

    fn from_str(raw: &str) -> Result<Self, Error> {
        let invalid = || Error::validation("cursor", "is not a cursor this server returned");
        let raw = raw.trim();
        let (key, id) = match raw.rsplit_once('_') {
            Some((key, id)) => (Some(key.parse().map_err(|_| invalid())?), id),
            None => (None, raw),
        };
        Ok(Self {
            key,
            id: uuid::Uuid::parse_str(id).map_err(|_| invalid())?,
        })
    }
}
