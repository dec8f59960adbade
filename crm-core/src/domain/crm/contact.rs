//! Contacts (people), their channel identities, and what creating, changing and merging one
//! takes.

use serde::Serialize;

use super::{
    CompanyId, ContactId, Email, IdentityId, Phone,
    names::{name_key, search_words},
};
use crate::{
    Error,
    domain::{ChannelKind, DepartmentId, Timestamp, UserId},
};

/// A person the business talks to. `department_id` is the responsible user's department,
/// copied when the responsible user is assigned, because visibility reads it on every query.
#[derive(Clone, Debug, Serialize)]
pub struct Contact {
    pub id: ContactId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub middle_name: Option<String>,
    pub position: Option<String>,
    pub company_id: Option<CompanyId>,
    pub address: Option<String>,
    /// Where the contact came from (an open line, an import, a web form); free text.
    pub source: Option<String>,
    pub responsible_id: Option<UserId>,
    pub department_id: Option<DepartmentId>,
    pub custom: serde_json::Value,
    pub phones: Vec<Phone>,
    pub emails: Vec<Email>,
    pub identities: Vec<Identity>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Contact {
    /// "Last First Middle", or the first phone or e-mail of a nameless contact.
    pub fn display_name(&self) -> String {
        let name = [&self.last_name, &self.first_name, &self.middle_name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            return name;
        }
        self.phones
            .first()
            .map(|phone| phone.number.to_string())
            .or_else(|| self.emails.first().map(|email| email.address.to_string()))
            .unwrap_or_else(|| "—".to_owned())
    }
}

/// The similarity key of a person: last and first name (a patronymic is too often missing to
/// take part).
pub fn person_key(first_name: Option<&str>, last_name: Option<&str>) -> Option<String> {
    name_key([
        last_name.unwrap_or_default(),
        first_name.unwrap_or_default(),
    ])
}

/// The words a contact is found by.
pub fn person_words(
    first_name: Option<&str>,
    last_name: Option<&str>,
    middle_name: Option<&str>,
) -> Vec<String> {
    search_words([last_name, first_name, middle_name].into_iter().flatten())
}

/// The contact's account on a channel: unique per channel, so the open lines find the
/// contact a message comes from by it.
#[derive(Clone, Debug, Serialize)]
pub struct Identity {
    pub id: IdentityId,
    pub channel: ChannelKind,
    pub external_id: String,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewIdentity {
    pub channel: ChannelKind,
    pub external_id: String,
}

impl NewIdentity {
    /// `external_id` is the provider's id of the person (Telegram user id, WhatsApp wa_id,
    /// e-mail address, widget visitor id): 1–256 characters, kept exactly as given.
    pub fn parse(channel: &str, external_id: &str) -> Result<Self, Error> {
        let channel = ChannelKind::parse(channel.trim())?;
        let external_id = external_id.trim();
        if external_id.is_empty() || external_id.chars().count() > 256 {
            return Err(Error::validation(
                "external_id",
                "must be 1 to 256 characters long",
            ));
        }
        Ok(Self {
            channel,
            external_id: external_id.to_owned(),
        })
    }
}

/// A contact to create. Field values are already validated one by one; `check` adds the
/// rules that span fields.
#[derive(Clone, Debug, Default)]
pub struct NewContact {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub middle_name: Option<String>,
    pub position: Option<String>,
    pub company_id: Option<CompanyId>,
    pub address: Option<String>,
    pub source: Option<String>,
    /// `None` from staff means "me"; system-created contacts may stay unassigned.
    pub responsible_id: Option<UserId>,
    pub custom: serde_json::Value,
    pub phones: Vec<Phone>,
    pub emails: Vec<Email>,
    pub identities: Vec<NewIdentity>,
}

impl NewContact {
    /// A contact must be recognisable: a name, a phone, an e-mail or a channel identity.
    pub fn check(&self) -> Result<(), Error> {
        let named = self.first_name.is_some() || self.last_name.is_some();
        if named
            || !self.phones.is_empty()
            || !self.emails.is_empty()
            || !self.identities.is_empty()
        {
            Ok(())
        } else {
            Err(Error::validation(
                "first_name",
                "a contact needs a first or last name, a phone, an e-mail or an identity",
            ))
        }
    }
}

/// A change to a contact: `None` leaves a field as it is; for clearable fields `Some(None)`
/// clears it. Lists (phones, e-mails) are replaced whole.
#[derive(Clone, Debug, Default)]
pub struct ContactPatch {
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub middle_name: Option<Option<String>>,
    pub position: Option<Option<String>>,
    pub company_id: Option<Option<CompanyId>>,
    pub address: Option<Option<String>>,
    pub source: Option<Option<String>>,
    pub responsible_id: Option<UserId>,
    /// The custom values to change, by key; `null` clears one, keys not named stay.
    pub custom: Option<serde_json::Value>,
    pub phones: Option<Vec<Phone>>,
    pub emails: Option<Vec<Email>>,
}

/// A field whose value a merge takes from a chosen contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    FirstName,
    LastName,
    MiddleName,
    Position,
    CompanyId,
    Address,
    Source,
    ResponsibleId,
    Custom,
}

impl ContactField {
    pub const ALL: [ContactField; 9] = [
        ContactField::FirstName,
        ContactField::LastName,
        ContactField::MiddleName,
        ContactField::Position,
        ContactField::CompanyId,
        ContactField::Address,
        ContactField::Source,
        ContactField::ResponsibleId,
        ContactField::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactField::FirstName => "first_name",
            ContactField::LastName => "last_name",
            ContactField::MiddleName => "middle_name",
            ContactField::Position => "position",
            ContactField::CompanyId => "company_id",
            ContactField::Address => "address",
            ContactField::Source => "source",
            ContactField::ResponsibleId => "responsible_id",
            ContactField::Custom => "custom",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|field| field.as_str() == raw)
            .ok_or_else(|| {
                Error::validation(
                    format!("pick.{raw}"),
                    "is not a field a merge can choose; use first_name, last_name, middle_name, \
                     position, company_id, address, source, responsible_id or custom",
                )
            })
    }
}

/// Most contacts one merge folds into the target.
pub const MERGE_MAX_SOURCES: usize = 10;

/// Merge `source_ids` into `target_id`: the target keeps its id; for each field in `pick`
/// the value comes from the named contact, otherwise from the target, or from the first
/// source that has one when the target's is empty. Phones, e-mails, identities and the
/// timeline of every source move to the target; the sources are deleted.
#[derive(Clone, Debug)]
pub struct MergeContacts {
    pub target_id: ContactId,
    pub source_ids: Vec<ContactId>,
    pub pick: Vec<(ContactField, ContactId)>,
}

impl MergeContacts {
    pub fn parse(
        target_id: ContactId,
        source_ids: Vec<ContactId>,
        pick: Vec<(ContactField, ContactId)>,
    ) -> Result<Self, Error> {
        if source_ids.is_empty() || source_ids.len() > MERGE_MAX_SOURCES {
            return Err(Error::validation(
                "source_ids",
                "name 1 to 10 contacts to merge into the target",
            ));
        }
        if source_ids.contains(&target_id) {
            return Err(Error::validation(
                "source_ids",
                "a contact cannot be merged into itself",
            ));
        }
        let mut seen = Vec::with_capacity(source_ids.len());
        for id in &source_ids {
            if seen.contains(id) {
                return Err(Error::validation("source_ids", "a contact is named twice"));
            }
            seen.push(*id);
        }
        for (field, from) in &pick {
            if *from != target_id && !source_ids.contains(from) {
                return Err(Error::validation(
                    format!("pick.{}", field.as_str()),
                    "must name the target or one of the merged contacts",
                ));
            }
        }
        Ok(Self {
            target_id,
            source_ids,
            pick,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_a_contact_into_itself_is_refused() {
        let id = ContactId::new();
        let error = MergeContacts::parse(id, vec![id], vec![]).unwrap_err();
        assert!(matches!(error, Error::Validation { ref field, .. } if field == "source_ids"));
    }

    #[test]
    fn a_pick_must_name_a_contact_of_the_merge() {
        let (target, source) = (ContactId::new(), ContactId::new());
        let error = MergeContacts::parse(
            target,
            vec![source],
            vec![(ContactField::Address, ContactId::new())],
        )
        .unwrap_err();
        assert!(matches!(error, Error::Validation { ref field, .. } if field == "pick.address"));
        assert!(
            MergeContacts::parse(target, vec![source], vec![(ContactField::Address, source)])
                .is_ok()
        );
    }

    #[test]
    fn a_contact_needs_something_to_recognise_it_by() {
        assert!(NewContact::default().check().is_err());
        let named = NewContact {
            last_name: Some("Иванов".into()),
            ..NewContact::default()
        };
        assert!(named.check().is_ok());
    }

    #[test]
    fn the_person_key_ignores_the_patronymic_and_the_script() {
        assert_eq!(
            person_key(Some("Иван"), Some("Иванов")),
            person_key(Some("Ivan"), Some("Ivanov"))
        );
        assert_eq!(person_key(None, None), None);
    }
}
