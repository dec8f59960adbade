//! Provider webhooks. Each answers 2xx only after the message is durably stored, so a
//! provider that gets an error retries and nothing acknowledged is lost; retries of stored
//! deliveries are recognised and stored once.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use connectors::telegram;
use crm_core::domain::{ChannelId, ChannelKind};

use crate::{error::ApiError, error::Result, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route("/webhooks/telegram/{channel_id}", post(telegram_update))
}

/// # POST /webhooks/telegram/{channel_id}
///
/// <https://core.telegram.org/bots/api#setwebhook>: the secret token arrives in
/// `X-Telegram-Bot-Api-Secret-Token`.
async fn telegram_update(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode> {
    let channel_id: ChannelId = channel_id
        .parse()
        .map_err(|_| ApiError::not_found("no such channel"))?;
    let channel = state
        .open_lines
        .webhook_channel(channel_id)
        .await
        .map_err(|_| ApiError::not_found("no such channel"))?;
    if channel.kind != ChannelKind::Telegram {
        return Err(ApiError::not_found("no such channel"));
    }
    let expected = channel.config["webhook_secret"]
        .as_str()
        .unwrap_or_default();
    if !expected.is_empty() {
        let received = headers
            .get(telegram::SECRET_HEADER)
            .map(|value| value.as_bytes())
            .unwrap_or_default();
        if !connectors::secrets_match(received, expected.as_bytes()) {
            return Err(ApiError::unauthorized("the webhook secret does not match"));
        }
    }
    let update = telegram::parse_update(&channel.account, &body)
        .map_err(|error| ApiError::bad_request("malformed_update", error.to_string()))?;
    crate::telegram::apply(&state, &channel, update.event).await?;
    Ok(StatusCode::OK)
}
