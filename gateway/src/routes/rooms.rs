//! Rooms for staff: list, create, DMs, membership, settings. Messages are in `messages`.

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use crm_core::domain::{Room, RoomId, RoomKind, RoomName, RoomSummary, UserId};
use serde::{Deserialize, Serialize};

use crate::{
    error::{ApiError, Result},
    events,
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rooms", get(list).post(create))
        .route("/api/v1/dms", post(open_dm))
        .route("/api/v1/channels/public", get(public_channels))
        .route("/api/v1/rooms/{id}", get(show).patch(update))
        .route("/api/v1/rooms/{id}/members", get(members).post(invite))
        .route("/api/v1/rooms/{id}/join", post(join))
        .route("/api/v1/rooms/{id}/leave", post(leave))
}

pub fn room_id(raw: &str) -> Result<RoomId> {
    Ok(raw.parse()?)
}

fn user_id(field: &'static str, raw: &str) -> Result<UserId> {
    raw.parse()
        .map_err(|_| ApiError::invalid_field(field, "not a valid user id"))
}

/// # GET /api/v1/rooms
///
/// The caller's rooms, most recently active first, with unread counts.
async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<ApiJson<Vec<RoomSummary>>> {
    Ok(ApiJson(state.rooms.list(&caller.user).await?))
}

/// # GET /api/v1/channels/public
///
/// Public channels anyone may read and join, by name.
async fn public_channels(
    State(state): State<AppState>,
    _caller: AuthUser,
) -> Result<ApiJson<Vec<Room>>> {
    Ok(ApiJson(state.rooms.public_channels().await?))
}

#[derive(Deserialize)]
pub struct CreateRoomRequest {
    kind: String,
    name: String,
    topic: Option<String>,
    #[serde(default)]
    private: bool,
    #[serde(default)]
    members: Vec<String>,
}

/// # POST /api/v1/rooms
///
/// Creates a group (always private) or a channel (public unless `private`).
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<CreateRoomRequest>,
) -> Result<(StatusCode, ApiJson<Room>)> {
    let kind = RoomKind::parse(&request.kind)?;
    let name = RoomName::parse(&request.name)?;
    let members = request
        .members
        .iter()
        .map(|raw| user_id("members", raw))
        .collect::<Result<Vec<_>>>()?;
    let changed = state
        .rooms
        .create_room(
            &caller.user,
            kind,
            name,
            request.topic,
            request.private,
            members,
        )
        .await?;
    events::publish(&state, &changed).await;
    Ok((StatusCode::CREATED, ApiJson(changed.value)))
}

#[derive(Deserialize)]
pub struct OpenDmRequest {
    user_id: String,
}

/// # POST /api/v1/dms
///
/// The DM with another user: 201 when created, 200 when it already existed.
async fn open_dm(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<OpenDmRequest>,
) -> Result<(StatusCode, ApiJson<Room>)> {
    let other = user_id("user_id", &request.user_id)?;
    let changed = state.rooms.open_dm(&caller.user, other).await?;
    events::publish(&state, &changed).await;
    let status = if changed.events.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, ApiJson(changed.value)))
}

/// # GET /api/v1/rooms/{id}
async fn show(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Room>> {
    Ok(ApiJson(state.rooms.get(&caller.user, room_id(&id)?).await?))
}

#[derive(Deserialize)]
pub struct UpdateRoomRequest {
    name: Option<String>,
    topic: Option<String>,
    archived: Option<bool>,
}

/// # PATCH /api/v1/rooms/{id}
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UpdateRoomRequest>,
) -> Result<ApiJson<Room>> {
    let name = request.name.as_deref().map(RoomName::parse).transpose()?;
    let changed = state
        .rooms
        .update(
            &caller.user,
            room_id(&id)?,
            name,
            request.topic,
            request.archived,
        )
        .await?;
    events::publish(&state, &changed).await;
    Ok(ApiJson(changed.value))
}

#[derive(Serialize)]
pub struct MembersResponse {
    user_ids: Vec<UserId>,
}

/// # GET /api/v1/rooms/{id}/members
async fn members(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<MembersResponse>> {
    Ok(ApiJson(MembersResponse {
        user_ids: state.rooms.members(&caller.user, room_id(&id)?).await?,
    }))
}

#[derive(Deserialize)]
pub struct InviteRequest {
    user_id: String,
}

/// # POST /api/v1/rooms/{id}/members
async fn invite(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<InviteRequest>,
) -> Result<ApiJson<Room>> {
    let user = user_id("user_id", &request.user_id)?;
    let changed = state
        .rooms
        .invite(&caller.user, room_id(&id)?, user)
        .await?;
    events::publish(&state, &changed).await;
    Ok(ApiJson(changed.value))
}

/// # POST /api/v1/rooms/{id}/join
///
/// Joins a public channel.
async fn join(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Room>> {
    let changed = state.rooms.join(&caller.user, room_id(&id)?).await?;
    events::publish(&state, &changed).await;
    Ok(ApiJson(changed.value))
}

/// # POST /api/v1/rooms/{id}/leave
async fn leave(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let changed = state.rooms.leave(&caller.user, room_id(&id)?).await?;
    events::publish(&state, &changed).await;
    Ok(StatusCode::NO_CONTENT)
}
