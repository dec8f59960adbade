//! Guest links: room members make and revoke them; someone without an account opens one
//! (no `Authorization`), names themself and gets a guest token for the room's live call,
//! which only the websocket accepts (`ws::guest`). A link past its expiry or revoked is
//! `410 Gone`: retrying will not help.

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{delete, get, post},
};
use crm_core::domain::{GuestLink, GuestLinkId};
use serde::Deserialize;
use serde_json::{Value, json};

use super::rooms::room_id;
use crate::{
    calls,
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rooms/{id}/guest-links", post(create).get(list))
        .route("/api/v1/guest-links/{id}", delete(revoke))
        .route("/api/v1/guest/links/{token}", get(inspect))
        .route("/api/v1/guest/links/{token}/join", post(join))
}

/// Where the guest page lives for a link's token.
fn page_of(token: &str) -> String {
    format!("/guest/{token}")
}

/// An expired or revoked link is gone for good; other errors map as usual.
fn gone_if_closed(error: crm_core::Error) -> ApiError {
    match error {
        crm_core::Error::Refused { code, message }
            if code == "link_expired" || code == "link_revoked" =>
        {
            ApiError::new(StatusCode::GONE, code, message)
        }
        other => other.into(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    /// How long the link admits guests; a day when left out, at most a week.
    expires_in_minutes: Option<i64>,
}

/// # POST /api/v1/rooms/{id}/guest-links
///
/// Body `{"expires_in_minutes"?}`. `201` with the link and its `token` and `url` (shown only
/// now), for members of the room.
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CreateRequest>,
) -> Result<(StatusCode, ApiJson<Value>)> {
    let minutes = request.expires_in_minutes;
    let created = state
        .calls
        .create_guest_link(&caller.user, room_id(&id)?, minutes)
        .await?;
    let url = page_of(&created.token);
    let mut body = serde_json::to_value(&created).unwrap_or_default();
    body["url"] = json!(url);
    Ok((StatusCode::CREATED, ApiJson(body)))
}

/// # GET /api/v1/rooms/{id}/guest-links
///
/// The room's links, newest first, without their tokens.
async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Vec<GuestLink>>> {
    Ok(ApiJson(
        state.calls.guest_links(&caller.user, room_id(&id)?).await?,
    ))
}

/// # DELETE /api/v1/guest-links/{id}
///
/// Revokes a link (any member of its room); guests already in the call stay.
async fn revoke(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<GuestLink>> {
    let id: GuestLinkId = id.parse()?;
    Ok(ApiJson(
        state.calls.revoke_guest_link(&caller.user, id).await?,
    ))
}

/// # GET /api/v1/guest/links/{token}
///
/// For the guest page, unauthenticated: `{"expires_at", "call_live"}`; `410` when the link
/// expired or was revoked, `404` when there is no such link.
async fn inspect(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<ApiJson<Value>> {
    let (link, call_live) = state
        .calls
        .inspect_guest_link(&token)
        .await
        .map_err(gone_if_closed)?;
    Ok(ApiJson(
        json!({"expires_at": link.expires_at, "call_live": call_live}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinRequest {
    display_name: String,
}

/// # POST /api/v1/guest/links/{token}/join
///
/// Unauthenticated: `201 {"token", "guest": {id, display_name, call_id, room_id},
/// "ice_servers"}`. The token authenticates the websocket (an `auth` frame) for this call
/// only. `409 no_call` while no call is going on in the room; `410` for a closed link.
async fn join(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(request): ApiJson<JoinRequest>,
) -> Result<(StatusCode, ApiJson<Value>)> {
    let session = state
        .calls
        .redeem_guest_link(&token, &request.display_name)
        .await
        .map_err(gone_if_closed)?;
    let guest = &session.guest;
    Ok((
        StatusCode::CREATED,
        ApiJson(json!({
            "token": session.token,
            "guest": {"id": guest.id, "display_name": guest.display_name,
                      "call_id": guest.call_id, "room_id": guest.room_id},
            "ice_servers": calls::ice_servers(&state.settings.calls),
        })),
    ))
}
