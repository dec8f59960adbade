//! Threads: a message and the replies made to it.

use axum::{
    Router,
    extract::{Path, State},
    routing::get,
};
use crm_core::domain::{Message, MessageId};
use serde::Serialize;

use crate::{
    error::Result,
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/messages/{id}/thread", get(show))
}

#[derive(Serialize)]
pub struct ThreadResponse {
    root: Message,
    replies: Vec<Message>,
}

/// # GET /api/v1/messages/{id}/thread
async fn show(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<ThreadResponse>> {
    let root: MessageId = id.parse()?;
    let (root, replies) = state.rooms.thread(&caller.user, root).await?;
    Ok(ApiJson(ThreadResponse { root, replies }))
}
