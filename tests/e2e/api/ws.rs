//! The websocket endpoint: authentication by header or first frame, events for the user.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::support::app::TestApp;

pub type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect_with_header(app: &TestApp, token: &str) -> Socket {
    let mut request = app.ws_url().into_client_request().unwrap();
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    connect_async(request).await.expect("websocket handshake").0
}

/// The next JSON text frame, failing after five seconds.
pub async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a frame within 5 s");
        match frame.expect("socket open").expect("frame") {
            Message::Text(text) => {
                let frame: Value = serde_json::from_str(&text).expect("JSON frame");
                // Colleagues coming and going are not what these tests look at.
                if frame["type"] != "presence" {
                    return frame;
                }
            }
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_socket_with_a_bearer_header_gets_hello_and_pong() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let mut socket = connect_with_header(&app, &token).await;
    let hello = next_json(&mut socket).await;
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["protocol"], 1);
    socket
        .send(Message::text(
            json!({"type": "ping", "id": "p1"}).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut socket).await,
        json!({"type": "pong", "id": "p1"})
    );
    socket
        .send(Message::text("{\"type\":\"warp\"}"))
        .await
        .unwrap();
    let error = next_json(&mut socket).await;
    assert_eq!(
        (error["type"].as_str(), error["code"].as_str()),
        (Some("error"), Some("unknown_frame"))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_browser_authenticates_with_its_first_frame() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let (mut socket, _) = connect_async(app.ws_url()).await.unwrap();
    socket
        .send(Message::text(
            json!({"type": "auth", "token": token}).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "hello");
    app.stop().await;
}

#[tokio::test]
async fn a_bad_token_is_refused_before_upgrade_or_closed_with_4401() {
    let app = TestApp::spawn().await;
    let mut request = app.ws_url().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", HeaderValue::from_static("Bearer sb_nope"));
    match connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED)
        }
        other => panic!("expected a 401 handshake, got {other:?}"),
    }
    let (mut socket, _) = connect_async(app.ws_url()).await.unwrap();
    socket
        .send(Message::text(
            json!({"type": "auth", "token": "sb_nope"}).to_string(),
        ))
        .await
        .unwrap();
    let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    match frame {
        Message::Close(Some(close)) => assert_eq!(u16::from(close.code), 4401),
        other => panic!("expected close 4401, got {other:?}"),
    }
    app.stop().await;
}

#[tokio::test]
async fn events_published_for_a_user_reach_their_socket_and_the_gauge_counts_it() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let me: Value = app
        .get("/api/v1/auth/me", &token)
        .await
        .json()
        .await
        .unwrap();
    let mut socket = connect_with_header(&app, &token).await;
    next_json(&mut socket).await;
    socket
        .send(Message::text(
            json!({"type": "resume", "rooms": {}}).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "resumed");
    let topic = realtime::Topic::user(me["user"]["id"].as_str().unwrap()).unwrap();
    let event = json!({"type": "notification", "text": "you were mentioned"});
    let delivered = app
        .state
        .bus
        .publish(
            &topic,
            gateway::ws::envelope::encode_plain(event.to_string().as_bytes()),
        )
        .await
        .unwrap();
    assert_eq!(delivered, 1);
    assert_eq!(next_json(&mut socket).await, event);
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("switchboard_websockets_open 1"),
        "{metrics}"
    );
    app.stop().await;
}
