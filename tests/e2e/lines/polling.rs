//! A bot in polling mode: the hub asks Telegram for updates (getUpdates) instead of
//! receiving webhooks, and exactly one node polls each bot.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    chat::Staff,
    support::{
        app::{TestApp, TestOptions, error_of},
        chat::ChatClient,
        db::{self, Backend},
        redis::redis_url,
        telegram::TelegramEmulator,
    },
};

const TOKEN: &str = "321:POLL";

crate::on_both_databases!(
    a_polled_bot_brings_the_client_to_the_operator_and_the_reply_back,
    an_unknown_mode_is_refused_and_connects_nothing,
);

/// A line served by the given operator with the emulator's bot connected in polling mode.
async fn polled_line(app: &TestApp, emulator: &TelegramEmulator, operator: &str) -> String {
    let admin = app.admin_token().await;
    let line = app
        .post_json(
            "/api/v1/lines",
            &admin,
            &json!({"name": "Polled", "operators": [operator]}),
        )
        .await;
    assert_eq!(line.status(), 201);
    let line: Value = line.json().await.unwrap();
    let channel = app
        .post_json(
            "/api/v1/channels/telegram",
            &admin,
            &json!({"line_id": line["id"], "token": TOKEN, "api_url": emulator.url, "mode": "polling"}),
        )
        .await;
    assert_eq!(channel.status(), 201);
    let channel: Value = channel.json().await.unwrap();
    assert_eq!(channel["mode"], "polling");
    channel["id"].as_str().unwrap().to_owned()
}

/// The channel as admins see it, once its poller has polled.
async fn polled_channel(app: &TestApp, admin: &str, channel: &str) -> Value {
    for _ in 0..100 {
        let channels: Value = app
            .get("/api/v1/channels", admin)
            .await
            .json()
            .await
            .unwrap();
        let found = channels
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == channel)
            .cloned()
            .unwrap();
        if !found["poller"]["last_polled_at"].is_null() {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the channel was never polled");
}

async fn bot_says(emulator: &TelegramEmulator, chat: i64) -> Vec<String> {
    for _ in 0..50 {
        let delivered = emulator.bot_messages(TOKEN, chat).await;
        if !delivered.is_empty() {
            return delivered;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Vec::new()
}

async fn a_polled_bot_brings_the_client_to_the_operator_and_the_reply_back(app: TestApp) {
    // Arrange
    let emulator = TelegramEmulator::start();
    let staff = Staff::hire(&app, &["pavel"]).await;
    let channel = polled_line(&app, &emulator, staff.id(0)).await;
    let mut pavel = ChatClient::live(&app, staff.token(0)).await;

    // Act: the client writes; nothing posts to the hub, the poller fetches it.
    emulator
        .client_says(TOKEN, 901, "Вера", "Можно оплатить картой?")
        .await;

    // Assert: assigned to Pavel live; his reply reaches the client.
    let created = pavel.next_of("room.created").await;
    let room = created["room"]["id"].as_str().unwrap().to_owned();
    let history: Value = app
        .get(&format!("/api/v1/rooms/{room}/messages"), staff.token(0))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history[0]["body"], "Можно оплатить картой?");
    pavel.say(&room, "r1", "Да, конечно").await;
    assert_eq!(pavel.next_of("message.status").await["status"], "sent");
    assert_eq!(
        bot_says(&emulator, 901).await,
        vec!["Да, конечно".to_owned()]
    );
    let described = polled_channel(&app, &app.admin_token().await, &channel).await;
    assert!(described["poller"]["last_error"].is_null(), "{described}");
    app.stop().await;
}

async fn an_unknown_mode_is_refused_and_connects_nothing(app: TestApp) {
    let emulator = TelegramEmulator::start();
    let admin = app.admin_token().await;
    let line: Value = app
        .post_json("/api/v1/lines", &admin, &json!({"name": "L"}))
        .await
        .json()
        .await
        .unwrap();

    let refused = app
        .post_json(
            "/api/v1/channels/telegram",
            &admin,
            &json!({"line_id": line["id"], "token": TOKEN, "api_url": emulator.url, "mode": "carrier-pigeon"}),
        )
        .await;

    let (status, code, body) = error_of(refused).await;
    assert_eq!(
        (status.as_u16(), code.as_str()),
        (422, "validation_failed"),
        "{body}"
    );
    assert!(body.to_string().contains("mode"), "{body}");
    let channels: Value = app
        .get("/api/v1/channels", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(channels, json!([]));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_polls_a_bot_and_the_other_takes_over_when_it_stops() {
    // Arrange: two nodes on one PostgreSQL database and one Redis.
    let Some(redis) = redis_url().await else {
        return;
    };
    let Some(database) = db::fresh(Backend::Postgres).await else {
        return;
    };
    let options = || TestOptions {
        backend: Backend::Postgres,
        redis_url: Some(redis.clone()),
        shared_database_url: Some(database.url.clone()),
        ..TestOptions::default()
    };
    let emulator = TelegramEmulator::start();
    let node_a = TestApp::spawn_with(options()).await.unwrap();
    let staff = Staff::hire(&node_a, &["nina"]).await;
    let channel = polled_line(&node_a, &emulator, staff.id(0)).await;
    let admin = node_a.admin_token().await;
    let first_holder = polled_channel(&node_a, &admin, &channel).await["poller"]["holder"].clone();
    let node_b = TestApp::spawn_with(options()).await.unwrap();
    let mut nina = ChatClient::live(&node_b, staff.token(0)).await;

    // Act: a message while both nodes run, then node A stops and another message comes.
    emulator.client_says(TOKEN, 902, "Глеб", "первое").await;
    let created = nina.next_of("room.created").await;
    let room = created["room"]["id"].as_str().unwrap().to_owned();
    // Node B's supervisor has run meanwhile; the lease must still be node A's alone.
    assert_eq!(
        polled_channel(&node_b, &admin, &channel).await["poller"]["holder"],
        first_holder
    );
    node_a.stop().await;
    emulator.client_says(TOKEN, 902, "Глеб", "второе").await;
    let second = nina
        .next_matching(|f| f["type"] == "message.created" && f["message"]["body"] == "второе")
        .await;

    // Assert: both arrived once, in one conversation, the second through node B's poller.
    assert_eq!(second["message"]["room_id"], room.as_str());
    let history: Value = node_b
        .get(&format!("/api/v1/rooms/{room}/messages"), staff.token(0))
        .await
        .json()
        .await
        .unwrap();
    let bodies: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, vec!["первое", "второе"]);
    let taken_over = polled_channel(&node_b, &admin, &channel).await;
    assert_ne!(taken_over["poller"]["holder"], first_holder);
    node_b.stop().await;
}
