//! Deals: CRUD, list with filters, sort and keyset pages, bulk changes, and the stage
//! history. Their timeline and comments are in `timeline`. Visibility is by role, as for
//! contacts: a deal the caller may not see is a 404.

pub(super) mod requests;

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::{get, post},
};
use crm_core::{
    domain::crm::{Deal, DealId, Page, StageChange},
    service::Deals,
};
use serde_json::{Value, json};

use self::requests::{BulkRequest, CreateDealRequest, ListDealsQuery, UpdateDealRequest};
use super::contacts::wire::path_id;
use crate::{
    crm_events::{self, Change},
    error::Result,
    http::{auth::AuthUser, client::Client, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/deals", get(list).post(create))
        .route("/api/v1/deals/bulk", post(bulk))
        .route("/api/v1/deals/{id}", get(show).patch(update).delete(remove))
        .route("/api/v1/deals/{id}/stage-history", get(history))
}

fn deals(state: &AppState) -> Deals {
    Deals::new(state.store.clone())
}

/// # GET /api/v1/deals?ids=…&q=…&pipeline_id=…&stage_id=…&status=…&responsible_id=…&source=…&contact_id=…&company_id=…&amount_min=…&amount_max=…&currency=…&sort=…&cursor=…&limit=…
///
/// The deals the caller may see: `{items, next_cursor, total}`. `ids` (comma-separated,
/// at most 200) keeps only those deals — a deal missing from the answer is gone or not the
/// caller's to see. `q` matches part of the title; `status` is the stage's meaning (open, won, lost); an amount range needs its
/// `currency`. `sort` is `created`, `amount`, `close_date` or `updated`, `-` for
/// descending (default `-created`). At most 200 per page (default 50); `total` on the
/// first page only.
async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<ListDealsQuery>,
) -> Result<ApiJson<Page<Deal>>> {
    let filter = query.try_into()?;
    Ok(ApiJson(deals(&state).list(&caller.user, filter).await?))
}

/// # POST /api/v1/deals
///
/// `{title, amount, currency, expected_close, pipeline_id, stage_id, probability,
/// contact_id, company_id, source, responsible_id}`; `amount` is a string or number with
/// at most the currency's decimal places. 201 with the deal.
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<CreateDealRequest>,
) -> Result<(StatusCode, ApiJson<Deal>)> {
    let deal = deals(&state)
        .create(Some(&caller.user), request.try_into()?)
        .await?;
    crm_events::deal(&state, Change::Created, &deal).await;
    Ok((StatusCode::CREATED, ApiJson(deal)))
}

/// # GET /api/v1/deals/{id}
async fn show(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Deal>> {
    let id = path_id::<DealId>(&id, "deal")?;
    Ok(ApiJson(deals(&state).get(&caller.user, id).await?))
}

/// # PATCH /api/v1/deals/{id}
///
/// Changes the fields given. A new `stage_id` (of the deal's pipeline, or of a new
/// `pipeline_id`) is a stage change: in the stage history and on the timeline of the deal,
/// its contact and company.
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UpdateDealRequest>,
) -> Result<ApiJson<Deal>> {
    let id = path_id::<DealId>(&id, "deal")?;
    let patch = request.try_into()?;
    let deal = deals(&state).update(&caller.user, id, patch).await?;
    crm_events::deal(&state, Change::Updated, &deal).await;
    Ok(ApiJson(deal))
}

/// # DELETE /api/v1/deals/{id}
async fn remove(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id = path_id::<DealId>(&id, "deal")?;
    deals(&state).delete(&caller.user, id, &client).await?;
    crm_events::deal_deleted(&state, id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// # GET /api/v1/deals/{id}/stage-history
///
/// Every stage the deal entered, oldest first: `{from_stage_id, from_stage, to_stage_id,
/// to_stage, changed_by, changed_at}` (the first entry, its creation, has no `from`).
async fn history(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Vec<StageChange>>> {
    let id = path_id::<DealId>(&id, "deal")?;
    Ok(ApiJson(deals(&state).history(&caller.user, id).await?))
}

/// # POST /api/v1/deals/bulk
///
/// `{ids: […], set: {stage_id, responsible_id}}`: all or nothing. 200 `{updated, items}`;
/// when any deal fails, 422 `batch_failed` with `fields` naming each (`ids[2]`: why) and
/// nothing changed.
async fn bulk(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<BulkRequest>,
) -> Result<ApiJson<Value>> {
    let update = request.try_into()?;
    let changed = deals(&state).bulk_update(&caller.user, update).await?;
    for deal in &changed {
        crm_events::deal(&state, Change::Updated, deal).await;
    }
    Ok(ApiJson(json!({"updated": changed.len(), "items": changed})))
}
