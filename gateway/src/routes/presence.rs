//! Who is online: the current status of a set of users. Changes arrive on the websocket.

use std::collections::BTreeMap;

use axum::{
    Router,
    extract::{Query, State},
    routing::get,
};
use crm_core::domain::UserId;
use realtime::PresenceStatus;
use serde::{Deserialize, Serialize};

use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

/// Most users asked about in one request.
const MAX_USERS: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/presence", get(statuses))
}

#[derive(Deserialize)]
pub struct PresenceQuery {
    /// Comma-separated user ids.
    user_ids: String,
}

#[derive(Serialize)]
pub struct PresenceResponse {
    statuses: BTreeMap<String, PresenceStatus>,
}

/// # GET /api/v1/presence?user_ids=…
async fn statuses(
    State(state): State<AppState>,
    _caller: AuthUser,
    Query(query): Query<PresenceQuery>,
) -> Result<ApiJson<PresenceResponse>> {
    let ids: Vec<String> = query
        .user_ids
        .split(',')
        .filter(|raw| !raw.trim().is_empty())
        .map(|raw| raw.trim().parse::<UserId>().map(|id| id.to_string()))
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::invalid_field("user_ids", "must be comma-separated user ids"))?;
    if ids.is_empty() || ids.len() > MAX_USERS {
        return Err(ApiError::invalid_field("user_ids", "name 1 to 500 users"));
    }
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let found = state
        .presence
        .statuses(&refs)
        .await
        .map_err(ApiError::internal)?;
    Ok(ApiJson(PresenceResponse {
        statuses: ids.into_iter().zip(found).collect(),
    }))
}
