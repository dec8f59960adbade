//! Liveness and readiness probes; both are unauthenticated.

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};

use crate::{error::ApiError, state::AppState};

/// # GET /healthz
///
/// The process is up and serving HTTP.
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// # GET /readyz
///
/// The database and the event bus both answer within two seconds.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let limit = Duration::from_secs(2);
    let database = matches!(
        tokio::time::timeout(limit, state.store.ping()).await,
        Ok(Ok(()))
    );
    let bus = matches!(
        tokio::time::timeout(limit, state.bus.ping()).await,
        Ok(Ok(()))
    );
    if database && bus {
        return Ok(Json(json!({
            "status": "ready",
            "database": state.store.backend().as_str(),
            "bus": state.bus.kind().as_str(),
        })));
    }
    let failing: Vec<&str> = [(!database).then_some("database"), (!bus).then_some("bus")]
        .into_iter()
        .flatten()
        .collect();
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "not_ready",
        format!("not reachable: {}", failing.join(", ")),
    ))
}
