//! What the CRM routes (contacts, companies, deals, leads, timeline) share: query strings, phones and
//! e-mails in bodies, and their conversion into domain values. Every value arrives as text and is parsed here, so
//! a bad one is a 422 that names its field (`phones[1].number`, `company_id`, `cursor`).

use std::{collections::HashMap, str::FromStr};

use crm_core::domain::{
    UserId,
    crm::{
        CompanyFilter, CompanyId, ContactFilter, ContactId, CustomMatch, Email, GroupCursor,
        Likeness, NewIdentity, Phone, names, person_key,
        text::{nested, optional_text},
    },
};
use serde::{Deserialize, Deserializer};

use crate::error::{ApiError, Result};

/// Records per page when the request does not say.
pub const DEFAULT_LIMIT: i64 = 50;

/// For PATCH bodies: an absent field is `None`, `null` is `Some(None)`, a value `Some(Some(v))`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Parses an optional query or body value; blank counts as absent.
pub fn parse_opt<T: FromStr>(
    field: &'static str,
    raw: Option<&str>,
    message: &'static str,
) -> Result<Option<T>> {
    raw.map(str::trim)
        .filter(|raw| !raw.is_empty())
        .map(|raw| {
            raw.parse()
                .map_err(|_| ApiError::invalid_field(field, message))
        })
        .transpose()
}

/// A query or body text trimmed; blank counts as absent.
pub fn text_param(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|raw| !raw.is_empty())
        .map(str::to_owned)
}

/// A record id from the path: one that does not parse names nothing, so it is a 404.
pub fn path_id<T: FromStr>(raw: &str, entity: &'static str) -> Result<T> {
    raw.parse()
        .map_err(|_| ApiError::not_found(format!("{entity} not found")))
}

pub fn limit(raw: Option<&str>) -> Result<i64> {
    Ok(parse_opt::<i64>("limit", raw, "must be a whole number")?.unwrap_or(DEFAULT_LIMIT))
}

pub fn search(raw: Option<&str>) -> Result<Option<String>> {
    Ok(raw
        .filter(|q| !q.trim().is_empty())
        .map(crm_core::domain::crm::search_text)
        .transpose()?)
}

#[derive(Deserialize)]
pub struct PhoneRequest {
    number: String,
    kind: Option<String>,
}

#[derive(Deserialize)]
pub struct EmailRequest {
    address: String,
    kind: Option<String>,
}

#[derive(Deserialize)]
pub struct IdentityRequest {
    pub channel: String,
    pub external_id: String,
}

impl TryFrom<IdentityRequest> for NewIdentity {
    type Error = ApiError;

    fn try_from(request: IdentityRequest) -> Result<Self> {
        Ok(NewIdentity::parse(&request.channel, &request.external_id)?)
    }
}

pub fn phones(requests: Vec<PhoneRequest>) -> Result<Vec<Phone>> {
    requests
        .into_iter()
        .enumerate()
        .map(|(index, phone)| {
            Phone::parse(&phone.number, phone.kind.as_deref()).map_err(nested("phones", index))
        })
        .collect::<Result<_, _>>()
        .map_err(ApiError::from)
}

pub fn emails(requests: Vec<EmailRequest>) -> Result<Vec<Email>> {
    requests
        .into_iter()
        .enumerate()
        .map(|(index, email)| {
            Email::parse(&email.address, email.kind.as_deref()).map_err(nested("emails", index))
        })
        .collect::<Result<_, _>>()
        .map_err(ApiError::from)
}

pub fn user_id(field: &'static str, raw: Option<&str>) -> Result<Option<UserId>> {
    parse_opt(field, raw, "not a valid user id")
}

pub fn company_id(raw: Option<&str>) -> Result<Option<CompanyId>> {
    parse_opt("company_id", raw, "not a valid company id")
}

/// A clearable text field of a PATCH: absent, cleared, or a new value validated.
pub fn patch_text(
    field: &'static str,
    value: Option<Option<String>>,
    max: usize,
    multiline: bool,
) -> Result<Option<Option<String>>> {
    value
        .map(|value| optional_text(field, value.as_deref(), max, multiline))
        .transpose()
        .map_err(ApiError::from)
}

/// The custom-field filters among a list's query parameters: `custom.<key>=<value>`, each
/// a value the records must hold (checked against the field's definition by the service).
pub fn custom_matches(params: &HashMap<String, String>) -> Vec<CustomMatch> {
    let mut matches: Vec<CustomMatch> = params
        .iter()
        .filter_map(|(name, value)| {
            let key = name.strip_prefix("custom.")?;
            Some(CustomMatch::new(key, value.as_str()))
        })
        .collect();
    // The same query gives the same error first, whatever the map's order.
    matches.sort_by(|a, b| a.key.cmp(&b.key));
    matches
}

#[derive(Deserialize)]
pub struct ListContactsQuery {
    q: Option<String>,
    responsible_id: Option<String>,
    company_id: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    limit: Option<String>,
    /// `custom.<key>=<value>`: only records whose custom field `key` holds `value` (any
    /// number of them; a field the caller cannot see is unknown).
    #[serde(flatten)]
    other: HashMap<String, String>,
}

impl TryFrom<ListContactsQuery> for ContactFilter {
    type Error = ApiError;

    fn try_from(query: ListContactsQuery) -> Result<Self> {
        Ok(ContactFilter {
            q: search(query.q.as_deref())?,
            responsible_id: user_id("responsible_id", query.responsible_id.as_deref())?,
            company_id: company_id(query.company_id.as_deref())?,
            custom: custom_matches(&query.other),
            after: parse_opt::<ContactId>(
                "cursor",
                query.cursor.as_deref(),
                "is not a cursor this server returned",
            )?,
            limit: limit(query.limit.as_deref())?,
        })
    }
}

/// A page of duplicate groups (contacts or companies).
#[derive(Deserialize)]
pub struct GroupsQuery {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    limit: Option<String>,
}

impl GroupsQuery {
    /// Where the page starts and how many groups it holds.
    pub fn page(&self) -> Result<(Option<GroupCursor>, i64)> {
        let cursor = parse_opt(
            "cursor",
            self.cursor.as_deref(),
            "is not a cursor this server returned",
        )?;
        Ok((cursor, limit(self.limit.as_deref())?))
    }
}

#[derive(Deserialize)]
pub struct ListCompaniesQuery {
    q: Option<String>,
    responsible_id: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
    /// `custom.<key>=<value>`: only records whose custom field `key` holds `value` (any
    /// number of them; a field the caller cannot see is unknown).
    #[serde(flatten)]
    other: HashMap<String, String>,
}

impl TryFrom<ListCompaniesQuery> for CompanyFilter {
    type Error = ApiError;

    fn try_from(query: ListCompaniesQuery) -> Result<Self> {
        Ok(CompanyFilter {
            q: search(query.q.as_deref())?,
            responsible_id: user_id("responsible_id", query.responsible_id.as_deref())?,
            custom: custom_matches(&query.other),
            after: parse_opt::<CompanyId>(
                "cursor",
                query.cursor.as_deref(),
                "is not a cursor this server returned",
            )?,
            limit: limit(query.limit.as_deref())?,
        })
    }
}

/// `?contact_id=…` (or `company_id`) for duplicates of a record, or any of `phone`,
/// `email`, `name` (a whole name) and, for people, `first_name` with `last_name`.
#[derive(Deserialize)]
pub struct DuplicatesQuery {
    pub contact_id: Option<String>,
    pub company_id: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

impl TryFrom<&DuplicatesQuery> for Likeness {
    type Error = ApiError;

    fn try_from(query: &DuplicatesQuery) -> Result<Self> {
        let blank = |raw: &Option<String>| text_param(raw.as_deref());
        let phone = blank(&query.phone)
            .map(|raw| {
                Phone::parse(&raw, None)
                    .map_err(|_| ApiError::invalid_field("phone", "is not a phone number"))
            })
            .transpose()?;
        let email = blank(&query.email)
            .map(|raw| {
                Email::parse(&raw, None)
                    .map_err(|_| ApiError::invalid_field("email", "is not an e-mail address"))
            })
            .transpose()?;
        let (first, last) = (blank(&query.first_name), blank(&query.last_name));
        let name_key = match blank(&query.name) {
            Some(name) => names::name_key([name.as_str()]),
            None => person_key(first.as_deref(), last.as_deref()),
        };
        Ok(Likeness {
            phones: phone.into_iter().map(|phone| phone.number).collect(),
            emails: email.into_iter().map(|email| email.address).collect(),
            name_key,
        })
    }
}
