//! Operators' conversation actions: the inbox lists, take, assign, transfer, close, private
//! notes, labels and snooze. Every change is published live to the line's operators and
//! supervisors (`open_lines::apply`).

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::{delete, get, post, put},
};
use crm_core::{
    domain::{
        ChatEvent, Conversation, ConversationStatus, LineId, Message, RoomId, Timestamp, UserId,
        crm::DealId,
    },
    service::{ConversationChange, InboxEntry, TransferOptions, TransferTarget},
};
use serde::Deserialize;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    open_lines,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conversations", get(list))
        .route("/api/v1/conversations/{room_id}/take", post(take))
        .route("/api/v1/conversations/{room_id}/close", post(close))
        .route("/api/v1/conversations/{room_id}/assign", post(assign))
        .route("/api/v1/conversations/{room_id}/transfer", post(transfer))
        .route(
            "/api/v1/conversations/{room_id}/transfer-options",
            get(transfer_options),
        )
        .route("/api/v1/conversations/{room_id}/notes", post(note))
        .route("/api/v1/conversations/{room_id}/labels", post(add_label))
        .route(
            "/api/v1/conversations/{room_id}/labels/{label}",
            delete(remove_label),
        )
        .route("/api/v1/conversations/{room_id}/snooze", post(snooze))
        .route(
            "/api/v1/conversations/{room_id}/deal",
            put(link_deal).delete(unlink_deal),
        )
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    label: Option<String>,
}

/// # GET /api/v1/conversations?status=queued|assigned|snoozed|closed&label=
///
/// The inbox lists: the queue of the caller's lines, what is assigned to them (without the
/// snoozed, which `snoozed` lists), what they closed (admins and supervisors: everything),
/// optionally with one label. Newest first, at most 200. Each row also carries
/// `channel_kind`, `channel_name`, `line_name` and `last_message`; `contact_id`, `deal_id` and
/// `lead_id` only when the caller may see that record.
async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<ListQuery>,
) -> Result<ApiJson<Vec<InboxEntry>>> {
    let (status, snoozed) = match query.status.as_deref().unwrap_or("queued") {
        "queued" => (ConversationStatus::Queued, false),
        "assigned" => (ConversationStatus::Assigned, false),
        "snoozed" => (ConversationStatus::Assigned, true),
        "closed" => (ConversationStatus::Closed, false),
        _ => {
            return Err(ApiError::invalid_field(
                "status",
                "must be queued, assigned, snoozed or closed",
            ));
        }
    };
    let label = query.label.as_deref().filter(|label| !label.is_empty());
    Ok(ApiJson(
        state
            .open_lines
            .inbox(&caller.user, status, snoozed, label)
            .await?,
    ))
}

/// # POST /api/v1/conversations/{room_id}/take
async fn take(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(room): Path<String>,
) -> Result<StatusCode> {
    let room: RoomId = room.parse()?;
    let assignment = state.open_lines.take(&caller.user, room).await?;
    let line = assignment.events.iter().find_map(line_of);
    if let Some(line) = line {
        open_lines::announce(&state, line, &assignment).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// # POST /api/v1/conversations/{room_id}/close
///
/// Asks the client for a rating when the line does; the operator's freed capacity is
/// routed at once.
async fn close(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(room): Path<String>,
) -> Result<StatusCode> {
    let room: RoomId = room.parse()?;
    let events = state.open_lines.close(&caller.user, room).await?;
    if let Some(line) = events.iter().find_map(line_of) {
        open_lines::publish_change(&state, line, events, Vec::new()).await;
        open_lines::route(&state, line).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct AssignRequest {
    operator_id: String,
}

/// # POST /api/v1/conversations/{room_id}/assign
///
/// A supervisor or admin gives the conversation to one of the line's operators.
async fn assign(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(room): Path<String>,
    ApiJson(request): ApiJson<AssignRequest>,
) -> Result<ApiJson<Conversation>> {
    let room: RoomId = room.parse()?;
    let operator = parse_user("operator_id", &request.operator_id)?;
    let change = state
        .open_lines
        .assign(&caller.user, room, operator)
        .await?;
    Ok(ApiJson(finish(&state, change).await?))
}

/// # GET /api/v1/conversations/{room_id}/transfer-options
///
/// For the conversation's operator or a lead: the line's other operators with their open
/// conversation counts and whether they are online, and the other lines.
async fn transfer_options(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(room): Path<String>,
) -> Result<ApiJson<serde_json::Value>> {
    let room: RoomId = room.parse()?;
    let TransferOptions { operators, lines } = state
        .open_lines
        .transfer_options(&caller.user, room)
        .await?;
    let ids: Vec<String> = operators.iter().map(|o| o.user_id.to_string()).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let statuses = state
        .presence
        .statuses(&refs)
        .await
        .map_err(ApiError::internal)?;
    let operators: Vec<serde_json::Value> = operators
        .iter()
        .zip(statuses)
        .map(|(operator, status)| {
            serde_json::json!({
                "user_id": operator.user_id,
                "display_name": operator.display_name,
                "open_conversations": operator.open_conversations,
                "presence": status,
            })
        })
        .collect();
    Ok(ApiJson(
        serde_json::json!({"operators": operators, "lines": lines}),
    ))
}

#[derive(Deserialize)]
pub struct TransferRequest {
    operator_id: Option<String>,
    line_id: Option<String>,
    note: Option<String>,
}

/// # POST /api/v1/conversations/{room_id}/transfer
///
/// To one operator of the line (`operator_id`) or into another line's queue (`line_id`),
/// with an optional `note` kept in the room as a private note.
async fn transfer(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(room): Path<String>,
    ApiJson(request): ApiJson<TransferRequest>,
) -> Result<ApiJson<Conversation>> {
    let room: RoomId = room.parse()?;
    let target = match (&request.operator_id, &request.line_id) {
        (Some(operator), None) => TransferTarget::Operator(parse_user("operator_id", operator)?),
        (None, Some(line)) => TransferTarget::Line(
            line.parse::<LineId>()
                .map_err(|_| ApiError::invalid_field("line_id", "not a valid line id"))?,
        ),
        _ => {
            return Err(ApiError::invalid_field(
                "operator_id",
                "give exactly one of operator_id and line_id",
            ));
        }
    };
    let change = state
        .open_lines
        .transfer(&caller.user, room, target, request.note.as_deref())
        .await?;
    Ok(ApiJson(finish(&state, change).await?))
}

#[derive(Deserialize)]
pub struct NoteRequest {
    body: String,
}

/// # POST /api/v1/conversations/{room_id}/notes
///
/// A private note: stored in the room as a message of kind `note`, seen by operators,
/// never sent to the client.
async fn note(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(room): Path<String>,
    ApiJson(request): ApiJson<NoteRequest>,
) -> Result<(StatusCode, ApiJson<Message>)> {
    let room: RoomId = room.parse()?;
    let change = state
        .open_lines
        .note(&caller.user, room, &request.body)
        .await?;
    let message = change.events.iter().find_map(|event| match event {
        ChatEvent::MessageCreated { message } => Some(message.clone()),
        _ => None,
    });
    open_lines::apply(&state, change).await;
    let message = message.ok_or_else(|| ApiError::internal("the note was not returned"))?;
    Ok((StatusCode::CREATED, ApiJson(message)))
}

#[derive(Deserialize)]
pub struct LabelRequest {
    label: String,
}

/// # POST /api/v1/conversations/{room_id}/labels
async fn add_label(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(room): Path<String>,
    ApiJson(request): ApiJson<LabelRequest>,
) -> Result<ApiJson<Conversation>> {
    let room: RoomId = room.parse()?;
    let change = state
        .open_lines
        .label(&caller.user, room, &request.label, true)
        .await?;
    Ok(ApiJson(finish(&state, change).await?))
}

/// # DELETE /api/v1/conversations/{room_id}/labels/{label}
async fn remove_label(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((room, label)): Path<(String, String)>,
) -> Result<ApiJson<Conversation>> {
    let room: RoomId = room.parse()?;
    let change = state
        .open_lines
        .label(&caller.user, room, &label, false)
        .await?;
    Ok(ApiJson(finish(&state, change).await?))
}

#[derive(Deserialize)]
pub struct SnoozeRequest {
    /// RFC 3339, e.g. `2026-11-28T09:00:00Z`.
    until: String,
}

/// # POST /api/v1/conversations/{room_id}/snooze
async fn snooze(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(room): Path<String>,
    ApiJson(request): ApiJson<SnoozeRequest>,
) -> Result<ApiJson<Conversation>> {
    let room: RoomId = room.parse()?;
    let until = OffsetDateTime::parse(request.until.trim(), &Rfc3339).map_err(|_| {
        ApiError::invalid_field(
            "until",
            "must be an RFC 3339 time like 2026-11-28T09:00:00Z",
        )
    })?;
    let millis = i64::try_from(until.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| ApiError::invalid_field("until", "is out of range"))?;
    let change = state
        .open_lines
        .snooze(&caller.user, room, Timestamp::from_millis(millis))
        .await?;
    Ok(ApiJson(finish(&state, change).await?))
}

#[derive(Deserialize)]
pub struct LinkDealRequest {
    deal_id: String,
}

/// # PUT /api/v1/conversations/{room_id}/deal
///
/// Links the conversation to a deal (the conversation's operator or a lead of its line,
/// who must see the deal; an unseen deal is a 404). The deal's timeline gets the
/// conversation's earlier entries and, while linked, every new one.
async fn link_deal(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(room): Path<String>,
    ApiJson(request): ApiJson<LinkDealRequest>,
) -> Result<ApiJson<Conversation>> {
    let room: RoomId = room.parse()?;
    let deal: DealId = request
        .deal_id
        .parse()
        .map_err(|_| ApiError::invalid_field("deal_id", "not a valid deal id"))?;
    let change = state
        .open_lines
        .link_deal(&caller.user, room, Some(deal))
        .await?;
    Ok(ApiJson(finish(&state, change).await?))
}

/// # DELETE /api/v1/conversations/{room_id}/deal
///
/// Unlinks the conversation from its deal: new entries no longer go to the deal, the ones
/// already there stay.
async fn unlink_deal(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(room): Path<String>,
) -> Result<ApiJson<Conversation>> {
    let room: RoomId = room.parse()?;
    let change = state.open_lines.link_deal(&caller.user, room, None).await?;
    Ok(ApiJson(finish(&state, change).await?))
}

fn parse_user(field: &'static str, raw: &str) -> Result<UserId> {
    raw.parse()
        .map_err(|_| ApiError::invalid_field(field, "not a valid user id"))
}

fn line_of(event: &ChatEvent) -> Option<LineId> {
    match event {
        ChatEvent::ConversationUpdated { conversation } => Some(conversation.line_id),
        _ => None,
    }
}

/// Publishes the change and answers with the conversation as it now stands.
async fn finish(state: &AppState, change: ConversationChange) -> Result<Conversation> {
    let conversation = change.events.iter().rev().find_map(|event| match event {
        ChatEvent::ConversationUpdated { conversation } => Some(conversation.clone()),
        _ => None,
    });
    open_lines::apply(state, change).await;
    conversation.ok_or_else(|| ApiError::internal("the conversation was not returned"))
}
