//! Calls: an audio/video call held in a room. Only who started it, when, and who took part
//! are domain data; media and live connections belong to the SFU and the gateway.

use serde::{Deserialize, Serialize};

use super::{CallId, MessageId, RoomId, Timestamp, UserId};

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
        match self.participants.len() {
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
        }
    }

    #[test]
    fn the_summary_text_names_duration_and_head_count() {
        assert_eq!(summary(125_000, 3).text(), "Call, 2:05, 3 participants");
        assert_eq!(summary(3_725_000, 1).text(), "Call, 1:02:05, 1 participant");
        assert_eq!(summary(4_000, 0).text(), "Missed call, 0:04");
    }
}
