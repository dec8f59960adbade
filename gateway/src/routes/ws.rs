//! The websocket endpoint. A connection authenticates (header, or a first `auth` frame from
//! browsers, which cannot set headers on a websocket), receives a `hello`, then the events
//! published for its user on the bus. The chat protocol of the realtime work grows here.
//! On shutdown every socket is closed with 1001 so clients reconnect elsewhere.

use std::time::Duration;

use axum::{
    Router,
    extract::{
        State, WebSocketUpgrade,
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code},
    },
    http::HeaderMap,
    response::Response,
    routing::get,
};
use futures_util::{SinkExt, StreamExt};
use realtime::{BusItem, Topic};
use serde::Deserialize;
use serde_json::json;

use crate::{
    error::Result,
    http::auth::{AuthUser, authenticate, bearer_token},
    state::AppState,
};

/// How long an unauthenticated socket may wait before sending its `auth` frame.
const AUTH_FRAME_TIMEOUT: Duration = Duration::from_secs(10);
/// Close code for a failed authentication, in the application range 4000–4999.
const CLOSE_UNAUTHORIZED: u16 = 4401;
/// Largest frame a client may send; chat frames are small.
const MAX_CLIENT_FRAME: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/ws", get(upgrade))
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientFrame {
    Auth { token: String },
    Ping { id: Option<String> },
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
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| session(state, socket, caller)))
}

async fn session(state: AppState, mut socket: WebSocket, caller: Option<AuthUser>) {
    let _open = state.metrics.websocket_opened();
    let caller = match caller {
        Some(caller) => caller,
        None => match await_auth_frame(&state, &mut socket).await {
            Some(caller) => caller,
            None => {
                let _ = socket
                    .send(close(CLOSE_UNAUTHORIZED, "authentication failed"))
                    .await;
                return;
            }
        },
    };
    let topic = match Topic::user(caller.user.id) {
        Ok(topic) => topic,
        Err(error) => {
            tracing::error!(error.message = %error, "user topic rejected");
            return;
        }
    };
    let mut events = match state.bus.subscribe(&topic).await {
        Ok(events) => events,
        Err(error) => {
            tracing::warn!(error.message = %error, "websocket could not subscribe");
            let _ = socket
                .send(close(close_code::AGAIN, "event bus unavailable"))
                .await;
            return;
        }
    };
    let hello = json!({
        "type": "hello",
        "protocol": 1,
        "user_id": caller.user.id,
        "session_id": caller.session_id,
    });
    if socket.send(text(&hello)).await.is_err() {
        return;
    }
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            () = state.shutdown.cancelled() => {
                let _ = sink.send(close(close_code::AWAY, "server shutting down")).await;
                break;
            }
            event = events.next() => {
                let frame = match event {
                    Some(BusItem::Message(payload)) => match std::str::from_utf8(&payload) {
                        Ok(payload) => Message::Text(Utf8Bytes::from(payload)),
                        Err(_) => continue,
                    },
                    Some(BusItem::Lagged { skipped }) => text(&json!({"type": "resync", "skipped": skipped})),
                    None => {
                        let _ = sink.send(close(close_code::AGAIN, "event stream ended")).await;
                        break;
                    }
                };
                if sink.send(frame).await.is_err() {
                    break;
                }
            }
            incoming = stream.next() => {
                let reply = match incoming {
                    Some(Ok(Message::Text(frame))) => handle_frame(&frame),
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => None,
                };
                if let Some(reply) = reply
                    && sink.send(reply).await.is_err()
                {
                    break;
                }
            }
        }
    }
}

fn handle_frame(frame: &str) -> Option<Message> {
    match serde_json::from_str::<ClientFrame>(frame) {
        Ok(ClientFrame::Ping { id }) => Some(text(&json!({"type": "pong", "id": id}))),
        Ok(ClientFrame::Auth { .. }) => Some(error_frame(
            "already_authenticated",
            "this connection is already authenticated",
        )),
        Err(error) => Some(error_frame("invalid_frame", &error.to_string())),
    }
}

async fn await_auth_frame(state: &AppState, socket: &mut WebSocket) -> Option<AuthUser> {
    let first = tokio::time::timeout(AUTH_FRAME_TIMEOUT, socket.recv())
        .await
        .ok()??
        .ok()?;
    let Message::Text(frame) = first else {
        return None;
    };
    let Ok(ClientFrame::Auth { token }) = serde_json::from_str(&frame) else {
        return None;
    };
    authenticate(state, &crm_core::service::SessionToken::from_bearer(&token))
        .await
        .ok()
}

fn text(value: &serde_json::Value) -> Message {
    Message::Text(Utf8Bytes::from(value.to_string()))
}

fn error_frame(code: &str, message: &str) -> Message {
    text(&json!({"type": "error", "code": code, "message": message}))
}

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }))
}
