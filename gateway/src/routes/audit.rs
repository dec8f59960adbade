//! The audit log, read by admins.

use axum::{
    Router,
    extract::{Query, State},
    routing::get,
};
use crm_core::{domain::AuditId, store::AuditEntry};
use serde::Deserialize;

use crate::{
    error::Result,
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/audit", get(list))
}

#[derive(Deserialize)]
pub struct AuditQuery {
    /// Entries older than this entry id (the last id of the previous page).
    before: Option<String>,
    limit: Option<i64>,
}

/// # GET /api/v1/audit
async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<AuditQuery>,
) -> Result<ApiJson<Vec<AuditEntry>>> {
    let before = query
        .before
        .as_deref()
        .map(str::parse::<AuditId>)
        .transpose()?;
    Ok(ApiJson(
        state
            .accounts
            .audit_log(&caller.user, before, query.limit.unwrap_or(100))
            .await?,
    ))
}
