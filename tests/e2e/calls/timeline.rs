//! An ended call in an open-line conversation lands on the client's CRM timeline (the
//! contact's and their open deals') with who took part, when, how long and how it went; a
//! call in an internal room leaves only its summary message in the room.

use serde_json::{Value, json};

use super::{request, start_and_join};
use crate::{
    chat::Staff,
    lines::fixture::LineFixture,
    support::{app::TestApp, chat::ChatClient},
};

crate::on_both_databases!(
    a_call_in_a_conversation_lands_on_the_contact_and_deal_timelines,
    a_call_in_an_internal_room_leaves_no_timeline_entry
);

/// The `call` entries of an entity's timeline, newest first.
pub async fn call_entries(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let page: Value = app.get(path, token).await.json().await.unwrap();
    page["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: {page}"))
        .iter()
        .filter(|entry| entry["kind"] == "call")
        .cloned()
        .collect()
}

/// A line whose operator has taken a client's conversation: the operator's socket, the
/// conversation's room and the client's contact.
pub async fn conversation_with_client(app: &TestApp) -> (LineFixture, ChatClient, String, String) {
    let line = LineFixture::start(app, &["olga"], json!({})).await;
    let mut olga = ChatClient::live(app, line.staff.token(0)).await;
    line.client_says(app, 1, 7001, "can we talk by video?")
        .await;
    let room = olga.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rows: Value = app
        .get("/api/v1/conversations?status=assigned", &line.admin)
        .await
        .json()
        .await
        .unwrap();
    let contact = rows[0]["contact_id"].as_str().unwrap().to_owned();
    (line, olga, room, contact)
}

async fn a_call_in_a_conversation_lands_on_the_contact_and_deal_timelines(app: TestApp) {
    // Arrange: the client's contact has an open deal.
    let (line, mut olga, room, contact) = conversation_with_client(&app).await;
    let deal = app
        .post_json(
            "/api/v1/deals",
            &line.admin,
            &json!({"title": "Video setup", "currency": "RUB", "amount": "1000", "contact_id": contact}),
        )
        .await;
    assert_eq!(deal.status(), 201);
    let deal: Value = deal.json().await.unwrap();

    // Act: Olga calls from the conversation; nobody else joins; she hangs up.
    let (call, _peer, _) = start_and_join(&mut olga, &room).await;
    request(
        &mut olga,
        json!({"type": "call_leave", "call_id": call}),
        "leave",
    )
    .await;
    let summary = olga
        .next_matching(|f| f["type"] == "message.created" && f["message"]["kind"] == "call")
        .await;

    // Assert: one entry on the contact and the same one on the deal.
    let on_contact = call_entries(
        &app,
        &line.admin,
        &format!("/api/v1/contacts/{contact}/timeline"),
    )
    .await;
    assert_eq!(on_contact.len(), 1, "{on_contact:?}");
    let entry = &on_contact[0];
    assert_eq!(entry["summary"], "Missed call");
    assert_eq!(entry["author_id"], line.staff.id(0));
    let payload = &entry["payload"];
    assert_eq!(payload["call_id"], call.as_str());
    assert_eq!(payload["room_id"], room.as_str());
    assert_eq!(payload["outcome"], "missed");
    assert_eq!(payload["message_id"], summary["message"]["id"]);
    assert_eq!(
        payload["participants"],
        json!([{"user_id": line.staff.id(0), "name": "olga"}])
    );
    let (started, ended) = (
        payload["started_at"].as_i64().unwrap(),
        payload["ended_at"].as_i64().unwrap(),
    );
    assert!(ended >= started);
    assert_eq!(payload["duration_ms"].as_i64().unwrap(), ended - started);
    let on_deal = call_entries(
        &app,
        &line.admin,
        &format!("/api/v1/deals/{}/timeline", deal["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(on_deal.len(), 1);
    assert_eq!(on_deal[0]["id"], entry["id"]);
    app.stop().await;
}

async fn a_call_in_an_internal_room_leaves_no_timeline_entry(app: TestApp) {
    // Arrange: a client contact exists, and two colleagues share a channel.
    let (line, _olga, _room, contact) = conversation_with_client(&app).await;
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let channel: Value = app
        .post_json(
            "/api/v1/rooms",
            staff.token(0),
            &json!({"kind": "channel", "name": "sales", "members": [staff.id(1)]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let channel = channel["id"].as_str().unwrap();
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;

    // Act: a declined call in the channel.
    let (call, _peer, _) = start_and_join(&mut anna, channel).await;
    boris.next_of("call.ringing").await;
    request(
        &mut boris,
        json!({"type": "call_decline", "call_id": call}),
        "decline",
    )
    .await;
    request(
        &mut anna,
        json!({"type": "call_leave", "call_id": call}),
        "leave",
    )
    .await;

    // Assert: the room has its summary (declined), the client's timeline has no call.
    let summary = anna
        .next_matching(|f| f["type"] == "message.created" && f["message"]["kind"] == "call")
        .await;
    assert_eq!(summary["message"]["meta"]["outcome"], "declined");
    assert_eq!(summary["message"]["body"], summary_body(&summary));
    let entries = call_entries(
        &app,
        &line.admin,
        &format!("/api/v1/contacts/{contact}/timeline"),
    )
    .await;
    assert!(entries.is_empty(), "{entries:?}");
    app.stop().await;
}

fn summary_body(summary: &Value) -> String {
    let seconds = summary["message"]["meta"]["duration_ms"].as_i64().unwrap() / 1000;
    format!("Call, {}:{:02}, 1 participant", seconds / 60, seconds % 60)
}
