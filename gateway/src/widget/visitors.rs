//! The visitor endpoints a widget calls from the host page: its settings, and a visitor
//! token (new, or resumed from the one the browser kept).

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use crm_core::domain::{Channel, RawDetails};
use serde::Deserialize;
use serde_json::json;

use super::{cors, wire};
use crate::{
    error::{ApiError, Result},
    http::json::ApiJson,
    state::AppState,
};

/// # GET /api/v1/widget/{channel}
///
/// What the widget needs before the visitor writes: the channel's name and pre-chat form.
pub async fn config(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let (channel, config) = cors::channel(&state, &public_id).await?;
    cors::check(&config, &headers)?;
    let body = ApiJson(json!({"name": channel.name, "prechat": config.prechat}));
    Ok(cors::allow(body.into_response(), &headers))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    /// The token the browser kept from an earlier visit.
    token: Option<String>,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

/// # POST /api/v1/widget/{channel}/visitors
///
/// Issues an anonymous visitor token (201), or resumes the visitor a kept token names (200).
/// Pre-chat fields are checked against the channel's form; a bad one is a 422 naming it,
/// and nothing is stored. An unknown token is a 401 `unknown_visitor`: the widget forgets it
/// and starts over.
pub async fn join(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<JoinRequest>,
) -> Result<Response> {
    let (channel, config) = cors::channel(&state, &public_id).await?;
    cors::check(&config, &headers)?;
    // Past the origin check, errors too are readable by the page (a 422 names its field).
    let outcome = issue(&state, &channel, request).await;
    Ok(cors::allow(outcome.into_response(), &headers))
}

async fn issue(state: &AppState, channel: &Channel, request: JoinRequest) -> Result<Response> {
    let raw = RawDetails {
        name: request.name,
        email: request.email,
        phone: request.phone,
    };
    let token = request.token.filter(|token| !token.is_empty());
    let joined = state
        .widget
        .join(channel, token.as_deref(), raw)
        .await
        .map_err(|error| match error {
            crm_core::Error::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unknown_visitor",
                "this visitor token is not known here; start a new visit",
            ),
            other => other.into(),
        })?;
    let status = if joined.resumed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let body = ApiJson(json!({
        "token": joined.token.expose(),
        "visitor": wire::visitor(&joined.visitor),
        "resumed": joined.resumed,
    }));
    Ok((status, body).into_response())
}
