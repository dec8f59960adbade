//! Files clients send: fetched from Telegram into the media store before the message is
//! stored, so operators get them from Switchboard (Telegram's links expire and need the
//! bot token). A file that cannot be fetched does not hold the message back: it keeps
//! Telegram's reference and the failure is logged.

use std::time::Duration;

use crm_core::domain::{
    Channel, ContentType, FileName, InboundAttachment, InboundMessage, NewAttachment,
};

use crate::state::AppState;

/// Bots may download files up to 20 MB. <https://core.telegram.org/bots/api#getfile>
const BOT_DOWNLOAD_LIMIT: u64 = 20 * 1024 * 1024;

/// The stored copy of each of the message's attachments, `None` where fetching failed.
pub async fn fetch(
    state: &AppState,
    channel: &Channel,
    message: &InboundMessage,
) -> Vec<Option<NewAttachment>> {
    if message.attachments.is_empty() {
        return Vec::new();
    }
    let client = match super::client(state, channel, Duration::from_secs(60)) {
        Ok(client) => client,
        Err(error) => {
            tracing::warn!(error.message = %error, "no Telegram client; files not fetched");
            return vec![None; message.attachments.len()];
        }
    };
    let limit = BOT_DOWNLOAD_LIMIT.min(state.settings.media.max_upload_bytes);
    let mut stored = Vec::with_capacity(message.attachments.len());
    for attachment in &message.attachments {
        let file = fetch_one(state, &client, attachment, limit).await;
        if let Err(reason) = &file {
            tracing::warn!(channel.id = %channel.id, file_ref = attachment.file_ref, reason, "client file not fetched");
        }
        stored.push(file.ok());
    }
    stored
}

async fn fetch_one(
    state: &AppState,
    client: &connectors::telegram::TelegramClient,
    attachment: &InboundAttachment,
    limit: u64,
) -> Result<NewAttachment, String> {
    let path = client
        .get_file(&attachment.file_ref)
        .await
        .map_err(|e| e.to_string())?;
    let bytes = client
        .download(&path, limit)
        .await
        .map_err(|e| e.to_string())?;
    let stored = state
        .blobs
        .put_bytes(bytes)
        .await
        .map_err(|e| e.to_string())?;
    let content_type = attachment
        .content_type
        .as_deref()
        .and_then(|raw| ContentType::parse(raw).ok())
        .or_else(|| default_type(attachment))
        .ok_or("no usable content type")?;
    let file_name = attachment
        .file_name
        .as_deref()
        .and_then(|raw| FileName::parse(raw).ok())
        .or_else(|| FileName::parse(&default_name(attachment, &path)).ok())
        .ok_or("no usable file name")?;
    Ok(NewAttachment {
        sha256: stored.key,
        size_bytes: stored.size,
        content_type,
        file_name,
    })
}

fn default_type(attachment: &InboundAttachment) -> Option<ContentType> {
    use crm_core::domain::InboundAttachmentKind::*;
    let raw = match attachment.kind {
        Photo => "image/jpeg",
        Voice => "audio/ogg",
        Sticker => "image/webp",
        Document | Audio | Video => "application/octet-stream",
    };
    ContentType::parse(raw).ok()
}

/// Telegram names photos and voice notes nothing; the path's last segment is its own name.
fn default_name(attachment: &InboundAttachment, path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or("file");
    let extension = match attachment.kind {
        crm_core::domain::InboundAttachmentKind::Photo => ".jpg",
        crm_core::domain::InboundAttachmentKind::Voice => ".ogg",
        _ => "",
    };
    if base.contains('.') {
        base.to_owned()
    } else {
        format!("{base}{extension}")
    }
}
