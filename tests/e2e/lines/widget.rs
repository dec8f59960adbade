//! The website widget end to end: a websocket client plays the visitor on a page of an
//! allowed site; an operator's staff websocket receives the conversation and the message;
//! the reply reaches the visitor's socket — on SQLite and PostgreSQL.

use std::time::Duration;

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{
    self, client::IntoClientRequest, http::HeaderValue, protocol::frame::coding::CloseCode,
};

use crate::{
    chat::Staff,
    support::{
        app::{TestApp, error_of},
        chat::ChatClient,
    },
};

const SITE: &str = "https://shop.example.com";

crate::on_both_databases!(
    a_visitor_chats_with_the_online_operator_and_a_reload_shows_the_history_once,
    typing_and_read_state_travel_both_ways,
    a_reply_written_while_the_visitor_is_away_arrives_on_resume,
    a_resent_client_id_stores_one_message,
    staff_messages_not_sent_to_the_visitor_never_reach_it,
    bad_visitor_tokens_are_refused,
    pages_on_other_sites_are_refused,
    a_bad_pre_chat_field_is_refused_and_nothing_is_stored,
    only_admins_connect_widgets_and_origins_are_checked,
);

/// A line served by one operator, with a widget for `SITE` connected to it.
struct Setup {
    staff: Staff,
    public_id: String,
}

async fn line_with_widget(app: &TestApp, prechat: Value) -> Setup {
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

async fn join(app: &TestApp, public_id: &str, origin: &str, body: Value) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/api/v1/widget/{public_id}/visitors")))
        .header("origin", origin)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A new visitor's token.
async fn visitor_token(app: &TestApp, public_id: &str, details: Value) -> String {
    let response = join(app, public_id, SITE, details).await;
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        HeaderValue::from_static(SITE)
    );
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

fn socket_request(
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
async fn visitor(app: &TestApp, token: &str, after: Value) -> (ChatClient, Vec<Value>) {
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

async fn visitor_says(socket: &mut ChatClient, client_id: &str, body: &str) -> Value {
    socket
        .send(json!({"type": "send", "client_id": client_id, "body": body}))
        .await;
    socket
        .next_matching(|f| f["type"] == "ack" && f["ref"] == client_id)
        .await
}

async fn staff_history(app: &TestApp, token: &str, room: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/api/v1/rooms/{room}/messages"), token)
        .await
        .json()
        .await
        .unwrap();
    page.as_array().unwrap().clone()
}

fn bodies(messages: &[Value]) -> Vec<(&str, &str)> {
    messages
        .iter()
        .map(|m| (m["from"].as_str().unwrap(), m["body"].as_str().unwrap()))
        .collect()
}

/// Olga's live socket, the visitor's, and the conversation room after the first message.
async fn conversation(
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

async fn a_visitor_chats_with_the_online_operator_and_a_reload_shows_the_history_once(
    app: TestApp,
) {
    // Arrange
    let setup = line_with_widget(&app, json!({"name": "optional", "email": "optional"})).await;
    let token = visitor_token(
        &app,
        &setup.public_id,
        json!({"name": "Anna", "email": "anna@example.com"}),
    )
    .await;

    // Act: the visitor writes.
    let (mut olga, mut socket, room) = conversation(&app, &setup, &token).await;

    // Assert: Olga has the conversation live, with the visitor's message and form name.
    let messages = staff_history(&app, setup.staff.token(0), &room).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["body"], "Hello, is the blue one in stock?");
    assert_eq!(messages[0]["sender_name"], "Anna");
    assert!(messages[0]["author_id"].is_null());

    // The visitor writes again: Olga's socket shows it live.
    visitor_says(&mut socket, "v-2", "The 42 size").await;
    let live = olga
        .next_matching(|f| f["type"] == "message.created" && f["message"]["body"] == "The 42 size")
        .await;
    assert_eq!(live["message"]["room_id"], room.as_str());

    // Olga answers through the existing reply path; the visitor's socket receives it.
    olga.say(&room, "reply-1", "Yes, two left.").await;
    let reply = socket.next_of("message").await;
    assert_eq!(reply["message"]["from"], "operator");
    assert_eq!(reply["message"]["body"], "Yes, two left.");
    assert!(reply["message"].get("author_id").is_none());
    let status = olga.next_of("message.status").await;
    assert_eq!(status["status"], "sent");

    // A reload: a new socket with the same token gets the whole history, once, in order.
    socket.close().await;
    let (_reloaded, history) = visitor(&app, &token, Value::Null).await;
    assert_eq!(
        bodies(&history),
        vec![
            ("visitor", "Hello, is the blue one in stock?"),
            ("visitor", "The 42 size"),
            ("operator", "Yes, two left.")
        ]
    );
    assert_eq!(history[0]["client_id"], "v-1");

    // The kept token resumes the same visitor over REST too.
    let resumed = join(&app, &setup.public_id, SITE, json!({"token": token})).await;
    assert_eq!(resumed.status(), 200);
    let resumed: Value = resumed.json().await.unwrap();
    assert_eq!(resumed["resumed"], true);
    assert_eq!(resumed["visitor"]["email"], "anna@example.com");
    app.stop().await;
}

async fn typing_and_read_state_travel_both_ways(app: TestApp) {
    // Arrange
    let setup = line_with_widget(&app, json!({})).await;
    let token = visitor_token(&app, &setup.public_id, json!({})).await;
    let (mut olga, mut socket, room) = conversation(&app, &setup, &token).await;
    let reply = olga.say(&room, "reply-1", "Hi! Checking now.").await;
    let seen = socket.next_of("message").await;

    // Act + Assert: the visitor types; Olga sees it.
    socket.send(json!({"type": "typing"})).await;
    let typing = olga.next_of("client.typing").await;
    assert_eq!(typing["room_id"], room.as_str());

    // Olga types; the visitor sees it.
    olga.send(json!({"type": "typing", "room_id": room})).await;
    let typing = socket.next_of("typing").await;
    assert_eq!(typing["room_id"], room.as_str());

    // The visitor reads Olga's reply; Olga is told.
    socket
        .send(json!({"type": "read", "ref": "rd", "room_id": room, "seq": seen["message"]["seq"]}))
        .await;
    let ack = socket
        .next_matching(|f| f["type"] == "ack" && f["ref"] == "rd")
        .await;
    assert_eq!(ack["last_read_seq"], reply["seq"]);
    let read = olga.next_of("client.read").await;
    assert_eq!(read["seq"], reply["seq"]);

    // Olga reads the visitor's message; the visitor is told.
    olga.send(json!({"type": "read", "ref": "o", "room_id": room, "seq": reply["seq"]}))
        .await;
    let read = socket.next_of("read").await;
    assert_eq!(read["seq"], reply["seq"]);
    app.stop().await;
}

async fn a_reply_written_while_the_visitor_is_away_arrives_on_resume(app: TestApp) {
    // Arrange: the visitor wrote, saw nothing yet, and left.
    let setup = line_with_widget(&app, json!({})).await;
    let token = visitor_token(&app, &setup.public_id, json!({})).await;
    let (mut olga, socket, room) = conversation(&app, &setup, &token).await;
    socket.close().await;
    let mine = staff_history(&app, setup.staff.token(0), &room).await;

    // Act: Olga answers twice while the visitor is away; the outbox still sends them.
    olga.say(&room, "r-1", "First answer").await;
    olga.say(&room, "r-2", "Second answer").await;
    for _ in 0..2 {
        assert_eq!(olga.next_of("message.status").await["status"], "sent");
    }
    let (mut back, missed) = visitor(
        &app,
        &token,
        json!({"room_id": room, "seq": mine[0]["seq"]}),
    )
    .await;

    // Assert: exactly what came after the visitor's last message, and nothing repeats live.
    assert_eq!(
        bodies(&missed),
        vec![("operator", "First answer"), ("operator", "Second answer")]
    );
    let later = back.drain(Duration::from_millis(300)).await;
    assert!(later.iter().all(|f| f["type"] != "message"), "{later:?}");
    app.stop().await;
}

async fn a_resent_client_id_stores_one_message(app: TestApp) {
    // Arrange
    let setup = line_with_widget(&app, json!({})).await;
    let token = visitor_token(&app, &setup.public_id, json!({})).await;
    let (_olga, mut socket, room) = conversation(&app, &setup, &token).await;

    // Act: the same client id again (a resend after a dropped connection).
    let first_id = staff_history(&app, setup.staff.token(0), &room).await[0]["id"].clone();
    let again = visitor_says(&mut socket, "v-1", "Hello, is the blue one in stock?").await;

    // Assert
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["message"]["id"], first_id);
    assert_eq!(
        staff_history(&app, setup.staff.token(0), &room).await.len(),
        1
    );
    app.stop().await;
}

/// Writes a staff message into the room without an outbox row, as an internal note would be.
async fn internal_note(app: &TestApp, room: &str, author: &str, body: &str) {
    let mut conn = app.state.store.acquire().await.unwrap();
    let (seq,): (i64,) =
        sqlx::query_as("update rooms set last_seq = last_seq + 1 where id = $1 returning last_seq")
            .bind(room)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    sqlx::query(
        "insert into messages (id, room_id, seq, author_id, body, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, 1, 1)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(room)
    .bind(seq)
    .bind(author)
    .bind(body)
    .execute(&mut *conn)
    .await
    .unwrap();
}

async fn staff_messages_not_sent_to_the_visitor_never_reach_it(app: TestApp) {
    // Arrange: an internal staff message sits between the visitor's message and a reply.
    let setup = line_with_widget(&app, json!({})).await;
    let token = visitor_token(&app, &setup.public_id, json!({})).await;
    let (mut olga, mut socket, room) = conversation(&app, &setup, &token).await;
    internal_note(&app, &room, setup.staff.id(0), "Internal: VIP customer").await;

    // Act: the reply after it makes the visitor's session fill the gap from the database.
    olga.say(&room, "reply-1", "Welcome back!").await;
    let reply = socket.next_of("message").await;
    socket.close().await;
    let (_reloaded, history) = visitor(&app, &token, Value::Null).await;

    // Assert: live and in the history, the note is not there.
    assert_eq!(reply["message"]["body"], "Welcome back!");
    assert_eq!(
        bodies(&history),
        vec![
            ("visitor", "Hello, is the blue one in stock?"),
            ("operator", "Welcome back!")
        ]
    );
    assert_eq!(
        staff_history(&app, setup.staff.token(0), &room).await.len(),
        3
    );
    app.stop().await;
}

async fn bad_visitor_tokens_are_refused(app: TestApp) {
    let setup = line_with_widget(&app, json!({})).await;

    // A bad token in the query: a plain 401 before the upgrade.
    let refused = tokio_tungstenite::connect_async(socket_request(&app, "sb_bogus", SITE)).await;
    match refused {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected 401, got {other:?}"),
    }

    // A bad token in the first frame: the socket is closed with 4401.
    let url = format!(
        "{}/api/v1/widget/ws",
        app.address.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_static(SITE));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    use futures_util::{SinkExt, StreamExt};
    socket
        .send(tungstenite::Message::text(
            json!({"type": "auth", "token": "sb_bogus"}).to_string(),
        ))
        .await
        .unwrap();
    match socket.next().await {
        Some(Ok(tungstenite::Message::Close(Some(frame)))) => {
            assert_eq!(frame.code, CloseCode::from(4401));
        }
        other => panic!("expected a 4401 close, got {other:?}"),
    }

    // A kept token the server does not know: the widget is told to start over.
    let (status, code, _) =
        error_of(join(&app, &setup.public_id, SITE, json!({"token": "sb_bogus"})).await).await;
    assert_eq!((status.as_u16(), code.as_str()), (401, "unknown_visitor"));
    app.stop().await;
}

async fn pages_on_other_sites_are_refused(app: TestApp) {
    let setup = line_with_widget(&app, json!({})).await;
    let evil = "https://evil.example.net";

    // Act + Assert: issuing a visitor, the preflight and the settings refuse the page.
    let response = join(&app, &setup.public_id, evil, json!({})).await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status.as_u16(), code.as_str()),
        (403, "origin_not_allowed")
    );
    let preflight = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            app.url(&format!("/api/v1/widget/{}/visitors", setup.public_id)),
        )
        .header("origin", evil)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 403);
    let allowed = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            app.url(&format!("/api/v1/widget/{}/visitors", setup.public_id)),
        )
        .header("origin", SITE)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 204);
    assert_eq!(allowed.headers()["access-control-allow-origin"], SITE);

    // A valid token used from a page on another site: 403 at the upgrade.
    let token = visitor_token(&app, &setup.public_id, json!({})).await;
    match tokio_tungstenite::connect_async(socket_request(&app, &token, evil)).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("expected 403, got {other:?}"),
    }
    app.stop().await;
}

async fn a_bad_pre_chat_field_is_refused_and_nothing_is_stored(app: TestApp) {
    let setup = line_with_widget(
        &app,
        json!({"name": "required", "email": "required", "phone": "optional"}),
    )
    .await;

    // Act
    let bad_email = join(
        &app,
        &setup.public_id,
        SITE,
        json!({"name": "Anna", "email": "anna-at-example"}),
    )
    .await;
    let missing_name = join(
        &app,
        &setup.public_id,
        SITE,
        json!({"email": "anna@example.com"}),
    )
    .await;
    let bad_phone = join(
        &app,
        &setup.public_id,
        SITE,
        json!({"name": "Anna", "email": "anna@example.com", "phone": "call me"}),
    )
    .await;

    // Assert: each names its field; no visitor was stored.
    for (response, field) in [
        (bad_email, "email"),
        (missing_name, "name"),
        (bad_phone, "phone"),
    ] {
        let (status, code, fields) = error_of(response).await;
        assert_eq!(
            (status.as_u16(), code.as_str()),
            (422, "validation_failed"),
            "{field}"
        );
        assert!(
            fields["error"]["fields"].get(field).is_some(),
            "{field}: {fields}"
        );
    }
    let (visitors,): (i64,) = {
        let mut conn = app.state.store.acquire().await.unwrap();
        sqlx::query_as("select count(*) from widget_visitors")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    assert_eq!(visitors, 0);
    app.stop().await;
}

async fn only_admins_connect_widgets_and_origins_are_checked(app: TestApp) {
    let staff = Staff::hire(&app, &["olga"]).await;
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

    // Act
    let by_operator = app
        .post_json(
            "/api/v1/channels/widget",
            staff.token(0),
            &json!({"line_id": line["id"], "allowed_origins": [SITE]}),
        )
        .await;
    let bad_origin = app
        .post_json(
            "/api/v1/channels/widget",
            &admin,
            &json!({"line_id": line["id"], "allowed_origins": ["shop.example.com/path"]}),
        )
        .await;
    let bad_rule = app
        .post_json(
            "/api/v1/channels/widget",
            &admin,
            &json!({"line_id": line["id"], "allowed_origins": [SITE], "prechat": {"email": "sometimes"}}),
        )
        .await;

    // Assert
    assert_eq!(by_operator.status(), 403);
    let (status, _, fields) = error_of(bad_origin).await;
    assert_eq!(status.as_u16(), 422);
    assert!(
        fields["error"]["fields"].get("allowed_origins").is_some(),
        "{fields}"
    );
    let (status, _, fields) = error_of(bad_rule).await;
    assert_eq!(status.as_u16(), 422);
    assert!(
        fields["error"]["fields"].get("prechat.email").is_some(),
        "{fields}"
    );
    let script = app.http.get(app.url("/widget.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        script.headers()["cross-origin-resource-policy"],
        "cross-origin"
    );
    app.stop().await;
}
