//! Bad frames: each gets an error frame, the socket stays usable and nothing is stored.

use serde_json::{Value, json};

use super::{Staff, create_room};
use crate::support::{app::TestApp, chat::ChatClient};

crate::on_both_databases!(bad_frames_get_error_frames_and_store_nothing);

async fn expect_error(client: &mut ChatClient, code: &str) {
    let error = client.next_of("error").await;
    assert_eq!(error["code"], code, "{error}");
    assert!(error["message"].is_string());
    // Still usable.
    client.send(json!({"type": "ping", "id": code})).await;
    assert_eq!(client.next_of("pong").await["id"], code);
}

async fn bad_frames_get_error_frames_and_store_nothing(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "team", &[], false).await;
    let others = create_room(&app, staff.token(1), "group", "not yours", &[], false).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;

    anna.send(json!({"type": "teleport", "room_id": group}))
        .await;
    expect_error(&mut anna, "unknown_frame").await;
    anna.send_raw("{\"type\": \"send\", ").await;
    expect_error(&mut anna, "malformed_json").await;
    anna.send(json!({"type": "send", "room_id": group, "body": "no client id"}))
        .await;
    expect_error(&mut anna, "invalid_frame").await;
    anna.send(json!({"type": "send", "room_id": others, "client_id": "x1", "body": "let me in"}))
        .await;
    expect_error(&mut anna, "not_found").await;
    anna.send(json!({"type": "send", "room_id": uuid::Uuid::now_v7(), "client_id": "x2", "body": "forged"})).await;
    expect_error(&mut anna, "not_found").await;
    anna.send(
        json!({"type": "send", "room_id": "not-a-uuid", "client_id": "x3", "body": "forged"}),
    )
    .await;
    expect_error(&mut anna, "validation_failed").await;
    anna.send(
        json!({"type": "send", "room_id": group, "client_id": "x4", "body": "я".repeat(10_001)}),
    )
    .await;
    let oversized = anna.next_of("error").await;
    assert_eq!(
        (
            oversized["code"].as_str(),
            oversized["field"].as_str(),
            oversized["ref"].as_str()
        ),
        (Some("validation_failed"), Some("body"), Some("x4"))
    );
    anna.send(json!({"type": "typing", "room_id": others}))
        .await;
    expect_error(&mut anna, "not_found").await;

    for (room, token) in [(&group, staff.token(0)), (&others, staff.token(1))] {
        let history: Value = app
            .get(&format!("/api/v1/rooms/{room}/messages"), token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(history, json!([]), "nothing stored in {room}");
    }
    app.stop().await;
}
