//! Chat events: what changed in a room, as every subscriber receives it. The gateway
//! publishes them on the room's bus topic after the change is committed; websocket sessions
//! forward them to clients as frames of the same shape.

use serde::Serialize;

use super::{Conversation, Message, MessageId, Room, RoomId, UserId};

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type")]
pub enum ChatEvent {
    #[serde(rename = "message.created")]
    MessageCreated { message: Message },
    #[serde(rename = "message.edited")]
    MessageEdited { message: Message },
    #[serde(rename = "message.deleted")]
    MessageDeleted {
        room_id: RoomId,
        message_id: MessageId,
        seq: i64,
    },
    #[serde(rename = "reaction")]
    Reaction {
        room_id: RoomId,
        message_id: MessageId,
        user_id: UserId,
        emoji: String,
        added: bool,
    },
    /// A member has read everything up to `seq`.
    #[serde(rename = "read")]
    Read {
        room_id: RoomId,
        user_id: UserId,
        seq: i64,
    },
    /// Ephemeral: the user is typing; clients drop it after `expires_in_ms` unless renewed.
    #[serde(rename = "typing")]
    Typing {
        room_id: RoomId,
        user_id: UserId,
        expires_in_ms: u64,
    },
    /// Sent to a mentioned user's own connections.
    #[serde(rename = "mention")]
    Mention { message: Message },
    #[serde(rename = "pin")]
    Pin {
        room_id: RoomId,
        message_id: MessageId,
        user_id: UserId,
        pinned: bool,
    },
    /// A reply changed a thread: the root's reply count and newest reply time.
    #[serde(rename = "thread.updated")]
    ThreadUpdated {
        room_id: RoomId,
        message_id: MessageId,
        reply_count: i64,
    },
    /// Where a reply to a client stands with its provider: `sent`, `retrying` or `failed`.
    #[serde(rename = "message.status")]
    DeliveryStatus {
        room_id: RoomId,
        message_id: MessageId,
        status: String,
        error: Option<String>,
    },
    /// An open-line conversation changed state (assigned, closed).
    #[serde(rename = "conversation.updated")]
    ConversationUpdated { conversation: Conversation },
    /// The assigned operator did not answer within the line's SLA: the conversation went
    /// back to the queue to be offered to the next operator. Sent to the line's supervisors.
    #[serde(rename = "conversation.sla_breached")]
    SlaBreached {
        conversation: Conversation,
        operator_id: UserId,
    },
    /// Ephemeral: the client of an open-line conversation is typing (the website widget).
    #[serde(rename = "client.typing")]
    ClientTyping { room_id: RoomId, expires_in_ms: u64 },
    /// The client has read the conversation up to `seq` (the website widget).
    #[serde(rename = "client.read")]
    ClientRead { room_id: RoomId, seq: i64 },
    #[serde(rename = "member.joined")]
    MemberJoined { room_id: RoomId, user_id: UserId },
    #[serde(rename = "member.left")]
    MemberLeft { room_id: RoomId, user_id: UserId },
    #[serde(rename = "room.created")]
    RoomCreated { room: Room },
    #[serde(rename = "room.updated")]
    RoomUpdated { room: Room },
}

impl ChatEvent {
    /// The room the event belongs to, for routing it to the room's topic.
    pub fn room_id(&self) -> RoomId {
        match self {
            ChatEvent::MessageCreated { message }
            | ChatEvent::MessageEdited { message }
            | ChatEvent::Mention { message } => message.room_id,
            ChatEvent::MessageDeleted { room_id, .. }
            | ChatEvent::Reaction { room_id, .. }
            | ChatEvent::Read { room_id, .. }
            | ChatEvent::Typing { room_id, .. }
            | ChatEvent::Pin { room_id, .. }
            | ChatEvent::ThreadUpdated { room_id, .. }
            | ChatEvent::DeliveryStatus { room_id, .. }
            | ChatEvent::MemberJoined { room_id, .. }
            | ChatEvent::MemberLeft { room_id, .. }
            | ChatEvent::ClientTyping { room_id, .. }
            | ChatEvent::ClientRead { room_id, .. } => *room_id,
            ChatEvent::RoomCreated { room } | ChatEvent::RoomUpdated { room } => room.id,
            ChatEvent::ConversationUpdated { conversation }
            | ChatEvent::SlaBreached { conversation, .. } => conversation.room_id,
        }
    }
}
