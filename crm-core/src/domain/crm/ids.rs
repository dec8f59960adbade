//! Identifiers of CRM records: UUIDv7, time-ordered like every id in `domain::ids`. The
//! macro there is private to that module, so the same shape is spelled out here.

use std::{fmt, str::FromStr};

use crate::Error;

macro_rules! crm_id {
    ($(#[$doc:meta])* $name:ident, $entity:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }

            pub fn from_uuid(uuid: uuid::Uuid) -> Self {
                Self(uuid)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = Error;

            fn from_str(raw: &str) -> Result<Self, Error> {
                uuid::Uuid::parse_str(raw.trim())
                    .map(Self)
                    .map_err(|_| Error::validation($entity, concat!("not a valid ", $entity, " id")))
            }
        }
    };
}

crm_id!(ContactId, "contact");
crm_id!(CompanyId, "company");
crm_id!(
    /// One entry of the timeline, however many entities it is linked to.
    TimelineEntryId,
    "timeline entry"
);
crm_id!(
    /// A contact's account on a channel (a Telegram user, a WhatsApp number).
    IdentityId,
    "identity"
);
crm_id!(
    /// A sales pipeline: an ordered set of stages a deal moves through.
    PipelineId,
    "pipeline"
);
crm_id!(StageId, "stage");
crm_id!(DealId, "deal");
crm_id!(LeadId, "lead");
crm_id!(
    /// One row of a deal's stage history.
    StageChangeId,
    "stage change"
);
crm_id!(
    /// A to-do with a deadline, a responsible user and optionally the record it is about.
    TaskId,
    "task"
);
crm_id!(
    /// One scheduled notice of a task (a reminder before the deadline, or overdue).
    ReminderId,
    "reminder"
);
crm_id!(
    /// The definition of a custom field.
    CustomFieldId,
    "custom field"
);
