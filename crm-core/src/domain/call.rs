//! Calls: an audio/video call held in a room. Only who started it, when, and who took part
//! are domain data; media and live connections belong to the SFU and the gateway.

use serde::{Deserialize, Serialize};

use super::{
    AttachmentId, CallGuestId, CallId, GuestLinkId, MessageId, NewAttachment, RoomId, Timestamp,
    UserId,
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Call {
    pub id: CallId,
    pub room_id: RoomId,
    pub started_by: Option<UserId>,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    /// Everyone who joined at least once, in the order they first joined.
    pub participants: Vec<UserId>,
    /// The room message that summarises the call once it ended.
    pub message_id: Option<MessageId>,
    /// The first member who declined the ringing.
    pub declined_by: Option<UserId>,
}

/// How a call went for the people rung: someone besides the caller took part (`answered`),
/// nobody did and one of them said no (`declined`), or nobody did (`missed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Answered,
    Missed,
    Declined,
}

impl CallOutcome {
    /// From how many people (members and guests) joined the call and whether anyone declined.
    pub fn of(joined: usize, declined: bool) -> Self {
        match (joined, declined) {
            (2.., _) => CallOutcome::Answered,
            (_, true) => CallOutcome::Declined,
            _ => CallOutcome::Missed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Answered => "answered",
            CallOutcome::Missed => "missed",
            CallOutcome::Declined => "declined",
        }
    }
}

/// Someone who took part in a call: a member (`user_id`) or a guest (`guest_id`), with the
/// name the others saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallPerson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest_id: Option<CallGuestId>,
    pub name: String,
}

/// A recorded track handed over when a call ends: whose it is and the stored file.
#[derive(Clone, Debug)]
pub struct NewRecording {
    pub person: CallPerson,
    /// `audio` (Ogg/Opus) or `video` (IVF/VP8).
    pub kind: &'static str,
    pub frames: i64,
    pub file: NewAttachment,
}

/// A recorded track as the call's summary and timeline name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecording {
    pub attachment_id: AttachmentId,
    pub kind: String,
    #[serde(flatten)]
    pub person: CallPerson,
    pub frames: i64,
    pub size_bytes: u64,
}

/// A link that lets someone without an account join a room's live call as a guest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GuestLink {
    pub id: GuestLinkId,
    pub room_id: RoomId,
    pub created_by: Option<UserId>,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl GuestLink {
    /// Why the link no longer admits anyone: `link_revoked` or `link_expired`.
    pub fn closed_reason(&self, now: Timestamp) -> Option<(&'static str, &'static str)> {
        if self.revoked_at.is_some() {
            Some(("link_revoked", "the guest link was revoked"))
        } else if self.expires_at <= now {
            Some(("link_expired", "the guest link has expired"))
        } else {
            None
        }
    }
}

/// A guest session: the one call its token reaches, and the name the guest gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CallGuest {
    pub id: CallGuestId,
    pub link_id: GuestLinkId,
    pub call_id: CallId,
    pub room_id: RoomId,
    pub display_name: String,
    pub expires_at: Timestamp,
}

/// The `meta` of a `call` message: what the room's history shows about an ended call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSummary {
    pub call_id: CallId,
    pub started_by: Option<UserId>,
    /// Unix milliseconds, like every instant the hub stores.
    pub started_at_ms: i64,
    pub ended_at_ms: i64,
    pub duration_ms: i64,
    pub participants: Vec<UserId>,
    /// The names of the guests who joined (summaries written before guests existed have none).
    #[serde(default)]
    pub guests: Vec<String>,
    #[serde(default = "missed")]
    pub outcome: CallOutcome,
    /// The tracks recorded with everyone's consent (attachments of the summary message).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recordings: Vec<CallRecording>,
}

fn missed() -> CallOutcome {
    CallOutcome::Missed
}

impl CallSummary {
    /// The message body clients without call rendering show: "Call, 2:05, 3 participants".
    pub fn text(&self) -> String {
        let seconds = self.duration_ms.max(0) / 1000;
        let duration = if seconds >= 3600 {
            format!(
                "{}:{:02}:{:02}",
                seconds / 3600,
                seconds / 60 % 60,
                seconds % 60
            )
        } else {
            format!("{}:{:02}", seconds / 60, seconds % 60)
        };
        match self.participants.len() + self.guests.len() {
            0 => format!("Missed call, {duration}"),
            1 => format!("Call, {duration}, 1 participant"),
            n => format!("Call, {duration}, {n} participants"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(duration_ms: i64, participants: usize) -> CallSummary {
        CallSummary {
            call_id: CallId::new(),
            started_by: None,
            started_at_ms: 0,
            ended_at_ms: duration_ms,
            duration_ms,
            participants: (0..participants).map(|_| UserId::new()).collect(),
            guests: Vec::new(),
            outcome: CallOutcome::of(participants, false),
            recordings: Vec::new(),
        }
    }

    #[test]
    fn the_summary_text_names_duration_and_head_count() {
        assert_eq!(summary(125_000, 3).text(), "Call, 2:05, 3 participants");
        assert_eq!(summary(3_725_000, 1).text(), "Call, 1:02:05, 1 participant");
        assert_eq!(summary(4_000, 0).text(), "Missed call, 0:04");
    }

    #[test]
    fn guests_count_as_participants() {
        let mut with_guest = summary(65_000, 1);
        with_guest.guests.push("Client".into());
        assert_eq!(with_guest.text(), "Call, 1:05, 2 participants");
    }

    #[test]
    fn the_outcome_follows_who_joined_and_who_declined() {
        assert_eq!(CallOutcome::of(2, true), CallOutcome::Answered);
        assert_eq!(CallOutcome::of(1, true), CallOutcome::Declined);
        assert_eq!(CallOutcome::of(1, false), CallOutcome::Missed);
        assert_eq!(CallOutcome::of(0, false), CallOutcome::Missed);
    }
}
