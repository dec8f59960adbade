//! Open lines administration (lines, channels) and operators' conversation actions.

use std::time::Duration;

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::{get, post},
};
use connectors::telegram::TelegramClient;
use crm_core::domain::{
    Channel, ChannelKind, ConversationStatus, Distribution, Line, LineId, RoomId, UserId,
};
use crm_core::service::InboxEntry;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    open_lines,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/lines", post(create_line))
        .route("/api/v1/lines/{id}", get(show_line))
        .route("/api/v1/channels", get(list_channels))
        .route("/api/v1/channels/telegram", post(connect_telegram))
        .route("/api/v1/conversations", get(conversations))
        .route("/api/v1/conversations/{room_id}/take", post(take))
        .route("/api/v1/conversations/{room_id}/close", post(close))
}

#[derive(Deserialize)]
pub struct CreateLineRequest {
    name: String,
    distribution: Option<String>,
    max_open_per_operator: Option<i64>,
    greeting: Option<String>,
    sla_seconds: Option<i64>,
    #[serde(default)]
    operators: Vec<String>,
}

impl TryFrom<CreateLineRequest> for crm_core::service::NewLineRequest {
    type Error = ApiError;

    fn try_from(request: CreateLineRequest) -> Result<Self> {
        let operators = request
            .operators
            .iter()
            .map(|raw| {
                raw.parse::<UserId>()
                    .map_err(|_| ApiError::invalid_field("operators", "not a valid user id"))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            name: request.name,
            distribution: Distribution::parse(
                request.distribution.as_deref().unwrap_or("round_robin"),
            )?,
            max_open_per_operator: request.max_open_per_operator.unwrap_or(10),
            greeting: request.greeting,
            sla_seconds: request.sla_seconds.unwrap_or(0),
            operators,
        })
    }
}

/// # POST /api/v1/lines
async fn create_line(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<CreateLineRequest>,
) -> Result<(StatusCode, ApiJson<Line>)> {
    let line = state
        .open_lines
        .create_line(&caller.user, request.try_into()?)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(line)))
}

/// # GET /api/v1/lines/{id}
async fn show_line(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Line>> {
    let id: LineId = id.parse()?;
    Ok(ApiJson(state.open_lines.line(&caller.user, id).await?))
}

#[derive(Serialize)]
pub struct ChannelResponse {
    #[serde(flatten)]
    channel: Channel,
    /// Where the provider must deliver updates.
    webhook_path: String,
}

fn describe(channel: Channel) -> ChannelResponse {
    let webhook_path = format!("/webhooks/{}/{}", channel.kind.as_str(), channel.id);
    ChannelResponse {
        channel,
        webhook_path,
    }
}

/// # GET /api/v1/channels
async fn list_channels(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<ApiJson<Vec<ChannelResponse>>> {
    Ok(ApiJson(
        state
            .open_lines
            .channels(&caller.user)
            .await?
            .into_iter()
            .map(describe)
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct ConnectTelegramRequest {
    line_id: String,
    token: String,
    name: Option<String>,
    /// The Bot API to use for this bot; defaults to `channels.telegram_api_url`.
    api_url: Option<String>,
    /// Checked against `X-Telegram-Bot-Api-Secret-Token`; empty accepts any caller.
    webhook_secret: Option<String>,
}

/// # POST /api/v1/channels/telegram
///
/// Checks the token with `getMe`, stores the bot, and registers the webhook when
/// `channels.public_url` is set. <https://core.telegram.org/bots/api#setwebhook>
async fn connect_telegram(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<ConnectTelegramRequest>,
) -> Result<(StatusCode, ApiJson<ChannelResponse>)> {
    caller.require_role(crm_core::domain::Role::Admin)?;
    let line: LineId = request.line_id.parse()?;
    let api_url = request
        .api_url
        .unwrap_or_else(|| state.settings.channels.telegram_api_url.clone());
    let client = TelegramClient::new(&api_url, request.token.trim(), Duration::from_secs(15))
        .map_err(ApiError::internal)?;
    let bot = client.get_me().await.map_err(|error| {
        ApiError::invalid_field(
            "token",
            format!("Telegram did not accept the token: {error}"),
        )
    })?;
    let name = request
        .name
        .or(bot.username.clone())
        .unwrap_or_else(|| format!("bot {}", bot.id));
    let secret = request.webhook_secret.unwrap_or_default();
    let config =
        json!({"token": request.token.trim(), "api_url": api_url, "webhook_secret": secret});
    let channel = state
        .open_lines
        .add_channel(
            &caller.user,
            line,
            ChannelKind::Telegram,
            &bot.id.to_string(),
            &name,
            config,
        )
        .await?;
    let public = state.settings.channels.public_url.trim_end_matches('/');
    if !public.is_empty() {
        let url = format!("{public}/webhooks/telegram/{}", channel.id);
        if let Err(error) = client.set_webhook(&url, &secret).await {
            tracing::warn!(error.message = %error, "telegram webhook not registered");
        }
    }
    Ok((StatusCode::CREATED, ApiJson(describe(channel))))
}

#[derive(Deserialize)]
pub struct ConversationsQuery {
    status: Option<String>,
}

/// # GET /api/v1/conversations?status=queued|assigned|closed
///
/// The inbox lists: the queue of the caller's lines, what is assigned to them, what they
/// closed (admins and supervisors: everything). Newest first, at most 200. Each row also
/// carries `channel_kind`, `channel_name`, `line_name`, `contact_id` (the CRM contact with
/// the client's channel identity, when the caller may see it) and `last_message`.
async fn conversations(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<ConversationsQuery>,
) -> Result<ApiJson<Vec<InboxEntry>>> {
    let status = match query.status.as_deref().unwrap_or("queued") {
        "queued" => ConversationStatus::Queued,
        "assigned" => ConversationStatus::Assigned,
        "closed" => ConversationStatus::Closed,
        _ => {
            return Err(ApiError::invalid_field(
                "status",
                "must be queued, assigned or closed",
            ));
        }
    };
    Ok(ApiJson(state.open_lines.inbox(&caller.user, status).await?))
}

/// # POST /api/v1/conversations/{room_id}/take
async fn take(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(room): Path<String>,
) -> Result<StatusCode> {
    let room: RoomId = room.parse()?;
    let assignment = state.open_lines.take(&caller.user, room).await?;
    open_lines::announce(&state, &assignment).await;
    Ok(StatusCode::NO_CONTENT)
}

/// # POST /api/v1/conversations/{room_id}/close
async fn close(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(room): Path<String>,
) -> Result<StatusCode> {
    let room: RoomId = room.parse()?;
    let event = state.open_lines.close(&caller.user, room).await?;
    let line = match &event {
        crm_core::domain::ChatEvent::ConversationUpdated { conversation } => {
            Some(conversation.line_id)
        }
        _ => None,
    };
    let changed = crm_core::service::Changed {
        value: (),
        events: vec![event],
        notify_users: Vec::new(),
    };
    crate::events::publish(&state, &changed).await;
    // The operator has room for another conversation now.
    if let Some(line) = line {
        open_lines::route(&state, line).await;
    }
    Ok(StatusCode::NO_CONTENT)
}
