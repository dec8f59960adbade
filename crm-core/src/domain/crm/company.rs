//! Companies: organisations that contacts work for.

use serde::Serialize;

use super::{CompanyId, Email, Phone, names};
use crate::domain::{DepartmentId, Timestamp, UserId};

/// An organisation. `department_id` is the responsible user's department, copied for
/// visibility as on contacts.
#[derive(Clone, Debug, Serialize)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub address: Option<String>,
    pub responsible_id: Option<UserId>,
    pub department_id: Option<DepartmentId>,
    pub custom: serde_json::Value,
    pub phones: Vec<Phone>,
    pub emails: Vec<Email>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The similarity key of a company name: legal form, quotes and punctuation ignored,
/// Cyrillic and Latin spellings alike.
pub fn company_key(name: &str) -> Option<String> {
    names::name_key([name])
}

/// The words a company is found by.
pub fn company_words(name: &str) -> Vec<String> {
    names::search_words([name])
}

#[derive(Clone, Debug)]
pub struct NewCompany {
    /// Validated with `text::required_text`.
    pub name: String,
    pub address: Option<String>,
    /// `None` from staff means "me".
    pub responsible_id: Option<UserId>,
    pub custom: serde_json::Value,
    pub phones: Vec<Phone>,
    pub emails: Vec<Email>,
}

/// A change to a company; `None` leaves a field as it is, lists are replaced whole.
#[derive(Clone, Debug, Default)]
pub struct CompanyPatch {
    pub name: Option<String>,
    pub address: Option<Option<String>>,
    pub responsible_id: Option<UserId>,
    /// The custom values to change, by key; `null` clears one, keys not named stay.
    pub custom: Option<serde_json::Value>,
    pub phones: Option<Vec<Phone>>,
    pub emails: Option<Vec<Email>>,
}
