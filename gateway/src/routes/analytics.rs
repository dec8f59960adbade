//! Reports: the funnel, the forecast, lead conversion, won and lost. Each counts only the
//! records the caller may see and can be split by responsible user or source.

use axum::{
    Router,
    extract::{Query, State},
    routing::get,
};
use crm_core::{
    domain::crm::analytics::{
        ConversionRow, ForecastRow, FunnelRow, GroupBy, ReportQuery, WonLostRow, check_period,
    },
    service::Analytics,
};
use serde::Deserialize;

use super::{
    contacts::wire::text_param,
    deals::requests::{date, pipeline_id},
};
use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/analytics/funnel", get(funnel))
        .route("/api/v1/analytics/forecast", get(forecast))
        .route("/api/v1/analytics/conversion", get(conversion))
        .route("/api/v1/analytics/won-lost", get(won_lost))
}

fn analytics(state: &AppState) -> Analytics {
    Analytics::new(state.store.clone())
}

#[derive(Deserialize)]
pub struct ReportParams {
    pipeline_id: Option<String>,
    /// `month` (the only bucket so far).
    period: Option<String>,
    /// YYYY-MM-DD, inclusive.
    from: Option<String>,
    /// YYYY-MM-DD, exclusive.
    to: Option<String>,
    /// `responsible` or `source`.
    group_by: Option<String>,
}

impl TryFrom<ReportParams> for ReportQuery {
    type Error = ApiError;

    fn try_from(params: ReportParams) -> Result<Self> {
        check_period(params.period.as_deref())?;
        let query = ReportQuery {
            pipeline_id: pipeline_id(params.pipeline_id.as_deref())?,
            from: date("from", params.from.as_deref())?,
            to: date("to", params.to.as_deref())?,
            group_by: text_param(params.group_by.as_deref())
                .map(|raw| GroupBy::parse(&raw))
                .transpose()?,
        };
        query.check()?;
        Ok(query)
    }
}

/// # GET /api/v1/analytics/funnel?pipeline_id=…&group_by=…
///
/// Every stage of the pipeline (default: the default one) in order: `{stage_id, stage,
/// position, meaning, count, amounts: {currency: amount}}`, with `group` when split.
async fn funnel(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(params): Query<ReportParams>,
) -> Result<ApiJson<Vec<FunnelRow>>> {
    let query = params.try_into()?;
    Ok(ApiJson(
        analytics(&state).funnel(&caller.user, query).await?,
    ))
}

/// # GET /api/v1/analytics/forecast?pipeline_id=…&period=month&from=…&to=…&group_by=…
///
/// Per month of expected close and currency: `{month, currency, count, amount, weighted}`,
/// `weighted` being Σ amount × probability, exact.
async fn forecast(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(params): Query<ReportParams>,
) -> Result<ApiJson<Vec<ForecastRow>>> {
    let query = params.try_into()?;
    Ok(ApiJson(
        analytics(&state).forecast(&caller.user, query).await?,
    ))
}

/// # GET /api/v1/analytics/conversion?from=…&to=…&group_by=…
///
/// Leads created in the period: `{leads, converted, junk, rate}`.
async fn conversion(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(params): Query<ReportParams>,
) -> Result<ApiJson<Vec<ConversionRow>>> {
    let query = params.try_into()?;
    Ok(ApiJson(
        analytics(&state).conversion(&caller.user, query).await?,
    ))
}

/// # GET /api/v1/analytics/won-lost?period=month&pipeline_id=…&from=…&to=…&group_by=…
///
/// Per month of closing: `{month, won, lost, won_amounts, lost_amounts}`.
async fn won_lost(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(params): Query<ReportParams>,
) -> Result<ApiJson<Vec<WonLostRow>>> {
    let query = params.try_into()?;
    Ok(ApiJson(
        analytics(&state).won_lost(&caller.user, query).await?,
    ))
}
