//! Which pages may use a widget channel: the `Origin` a browser sends must be one of the
//! channel's allowed origins. Allowed pages get the CORS headers their `fetch` needs; other
//! pages get 403 and no CORS headers, so their scripts cannot read even the error.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use crm_core::domain::{Channel, ChannelKind, WidgetConfig};

use crate::{error::ApiError, error::Result, state::AppState};

/// A widget channel by its public id, with its settings.
pub async fn channel(state: &AppState, public_id: &str) -> Result<(Channel, WidgetConfig)> {
    let channel = state
        .open_lines
        .channel_by_account(ChannelKind::Widget, public_id)
        .await
        .map_err(|_| ApiError::not_found("no such widget"))?;
    let config = WidgetConfig::of(&channel.config);
    Ok((channel, config))
}

pub fn origin(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok())
}

/// 403 unless the request's page may use this widget.
pub fn check(config: &WidgetConfig, headers: &HeaderMap) -> Result<()> {
    if config.allows(origin(headers)) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "this widget may not be used from this site",
        ))
    }
}

/// Adds the headers that let the (already checked) requesting page read the response.
pub fn allow(mut response: Response, headers: &HeaderMap) -> Response {
    if let Some(origin) = origin(headers).and_then(|o| HeaderValue::from_str(o).ok()) {
        let out = response.headers_mut();
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        out.insert(header::VARY, HeaderValue::from_static("origin"));
    }
    response
}

/// # OPTIONS /api/v1/widget/{channel}, /api/v1/widget/{channel}/visitors
///
/// The CORS preflight of a page's JSON `POST`.
pub async fn preflight(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let (_, config) = channel(&state, &public_id).await?;
    check(&config, &headers)?;
    let mut response = allow(StatusCode::NO_CONTENT.into_response(), &headers);
    let out = response.headers_mut();
    out.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST"),
    );
    out.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    out.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    Ok(response)
}
