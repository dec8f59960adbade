//! The timeline of contacts, companies, deals and leads, and comments on it. An entry linked to several
//! records (a field change that moves a contact between companies) shows on each.

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::get,
};
use crm_core::{
    domain::crm::{
        CompanyId, ContactId, DealId, EntityKind, EntityRef, LeadId, TimelineCursor, TimelineEntry,
        TimelinePage,
    },
    service::Timeline,
};
use serde::Deserialize;

use super::contacts::wire::{DEFAULT_LIMIT, parse_opt, path_id};
use crate::{
    error::Result,
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/contacts/{id}/timeline", get(contact_page))
        .route(
            "/api/v1/contacts/{id}/comments",
            axum::routing::post(contact_comment),
        )
        .route("/api/v1/companies/{id}/timeline", get(company_page))
        .route(
            "/api/v1/companies/{id}/comments",
            axum::routing::post(company_comment),
        )
        .route("/api/v1/deals/{id}/timeline", get(deal_page))
        .route(
            "/api/v1/deals/{id}/comments",
            axum::routing::post(deal_comment),
        )
        .route("/api/v1/leads/{id}/timeline", get(lead_page))
        .route(
            "/api/v1/leads/{id}/comments",
            axum::routing::post(lead_comment),
        )
}

/// The record a timeline route names, by kind and path id.
fn entity(kind: EntityKind, raw: &str) -> Result<EntityRef> {
    Ok(match kind {
        EntityKind::Contact => EntityRef::contact(path_id::<ContactId>(raw, "contact")?),
        EntityKind::Company => EntityRef::company(path_id::<CompanyId>(raw, "company")?),
        EntityKind::Deal => EntityRef::deal(path_id::<DealId>(raw, "deal")?),
        EntityKind::Lead => EntityRef::lead(path_id::<LeadId>(raw, "lead")?),
    })
}

#[derive(Deserialize)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    limit: Option<String>,
}

#[derive(Deserialize)]
pub struct CommentRequest {
    text: String,
}

async fn page(
    state: &AppState,
    caller: &AuthUser,
    entity: EntityRef,
    query: PageQuery,
) -> Result<TimelinePage> {
    let cursor = parse_opt::<TimelineCursor>(
        "cursor",
        query.cursor.as_deref(),
        "is not a cursor this server returned",
    )?;
    let limit = parse_opt::<i64>("limit", query.limit.as_deref(), "must be a whole number")?
        .unwrap_or(DEFAULT_LIMIT);
    Ok(Timeline::new(state.store.clone())
        .page(&caller.user, entity, cursor, limit)
        .await?)
}

async fn comment(
    state: &AppState,
    caller: &AuthUser,
    entity: EntityRef,
    request: CommentRequest,
) -> Result<(StatusCode, ApiJson<TimelineEntry>)> {
    let entry = Timeline::new(state.store.clone())
        .comment(&caller.user, entity, &request.text)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(entry)))
}

/// # GET /api/v1/contacts/{id}/timeline?cursor=…&limit=…
///
/// Everything that happened with the contact, newest first: `{entries, next_cursor}`, each
/// entry `{id, kind, author_id, occurred_at, summary, payload}`. At most 200 per page
/// (default 50). The same for companies, deals and leads below.
async fn contact_page(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<ApiJson<TimelinePage>> {
    let entity = entity(EntityKind::Contact, &id)?;
    Ok(ApiJson(page(&state, &caller, entity, query).await?))
}

/// # POST /api/v1/contacts/{id}/comments
///
/// `{text}` (1–10,000 characters): a comment on the contact's timeline; 201 with the entry.
/// The same for companies, deals and leads.
async fn contact_comment(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CommentRequest>,
) -> Result<(StatusCode, ApiJson<TimelineEntry>)> {
    let entity = entity(EntityKind::Contact, &id)?;
    comment(&state, &caller, entity, request).await
}

/// # GET /api/v1/companies/{id}/timeline?cursor=…&limit=…
async fn company_page(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<ApiJson<TimelinePage>> {
    let entity = entity(EntityKind::Company, &id)?;
    Ok(ApiJson(page(&state, &caller, entity, query).await?))
}

/// # POST /api/v1/companies/{id}/comments
async fn company_comment(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CommentRequest>,
) -> Result<(StatusCode, ApiJson<TimelineEntry>)> {
    let entity = entity(EntityKind::Company, &id)?;
    comment(&state, &caller, entity, request).await
}

/// # GET /api/v1/deals/{id}/timeline?cursor=…&limit=…
async fn deal_page(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<ApiJson<TimelinePage>> {
    let entity = entity(EntityKind::Deal, &id)?;
    Ok(ApiJson(page(&state, &caller, entity, query).await?))
}

/// # POST /api/v1/deals/{id}/comments
async fn deal_comment(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CommentRequest>,
) -> Result<(StatusCode, ApiJson<TimelineEntry>)> {
    let entity = entity(EntityKind::Deal, &id)?;
    comment(&state, &caller, entity, request).await
}

/// # GET /api/v1/leads/{id}/timeline?cursor=…&limit=…
async fn lead_page(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<ApiJson<TimelinePage>> {
    let entity = entity(EntityKind::Lead, &id)?;
    Ok(ApiJson(page(&state, &caller, entity, query).await?))
}

/// # POST /api/v1/leads/{id}/comments
async fn lead_comment(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<CommentRequest>,
) -> Result<(StatusCode, ApiJson<TimelineEntry>)> {
    let entity = entity(EntityKind::Lead, &id)?;
    comment(&state, &caller, entity, request).await
}
