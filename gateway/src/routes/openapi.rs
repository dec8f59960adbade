//! The API's OpenAPI 3.1 description, generated from this crate's routes and handler docs
//! when it is built (see `build.rs`).

use axum::{Router, http::header, response::IntoResponse, routing::get};

use crate::state::AppState;

const DOCUMENT: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(document))
}

/// # GET /api/v1/openapi.json
///
/// This document: every route of the API with its parameters, bodies and errors.
async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
