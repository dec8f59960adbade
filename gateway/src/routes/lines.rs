//! Open lines administration: lines with their policies, operators and supervisors, and the
//! channels connected to them. Conversation actions are in `conversations.rs`.

use std::time::Duration;

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use connectors::telegram::TelegramClient;
use crm_core::{
    domain::{
        Channel, ChannelKind, Distribution, Line, LineId, NewClientCreates, RatingMode, UserId,
        WorkingHours,
        crm::{Currency, PipelineId},
    },
    service::LinePatch,
};
use crm_core::{service::is_polled, store::PollerState};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::contacts::wire::double_option;
use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/lines", get(list_lines).post(create_line))
        .route("/api/v1/lines/{id}", get(show_line).patch(update_line))
        .route("/api/v1/channels", get(list_channels))
        .route("/api/v1/channels/telegram", post(connect_telegram))
}

/// A line's settings on the wire, for creating (`name` required) and for PATCH (absent
/// fields stay; `null` clears the clearable ones).
#[derive(Deserialize)]
pub struct LineRequest {
    name: Option<String>,
    distribution: Option<String>,
    max_open_per_operator: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    greeting: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    off_hours_message: Option<Option<String>>,
    /// `{"time_zone": "Europe/Berlin", "week": {"mon": ["09:00-18:00"], …}}`
    #[serde(default, deserialize_with = "double_option")]
    working_hours: Option<Option<Value>>,
    sla_seconds: Option<i64>,
    auto_close_minutes: Option<i64>,
    rating_mode: Option<String>,
    reopen_minutes: Option<i64>,
    /// What a new client's first conversation creates besides the contact: `contact`
    /// (nothing more), `lead` or `deal`; the conversation is linked to it.
    new_client_creates: Option<String>,
    /// The pipeline of the line's new deals (its first open stage); `null`: the default one.
    #[serde(default, deserialize_with = "double_option")]
    deal_pipeline_id: Option<Option<String>>,
    /// ISO 4217 currency of the line's new deals (amount zero); default `RUB`.
    deal_currency: Option<String>,
    operators: Option<Vec<String>>,
    supervisors: Option<Vec<String>>,
}

fn pipeline_id(raw: &str) -> Result<PipelineId> {
    raw.parse()
        .map_err(|_| ApiError::invalid_field("deal_pipeline_id", "not a valid pipeline id"))
}

fn user_ids(field: &'static str, raw: Option<Vec<String>>) -> Result<Option<Vec<UserId>>> {
    raw.map(|ids| {
        ids.iter()
            .map(|raw| {
                raw.parse::<UserId>().map_err(|_| {
                    ApiError::invalid_field(field, format!("not a valid user id: {raw}"))
                })
            })
            .collect()
    })
    .transpose()
}

impl TryFrom<LineRequest> for LinePatch {
    type Error = ApiError;

    fn try_from(request: LineRequest) -> Result<Self> {
        Ok(Self {
            name: request.name,
            distribution: request
                .distribution
                .as_deref()
                .map(Distribution::parse)
                .transpose()?,
            max_open_per_operator: request.max_open_per_operator,
            greeting: request.greeting,
            off_hours_message: request.off_hours_message,
            working_hours: request
                .working_hours
                .map(|hours| hours.as_ref().map(WorkingHours::parse).transpose())
                .transpose()?,
            sla_seconds: request.sla_seconds,
            auto_close_minutes: request.auto_close_minutes,
            rating_mode: request
                .rating_mode
                .as_deref()
                .map(RatingMode::parse)
                .transpose()?,
            reopen_minutes: request.reopen_minutes,
            new_client_creates: request
                .new_client_creates
                .as_deref()
                .map(NewClientCreates::parse)
                .transpose()?,
            deal_pipeline_id: request
                .deal_pipeline_id
                .map(|id| id.as_deref().map(pipeline_id).transpose())
                .transpose()?,
            deal_currency: request
                .deal_currency
                .as_deref()
                .map(Currency::parse)
                .transpose()?,
            operators: user_ids("operators", request.operators)?,
            supervisors: user_ids("supervisors", request.supervisors)?,
        })
    }
}

/// # POST /api/v1/lines
async fn create_line(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<LineRequest>,
) -> Result<(StatusCode, ApiJson<Line>)> {
    if request.name.is_none() {
        return Err(ApiError::invalid_field("name", "is required"));
    }
    let line = state
        .open_lines
        .create_line(&caller.user, request.try_into()?)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(line)))
}

/// # GET /api/v1/lines
///
/// Every line with its settings, by name (admins and supervisors).
async fn list_lines(State(state): State<AppState>, caller: AuthUser) -> Result<ApiJson<Vec<Line>>> {
    Ok(ApiJson(state.open_lines.lines(&caller.user).await?))
}

/// # PATCH /api/v1/lines/{id}
///
/// Changes settings and policies, operators and supervisors (admins).
async fn update_line(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<LineRequest>,
) -> Result<ApiJson<Line>> {
    let id: LineId = id.parse()?;
    let line = state
        .open_lines
        .update_line(&caller.user, id, request.try_into()?)
        .await?;
    Ok(ApiJson(line))
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
    /// `webhook` or `polling`.
    mode: &'static str,
    /// Where the provider must deliver updates (webhook mode).
    webhook_path: String,
    /// Which node polls and how the last poll went (polling mode, once polled).
    poller: Option<PollerState>,
}

fn describe(channel: Channel, poller: Option<PollerState>) -> ChannelResponse {
    let webhook_path = format!("/webhooks/{}/{}", channel.kind.as_str(), channel.id);
    let mode = if is_polled(&channel) {
        "polling"
    } else {
        "webhook"
    };
    ChannelResponse {
        channel,
        mode,
        webhook_path,
        poller,
    }
}

/// # GET /api/v1/channels
async fn list_channels(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<ApiJson<Vec<ChannelResponse>>> {
    let mut described = Vec::new();
    for channel in state.open_lines.channels(&caller.user).await? {
        let poller = if is_polled(&channel) {
            state.open_lines.poller_state(channel.id).await?
        } else {
            None
        };
        described.push(describe(channel, poller));
    }
    Ok(ApiJson(described))
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
    /// `webhook` (default) or `polling` (getUpdates, for hubs Telegram cannot reach).
    mode: Option<String>,
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
    let mode = request.mode.as_deref().unwrap_or("webhook");
    if !matches!(mode, "webhook" | "polling") {
        return Err(ApiError::invalid_field(
            "mode",
            "must be webhook or polling",
        ));
    }
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
    let config = json!({"token": request.token.trim(), "api_url": api_url, "webhook_secret": secret, "mode": mode});
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
    if mode == "polling" {
        // Telegram refuses getUpdates while a webhook is set.
        if let Err(error) = client.delete_webhook().await {
            tracing::warn!(error.message = %error, "telegram webhook not deleted");
        }
    } else if !public.is_empty() {
        let url = format!("{public}/webhooks/telegram/{}", channel.id);
        if let Err(error) = client.set_webhook(&url, &secret).await {
            tracing::warn!(error.message = %error, "telegram webhook not registered");
        }
    }
    Ok((StatusCode::CREATED, ApiJson(describe(channel, None))))
}
