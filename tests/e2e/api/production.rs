//! The production configuration: PostgreSQL and Redis, with two nodes acting as one hub.

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::ws::{connect_with_header, next_json};
use crate::support::{
    app::{TestApp, TestOptions},
    db::Backend,
    redis::redis_url,
};

async fn spawn_node() -> Option<TestApp> {
    let redis = redis_url().await?;
    TestApp::spawn_with(TestOptions {
        backend: Backend::Postgres,
        redis_url: Some(redis),
        ..TestOptions::default()
    })
    .await
}

#[tokio::test]
async fn on_postgres_and_redis_the_admin_logs_in_and_readyz_names_both() {
    let Some(app) = spawn_node().await else {
        return;
    };
    let token = app.admin_token().await;
    let ready: Value = app
        .http
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (ready["database"].as_str(), ready["bus"].as_str()),
        (Some("postgres"), Some("redis"))
    );
    let me: Value = app
        .get("/api/v1/auth/me", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["role"], "admin");
    app.stop().await;
}

#[tokio::test]
async fn an_event_published_on_one_node_reaches_a_socket_on_another() {
    // Two nodes share Redis; each has its own database here, which the bus does not need.
    let Some(node_a) = spawn_node().await else {
        return;
    };
    let Some(node_b) = spawn_node().await else {
        return;
    };
    let token = node_a.admin_token().await;
    let me: Value = node_a
        .get("/api/v1/auth/me", &token)
        .await
        .json()
        .await
        .unwrap();
    let mut socket = connect_with_header(&node_a, &token).await;
    next_json(&mut socket).await;
    socket
        .send(Message::text(
            json!({"type": "resume", "rooms": {}}).to_string(),
        ))
        .await
        .unwrap();
    assert_eq!(next_json(&mut socket).await["type"], "resumed");
    let topic = realtime::Topic::user(me["user"]["id"].as_str().unwrap()).unwrap();
    let event = json!({"type": "notification", "from": "node b"});
    let receivers = node_b
        .state
        .bus
        .publish(
            &topic,
            gateway::ws::envelope::encode_plain(event.to_string().as_bytes()),
        )
        .await
        .unwrap();
    assert!(receivers >= 1);
    assert_eq!(next_json(&mut socket).await, event);
    node_a.stop().await;
    node_b.stop().await;
}
