//! The visitor and the operator talking: live both ways, history on reload and resume,
//! idempotent resends, and what the visitor must never see.

use std::time::Duration;

use serde_json::{Value, json};

use super::{
    SITE, bodies, conversation, join, line_with_widget, staff_history, visitor, visitor_says,
    visitor_token,
};
use crate::support::{app::TestApp, chat::ChatClient};

crate::on_both_databases!(
    a_visitor_chats_with_the_online_operator_and_a_reload_shows_the_history_once,
    typing_and_read_state_travel_both_ways,
    a_reply_written_while_the_visitor_is_away_arrives_on_resume,
    a_resent_client_id_stores_one_message,
    staff_messages_not_sent_to_the_visitor_never_reach_it,
    a_long_absence_is_caught_up_in_pages_of_500,
);

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

/// Stores `count` more visitor messages in the room directly, as a long chat would have.
async fn many_visitor_messages(app: &TestApp, room: &str, count: i64) {
    let mut conn = app.state.store.acquire().await.unwrap();
    let (last,): (i64,) = sqlx::query_as("select last_seq from rooms where id = $1")
        .bind(room)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    for seq in last + 1..=last + count {
        sqlx::query(
            "insert into messages (id, room_id, seq, body, external_id, created_at, updated_at) \
             values ($1, $2, $3, $4, $4, 1, 1)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(room)
        .bind(seq)
        .bind(format!("m{seq}"))
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    sqlx::query("update rooms set last_seq = $2 where id = $1")
        .bind(room)
        .bind(last + count)
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// Resumes after `after` and returns the messages' sequences and the `resumed` frame.
async fn resume_page(socket: &mut ChatClient, after: Value) -> (Vec<i64>, Value) {
    socket
        .send(json!({"type": "resume", "ref": "p", "after": after}))
        .await;
    let mut seqs = Vec::new();
    loop {
        let frame = socket
            .next_matching(|f| f["type"] == "message" || f["type"] == "resumed")
            .await;
        if frame["type"] == "resumed" {
            return (seqs, frame);
        }
        seqs.push(frame["message"]["seq"].as_i64().unwrap());
    }
}

async fn a_long_absence_is_caught_up_in_pages_of_500(app: TestApp) {
    // Arrange: 504 messages after the one the visitor last saw.
    let setup = line_with_widget(&app, json!({})).await;
    let token = visitor_token(&app, &setup.public_id, json!({})).await;
    let (_olga, socket, room) = conversation(&app, &setup, &token).await;
    socket.close().await;
    many_visitor_messages(&app, &room, 504).await;

    // Act: resume after the first message, then again after the last one received.
    let mut first = ChatClient::connect_with(super::socket_request(&app, &token, SITE)).await;
    let (page, resumed) = resume_page(&mut first, json!({"room_id": room, "seq": 1})).await;
    let mut second = ChatClient::connect_with(super::socket_request(&app, &token, SITE)).await;
    let (rest, done) = resume_page(
        &mut second,
        json!({"room_id": room, "seq": page.last().unwrap()}),
    )
    .await;

    // Assert: 500 in order with `more`, then the other 4 — every message once, no gap.
    assert_eq!(page, (2..=501).collect::<Vec<_>>());
    assert_eq!(resumed["more"], true);
    assert_eq!(rest, (502..=505).collect::<Vec<_>>());
    assert_eq!(done["more"], false);

    // Without a cursor a fresh page gets the newest 500.
    let mut fresh = ChatClient::connect_with(super::socket_request(&app, &token, SITE)).await;
    let (newest, _) = resume_page(&mut fresh, Value::Null).await;
    assert_eq!(newest, (6..=505).collect::<Vec<_>>());
    app.stop().await;
}
