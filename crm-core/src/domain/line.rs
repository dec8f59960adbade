//! Open lines: how client conversations reach operators.

use serde::{Deserialize, Serialize};

use super::{ChannelId, ChannelKind, LineId, RoomId, Timestamp, UserId};
use crate::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// The available operator idle longest gets it.
    RoundRobin,
    /// The available operator with the fewest open conversations gets it.
    LeastBusy,
    /// It stays queued, offered to every operator, until one takes it.
    OfferAll,
}

impl Distribution {
    pub fn as_str(self) -> &'static str {
        match self {
            Distribution::RoundRobin => "round_robin",
            Distribution::LeastBusy => "least_busy",
            Distribution::OfferAll => "offer_all",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "round_robin" => Ok(Distribution::RoundRobin),
            "least_busy" => Ok(Distribution::LeastBusy),
            "offer_all" => Ok(Distribution::OfferAll),
            _ => Err(Error::validation(
                "distribution",
                "must be one of round_robin, least_busy, offer_all",
            )),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Line {
    pub id: LineId,
    pub name: String,
    pub distribution: Distribution,
    pub max_open_per_operator: i64,
    pub greeting: Option<String>,
    pub sla_seconds: i64,
    pub operators: Vec<UserId>,
    pub created_at: Timestamp,
}

/// A provider account connected to a line (a Telegram bot). Credentials stay server-side.
#[derive(Clone, Debug, Serialize)]
pub struct Channel {
    pub id: ChannelId,
    pub line_id: Option<LineId>,
    pub kind: ChannelKind,
    pub account: String,
    pub name: String,
    #[serde(skip)]
    pub config: serde_json::Value,
    pub created_at: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationStatus {
    Queued,
    Assigned,
    Closed,
}

impl ConversationStatus {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "queued" => Ok(ConversationStatus::Queued),
            "assigned" => Ok(ConversationStatus::Assigned),
            "closed" => Ok(ConversationStatus::Closed),
            _ => Err(Error::Internal(
                format!("unknown conversation status {raw}").into(),
            )),
        }
    }
}

/// A client's conversation on a line: the room it lives in and where it stands.
#[derive(Clone, Debug, Serialize)]
pub struct Conversation {
    pub room_id: RoomId,
    pub line_id: LineId,
    pub channel_id: ChannelId,
    pub external_chat_id: String,
    pub client_name: Option<String>,
    pub status: ConversationStatus,
    pub assignee_id: Option<UserId>,
    pub queued_at: Timestamp,
    pub assigned_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
}
