//! The bodies of the contact routes that create, change and merge, and their conversion
//! into domain values, each bad value a 422 naming its field.

use std::collections::BTreeMap;

use crm_core::domain::crm::{
    ContactField, ContactId, ContactPatch, MergeContacts, NewContact, NewIdentity,
    text::{ADDRESS_MAX, NAME_MAX, SHORT_MAX, nested, optional_text},
};
use serde::Deserialize;
use serde_json::{Value, value::RawValue};

use super::wire::{
    EmailRequest, IdentityRequest, PhoneRequest, company_id, double_option, emails, patch_text,
    phones, user_id,
};
use crate::{
    error::{ApiError, Result},
    routes::custom_fields::custom_values,
};

fn empty() -> Value {
    Value::Object(serde_json::Map::new())
}

#[derive(Deserialize)]
pub struct CreateContactRequest {
    first_name: Option<String>,
    last_name: Option<String>,
    middle_name: Option<String>,
    position: Option<String>,
    company_id: Option<String>,
    address: Option<String>,
    source: Option<String>,
    /// Omitted: the caller.
    responsible_id: Option<String>,
    custom: Option<Box<RawValue>>,
    #[serde(default)]
    phones: Vec<PhoneRequest>,
    #[serde(default)]
    emails: Vec<EmailRequest>,
    #[serde(default)]
    identities: Vec<IdentityRequest>,
}

impl TryFrom<CreateContactRequest> for NewContact {
    type Error = ApiError;

    fn try_from(request: CreateContactRequest) -> Result<Self> {
        let identities = request
            .identities
            .into_iter()
            .enumerate()
            .map(|(index, identity)| {
                NewIdentity::parse(&identity.channel, &identity.external_id)
                    .map_err(nested("identities", index))
            })
            .collect::<Result<_, _>>()?;
        Ok(NewContact {
            first_name: optional_text(
                "first_name",
                request.first_name.as_deref(),
                NAME_MAX,
                false,
            )?,
            last_name: optional_text("last_name", request.last_name.as_deref(), NAME_MAX, false)?,
            middle_name: optional_text(
                "middle_name",
                request.middle_name.as_deref(),
                NAME_MAX,
                false,
            )?,
            position: optional_text("position", request.position.as_deref(), SHORT_MAX, false)?,
            company_id: company_id(request.company_id.as_deref())?,
            address: optional_text("address", request.address.as_deref(), ADDRESS_MAX, true)?,
            source: optional_text("source", request.source.as_deref(), SHORT_MAX, false)?,
            responsible_id: user_id("responsible_id", request.responsible_id.as_deref())?,
            custom: custom_values(request.custom.as_deref())?.unwrap_or_else(empty),
            phones: phones(request.phones)?,
            emails: emails(request.emails)?,
            identities,
        })
    }
}

/// Absent fields stay as they are; `null` clears a clearable field; `phones` and `emails`
/// replace the whole list.
#[derive(Deserialize)]
pub struct UpdateContactRequest {
    #[serde(default, deserialize_with = "double_option")]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    middle_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    position: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    company_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    address: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    source: Option<Option<String>>,
    responsible_id: Option<String>,
    custom: Option<Box<RawValue>>,
    phones: Option<Vec<PhoneRequest>>,
    emails: Option<Vec<EmailRequest>>,
}

impl TryFrom<UpdateContactRequest> for ContactPatch {
    type Error = ApiError;

    fn try_from(request: UpdateContactRequest) -> Result<Self> {
        Ok(ContactPatch {
            first_name: patch_text("first_name", request.first_name, NAME_MAX, false)?,
            last_name: patch_text("last_name", request.last_name, NAME_MAX, false)?,
            middle_name: patch_text("middle_name", request.middle_name, NAME_MAX, false)?,
            position: patch_text("position", request.position, SHORT_MAX, false)?,
            address: patch_text("address", request.address, ADDRESS_MAX, true)?,
            source: patch_text("source", request.source, SHORT_MAX, false)?,
            company_id: request
                .company_id
                .map(|raw| company_id(raw.as_deref()))
                .transpose()?,
            responsible_id: user_id("responsible_id", request.responsible_id.as_deref())?,
            custom: custom_values(request.custom.as_deref())?,
            phones: request.phones.map(phones).transpose()?,
            emails: request.emails.map(emails).transpose()?,
        })
    }
}

#[derive(Deserialize)]
pub struct MergeRequest {
    target_id: String,
    source_ids: Vec<String>,
    /// Field name → the id of the contact whose value the merged contact keeps.
    #[serde(default)]
    pick: BTreeMap<String, String>,
}

impl TryFrom<MergeRequest> for MergeContacts {
    type Error = ApiError;

    fn try_from(request: MergeRequest) -> Result<Self> {
        let contact = |field: String, raw: &str| -> Result<ContactId> {
            raw.trim()
                .parse()
                .map_err(|_| ApiError::invalid_field(field, "not a valid contact id"))
        };
        let target_id = contact("target_id".into(), &request.target_id)?;
        let source_ids = request
            .source_ids
            .iter()
            .enumerate()
            .map(|(index, raw)| contact(format!("source_ids[{index}]"), raw))
            .collect::<Result<Vec<_>>>()?;
        let pick = request
            .pick
            .iter()
            .map(|(field, raw)| {
                Ok((
                    ContactField::parse(field)?,
                    contact(format!("pick.{field}"), raw)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(MergeContacts::parse(target_id, source_ids, pick)?)
    }
}
