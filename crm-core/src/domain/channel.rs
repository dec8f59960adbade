//! Messaging channels and the normalized messages connectors turn provider payloads into.
//! Connectors produce and consume these values; they never see storage.

use serde::{Deserialize, Serialize};

use super::Timestamp;
use crate::Error;

/// A provider a client can write from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Telegram,
    WhatsApp,
    Viber,
    Email,
    Widget,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Telegram => "telegram",
            ChannelKind::WhatsApp => "whatsapp",
            ChannelKind::Viber => "viber",
            ChannelKind::Email => "email",
            ChannelKind::Widget => "widget",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "telegram" => Ok(ChannelKind::Telegram),
            "whatsapp" => Ok(ChannelKind::WhatsApp),
            "viber" => Ok(ChannelKind::Viber),
            "email" => Ok(ChannelKind::Email),
            "widget" => Ok(ChannelKind::Widget),
            _ => Err(Error::validation(
                "channel",
                "must be one of telegram, whatsapp, viber, email, widget",
            )),
        }
    }
}

/// Whether a provider chat is one client or a group of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatKind {
    Private,
    Group,
}

/// The person who wrote, as the provider identifies them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExternalSender {
    /// Stable id within the channel (Telegram user id, WhatsApp wa_id, e-mail address).
    pub id: String,
    pub display_name: String,
    pub username: Option<String>,
    pub phone: Option<String>,
    /// An address the client gave (the widget's pre-chat form, an e-mail channel's sender).
    pub email: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InboundAttachmentKind {
    Photo,
    Document,
    Voice,
    Audio,
    Video,
    Sticker,
}

/// A file the provider holds; the gateway downloads it into the media store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InboundAttachment {
    pub kind: InboundAttachmentKind,
    /// The provider's handle for downloading it (Telegram `file_id`, WhatsApp media id).
    pub file_ref: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
}

/// One message from a client, normalized across providers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InboundMessage {
    pub channel: ChannelKind,
    /// Which of our accounts received it (the bot, the business number).
    pub account: String,
    pub chat_id: String,
    pub chat_kind: ChatKind,
    pub chat_title: Option<String>,
    /// The provider's id of this message, unique within the chat.
    pub message_id: String,
    /// What makes a delivery unique, for deduplicating provider retries.
    pub dedup_key: String,
    pub sender: ExternalSender,
    pub text: String,
    pub attachments: Vec<InboundAttachment>,
    /// The provider id of the message this one replies to.
    pub reply_to: Option<String>,
    pub sent_at: Timestamp,
    /// True when this is a new version of a message received before.
    pub edited: bool,
}

/// What an operator's reply becomes on the provider's side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundMessage {
    pub chat_id: String,
    pub text: String,
    pub reply_to: Option<String>,
    /// Files the operator attached, in the media store under their hash.
    pub files: Vec<OutboundFile>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundFile {
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
}

/// Why a send did not go through, in the terms the delivery worker acts on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The provider refused for good (blocked by the user, chat gone, bad request).
    #[error("rejected: {reason}")]
    Rejected { reason: String },
    /// Rate limited: retry the same request after the given seconds.
    #[error("rate limited for {retry_after_secs} s")]
    RetryAfter {
        retry_after_secs: u64,
        reason: String,
    },
    /// A network fault or a provider 5xx: retry with backoff.
    #[error("temporary failure: {reason}")]
    Temporary { reason: String },
}
