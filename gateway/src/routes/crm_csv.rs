//! CSV export and import of contacts, companies and deals. The format is in
//! docs/crm-csv.md; the work is `crm_core::service::CsvExchange`, shared with the command
//! line. Exports stream a page at a time. Imports read the body whole, so they are bounded
//! by `http.body_limit_bytes`, and by `IMPORT_MAX_ROWS` so that one finishes well within the
//! request timeout; the command line takes files of any size.

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use crm_core::{
    domain::User,
    service::{CsvExchange, Entity, ExportFilter, ImportReport},
};

use super::{
    contacts::wire::{ListCompaniesQuery, ListContactsQuery},
    deals::requests::ListDealsQuery,
};
use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

/// Most rows one REST import takes. Rows are imported one transaction each, at a few
/// hundred a second on SQLite in a debug build on a busy 2-core machine (measured with
/// `switchboard import`), so this many finish within the default 30 s request timeout.
pub const IMPORT_MAX_ROWS: usize = 5_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/contacts/export", get(export_contacts))
        .route("/api/v1/companies/export", get(export_companies))
        .route("/api/v1/deals/export", get(export_deals))
        .route("/api/v1/contacts/import", post(import_contacts))
        .route("/api/v1/companies/import", post(import_companies))
        .route("/api/v1/deals/import", post(import_deals))
}

/// # GET /api/v1/contacts/export?q=…&responsible_id=…&company_id=…
///
/// The contacts the caller's list shows (the list's filters apply; `cursor` and `limit`
/// do not) as `text/csv`, streamed.
async fn export_contacts(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<ListContactsQuery>,
) -> Result<Response> {
    export(
        &state,
        &caller.user,
        ExportFilter::Contacts(query.try_into()?),
    )
    .await
}

/// # GET /api/v1/companies/export?q=…&responsible_id=…
async fn export_companies(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<ListCompaniesQuery>,
) -> Result<Response> {
    export(
        &state,
        &caller.user,
        ExportFilter::Companies(query.try_into()?),
    )
    .await
}

/// # GET /api/v1/deals/export?pipeline_id=…&stage_id=…&status=…&…
///
/// The deals list's filters and sort apply.
async fn export_deals(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<ListDealsQuery>,
) -> Result<Response> {
    export(&state, &caller.user, ExportFilter::Deals(query.try_into()?)).await
}

async fn export(state: &AppState, user: &User, filter: ExportFilter) -> Result<Response> {
    let export = CsvExchange::new(state.store.clone())
        .export(Some(user), filter)
        .await?;
    let disposition = format!("attachment; filename=\"{}.csv\"", export.entity().as_str());
    let chunks = futures_util::stream::try_unfold(export, |mut export| async move {
        match export.next_chunk().await {
            Ok(chunk) => Ok(chunk.map(|chunk| (Bytes::from(chunk.bytes), export))),
            Err(error) => {
                // The status is sent already; the client sees the body cut short.
                tracing::error!(error.cause_chain = ?error, error.message = %error, "CSV export failed");
                Err(error)
            }
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
}

/// # POST /api/v1/contacts/import (body: text/csv)
///
/// Imports every row it can: `{imported, updated, failed, errors: [{line, column?, code,
/// message}]}`. A row whose `id` names a contact the caller sees updates it; other rows
/// create contacts. A header with an unknown column or without a required one, or more
/// than `IMPORT_MAX_ROWS` rows, is a 422 and nothing is imported; viewers get 403.
async fn import_contacts(
    State(state): State<AppState>,
    caller: AuthUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<ApiJson<ImportReport>> {
    import(&state, &caller.user, Entity::Contacts, &headers, &body).await
}

/// # POST /api/v1/companies/import (body: text/csv)
async fn import_companies(
    State(state): State<AppState>,
    caller: AuthUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<ApiJson<ImportReport>> {
    import(&state, &caller.user, Entity::Companies, &headers, &body).await
}

/// # POST /api/v1/deals/import (body: text/csv)
async fn import_deals(
    State(state): State<AppState>,
    caller: AuthUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<ApiJson<ImportReport>> {
    import(&state, &caller.user, Entity::Deals, &headers, &body).await
}

async fn import(
    state: &AppState,
    user: &User,
    entity: Entity,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<ApiJson<ImportReport>> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase());
    let csv = matches!(
        media_type.as_deref(),
        Some("text/csv" | "application/csv" | "text/plain")
    );
    if !csv {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the file as text/csv",
        ));
    }
    let report = CsvExchange::new(state.store.clone())
        .import(user, entity, body, Some(IMPORT_MAX_ROWS), &mut |_, _| {})
        .await?;
    if matches!(entity, Entity::Deals) {
        crate::crm_events::deals_imported(state).await;
    }
    Ok(ApiJson(report))
}
