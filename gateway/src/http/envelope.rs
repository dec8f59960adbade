//! Gives every error response the JSON envelope, including those produced outside handlers:
//! the router's 404 and 405, the body limit's 413 and the timeout's 408.

use axum::{
    extract::Request,
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::error::ApiError;

pub async fn ensure_json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json {
        return response;
    }
    let mut replacement = ApiError::from_status(status).into_response();
    // Keep headers such as Allow (405) and Retry-After; the body and its type are ours.
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replacement
                .headers_mut()
                .insert(name.clone(), value.clone());
        }
    }
    replacement
}

/// The router's fallback: an unknown route.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}
