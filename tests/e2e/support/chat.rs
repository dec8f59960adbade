//! A websocket chat client for tests: sends frames and waits for the frames it expects,
//! keeping everything else it receives so tests can assert on exact sequences.

use std::{collections::VecDeque, time::Duration};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use super::app::TestApp;

pub struct ChatClient {
    socket: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    /// Frames received but not yet taken by a test.
    pending: VecDeque<Value>,
    pub hello: Value,
}

impl ChatClient {
    pub async fn connect(app: &TestApp, token: &str) -> Self {
        let mut request = app.ws_url().into_client_request().unwrap();
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        Self::connect_with(request).await
    }

    /// Connects with a prepared handshake request (another endpoint, other headers) and
    /// waits for the server's `hello`.
    pub async fn connect_with(
        request: tokio_tungstenite::tungstenite::handshake::client::Request,
    ) -> Self {
        let (socket, _) = connect_async(request).await.expect("websocket handshake");
        let mut client = Self {
            socket,
            pending: VecDeque::new(),
            hello: Value::Null,
        };
        client.hello = client.next_of("hello").await;
        client
    }

    /// Connects as browsers do (an `auth` frame, no header) and waits for `hello`.
    pub async fn connect_by_frame(app: &TestApp, token: &str) -> Self {
        let (mut socket, _) = connect_async(app.ws_url())
            .await
            .expect("websocket handshake");
        socket
            .send(Message::text(
                json!({"type": "auth", "token": token}).to_string(),
            ))
            .await
            .expect("send auth");
        let mut client = Self {
            socket,
            pending: VecDeque::new(),
            hello: Value::Null,
        };
        client.hello = client.next_of("hello").await;
        client
    }

    /// Connects and starts the live stream with nothing to catch up on.
    pub async fn live(app: &TestApp, token: &str) -> Self {
        let mut client = Self::connect(app, token).await;
        client
            .send(json!({"type": "resume", "ref": "start", "rooms": {}}))
            .await;
        client.next_of("resumed").await;
        client
    }

    pub async fn send(&mut self, frame: Value) {
        self.socket
            .send(Message::text(frame.to_string()))
            .await
            .expect("send frame");
    }

    pub async fn send_raw(&mut self, raw: &str) {
        self.socket
            .send(Message::text(raw.to_owned()))
            .await
            .expect("send frame");
    }

    /// Sends a chat message and returns the acknowledged message.
    pub async fn say(&mut self, room: &str, client_id: &str, body: &str) -> Value {
        self.send(json!({"type": "send", "room_id": room, "client_id": client_id, "body": body}))
            .await;
        let ack = self
            .next_matching(|f| f["type"] == "ack" && f["ref"] == client_id)
            .await;
        ack["message"].clone()
    }

    async fn receive(&mut self, limit: Duration) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(limit, self.socket.next()).await.ok()?;
            match frame.expect("socket open").expect("frame") {
                Message::Text(text) => {
                    return Some(serde_json::from_str(&text).expect("JSON frame"));
                }
                Message::Close(close) => panic!("socket closed: {close:?}"),
                _ => continue,
            }
        }
    }

    /// The first frame (received earlier or now) that matches, within five seconds.
    pub async fn next_matching(&mut self, matches: impl Fn(&Value) -> bool) -> Value {
        if let Some(index) = self.pending.iter().position(&matches) {
            return self.pending.remove(index).unwrap_or_default();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self
                .receive(left)
                .await
                .unwrap_or_else(|| panic!("no matching frame; got {:?}", self.pending));
            if matches(&frame) {
                return frame;
            }
            self.pending.push_back(frame);
        }
    }

    pub async fn next_of(&mut self, kind: &str) -> Value {
        self.next_matching(|f| f["type"] == kind).await
    }

    /// Everything that arrives within `quiet` of silence.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<Value> {
        let mut frames: Vec<Value> = self.pending.drain(..).collect();
        while let Some(frame) = self.receive(quiet).await {
            frames.push(frame);
        }
        frames
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}
