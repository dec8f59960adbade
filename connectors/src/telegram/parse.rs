//! Telegram `Update` objects into normalized messages. Only what Switchboard uses is read;
//! unknown fields and update kinds are ignored rather than rejected.

use crm_core::domain::{
    ChannelKind, ChatKind, ExternalSender, InboundAttachment, InboundAttachmentKind,
    InboundMessage, Timestamp,
};
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not a Telegram update: {0}")]
    Malformed(#[from] serde_json::Error),
}

/// An update: its id (for the polling offset and deduplication) and what it means for us.
#[derive(Debug, PartialEq, Eq)]
pub struct ParsedUpdate {
    pub update_id: i64,
    pub event: Option<UpdateEvent>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum UpdateEvent {
    /// A new or edited message from a client.
    Message(Box<InboundMessage>),
    /// The user blocked the bot: replies to this chat will fail until unblocked.
    Blocked { chat_id: String },
}

#[derive(Deserialize)]
struct Update {
    update_id: i64,
    message: Option<Message>,
    edited_message: Option<Message>,
    my_chat_member: Option<ChatMemberUpdated>,
}

#[derive(Deserialize)]
struct Message {
    message_id: i64,
    date: i64,
    chat: Chat,
    from: Option<User>,
    text: Option<String>,
    caption: Option<String>,
    photo: Option<Vec<PhotoSize>>,
    document: Option<File>,
    voice: Option<File>,
    audio: Option<File>,
    video: Option<File>,
    sticker: Option<File>,
    reply_to_message: Option<ReplyTo>,
}

#[derive(Deserialize)]
struct ReplyTo {
    message_id: i64,
}

#[derive(Deserialize)]
struct Chat {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
    title: Option<String>,
}

#[derive(Deserialize)]
struct User {
    id: i64,
    #[serde(default)]
    is_bot: bool,
    first_name: String,
    last_name: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize)]
struct PhotoSize {
    file_id: String,
    file_size: Option<i64>,
}

#[derive(Deserialize)]
struct File {
    file_id: String,
    file_name: Option<String>,
    mime_type: Option<String>,
    file_size: Option<i64>,
}

#[derive(Deserialize)]
struct ChatMemberUpdated {
    chat: Chat,
    new_chat_member: ChatMember,
}

#[derive(Deserialize)]
struct ChatMember {
    status: String,
}

/// Parses one update received by the bot `account` (its bot id).
pub fn parse_update(account: &str, body: &[u8]) -> Result<ParsedUpdate, ParseError> {
    let update: Update = serde_json::from_slice(body)?;
    let update_id = update.update_id;
    let event = if let Some(message) = update.message {
        message_event(account, update_id, message, false)
    } else if let Some(message) = update.edited_message {
        message_event(account, update_id, message, true)
    } else if let Some(member) = update.my_chat_member {
        (member.new_chat_member.status == "kicked").then(|| UpdateEvent::Blocked {
            chat_id: member.chat.id.to_string(),
        })
    } else {
        None
    };
    Ok(ParsedUpdate { update_id, event })
}

fn message_event(
    account: &str,
    update_id: i64,
    message: Message,
    edited: bool,
) -> Option<UpdateEvent> {
    // Channel posts have no sender and other bots are not clients.
    let attachments = attachments_of(&message);
    let from = message.from.filter(|user| !user.is_bot)?;
    let text = message.text.or(message.caption).unwrap_or_default();
    if text.is_empty() && attachments.is_empty() {
        return None;
    }
    let display_name = match &from.last_name {
        Some(last) => format!("{} {last}", from.first_name),
        None => from.first_name.clone(),
    };
    let chat_kind = if message.chat.kind == "private" {
        ChatKind::Private
    } else {
        ChatKind::Group
    };
    Some(UpdateEvent::Message(Box::new(InboundMessage {
        channel: ChannelKind::Telegram,
        account: account.to_owned(),
        chat_id: message.chat.id.to_string(),
        chat_kind,
        chat_title: message.chat.title,
        message_id: message.message_id.to_string(),
        dedup_key: format!("telegram:{account}:{update_id}"),
        sender: ExternalSender {
            id: from.id.to_string(),
            display_name,
            username: from.username,
            phone: None,
            email: None,
        },
        text,
        attachments,
        reply_to: message
            .reply_to_message
            .map(|reply| reply.message_id.to_string()),
        sent_at: timestamp(message.date),
        edited,
    })))
}

fn attachments_of(message: &Message) -> Vec<InboundAttachment> {
    let mut found = Vec::new();
    // Telegram sends every size of a photo; the largest comes last.
    if let Some(largest) = message.photo.as_ref().and_then(|sizes| sizes.last()) {
        found.push(InboundAttachment {
            kind: InboundAttachmentKind::Photo,
            file_ref: largest.file_id.clone(),
            file_name: None,
            content_type: Some("image/jpeg".to_owned()),
            size_bytes: largest.file_size,
        });
    }
    let files = [
        (InboundAttachmentKind::Document, &message.document),
        (InboundAttachmentKind::Voice, &message.voice),
        (InboundAttachmentKind::Audio, &message.audio),
        (InboundAttachmentKind::Video, &message.video),
        (InboundAttachmentKind::Sticker, &message.sticker),
    ];
    for (kind, file) in files {
        if let Some(file) = file {
            found.push(InboundAttachment {
                kind,
                file_ref: file.file_id.clone(),
                file_name: file.file_name.clone(),
                content_type: file.mime_type.clone(),
                size_bytes: file.file_size,
            });
        }
    }
    found
}

/// Telegram dates are unix seconds; some emulators send milliseconds.
fn timestamp(date: i64) -> Timestamp {
    if date > 100_000_000_000 {
        Timestamp::from_millis(date)
    } else {
        Timestamp::from_millis(date.saturating_mul(1000))
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
