//! Long polling (`getUpdates`) for bots that cannot receive webhooks. Every node runs the
//! supervisor; a lease in the database makes exactly one node poll each bot, and the offset
//! is advanced only past updates that are stored, so a node dying mid-batch loses nothing
//! (the next holder asks again and deduplication drops what was already stored).

use std::{collections::HashMap, time::Duration};

use connectors::telegram::{TelegramClient, parse_update};
use crm_core::domain::{Channel, ChannelId, DeliveryError};
use tokio::{task::JoinHandle, time::Instant};
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

/// How often each node looks for polled channels without a running poller.
const SUPERVISE_EVERY: Duration = Duration::from_secs(2);
/// A holder that stops renewing loses the channel after this long.
const LEASE: Duration = Duration::from_secs(30);
/// How long Telegram may hold a `getUpdates` request open waiting for an update.
const LONG_POLL_SECS: u64 = 10;
/// Servers that answer an empty poll at once (emulators, some proxies) are asked no faster.
const MIN_POLL_GAP: Duration = Duration::from_millis(300);
/// Pause after a failed poll when the provider named no wait of its own.
const ERROR_BACKOFF: Duration = Duration::from_secs(2);

pub async fn run(state: AppState, shutdown: CancellationToken) {
    let holder = uuid::Uuid::now_v7().to_string();
    let mut running: HashMap<ChannelId, JoinHandle<()>> = HashMap::new();
    let mut tick = tokio::time::interval(SUPERVISE_EVERY);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            _ = tick.tick() => {}
        }
        let channels = match state.open_lines.polled_channels().await {
            Ok(channels) => channels,
            Err(error) => {
                tracing::warn!(error.message = %error, "polled channels unknown");
                continue;
            }
        };
        running.retain(|_, task| !task.is_finished());
        for channel in channels {
            if running.contains_key(&channel.id) {
                continue;
            }
            let id = channel.id;
            let task = tokio::spawn(poll(
                state.clone(),
                channel,
                holder.clone(),
                shutdown.clone(),
            ));
            running.insert(id, task);
        }
    }
    // Each poller releases its lease as it stops, so another node takes over at once.
    for (_, task) in running {
        let _ = task.await;
    }
}

/// Polls one bot for as long as this node holds its lease.
async fn poll(state: AppState, channel: Channel, holder: String, shutdown: CancellationToken) {
    let timeout = Duration::from_secs(LONG_POLL_SECS + 10);
    let client = match super::client(&state, &channel, timeout) {
        Ok(client) => client,
        Err(error) => {
            tracing::warn!(channel.id = %channel.id, error.message = %error, "no Telegram client");
            return;
        }
    };
    loop {
        let offset = match state
            .open_lines
            .claim_poller(channel.id, &holder, LEASE)
            .await
        {
            Ok(Some(offset)) => offset,
            // Another node polls this bot.
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(error.message = %error, "poller lease unavailable");
                return;
            }
        };
        let started = Instant::now();
        let polled = tokio::select! {
            () = shutdown.cancelled() => break,
            polled = client.get_updates(offset, LONG_POLL_SECS) => polled,
        };
        let (next, error, pause) = match polled {
            Ok(updates) => {
                let empty = updates.is_empty();
                let (next, error) = store_updates(&state, &channel, offset, updates).await;
                let pause = if error.is_some() {
                    ERROR_BACKOFF
                } else if empty {
                    MIN_POLL_GAP.saturating_sub(started.elapsed())
                } else {
                    Duration::ZERO
                };
                (next, error, pause)
            }
            Err(error) => (
                offset,
                Some(error.to_string()),
                recover(&client, &error).await,
            ),
        };
        match state
            .open_lines
            .record_poll(channel.id, &holder, next, error.as_deref())
            .await
        {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => tracing::warn!(error.message = %error, "poll not recorded"),
        }
        if !pause.is_zero() {
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(pause) => {}
            }
        }
        // Stop when the channel was removed or switched to webhook mode.
        match state.open_lines.channel(channel.id).await {
            Ok(current) if crm_core::service::is_polled(&current) => {}
            _ => break,
        }
    }
    if let Err(error) = state.open_lines.release_poller(channel.id, &holder).await {
        tracing::warn!(error.message = %error, "poller lease not released");
    }
}

/// Stores updates in order. Returns the offset everything below which is stored, and the
/// error that stopped it early (the failed update is asked for again on the next poll).
async fn store_updates(
    state: &AppState,
    channel: &Channel,
    mut next: i64,
    updates: Vec<Vec<u8>>,
) -> (i64, Option<String>) {
    for raw in updates {
        let update = match parse_update(&channel.account, &raw) {
            Ok(update) => update,
            Err(error) => {
                // Telegram never resends it differently; skipping is the only way forward.
                tracing::warn!(channel.id = %channel.id, error.message = %error, "unreadable update skipped");
                continue;
            }
        };
        if let Err(error) = super::apply(state, channel, update.event).await {
            if error.status().is_server_error() {
                return (next, Some(error.to_string()));
            }
            // The update itself is unacceptable (a webhook would answer 4xx and Telegram
            // would give up on it too); waiting would block every update behind it.
            tracing::warn!(channel.id = %channel.id, error.message = %error, "update refused");
        }
        next = next.max(update.update_id + 1);
    }
    (next, None)
}

/// What to do after a failed `getUpdates`: honour a rate limit, and clear a webhook that
/// makes Telegram refuse polling (409).
async fn recover(client: &TelegramClient, error: &DeliveryError) -> Duration {
    match error {
        DeliveryError::RetryAfter {
            retry_after_secs, ..
        } => Duration::from_secs(*retry_after_secs),
        DeliveryError::Rejected { reason } if reason.contains("webhook") => {
            if let Err(error) = client.delete_webhook().await {
                tracing::warn!(error.message = %error, "webhook not deleted");
            }
            Duration::ZERO
        }
        _ => ERROR_BACKOFF,
    }
}
