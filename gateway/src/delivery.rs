//! The delivery worker: sends queued replies to providers and announces each outcome as a
//! `message.status` event in the conversation's room. Several nodes may run it: rows are
//! claimed with a lease, so each reply is sent by one worker at a time.

use std::{collections::HashMap, time::Duration};

use connectors::telegram::TelegramClient;
use crm_core::{
    domain::{ChannelKind, ChatEvent, DeliveryError},
    service::{Changed, DeliveryUpdate},
    store::OutboxItem,
};
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
                let api_url = channel.config["api_url"]
                    .as_str()
                    .unwrap_or(&state.settings.channels.telegram_api_url)
                    .to_owned();
                let token = channel.config["token"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let client = TelegramClient::new(&api_url, &token, Duration::from_secs(30))
                    .map_err(|error| DeliveryError::Temporary {
                        reason: error.to_string(),
                    })?;
                clients.insert(item.account.clone(), client);
            }
            match clients.get(&item.account) {
                Some(client) => client.send_message(&item.message).await,
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
