//! Duplicate groups: the records that share one normalized value, for the finder that lists
//! every duplicate at once (rather than the duplicates of one record).

use serde::Serialize;

use super::MatchReason;
use crate::Error;

/// Records listed per group; `size` still counts all of them.
pub const GROUP_RECORDS_MAX: i64 = 20;

/// Records that share a phone, an e-mail or a name key. `value` is that value as stored:
/// a phone in E.164, a lowercased e-mail, or the name key (`names::name_key`).
#[derive(Clone, Debug, Serialize)]
pub struct DuplicateGroup<T> {
    pub reason: MatchReason,
    pub value: String,
    /// How many live records the caller may see share the value.
    pub size: i64,
    /// Newest first, at most `GROUP_RECORDS_MAX`.
    pub records: Vec<T>,
}

/// Where a page of groups starts: strictly after this group. Groups come by reason (phone,
/// e-mail, name), then by value in byte order. Written `<reason>:<value>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupCursor {
    pub reason: MatchReason,
    pub value: String,
}

impl MatchReason {
    pub const ALL: [MatchReason; 3] = [MatchReason::Phone, MatchReason::Email, MatchReason::Name];

    pub fn as_str(self) -> &'static str {
        match self {
            MatchReason::Phone => "phone",
            MatchReason::Email => "email",
            MatchReason::Name => "name",
        }
    }
}

impl std::fmt::Display for GroupCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.reason.as_str(), self.value)
    }
}

impl std::str::FromStr for GroupCursor {
    type Err = Error;

    fn from_str(raw: &str) -> Result<Self, Error> {
        let invalid = || Error::validation("cursor", "is not a cursor this server returned");
        let (reason, value) = raw.split_once(':').ok_or_else(invalid)?;
        let reason = MatchReason::ALL
            .into_iter()
            .find(|known| known.as_str() == reason)
            .ok_or_else(invalid)?;
        if value.is_empty() {
            return Err(invalid());
        }
        Ok(Self {
            reason,
            value: value.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_wrote_and_refuses_anything_else() {
        let cursor = GroupCursor {
            reason: MatchReason::Email,
            value: "a:b@example.com".into(),
        };
        assert_eq!(cursor.to_string().parse::<GroupCursor>().ok(), Some(cursor));
        for bad in ["", "phone", "phone:", "fax:+1", "nonsense"] {
            assert!(bad.parse::<GroupCursor>().is_err(), "{bad}");
        }
    }
}
