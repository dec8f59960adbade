//! Open lines: how client conversations reach operators.

use serde::{Deserialize, Serialize};

use super::{
    CannedResponseId, ChannelId, ChannelKind, LineId, RatingMode, RoomId, Timestamp, UserId,
    WorkingHours,
    crm::{ContactId, Currency, DealId, LeadId, PipelineId},
};
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

/// What the first conversation of a new client creates in the CRM besides the contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewClientCreates {
    Contact,
    Lead,
    Deal,
}

impl NewClientCreates {
    pub fn as_str(self) -> &'static str {
        match self {
            NewClientCreates::Contact => "contact",
            NewClientCreates::Lead => "lead",
            NewClientCreates::Deal => "deal",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "contact" => Ok(NewClientCreates::Contact),
            "lead" => Ok(NewClientCreates::Lead),
            "deal" => Ok(NewClientCreates::Deal),
            _ => Err(Error::validation(
                "new_client_creates",
                "must be one of contact, lead, deal",
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
    /// Sent to the client when a conversation opens within working hours.
    pub greeting: Option<String>,
    /// Sent instead of the greeting outside working hours; the conversation still queues.
    pub off_hours_message: Option<String>,
    /// `None`: always open.
    pub working_hours: Option<WorkingHours>,
    /// An assigned conversation the operator has not answered within this is offered to the
    /// next operator and the line's supervisors are told; 0 turns it off.
    pub sla_seconds: i64,
    /// Closes a conversation this long after the operator's last answer if the client has
    /// not written since; 0 turns it off.
    pub auto_close_minutes: i64,
    pub rating_mode: RatingMode,
    /// A client message this soon after closing reopens the conversation; 0 turns it off.
    pub reopen_minutes: i64,
    /// What a new client's first conversation creates besides the contact; the
    /// conversation is linked to the lead or deal.
    pub new_client_creates: NewClientCreates,
    /// The pipeline of the line's new deals (its first open stage); `None`: the default
    /// pipeline.
    pub deal_pipeline_id: Option<PipelineId>,
    /// The currency of the line's new deals, whose amount starts at zero.
    pub deal_currency: Currency,
    pub operators: Vec<UserId>,
    /// Watch the line and hear of SLA breaches; never routed conversations.
    pub supervisors: Vec<UserId>,
    pub created_at: Timestamp,
}

impl Line {
    /// Whether the line answers at `at` (always, without working hours).
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.working_hours
            .as_ref()
            .is_none_or(|hours| hours.is_open(at))
    }

    /// The automatic message for a conversation opened at `at`, if the line has one.
    pub fn welcome(&self, at: Timestamp) -> Option<&str> {
        if self.is_open(at) {
            self.greeting.as_deref()
        } else {
            self.off_hours_message.as_deref()
        }
    }
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
    /// The CRM contact of the client who opened it.
    pub contact_id: Option<ContactId>,
    pub queued_at: Timestamp,
    pub assigned_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// From opening to the first operator answer, and from opening to closing.
    pub first_response_ms: Option<i64>,
    pub resolution_ms: Option<i64>,
    pub rating: Option<i64>,
    /// Out of the operator's list until then, unless the client writes first.
    pub snoozed_until: Option<Timestamp>,
    /// When an unanswered conversation is re-offered (the line's SLA); None once answered.
    pub sla_due_at: Option<Timestamp>,
    pub labels: Vec<String>,
    /// The deal and the lead the conversation is linked to: its timeline entries are
    /// linked to them too while the link lasts.
    pub deal_id: Option<DealId>,
    pub lead_id: Option<LeadId>,
}

/// A prepared answer an operator inserts by typing `/shortcut`: shared on a line, or one
/// operator's own.
#[derive(Clone, Debug, Serialize)]
pub struct CannedResponse {
    pub id: CannedResponseId,
    /// Set for a line's response; `owner_id` is set for a personal one.
    pub line_id: Option<LineId>,
    pub owner_id: Option<UserId>,
    pub shortcut: String,
    pub body: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
