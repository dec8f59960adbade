//! The delivery worker: sends queued replies to providers and announces each outcome as a
//! `message.status` event in the conversation's room. Several nodes may run it: rows are
//! claimed with a lease, so each reply is sent by one worker at a time.

use std::{collections::HashMap, time::Duration};

use connectors::telegram::TelegramClient;
use crm_core::{
    domain::{ChannelKind, ChatEvent, ContentHash, DeliveryError, OutboundMessage},
    service::{Changed, DeliveryUpdate},
    store::OutboxItem,
};
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::{events, state::AppState};

/// How long a claimed reply is this worker's before another may retry it.
const LEASE: Duration = Duration::from_secs(60);
const BATCH: i64 = 20;
/// The longest an idle worker sleeps; enqueues on other nodes are picked up this fast.
const IDLE_POLL: Duration = Duration::from_millis(500);

pub async fn run(state: AppState, shutdown: CancellationToken) {
    let mut clients: HashMap<String, TelegramClient> = HashMap::new();
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        let items = match state.outbox.claim(BATCH, LEASE).await {
            Ok(items) => items,
            Err(error) => {
                tracing::warn!(error.message = %error, "outbox unavailable");
                Vec::new()
            }
        };
        if items.is_empty() {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = state.outbox_wakeup.notified() => {}
                () = tokio::time::sleep(IDLE_POLL) => {}
            }
            continue;
        }
        for item in items {
            let outcome = send(&state, &mut clients, &item).await;
            match state.outbox.record(&item, outcome).await {
                Ok(update) => announce(&state, &item, update).await,
                Err(error) => {
                    tracing::warn!(error.message = %error, "delivery outcome not recorded; it will be retried")
                }
            }
        }
    }
}

async fn send(
    state: &AppState,
    clients: &mut HashMap<String, TelegramClient>,
    item: &OutboxItem,
) -> Result<String, DeliveryError> {
    match item.channel {
        ChannelKind::Telegram => {
            if !clients.contains_key(&item.account) {
                let channel = state
                    .open_lines
                    .channel_by_account(ChannelKind::Telegram, &item.account)
                    .await
                    .map_err(|_| DeliveryError::Rejected {
                        reason: "the Telegram channel was removed".into(),
                    })?;
                let client = crate::telegram::client(state, &channel, Duration::from_secs(30))?;
                clients.insert(item.account.clone(), client);
            }
            match clients.get(&item.account) {
                Some(client) => send_telegram(state, client, &item.message).await,
                None => Err(DeliveryError::Temporary {
                    reason: "no client".into(),
                }),
            }
        }
        ChannelKind::Widget => crate::widget::deliver(state, item).await,
        other => Err(DeliveryError::Rejected {
            reason: format!("sending to {} is not supported yet", other.as_str()),
        }),
    }
}

/// Telegram captions hold at most 1024 characters; a longer text goes as its own message.
const CAPTION_LIMIT: usize = 1024;

/// The text, and each attached file from the media store (the text as the first file's
/// caption when it fits). Returns the provider id of the last message sent.
async fn send_telegram(
    state: &AppState,
    client: &TelegramClient,
    message: &OutboundMessage,
) -> Result<String, DeliveryError> {
    if message.files.is_empty() {
        return client.send_message(message).await;
    }
    let mut caption = Some(message.text.as_str()).filter(|text| !text.is_empty());
    let mut sent = None;
    if caption.is_some_and(|text| text.chars().count() > CAPTION_LIMIT) {
        sent = Some(client.send_message(message).await?);
        caption = None;
    }
    for file in &message.files {
        let bytes = read_blob(state, &file.sha256).await?;
        sent = Some(
            client
                .send_file(message, file, bytes, caption.take())
                .await?,
        );
    }
    sent.ok_or_else(|| DeliveryError::Rejected {
        reason: "nothing to send".into(),
    })
}

async fn read_blob(state: &AppState, sha256: &str) -> Result<bytes::Bytes, DeliveryError> {
    let missing = |reason: String| DeliveryError::Rejected { reason };
    let key = ContentHash::parse(sha256).map_err(|e| missing(e.to_string()))?;
    let blob = state
        .blobs
        .get(&key)
        .await
        .map_err(|e| missing(format!("attached file unavailable: {e}")))?;
    let mut bytes = bytes::BytesMut::with_capacity(usize::try_from(blob.size).unwrap_or(0));
    let mut stream = blob.stream;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| DeliveryError::Temporary {
            reason: format!("reading the attached file: {e}"),
        })?;
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes.freeze())
}

async fn announce(state: &AppState, item: &OutboxItem, update: DeliveryUpdate) {
    let (status, error) = match update {
        DeliveryUpdate::Sent { .. } => ("sent", None),
        DeliveryUpdate::Retrying { reason, .. } => ("retrying", Some(reason)),
        DeliveryUpdate::Failed { reason, .. } => ("failed", Some(reason)),
    };
    let event = ChatEvent::DeliveryStatus {
        room_id: item.room_id,
        message_id: item.message_id,
        status: status.to_owned(),
        error,
    };
    events::publish(
        state,
        &Changed {
            value: (),
            events: vec![event],
            notify_users: Vec::new(),
        },
    )
    .await;
}
