//! UUIDv7 identifiers: time-ordered, so new rows append to the end of every index.

use std::{fmt, str::FromStr};

use crate::Error;

macro_rules! uuid_id {
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
                uuid::Uuid::parse_str(raw)
                    .map(Self)
                    .map_err(|_| Error::validation($entity, concat!("not a valid ", $entity, " id")))
            }
        }
    };
}

uuid_id!(UserId, "user");
uuid_id!(DepartmentId, "department");
uuid_id!(SessionId, "session");
uuid_id!(RoomId, "room");
uuid_id!(MessageId, "message");
uuid_id!(AuditId, "audit");
uuid_id!(LineId, "line");
uuid_id!(ChannelId, "channel");
uuid_id!(CannedResponseId, "canned response");
uuid_id!(
    /// An anonymous visitor of one widget channel.
    VisitorId,
    "visitor"
);
uuid_id!(CallId, "call");
uuid_id!(GuestLinkId, "guest link");
uuid_id!(CallGuestId, "guest");
