//! A reply waiting in the outbox outlives the node that queued it: Telegram is down, the
//! node stops, another node starts on the same database, Telegram comes back, and the reply
//! is sent — once.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    chat::Staff,
    support::{
        app::{TestApp, TestOptions},
        chat::ChatClient,
        db::{self, Backend},
        telegram::TelegramEmulator,
    },
};

const TOKEN: &str = "888:RESTART";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_reply_is_sent_once_by_the_next_node_after_a_restart() {
    // Arrange: node A with a conversation assigned to Olga.
    let Some(database) = db::fresh(Backend::Postgres).await else {
        return;
    };
    let options = || TestOptions {
        backend: Backend::Postgres,
        shared_database_url: Some(database.url.clone()),
        ..TestOptions::default()
    };
    let node_a = TestApp::spawn_with(options()).await.unwrap();
    let emulator = TelegramEmulator::start();
    let port: u16 = emulator.url.rsplit(':').next().unwrap().parse().unwrap();
    let staff = Staff::hire(&node_a, &["olga"]).await;
    let admin = node_a.admin_token().await;
    let line: Value = node_a
        .post_json(
            "/api/v1/lines",
            &admin,
            &json!({"name": "Support", "operators": [staff.id(0)]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let channel: Value = node_a
        .post_json(
            "/api/v1/channels/telegram",
            &admin,
            &json!({"line_id": line["id"], "token": TOKEN, "api_url": emulator.url}),
        )
        .await
        .json()
        .await
        .unwrap();
    emulator
        .set_webhook(
            TOKEN,
            &node_a.url(channel["webhook_path"].as_str().unwrap()),
        )
        .await;
    let mut olga = ChatClient::live(&node_a, staff.token(0)).await;
    emulator.client_says(TOKEN, 301, "Анна", "Алло?").await;
    let room = olga.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Act: Telegram goes away, Olga answers, the reply cannot leave; node A stops.
    drop(emulator);
    olga.say(&room, "r-1", "Мы на связи").await;
    let retrying = olga.next_of("message.status").await;
    assert_eq!(retrying["status"], "retrying", "{retrying}");
    drop(olga);
    node_a.stop().await;
    let emulator = TelegramEmulator::start_on(port);
    let node_b = TestApp::spawn_with(options()).await.unwrap();

    // Assert: node B sends it, exactly once.
    let mut sent = Vec::new();
    for _ in 0..150 {
        sent = emulator.bot_messages(TOKEN, 301).await;
        if !sent.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sent, vec!["Мы на связи".to_owned()]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(emulator.bot_messages(TOKEN, 301).await.len(), 1);
    let history: Value = node_b
        .get(&format!("/api/v1/rooms/{room}/messages"), staff.token(0))
        .await
        .json()
        .await
        .unwrap();
    let reply = history
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["body"] == "Мы на связи")
        .cloned()
        .unwrap();
    assert_eq!(reply["delivery_status"], "sent");
    node_b.stop().await;
}
