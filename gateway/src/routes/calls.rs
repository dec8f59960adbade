//! The call going on in a room, and what a browser needs to join it. Starting, joining and
//! everything live happen over the websocket (`ws::calls`).

use axum::{
    Router,
    extract::{Path, State},
    routing::get,
};
use serde_json::{Value, json};

use super::rooms::room_id;
use crate::{
    calls,
    error::Result,
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/rooms/{id}/call", get(current))
}

/// # GET /api/v1/rooms/{id}/call
///
/// `{"call": null | {id, room_id, started_by, started_at, participants}, "ice_servers": […]}`
/// for a member of the room; `participants` are the connections in the call right now.
async fn current(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Value>> {
    let live = state.calls.live(&caller.user, room_id(&id)?).await?;
    let call = live.map(|call| {
        let participants = state
            .call_hub
            .snapshot(call.id)
            .map(|s| s.participants)
            .unwrap_or_default();
        json!({"id": call.id, "room_id": call.room_id, "started_by": call.started_by,
               "started_at": call.started_at, "participants": participants})
    });
    Ok(ApiJson(json!({
        "call": call,
        "ice_servers": calls::ice_servers(&state.settings.calls),
    })))
}
