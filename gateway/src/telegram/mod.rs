//! Telegram on the gateway side: what an update means once it arrived (by webhook or by
//! polling), and the poller for bots in polling mode.

mod files;
mod polling;

pub use polling::run as run_pollers;

use connectors::telegram::{TelegramClient, UpdateEvent};
use crm_core::domain::{Channel, DeliveryError};
use std::time::Duration;

use crate::{error::ApiError, open_lines, state::AppState};

/// Stores and routes what an update carries. Returns only after it is durably stored, so
/// the caller may acknowledge the update to Telegram.
pub async fn apply(
    state: &AppState,
    channel: &Channel,
    event: Option<UpdateEvent>,
) -> Result<(), ApiError> {
    match event {
        Some(UpdateEvent::Message(message)) => {
            let files = files::fetch(state, channel, &message).await;
            open_lines::receive_with_files(state, channel, &message, &files).await
        }
        Some(UpdateEvent::Blocked { chat_id }) => {
            tracing::info!(channel.id = %channel.id, chat_id, "a Telegram user blocked the bot");
            Ok(())
        }
        None => Ok(()),
    }
}

/// A Bot API client for the channel's bot, on the channel's own API url when it has one.
pub fn client(
    state: &AppState,
    channel: &Channel,
    timeout: Duration,
) -> Result<TelegramClient, DeliveryError> {
    let api_url = channel.config["api_url"]
        .as_str()
        .unwrap_or(&state.settings.channels.telegram_api_url);
    let token = channel.config["token"].as_str().unwrap_or_default();
    TelegramClient::new(api_url, token, timeout).map_err(|error| DeliveryError::Temporary {
        reason: error.to_string(),
    })
}
