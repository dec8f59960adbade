//! Room history and sending over REST (the websocket offers the same with acks).

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::{get, post},
};
use crm_core::domain::{AttachmentId, Message, MessageBody, MessageId, MessageLinks};
use serde::{Deserialize, Serialize};

use super::rooms::room_id;
use crate::{
    error::Result,
    events,
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rooms/{id}/messages", get(history).post(send))
        .route("/api/v1/rooms/{id}/read", post(mark_read))
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    /// Messages with a sequence number below this one (the newest of them).
    before: Option<i64>,
    /// Messages with a sequence number above this one (the oldest of them).
    after: Option<i64>,
    limit: Option<i64>,
}

/// # GET /api/v1/rooms/{id}/messages
///
/// A page of history in ascending sequence order, at most 200 messages (default 50).
async fn history(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Result<ApiJson<Vec<Message>>> {
    let page = state
        .rooms
        .history(
            &caller.user,
            room_id(&id)?,
            query.before,
            query.after,
            query.limit.unwrap_or(50),
        )
        .await?;
    Ok(ApiJson(page))
}

#[derive(Deserialize)]
pub struct SendRequest {
    client_id: Option<String>,
    /// May be left out (or empty) when the message carries attachments.
    #[serde(default)]
    body: String,
    /// Ids of the caller's uploads (`POST /api/v1/attachments`) to attach.
    #[serde(default)]
    attachments: Vec<String>,
    thread_root_id: Option<String>,
    /// The earlier message of the room this one quotes.
    reply_to_id: Option<String>,
}

/// # POST /api/v1/rooms/{id}/messages
///
/// 201 with the stored message; 200 with the same message when `client_id` was seen before.
async fn send(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SendRequest>,
) -> Result<(StatusCode, ApiJson<Message>)> {
    let links = MessageLinks {
        thread_root_id: request
            .thread_root_id
            .as_deref()
            .map(str::parse::<MessageId>)
            .transpose()?,
        reply_to_id: request
            .reply_to_id
            .as_deref()
            .map(str::parse::<MessageId>)
            .transpose()?,
    };
    let changed = state
        .rooms
        .send(
            &caller.user,
            room_id(&id)?,
            request.client_id,
            MessageBody::parse(&request.body)?,
            AttachmentId::parse_list(&request.attachments)?,
            links,
        )
        .await?;
    events::publish(&state, &changed).await;
    let (message, created) = changed.value;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        ApiJson(message),
    ))
}

#[derive(Deserialize)]
pub struct ReadRequest {
    seq: i64,
}

#[derive(Serialize)]
pub struct ReadResponse {
    last_read_seq: i64,
}

/// # POST /api/v1/rooms/{id}/read
async fn mark_read(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReadRequest>,
) -> Result<ApiJson<ReadResponse>> {
    let changed = state
        .rooms
        .mark_read(&caller.user, room_id(&id)?, request.seq)
        .await?;
    events::publish(&state, &changed).await;
    Ok(ApiJson(ReadResponse {
        last_read_seq: changed.value,
    }))
}
