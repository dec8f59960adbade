//! A Telegram client writes to the bot; the message is stored, routed to the online operator
//! of the line, and the operator's reply reaches the client — on SQLite and PostgreSQL.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    chat::Staff,
    support::{app::TestApp, chat::ChatClient, telegram::TelegramEmulator},
};

pub(super) const TOKEN: &str = "123:ABC";

crate::on_both_databases!(
    a_client_message_reaches_the_online_operator_and_the_reply_reaches_the_client,
    a_retried_webhook_delivery_is_stored_once,
    a_webhook_with_a_wrong_secret_is_refused_and_stores_nothing,
    on_an_offer_to_all_line_an_operator_takes_then_closes_and_the_client_reopens,
    a_client_editing_a_message_updates_the_stored_one,
    a_group_chat_is_one_conversation_with_several_clients,
);

/// A line served by one operator, with the emulator's bot connected to it.
pub(super) async fn line_with_bot(
    app: &TestApp,
    emulator: &TelegramEmulator,
    secret: &str,
) -> (Staff, String, String) {
    let staff = Staff::hire(app, &["olga"]).await;
    let admin = app.admin_token().await;
    let line = app
        .post_json(
            "/api/v1/lines",
            &admin,
            &json!({"name": "Support", "operators": [staff.id(0)]}),
        )
        .await;
    assert_eq!(line.status(), 201);
    let line: Value = line.json().await.unwrap();
    let channel = app
        .post_json(
            "/api/v1/channels/telegram",
            &admin,
            &json!({"line_id": line["id"], "token": TOKEN, "api_url": emulator.url, "webhook_secret": secret}),
        )
        .await;
    assert_eq!(channel.status(), 201);
    let channel: Value = channel.json().await.unwrap();
    assert_eq!(channel["account"], "666");
    let webhook = app.url(channel["webhook_path"].as_str().unwrap());
    (staff, line["id"].as_str().unwrap().to_owned(), webhook)
}

async fn history(app: &TestApp, token: &str, room: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/api/v1/rooms/{room}/messages"), token)
        .await
        .json()
        .await
        .unwrap();
    page.as_array().unwrap().clone()
}

async fn a_client_message_reaches_the_online_operator_and_the_reply_reaches_the_client(
    app: TestApp,
) {
    // Arrange
    let emulator = TelegramEmulator::start();
    let (staff, _line, webhook) = line_with_bot(&app, &emulator, "").await;
    emulator.set_webhook(TOKEN, &webhook).await;
    let mut olga = ChatClient::live(&app, staff.token(0)).await;

    // Act: the client writes.
    emulator
        .client_says(TOKEN, 501, "Анна", "Здравствуйте, где мой заказ?")
        .await;

    // Assert: routed to Olga live, with the client's message in the room.
    let created = olga.next_of("room.created").await;
    assert_eq!(created["room"]["kind"], "open_line");
    assert_eq!(created["room"]["name"], "Анна");
    let room = created["room"]["id"].as_str().unwrap().to_owned();
    let messages = history(&app, staff.token(0), &room).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["body"], "Здравствуйте, где мой заказ?");
    assert_eq!(messages[0]["sender_name"], "Анна");
    assert!(messages[0]["author_id"].is_null());

    // The client writes again: it lands in the same conversation, live.
    emulator.client_says(TOKEN, 501, "Анна", "Номер 4471").await;
    let second = olga
        .next_matching(|f| f["type"] == "message.created" && f["message"]["body"] == "Номер 4471")
        .await;
    assert_eq!(second["message"]["room_id"], room.as_str());

    // Olga answers; the reply is sent to the client and its status comes back.
    olga.say(&room, "reply-1", "Заказ уже в пути").await;
    let status = olga.next_of("message.status").await;
    assert_eq!(
        (status["status"].as_str(), status["error"].as_str()),
        (Some("sent"), None)
    );
    let mut delivered = Vec::new();
    for _ in 0..50 {
        delivered = emulator.bot_messages(TOKEN, 501).await;
        if !delivered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(delivered, vec!["Заказ уже в пути".to_owned()]);
    let replies = history(&app, staff.token(0), &room).await;
    assert_eq!(replies.last().unwrap()["delivery_status"], "sent");
    app.stop().await;
}

fn update(update_id: i64, text: &str) -> Value {
    json!({"update_id": update_id, "message": {"message_id": update_id, "date": 1_700_000_000,
        "chat": {"id": 777, "type": "private"}, "from": {"id": 777, "first_name": "Boris", "is_bot": false}, "text": text}})
}

async fn a_retried_webhook_delivery_is_stored_once(app: TestApp) {
    let emulator = TelegramEmulator::start();
    let (staff, _line, webhook) = line_with_bot(&app, &emulator, "").await;
    let mut olga = ChatClient::live(&app, staff.token(0)).await;
    for _ in 0..3 {
        let response = app
            .http
            .post(&webhook)
            .json(&update(41, "hello once"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let room = olga.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(history(&app, staff.token(0), &room).await.len(), 1);
    let garbage = app
        .http
        .post(&webhook)
        .body("{\"update_id\":")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    app.stop().await;
}

async fn a_webhook_with_a_wrong_secret_is_refused_and_stores_nothing(app: TestApp) {
    let emulator = TelegramEmulator::start();
    let (staff, _line, webhook) = line_with_bot(&app, &emulator, "s3cret-token").await;
    let refused = app
        .http
        .post(&webhook)
        .header("x-telegram-bot-api-secret-token", "guess")
        .json(&update(42, "let me in"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let accepted = app
        .http
        .post(&webhook)
        .header("x-telegram-bot-api-secret-token", "s3cret-token")
        .json(&update(43, "hello"))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    let queued: Value = app
        .get("/api/v1/conversations?status=queued", staff.token(0))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queued.as_array().unwrap().len(), 1, "{queued}");
    // Olga comes online afterwards: the queued conversation is routed to her, and it holds
    // only the accepted message.
    let mut olga = ChatClient::live(&app, staff.token(0)).await;
    let room = olga.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let messages = history(&app, staff.token(0), &room).await;
    assert_eq!(
        messages
            .iter()
            .map(|m| m["body"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["hello"]
    );
    app.stop().await;
}

/// An offer-to-all line served by `operator`, with the emulator's bot connected to it: the
/// line and the bot's webhook URL.
pub(super) async fn offer_all_line(
    app: &TestApp,
    emulator: &TelegramEmulator,
    operator: &str,
) -> (Value, String) {
    let admin = app.admin_token().await;
    let line: Value = app
        .post_json(
            "/api/v1/lines",
            &admin,
            &json!({"name": "Sales", "distribution": "offer_all", "operators": [operator]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let channel: Value = app
        .post_json(
            "/api/v1/channels/telegram",
            &admin,
            &json!({"line_id": line["id"], "token": TOKEN, "api_url": emulator.url}),
        )
        .await
        .json()
        .await
        .unwrap();
    let webhook = app.url(channel["webhook_path"].as_str().unwrap());
    (line, webhook)
}

async fn on_an_offer_to_all_line_an_operator_takes_then_closes_and_the_client_reopens(
    app: TestApp,
) {
    // Arrange: an offer-to-all line, Olga online.
    let emulator = TelegramEmulator::start();
    let staff = Staff::hire(&app, &["olga"]).await;
    let (_line, webhook) = offer_all_line(&app, &emulator, staff.id(0)).await;
    let mut olga = ChatClient::live(&app, staff.token(0)).await;

    // Act: the client writes; nobody is assigned, Olga sees it in the queue and takes it.
    app.http
        .post(&webhook)
        .json(&update(61, "Хочу купить"))
        .send()
        .await
        .unwrap();
    let queued: Value = app
        .get("/api/v1/conversations?status=queued", staff.token(0))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queued[0]["status"], "queued");
    let room = queued[0]["room_id"].as_str().unwrap().to_owned();
    let take = app
        .post_json(
            &format!("/api/v1/conversations/{room}/take"),
            staff.token(0),
            &json!({}),
        )
        .await;
    assert_eq!(take.status(), 204);
    assert_eq!(
        olga.next_of("room.created").await["room"]["id"],
        room.as_str()
    );
    let again = app
        .post_json(
            &format!("/api/v1/conversations/{room}/take"),
            staff.token(0),
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), 409);

    // Closing ends it; the client's next message opens a new conversation.
    let close = app
        .post_json(
            &format!("/api/v1/conversations/{room}/close"),
            staff.token(0),
            &json!({}),
        )
        .await;
    assert_eq!(close.status(), 204);
    // (The conversation's arrival in the queue was announced with the same frame type.)
    let closed = olga
        .next_matching(|f| {
            f["type"] == "conversation.updated" && f["conversation"]["status"] == "closed"
        })
        .await;
    assert_eq!(closed["conversation"]["status"], "closed");
    app.http
        .post(&webhook)
        .json(&update(62, "Ещё вопрос"))
        .send()
        .await
        .unwrap();
    let queued: Value = app
        .get("/api/v1/conversations?status=queued", staff.token(0))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queued.as_array().unwrap().len(), 1);
    assert_ne!(queued[0]["room_id"], room.as_str());
    app.stop().await;
}

async fn a_client_editing_a_message_updates_the_stored_one(app: TestApp) {
    let emulator = TelegramEmulator::start();
    let (staff, _line, webhook) = line_with_bot(&app, &emulator, "").await;
    let mut olga = ChatClient::live(&app, staff.token(0)).await;
    app.http
        .post(&webhook)
        .json(&update(71, "I ned help"))
        .send()
        .await
        .unwrap();
    let room = olga.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut edit = update(72, "I need help");
    edit["edited_message"] = edit["message"].take();
    edit["edited_message"]["message_id"] = json!(71);
    edit.as_object_mut().unwrap().remove("message");
    assert_eq!(
        app.http
            .post(&webhook)
            .json(&edit)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let edited = olga.next_of("message.edited").await;
    assert_eq!(edited["message"]["body"], "I need help");
    let messages = history(&app, staff.token(0), &room).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["body"], "I need help");
    assert!(messages[0]["edited_at"].is_string());
    app.stop().await;
}

async fn a_group_chat_is_one_conversation_with_several_clients(app: TestApp) {
    let emulator = TelegramEmulator::start();
    let (staff, _line, webhook) = line_with_bot(&app, &emulator, "").await;
    let mut olga = ChatClient::live(&app, staff.token(0)).await;
    for (id, user, name) in [(81, 1, "Ann"), (82, 2, "Boris")] {
        let body = json!({"update_id": id, "message": {"message_id": id, "date": 1_700_000_000,
            "chat": {"id": -100_555, "type": "supergroup", "title": "Buyers"},
            "from": {"id": user, "first_name": name, "is_bot": false}, "text": format!("hi from {name}")}});
        assert_eq!(
            app.http
                .post(&webhook)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let created = olga.next_of("room.created").await;
    assert_eq!(created["room"]["name"], "Buyers");
    let room = created["room"]["id"].as_str().unwrap().to_owned();
    let senders: Vec<String> = history(&app, staff.token(0), &room)
        .await
        .iter()
        .map(|m| m["sender_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(senders, vec!["Ann", "Boris"]);
    app.stop().await;
}
