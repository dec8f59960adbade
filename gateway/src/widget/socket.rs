//! `GET /api/v1/widget/ws`: a visitor's websocket. The visitor token comes in the query
//! (`?token=`; a bad one is a plain 401, a page on a disallowed origin a 403, before the
//! upgrade) or in a first `auth` frame (then failures close the socket with 4401 or 4403).

use std::time::Duration;

use axum::{
    extract::{
        Query, State, WebSocketUpgrade,
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket},
    },
    http::{HeaderMap, StatusCode},
    response::Response,
};
use crm_core::domain::{Channel, Visitor, WidgetConfig};
use serde::Deserialize;

use super::{cors, session};
use crate::{error::ApiError, error::Result, state::AppState};

const AUTH_FRAME_TIMEOUT: Duration = Duration::from_secs(10);
const CLOSE_UNAUTHORIZED: u16 = 4401;
const CLOSE_FORBIDDEN: u16 = 4403;
/// Visitors send short text messages; anything larger is refused by the protocol.
const MAX_CLIENT_FRAME: usize = 64 * 1024;

/// Who is on the other end, and through which widget.
pub struct Authenticated {
    pub visitor: Visitor,
    pub channel: Channel,
}

#[derive(Deserialize)]
pub struct SocketQuery {
    token: Option<String>,
}

/// # GET /api/v1/widget/ws
pub async fn upgrade(
    State(state): State<AppState>,
    Query(query): Query<SocketQuery>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response> {
    let origin = cors::origin(&headers).map(str::to_owned);
    let caller = match query.token.filter(|token| !token.is_empty()) {
        Some(token) => Some(authenticate(&state, &token, origin.as_deref()).await?),
        None => None,
    };
    Ok(upgrade
        .read_buffer_size(1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| connection(state, socket, caller, origin)))
}

async fn authenticate(
    state: &AppState,
    token: &str,
    origin: Option<&str>,
) -> Result<Authenticated> {
    let unknown = || ApiError::unauthorized("unknown visitor token");
    let visitor = state.widget.visitor(token).await.map_err(|_| unknown())?;
    let channel = state
        .open_lines
        .channel(visitor.channel_id)
        .await
        .map_err(|_| unknown())?;
    if !WidgetConfig::of(&channel.config).allows(origin) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "this widget may not be used from this site",
        ));
    }
    Ok(Authenticated { visitor, channel })
}

async fn connection(
    state: AppState,
    mut socket: WebSocket,
    caller: Option<Authenticated>,
    origin: Option<String>,
) {
    let caller = match caller {
        Some(caller) => caller,
        None => match auth_frame(&state, &mut socket, origin.as_deref()).await {
            Ok(caller) => caller,
            Err(code) => {
                let reason = if code == CLOSE_FORBIDDEN {
                    "origin not allowed"
                } else {
                    "authentication failed"
                };
                let _ = socket
                    .send(Message::Close(Some(CloseFrame {
                        code,
                        reason: Utf8Bytes::from_static(reason),
                    })))
                    .await;
                return;
            }
        },
    };
    Box::pin(session::run(state, socket, caller)).await;
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum AuthFrame {
    Auth { token: String },
}

async fn auth_frame(
    state: &AppState,
    socket: &mut WebSocket,
    origin: Option<&str>,
) -> Result<Authenticated, u16> {
    let first = tokio::time::timeout(AUTH_FRAME_TIMEOUT, socket.recv())
        .await
        .ok()
        .flatten()
        .and_then(std::result::Result::ok);
    let Some(Message::Text(frame)) = first else {
        return Err(CLOSE_UNAUTHORIZED);
    };
    let Ok(AuthFrame::Auth { token }) = serde_json::from_str(&frame) else {
        return Err(CLOSE_UNAUTHORIZED);
    };
    authenticate(state, &token, origin)
        .await
        .map_err(|error| match error.status() {
            StatusCode::FORBIDDEN => CLOSE_FORBIDDEN,
            _ => CLOSE_UNAUTHORIZED,
        })
}
