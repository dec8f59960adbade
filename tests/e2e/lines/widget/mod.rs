//! The website widget end to end: a websocket client plays the visitor on a page of an
//! allowed site; an operator's staff websocket receives the conversation and the message;
//! the reply reaches the visitor's socket — on SQLite and PostgreSQL. `conversation` covers
//! the chat itself, `refusals` what the widget turns away.

mod conversation;
mod refusals;

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, http::HeaderValue};

use crate::{
    chat::Staff,
    support::{app::TestApp, chat::ChatClient},
};

pub(super) const SITE: &str = "https://shop.example.com";

/// A line served by one operator, with a widget for `SITE` connected to it.
pub(super) struct Setup {
    pub staff: Staff,
    pub public_id: String,
}

pub(super) async fn line_with_widget(app: &TestApp, prechat: Value) -> Setup {
    let staff = Staff::hire(app, &["olga"]).await;
    let admin = app.admin_token().await;
    let line: Value = app
        .post_json(
            "/api/v1/lines",
            &admin,
            &json!({"name": "Website", "operators": [staff.id(0)]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let created = app
        .post_json(
            "/api/v1/channels/widget",
            &admin,
            &json!({"line_id": line["id"], "allowed_origins": [SITE], "prechat": prechat}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let channel: Value = created.json().await.unwrap();
    assert_eq!(channel["kind"], "widget");
    let public_id = channel["public_id"].as_str().unwrap().to_owned();
    assert_eq!(
        channel["snippet"],
        format!(
            "<script src=\"{}/widget.js\" data-line=\"{public_id}\" async></script>",
            app.address
        )
    );
    Setup { staff, public_id }
}

pub(super) async fn join(
    app: &TestApp,
    public_id: &str,
    origin: &str,
    body: Value,
) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/api/v1/widget/{public_id}/visitors")))
        .header("origin", origin)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A new visitor's token.
pub(super) async fn visitor_token(app: &TestApp, public_id: &str, details: Value) -> String {
    let response = join(app, public_id, SITE, details).await;
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        HeaderValue::from_static(SITE)
    );
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

pub(super) fn socket_request(
    app: &TestApp,
    token: &str,
    origin: &str,
) -> tungstenite::handshake::client::Request {
    let url = format!(
        "{}/api/v1/widget/ws?token={token}",
        app.address.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_str(origin).unwrap());
    request
}

/// The visitor's socket after `resume`, with the history it was sent.
pub(super) async fn visitor(app: &TestApp, token: &str, after: Value) -> (ChatClient, Vec<Value>) {
    let mut socket = ChatClient::connect_with(socket_request(app, token, SITE)).await;
    socket
        .send(json!({"type": "resume", "ref": "r", "after": after}))
        .await;
    let mut history = Vec::new();
    loop {
        let frame = socket
            .next_matching(|f| f["type"] == "message" || f["type"] == "resumed")
            .await;
        if frame["type"] == "resumed" {
            return (socket, history);
        }
        history.push(frame["message"].clone());
    }
}

pub(super) async fn visitor_says(socket: &mut ChatClient, client_id: &str, body: &str) -> Value {
    socket
        .send(json!({"type": "send", "client_id": client_id, "body": body}))
        .await;
    socket
        .next_matching(|f| f["type"] == "ack" && f["ref"] == client_id)
        .await
}

pub(super) async fn staff_history(app: &TestApp, token: &str, room: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/api/v1/rooms/{room}/messages"), token)
        .await
        .json()
        .await
        .unwrap();
    page.as_array().unwrap().clone()
}

pub(super) fn bodies(messages: &[Value]) -> Vec<(&str, &str)> {
    messages
        .iter()
        .map(|m| (m["from"].as_str().unwrap(), m["body"].as_str().unwrap()))
        .collect()
}

/// Olga's live socket, the visitor's, and the conversation room after the first message.
pub(super) async fn conversation(
    app: &TestApp,
    setup: &Setup,
    token: &str,
) -> (ChatClient, ChatClient, String) {
    let mut olga = ChatClient::live(app, setup.staff.token(0)).await;
    let (mut socket, history) = visitor(app, token, Value::Null).await;
    assert!(history.is_empty());
    let ack = visitor_says(&mut socket, "v-1", "Hello, is the blue one in stock?").await;
    assert_eq!(ack["duplicate"], false);
    let created = olga.next_of("room.created").await;
    let room = created["room"]["id"].as_str().unwrap().to_owned();
    assert_eq!(ack["message"]["room_id"], room.as_str());
    (olga, socket, room)
}
