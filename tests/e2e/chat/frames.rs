//! Every websocket frame a client sends, and the events other members see.

use serde_json::{Value, json};

use super::{Staff, create_room};
use crate::support::{app::TestApp, chat::ChatClient};

crate::on_both_databases!(
    a_sent_message_is_acknowledged_and_reaches_the_other_member,
    a_resend_with_the_same_client_id_is_acknowledged_again_and_stored_once,
    edits_deletes_and_reactions_reach_the_other_member,
    typing_and_read_positions_reach_the_other_member,
    a_public_channel_can_be_watched_before_joining,
    joining_a_room_starts_its_events_on_every_connection_of_the_user,
);

async fn a_sent_message_is_acknowledged_and_reaches_the_other_member(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "team", &[staff.id(1)], false).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    assert_eq!(boris.hello["rooms"][&group], 0);

    let message = anna.say(&group, "c-1", "Привет, Борис").await;

    assert_eq!(
        (message["seq"].as_i64(), message["body"].as_str()),
        (Some(1), Some("Привет, Борис"))
    );
    let seen = boris.next_of("message.created").await;
    assert_eq!(seen["message"]["id"], message["id"]);
    assert_eq!(seen["message"]["author_id"], staff.id(0));
    app.stop().await;
}

async fn a_resend_with_the_same_client_id_is_acknowledged_again_and_stored_once(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "team", &[staff.id(1)], false).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let first = anna.say(&group, "same-id", "once").await;
    anna.send(json!({"type": "send", "room_id": group, "client_id": "same-id", "body": "once"}))
        .await;
    let again = anna
        .next_matching(|f| f["type"] == "ack" && f["ref"] == "same-id")
        .await;
    assert_eq!(again["message"]["id"], first["id"]);
    assert_eq!(again["duplicate"], true);
    let history: Value = app
        .get(&format!("/api/v1/rooms/{group}/messages"), staff.token(1))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history.as_array().unwrap().len(), 1);
    app.stop().await;
}

async fn edits_deletes_and_reactions_reach_the_other_member(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "team", &[staff.id(1)], false).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    let message = anna.say(&group, "c-1", "draft").await;
    let id = message["id"].as_str().unwrap().to_owned();

    anna.send(json!({"type": "edit", "ref": "e1", "message_id": id, "body": "final"}))
        .await;
    assert_eq!(anna.next_of("ack").await["message"]["body"], "final");
    let edited = boris.next_of("message.edited").await;
    assert_eq!(edited["message"]["body"], "final");
    assert!(edited["message"]["edited_at"].is_string());

    // Only the author edits.
    boris
        .send(json!({"type": "edit", "ref": "e2", "message_id": id, "body": "hijack"}))
        .await;
    let refused = boris.next_of("error").await;
    assert_eq!(
        (refused["code"].as_str(), refused["ref"].as_str()),
        (Some("forbidden"), Some("e2"))
    );

    boris
        .send(json!({"type": "react", "ref": "r1", "message_id": id, "emoji": "👍"}))
        .await;
    boris
        .next_matching(|f| f["type"] == "ack" && f["ref"] == "r1")
        .await;
    let reaction = anna.next_of("reaction").await;
    assert_eq!(
        (reaction["emoji"].as_str(), reaction["added"].as_bool()),
        (Some("👍"), Some(true))
    );
    let history: Value = app
        .get(&format!("/api/v1/rooms/{group}/messages"), staff.token(0))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        history[0]["reactions"],
        json!([{"emoji": "👍", "user_ids": [staff.id(1)]}])
    );
    boris
        .send(json!({"type": "unreact", "ref": "r2", "message_id": id, "emoji": "👍"}))
        .await;
    assert_eq!(anna.next_of("reaction").await["added"], false);

    anna.send(json!({"type": "delete", "ref": "d1", "message_id": id}))
        .await;
    let deleted = boris.next_of("message.deleted").await;
    assert_eq!(
        (deleted["message_id"].as_str(), deleted["seq"].as_i64()),
        (Some(id.as_str()), Some(1))
    );
    let history: Value = app
        .get(&format!("/api/v1/rooms/{group}/messages"), staff.token(0))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history[0]["body"], "");
    assert!(history[0]["deleted_at"].is_string());
    app.stop().await;
}

async fn typing_and_read_positions_reach_the_other_member(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "team", &[staff.id(1)], false).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    anna.send(json!({"type": "typing", "room_id": group})).await;
    let typing = boris.next_of("typing").await;
    assert_eq!(typing["user_id"], staff.id(0));
    assert!(typing["expires_in_ms"].as_u64().unwrap() > 0);

    anna.say(&group, "c-1", "one").await;
    anna.say(&group, "c-2", "two").await;
    boris
        .send(json!({"type": "read", "ref": "rd", "room_id": group, "seq": 99}))
        .await;
    let ack = boris
        .next_matching(|f| f["type"] == "ack" && f["ref"] == "rd")
        .await;
    assert_eq!(ack["last_read_seq"], 2, "clamped to the newest message");
    let receipt = anna.next_of("read").await;
    assert_eq!(
        (receipt["user_id"].as_str(), receipt["seq"].as_i64()),
        (Some(staff.id(1)), Some(2))
    );
    app.stop().await;
}

async fn a_public_channel_can_be_watched_before_joining(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let channel = create_room(&app, staff.token(0), "channel", "news", &[], false).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    boris
        .send(json!({"type": "subscribe", "ref": "s1", "room_id": channel}))
        .await;
    assert_eq!(boris.next_of("ack").await["room_id"], channel.as_str());
    anna.say(&channel, "c-1", "release today").await;
    assert_eq!(
        boris.next_of("message.created").await["message"]["body"],
        "release today"
    );
    boris
        .send(json!({"type": "unsubscribe", "ref": "u1", "room_id": channel}))
        .await;
    boris.next_of("ack").await;
    anna.say(&channel, "c-2", "not for watchers any more").await;
    let rest = boris.drain(std::time::Duration::from_millis(300)).await;
    assert!(
        rest.iter().all(|f| f["type"] != "message.created"),
        "{rest:?}"
    );
    app.stop().await;
}

async fn joining_a_room_starts_its_events_on_every_connection_of_the_user(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris_tab_1 = ChatClient::live(&app, staff.token(1)).await;
    let mut boris_tab_2 = ChatClient::live(&app, staff.token(1)).await;
    let group = create_room(
        &app,
        staff.token(0),
        "group",
        "new team",
        &[staff.id(1)],
        false,
    )
    .await;
    for tab in [&mut boris_tab_1, &mut boris_tab_2] {
        assert_eq!(
            tab.next_of("room.created").await["room"]["id"],
            group.as_str()
        );
    }
    anna.say(&group, "c-1", "welcome").await;
    for tab in [&mut boris_tab_1, &mut boris_tab_2] {
        assert_eq!(
            tab.next_of("message.created").await["message"]["body"],
            "welcome"
        );
    }
    app.stop().await;
}
