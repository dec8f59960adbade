//! Threads, @mentions and pinned messages.

use serde_json::{Value, json};

use super::{Staff, create_room};
use crate::support::{app::TestApp, chat::ChatClient};

crate::on_both_databases!(
    a_reply_opens_a_thread_and_counts_on_its_parent,
    a_mentioned_user_is_notified_without_watching_the_room,
    a_mention_never_reveals_a_private_room,
    members_pin_and_unpin_messages,
);

async fn a_reply_opens_a_thread_and_counts_on_its_parent(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "team", &[staff.id(1)], false).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    let root = anna.say(&group, "root", "Who takes the release?").await;
    let root_id = root["id"].as_str().unwrap().to_owned();

    boris.send(json!({"type": "send", "room_id": group, "client_id": "r1", "body": "I do", "thread_root_id": root_id})).await;
    boris
        .next_matching(|f| f["type"] == "ack" && f["ref"] == "r1")
        .await;

    let reply = anna
        .next_matching(|f| f["type"] == "message.created" && f["message"]["seq"] == 2)
        .await;
    assert_eq!(reply["message"]["thread_root_id"], root_id.as_str());
    let updated = anna.next_of("thread.updated").await;
    assert_eq!(
        (
            updated["message_id"].as_str(),
            updated["reply_count"].as_i64()
        ),
        (Some(root_id.as_str()), Some(1))
    );
    let thread: Value = app
        .get(
            &format!("/api/v1/messages/{root_id}/thread"),
            staff.token(0),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(thread["root"]["reply_count"], 1);
    assert_eq!(thread["replies"][0]["body"], "I do");
    app.stop().await;
}

async fn a_mentioned_user_is_notified_without_watching_the_room(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let channel = create_room(&app, staff.token(0), "channel", "general", &[], false).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    anna.say(&channel, "m1", "@boris can you look at this?")
        .await;
    let mention = boris.next_of("mention").await;
    assert_eq!(mention["message"]["body"], "@boris can you look at this?");
    assert_eq!(mention["message"]["room_id"], channel.as_str());
    // Not a member, so the message itself did not arrive.
    let rest = boris.drain(std::time::Duration::from_millis(300)).await;
    assert!(
        rest.iter().all(|f| f["type"] != "message.created"),
        "{rest:?}"
    );
    app.stop().await;
}

async fn a_mention_never_reveals_a_private_room(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "secret", &[], false).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    anna.say(&group, "m1", "don't tell @boris").await;
    let rest = boris.drain(std::time::Duration::from_millis(400)).await;
    assert!(rest.iter().all(|f| f["type"] != "mention"), "{rest:?}");
    app.stop().await;
}

async fn members_pin_and_unpin_messages(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "team", &[staff.id(1)], false).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    let message = anna.say(&group, "p1", "Rules of the room").await;
    let id = message["id"].as_str().unwrap();
    let pin = app
        .post_json(
            &format!("/api/v1/rooms/{group}/pins"),
            staff.token(1),
            &json!({"message_id": id}),
        )
        .await;
    assert_eq!(pin.status(), 204);
    let event = anna.next_of("pin").await;
    assert_eq!(
        (event["message_id"].as_str(), event["pinned"].as_bool()),
        (Some(id), Some(true))
    );
    let pins: Value = app
        .get(&format!("/api/v1/rooms/{group}/pins"), staff.token(0))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pins[0]["body"], "Rules of the room");
    let unpin = app
        .http
        .delete(app.url(&format!("/api/v1/rooms/{group}/pins/{id}")))
        .bearer_auth(staff.token(0))
        .send()
        .await
        .unwrap();
    assert_eq!(unpin.status(), 204);
    assert_eq!(
        boris
            .next_matching(|f| f["type"] == "pin" && f["pinned"] == false)
            .await["message_id"],
        id
    );
    let pins: Value = app
        .get(&format!("/api/v1/rooms/{group}/pins"), staff.token(0))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pins, json!([]));
    app.stop().await;
}
