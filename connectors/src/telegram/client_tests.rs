use std::time::Duration;

use crm_core::domain::{DeliveryError, OutboundMessage};
use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_partial_json, method, path},
};

use super::TelegramClient;

fn reply(text: &str) -> OutboundMessage {
    OutboundMessage {
        chat_id: "42".into(),
        text: text.into(),
        reply_to: Some("5".into()),
        files: Vec::new(),
    }
}

async fn client(server: &MockServer) -> TelegramClient {
    TelegramClient::new(&server.uri(), "123:ABC", Duration::from_millis(500)).unwrap()
}

#[tokio::test]
async fn a_reply_is_sent_with_its_quote_and_returns_the_message_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/bot123:ABC/sendMessage"))
        .and(body_partial_json(
            json!({"chat_id": "42", "text": "Hi", "reply_parameters": {"message_id": 5}}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true, "result": {"message_id": 77}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).await.send_message(&reply("Hi")).await,
        Ok("77".into())
    );
}

#[tokio::test]
async fn blocked_by_the_user_is_a_permanent_failure_with_the_reason() {
    let server = MockServer::start().await;
    let body = json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(body))
        .mount(&server)
        .await;
    let outcome = client(&server).await.send_message(&reply("Hi")).await;
    assert_eq!(
        outcome,
        Err(DeliveryError::Rejected {
            reason: "Forbidden: bot was blocked by the user".into()
        })
    );
}

#[tokio::test]
async fn flood_control_asks_to_wait_retry_after() {
    let server = MockServer::start().await;
    let body = json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 35", "parameters": {"retry_after": 35}});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).set_body_json(body))
        .mount(&server)
        .await;
    let outcome = client(&server).await.send_message(&reply("Hi")).await;
    assert!(
        matches!(
            outcome,
            Err(DeliveryError::RetryAfter {
                retry_after_secs: 35,
                ..
            })
        ),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn server_errors_and_timeouts_are_temporary_and_hide_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/bot123:ABC/getMe"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/bot123:ABC/sendMessage"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let client = client(&server).await;
    assert!(matches!(
        client.get_me().await,
        Err(DeliveryError::Temporary { .. })
    ));
    match client.send_message(&reply("Hi")).await {
        Err(DeliveryError::Temporary { reason }) => {
            assert!(!reason.contains("123:ABC"), "{reason}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn long_polling_returns_raw_updates() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/bot123:ABC/getUpdates"))
        .and(body_partial_json(json!({"offset": 11})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"ok": true, "result": [{"update_id": 11}, {"update_id": 12}]}),
            ),
        )
        .mount(&server)
        .await;
    let updates = client(&server).await.get_updates(11, 0).await.unwrap();
    assert_eq!(updates.len(), 2);
    assert_eq!(
        super::super::parse_update("1", &updates[1])
            .unwrap()
            .update_id,
        12
    );
}
