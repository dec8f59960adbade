//! Canned responses: CRUD and the `/shortcut` lookup the composer calls as the operator types.

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::{get, patch},
};
use crm_core::domain::{CannedResponse, CannedResponseId, LineId};
use serde::Deserialize;

use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/canned", get(list).post(create))
        .route("/api/v1/canned/{id}", patch(update).delete(remove))
}

#[derive(Deserialize)]
pub struct LookupQuery {
    prefix: Option<String>,
    /// Lists every response shared on this line instead (its supervisors and admins).
    line_id: Option<String>,
}

/// # GET /api/v1/canned?prefix=
///
/// The caller's personal responses and those of the lines they serve whose shortcut
/// starts with `prefix` (a leading `/` is ignored), at most 20, by shortcut.
/// With `?line_id=`: every response shared on that line, for its leads to edit.
async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<LookupQuery>,
) -> Result<ApiJson<Vec<CannedResponse>>> {
    if let Some(raw) = query.line_id.as_deref() {
        let line = raw
            .parse::<LineId>()
            .map_err(|_| ApiError::invalid_field("line_id", "not a valid line id"))?;
        return Ok(ApiJson(
            state.open_lines.line_canned(&caller.user, line).await?,
        ));
    }
    let prefix = query.prefix.unwrap_or_default();
    Ok(ApiJson(
        state.open_lines.canned(&caller.user, &prefix).await?,
    ))
}

#[derive(Deserialize)]
pub struct CreateRequest {
    /// Shared on this line (its supervisors and admins); absent: the caller's own.
    line_id: Option<String>,
    shortcut: String,
    body: String,
}

/// # POST /api/v1/canned
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<CreateRequest>,
) -> Result<(StatusCode, ApiJson<CannedResponse>)> {
    let line = request
        .line_id
        .as_deref()
        .map(|raw| {
            raw.parse::<LineId>()
                .map_err(|_| ApiError::invalid_field("line_id", "not a valid line id"))
        })
        .transpose()?;
    let created = state
        .open_lines
        .create_canned(&caller.user, line, &request.shortcut, &request.body)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

#[derive(Deserialize)]
pub struct UpdateRequest {
    shortcut: Option<String>,
    body: Option<String>,
}

/// # PATCH /api/v1/canned/{id}
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UpdateRequest>,
) -> Result<ApiJson<CannedResponse>> {
    let id: CannedResponseId = id.parse()?;
    let updated = state
        .open_lines
        .update_canned(
            &caller.user,
            id,
            request.shortcut.as_deref(),
            request.body.as_deref(),
        )
        .await?;
    Ok(ApiJson(updated))
}

/// # DELETE /api/v1/canned/{id}
async fn remove(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id: CannedResponseId = id.parse()?;
    state.open_lines.delete_canned(&caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
