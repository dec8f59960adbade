//! The websocket endpoint `/api/v1/ws` and its protocol (docs/realtime-protocol.md).
//!
//! A connection authenticates (an `Authorization` header, or a first `auth` frame from
//! browsers, which cannot set headers on a websocket) and gets `hello` with every room's
//! newest sequence. Its first `resume` (naming what it has seen, or nothing) starts the
//! stream: what it missed, then the live events of every room its user belongs to and of
//! rooms it subscribes to. What it sends
//! is handled in `frames`; what the bus delivers, with gap filling and deduplication by room
//! sequence, in `session`. On shutdown every socket is closed with 1001.

mod calls;
pub mod envelope;
pub(crate) mod frames;
mod guest;
mod session;
mod topics;

use std::time::Duration;

use axum::{
    Router,
    extract::{
        State, WebSocketUpgrade,
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket},
    },
    http::HeaderMap,
    response::Response,
    routing::get,
};

use crate::{
    error::Result,
    http::auth::{AuthUser, authenticate, bearer_token},
    state::AppState,
};

/// How long an unauthenticated socket may wait before sending its `auth` frame.
const AUTH_FRAME_TIMEOUT: Duration = Duration::from_secs(10);
/// Close code for a failed authentication, in the application range 4000–4999.
const CLOSE_UNAUTHORIZED: u16 = 4401;
/// Largest frame a client may send. Frames above the chat limits but below this get an
/// error frame and the socket stays open; above it the socket is closed by the protocol.
const MAX_CLIENT_FRAME: usize = 256 * 1024;
/// Socket buffers stay small so that tens of thousands of idle connections fit in memory.
const READ_BUFFER: usize = 1024;
const WRITE_BUFFER: usize = 4 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/ws", get(upgrade))
}

/// # GET /api/v1/ws
async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response> {
    // With a header, a bad token is refused before the upgrade, as a plain 401.
    let caller = match bearer_token(&headers)? {
        Some(token) => Some(authenticate(&state, &token).await?),
        None => None,
    };
    Ok(upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| connection(state, socket, caller)))
}

async fn connection(state: AppState, mut socket: WebSocket, caller: Option<AuthUser>) {
    let metrics = state.metrics.clone();
    let _open = metrics.websocket_opened();
    let caller = match caller {
        Some(caller) => caller,
        // Boxed, like the session below: the connection's own future then holds little
        // more than its arguments for as long as the socket is open.
        None => match Box::pin(await_auth_frame(&state, &mut socket)).await {
            Some(Caller::User(caller)) => caller,
            Some(Caller::Guest(token)) => {
                Box::pin(guest::run(state, socket, token)).await;
                return;
            }
            None => {
                let _ = socket
                    .send(close(CLOSE_UNAUTHORIZED, "authentication failed"))
                    .await;
                return;
            }
        },
    };
    Box::pin(session::run(state, socket, caller)).await;
}

/// Who the `auth` frame names: a user's session, or a guest token (checked by `guest::run`).
enum Caller {
    User(AuthUser),
    Guest(String),
}

async fn await_auth_frame(state: &AppState, socket: &mut WebSocket) -> Option<Caller> {
    let first = tokio::time::timeout(AUTH_FRAME_TIMEOUT, socket.recv())
        .await
        .ok()??
        .ok()?;
    let Message::Text(frame) = first else {
        return None;
    };
    let frames::ClientFrame::Auth { token } = frames::parse(&frame).ok()? else {
        return None;
    };
    if token.starts_with(crm_core::service::GUEST_TOKEN_PREFIX) {
        return Some(Caller::Guest(token));
    }
    authenticate(state, &crm_core::service::SessionToken::from_bearer(&token))
        .await
        .ok()
        .map(Caller::User)
}

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }))
}

fn text(value: &serde_json::Value) -> Message {
    Message::Text(Utf8Bytes::from(value.to_string()))
}
