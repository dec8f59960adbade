//! The timeline: one stream of entries (messages, calls, e-mails, comments, stage changes,
//! task events, field changes, conversation events) where each entry is linked to every
//! entity it concerns, so a message in a conversation about a deal shows on the deal and on
//! the contact alike. Pages run newest first by `(occurred_at, id)`.

use std::{fmt, str::FromStr};

use serde::Serialize;

use super::{CompanyId, ContactId, TimelineEntryId};
use crate::{
    Error,
    domain::{Timestamp, UserId},
};

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, $list:literal, { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            pub fn parse(raw: &str) -> Result<Self, Error> {
                match raw {
                    $($text => Ok($name::$variant),)*
                    _ => Err(Error::validation($field, concat!("must be one of ", $list))),
                }
            }
        }
    };
}
pub(super) use text_enum;

text_enum!(
    /// What happened. Stored as text without a check constraint, so new kinds need no
    /// migration.
    TimelineKind, "kind",
    "message, call, email, meeting, comment, stage_change, task_event, field_change, conversation_event, merge",
    {
        Message => "message",
        Call => "call",
        Email => "email",
        Meeting => "meeting",
        Comment => "comment",
        StageChange => "stage_change",
        TaskEvent => "task_event",
        FieldChange => "field_change",
        ConversationEvent => "conversation_event",
        Merge => "merge",
    }
);

text_enum!(
    /// The kinds of record a timeline belongs to. Leads and deals arrive with their tables;
    /// entries may already be linked to them.
    EntityKind, "entity_kind", "contact, company, lead, deal",
    { Contact => "contact", Company => "company", Lead => "lead", Deal => "deal" }
);

/// One record an entry is linked to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct EntityRef {
    pub kind: EntityKind,
    pub id: uuid::Uuid,
}

impl EntityRef {
    pub fn contact(id: ContactId) -> Self {
        Self {
            kind: EntityKind::Contact,
            id: id.as_uuid(),
        }
    }

    pub fn company(id: CompanyId) -> Self {
        Self {
            kind: EntityKind::Company,
            id: id.as_uuid(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TimelineEntry {
    pub id: TimelineEntryId,
    pub kind: TimelineKind,
    /// The staff member who did it; `None` for clients and the system.
    pub author_id: Option<UserId>,
    pub occurred_at: Timestamp,
    /// One line for lists and notifications.
    pub summary: String,
    /// The details, shaped by `kind` (a comment's text, a field change's old and new values).
    pub payload: serde_json::Value,
}

/// An entry to record, with every entity it concerns.
#[derive(Clone, Debug)]
pub struct NewTimelineEntry {
    pub kind: TimelineKind,
    pub author_id: Option<UserId>,
    pub occurred_at: Timestamp,
    pub summary: String,
    pub payload: serde_json::Value,
    pub links: Vec<EntityRef>,
}

/// Longest summary kept, in characters; longer ones are cut with `…`.
pub const SUMMARY_MAX: usize = 300;

/// `text` on one line, cut to `SUMMARY_MAX` characters.
pub fn summarize(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= SUMMARY_MAX {
        return line;
    }
    let mut cut: String = line.chars().take(SUMMARY_MAX - 1).collect();
    cut.push('…');
    cut
}

/// A comment's text: 1–10,000 characters after trimming.
pub fn comment_text(raw: &str) -> Result<String, Error> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > 10_000 {
        return Err(Error::validation(
            "text",
            "must be 1 to 10000 characters long",
        ));
    }
    Ok(text.to_owned())
}

/// Where a timeline page starts: strictly older than this entry. Written `<millis>_<id>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimelineCursor {
    pub occurred_at: Timestamp,
    pub id: TimelineEntryId,
}

impl TimelineCursor {
    pub fn after(entry: &TimelineEntry) -> Self {
        Self {
            occurred_at: entry.occurred_at,
            id: entry.id,
        }
    }
}

impl fmt::Display for TimelineCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.occurred_at.millis(), self.id)
    }
}

impl FromStr for TimelineCursor {
    type Err = Error;

    fn from_str(raw: &str) -> Result<Self, Error> {
        let invalid = || Error::validation("cursor", "is not a cursor this server returned");
        let (millis, id) = raw.trim().split_once('_').ok_or_else(invalid)?;
        Ok(Self {
            occurred_at: Timestamp::from_millis(millis.parse().map_err(|_| invalid())?),
            id: id.parse().map_err(|_| invalid())?,
        })
    }
}

/// A page of a timeline, newest first; `next_cursor` is absent on the last page.
#[derive(Clone, Debug, Serialize)]
pub struct TimelinePage {
    pub entries: Vec<TimelineEntry>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_its_text_form() {
        let cursor = TimelineCursor {
            occurred_at: Timestamp::from_millis(1_700_000_000_000),
            id: TimelineEntryId::new(),
        };
        assert_eq!(
            cursor.to_string().parse::<TimelineCursor>().unwrap(),
            cursor
        );
        assert!("garbage".parse::<TimelineCursor>().is_err());
    }

    #[test]
    fn long_summaries_are_cut_on_one_line() {
        assert_eq!(summarize("a\n\n b"), "a b");
        let long = summarize(&"x".repeat(400));
        assert_eq!(long.chars().count(), SUMMARY_MAX);
        assert!(long.ends_with('…'));
    }
}
