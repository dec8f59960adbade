//! Pinned messages of a room.

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{delete, get},
};
use crm_core::domain::{Message, MessageId};
use serde::Deserialize;

use super::rooms::room_id;
use crate::{
    error::Result,
    events,
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rooms/{id}/pins", get(list).post(pin))
        .route("/api/v1/rooms/{id}/pins/{message_id}", delete(unpin))
}

/// # GET /api/v1/rooms/{id}/pins
async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Vec<Message>>> {
    Ok(ApiJson(
        state.rooms.pinned(&caller.user, room_id(&id)?).await?,
    ))
}

#[derive(Deserialize)]
pub struct PinRequest {
    message_id: String,
}

/// # POST /api/v1/rooms/{id}/pins
async fn pin(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PinRequest>,
) -> Result<StatusCode> {
    let message: MessageId = request.message_id.parse()?;
    let changed = state
        .rooms
        .set_pinned(&caller.user, room_id(&id)?, message, true)
        .await?;
    events::publish(&state, &changed).await;
    Ok(StatusCode::NO_CONTENT)
}

/// # DELETE /api/v1/rooms/{id}/pins/{message_id}
async fn unpin(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((id, message_id)): Path<(String, String)>,
) -> Result<StatusCode> {
    let message: MessageId = message_id.parse()?;
    let changed = state
        .rooms
        .set_pinned(&caller.user, room_id(&id)?, message, false)
        .await?;
    events::publish(&state, &changed).await;
    Ok(StatusCode::NO_CONTENT)
}
