//! Messages: what people write to each other, ordered per room by a sequence number.

use serde::Serialize;

use super::{MessageId, RoomId, Timestamp, UserId};
use crate::Error;

/// Message text: up to 10 000 characters; an empty body is allowed only with attachments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub const MAX_CHARS: usize = 10_000;

    pub fn parse(raw: &str) -> Result<Self, Error> {
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(Error::validation(
                "body",
                "must be at most 10000 characters long",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug)]
pub struct NewMessage {
    pub room_id: RoomId,
    pub author_id: Option<UserId>,
    /// The sender's idempotency key: sending twice with the same key stores one message.
    pub client_id: Option<String>,
    pub body: MessageBody,
    pub attachments: serde_json::Value,
    pub thread_root_id: Option<MessageId>,
    /// The earlier message of the same room this one quotes.
    pub reply_to_id: Option<MessageId>,
}

/// Where a staff message sits relative to earlier ones: in a thread, quoting a message, both
/// or neither. Both must be messages of the same room.
#[derive(Clone, Copy, Debug, Default)]
pub struct MessageLinks {
    pub thread_root_id: Option<MessageId>,
    pub reply_to_id: Option<MessageId>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Message {
    pub id: MessageId,
    pub room_id: RoomId,
    pub seq: i64,
    pub client_id: Option<String>,
    pub author_id: Option<UserId>,
    pub body: String,
    pub attachments: serde_json::Value,
    pub thread_root_id: Option<MessageId>,
    /// The earlier message of the same room this one quotes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to_id: Option<MessageId>,
    /// Replies in the thread this message starts.
    pub reply_count: i64,
    pub last_reply_at: Option<Timestamp>,
    /// For replies to a client: `pending`, `sent` or `failed` with the provider's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_error: Option<String>,
    /// For messages from clients: the provider's id and the name the client goes by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    pub kind: MessageKind,
    pub edited_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// For system messages, what they are about (for `call`: a `CallSummary`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<serde_json::Value>,
    /// Who reacted with what; filled where a client shows messages (history, resume).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<ReactionGroup>,
}

/// What a message is, beyond who wrote it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Written by a person: staff, or a client of an open line.
    #[default]
    Message,
    /// An operator's private note in a conversation: never sent to the client.
    Note,
    /// Sent to the client by the line's policies (greeting, off-hours, rating request).
    Auto,
    /// The summary of a call held in the room (`meta`: a `CallSummary`).
    Call,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Message => "message",
            MessageKind::Note => "note",
            MessageKind::Auto => "auto",
            MessageKind::Call => "call",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "message" => Ok(MessageKind::Message),
            "note" => Ok(MessageKind::Note),
            "auto" => Ok(MessageKind::Auto),
            "call" => Ok(MessageKind::Call),
            _ => Err(Error::Internal(
                format!("unknown message kind {raw}").into(),
            )),
        }
    }
}

/// The users who reacted to a message with one emoji.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReactionGroup {
    pub emoji: String,
    pub user_ids: Vec<UserId>,
}

/// A reaction: one emoji or a short name, at most 32 bytes, no whitespace.
pub fn parse_emoji(raw: &str) -> Result<String, Error> {
    let emoji = raw.trim();
    if emoji.is_empty() || emoji.len() > 32 || emoji.chars().any(char::is_whitespace) {
        return Err(Error::validation(
            "emoji",
            "must be one emoji or a short name without spaces",
        ));
    }
    Ok(emoji.to_owned())
}
