//! Quoted replies across Telegram: a client's `reply_to_message` links the stored message to
//! the one it quotes, and an operator's quote reaches the client as `reply_parameters` — so
//! both sides see which message is being answered.

use std::time::Duration;

use serde_json::{Value, json};

use super::telegram::{TOKEN, line_with_bot};
use crate::support::{app::TestApp, chat::ChatClient, telegram::TelegramEmulator};

crate::on_both_databases!(
    quoted_replies_keep_their_link_in_both_directions,
    a_quote_of_a_message_from_another_room_is_refused,
);

fn update(update_id: i64, message_id: i64, text: &str, reply_to: Option<i64>) -> Value {
    let mut update = json!({"update_id": update_id, "message": {"message_id": message_id,
        "date": 1_700_000_000, "chat": {"id": 901, "type": "private"},
        "from": {"id": 901, "first_name": "Vera", "is_bot": false}, "text": text}});
    if let Some(quoted) = reply_to {
        update["message"]["reply_to_message"] = json!({"message_id": quoted, "date": 1_700_000_000,
            "chat": {"id": 901, "type": "private"}});
    }
    update
}

async fn deliver(app: &TestApp, webhook: &str, update: &Value) {
    let response = app.http.post(webhook).json(update).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

async fn history(app: &TestApp, token: &str, room: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/rooms/{room}/messages"), token)
        .await
        .json()
        .await
        .unwrap()
}

async fn bot_sent_one(emulator: &TelegramEmulator) -> Value {
    for _ in 0..50 {
        if let Some(sent) = emulator.bot_sent(TOKEN, 901).await.pop() {
            return sent;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the bot sent nothing");
}

async fn quoted_replies_keep_their_link_in_both_directions(app: TestApp) {
    // Arrange: the client has written and the conversation is Olga's.
    let emulator = TelegramEmulator::start();
    let (staff, _line, webhook) = line_with_bot(&app, &emulator, "").await;
    let mut olga = ChatClient::live(&app, staff.token(0)).await;
    deliver(&app, &webhook, &update(1, 41, "Где мой заказ?", None)).await;
    let room = olga.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let question = history(&app, staff.token(0), &room).await[0].clone();

    // Act: Olga answers quoting the question.
    olga.send(json!({"type": "send", "room_id": room, "client_id": "q-1",
        "body": "Уже в пути", "reply_to_id": question["id"]}))
        .await;
    let answer = olga
        .next_matching(|f| f["type"] == "ack" && f["ref"] == "q-1")
        .await["message"]
        .clone();
    assert_eq!(answer["reply_to_id"], question["id"]);
    olga.next_of("message.status").await;

    // Assert: Telegram got the quote of the client's own message.
    let sent = bot_sent_one(&emulator).await;
    assert_eq!(sent["text"], "Уже в пути");
    assert_eq!(sent["reply_parameters"]["message_id"], 41);

    // Act: the client quotes the bot's answer.
    let answer_on_telegram = sent["message_id"].as_i64().expect("the bot message's id");
    deliver(
        &app,
        &webhook,
        &update(2, 60, "Спасибо!", Some(answer_on_telegram)),
    )
    .await;

    // Assert: the stored message quotes Olga's answer, live and in the history.
    let thanks = olga
        .next_matching(|f| f["type"] == "message.created" && f["message"]["body"] == "Спасибо!")
        .await;
    assert_eq!(thanks["message"]["reply_to_id"], answer["id"]);
    let history = history(&app, staff.token(0), &room).await;
    let links: Vec<(&str, Option<&str>)> = history
        .iter()
        .map(|m| (m["body"].as_str().unwrap(), m["reply_to_id"].as_str()))
        .collect();
    assert_eq!(
        links,
        vec![
            ("Где мой заказ?", None),
            ("Уже в пути", question["id"].as_str()),
            ("Спасибо!", answer["id"].as_str()),
        ]
    );
    app.stop().await;
}

async fn a_quote_of_a_message_from_another_room_is_refused(app: TestApp) {
    let emulator = TelegramEmulator::start();
    let (staff, _line, webhook) = line_with_bot(&app, &emulator, "").await;
    let mut olga = ChatClient::live(&app, staff.token(0)).await;
    deliver(&app, &webhook, &update(1, 41, "Первый клиент", None)).await;
    let room = olga.next_of("room.created").await["room"]["id"].clone();
    let first = history(&app, staff.token(0), room.as_str().unwrap()).await[0].clone();
    let mut other = update(2, 42, "Второй клиент", None);
    other["message"]["chat"]["id"] = json!(902);
    other["message"]["from"]["id"] = json!(902);
    deliver(&app, &webhook, &other).await;
    let room = olga.next_of("room.created").await["room"]["id"].clone();
    let second = history(&app, staff.token(0), room.as_str().unwrap()).await[0].clone();

    let response = app
        .post_json(
            &format!(
                "/api/v1/rooms/{}/messages",
                second["room_id"].as_str().unwrap()
            ),
            staff.token(0),
            &json!({"body": "Ответ", "reply_to_id": first["id"]}),
        )
        .await;

    assert_eq!(response.status(), 422);
    let error: Value = response.json().await.unwrap();
    assert!(error.to_string().contains("reply_to_id"), "{error}");
    let history: Vec<Value> = app
        .get(
            &format!(
                "/api/v1/rooms/{}/messages",
                second["room_id"].as_str().unwrap()
            ),
            staff.token(0),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "nothing stored: {history:?}");
    assert!(emulator.bot_sent(TOKEN, 902).await.is_empty());
    app.stop().await;
}
