//! Two nodes sharing one PostgreSQL and one Redis act as one hub.

use serde_json::json;

use super::{Staff, create_room};
use crate::support::{
    app::{TestApp, TestOptions},
    chat::ChatClient,
    db::{self, Backend},
    redis::redis_url,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_on_two_nodes_chat_live_and_resume_on_the_other_node() {
    // Arrange: one PostgreSQL database and one Redis, outliving either node.
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
    let node_a = TestApp::spawn_with(options()).await.unwrap();
    let node_b = TestApp::spawn_with(options()).await.unwrap();
    let staff = Staff::hire(&node_a, &["anna", "boris"]).await;
    let group = create_room(
        &node_a,
        staff.token(0),
        "group",
        "across nodes",
        &[staff.id(1)],
        false,
    )
    .await;
    let mut anna = ChatClient::live(&node_a, staff.token(0)).await;
    let mut boris = ChatClient::live(&node_b, staff.token(1)).await;

    // Act and assert: presence, messages and typing, live both ways.
    let boris_online = anna
        .next_matching(|f| {
            f["type"] == "presence" && f["user_id"] == staff.id(1) && f["status"] == "online"
        })
        .await;
    assert_eq!(boris_online["status"], "online");
    anna.say(&group, "a1", "from node A").await;
    assert_eq!(
        boris.next_of("message.created").await["message"]["body"],
        "from node A"
    );
    boris
        .send(json!({"type": "typing", "room_id": group}))
        .await;
    assert_eq!(anna.next_of("typing").await["user_id"], staff.id(1));
    boris.say(&group, "b1", "from node B").await;
    assert_eq!(
        anna.next_matching(|f| f["type"] == "message.created" && f["message"]["seq"] == 2)
            .await["message"]["body"],
        "from node B"
    );

    // Node A goes away; Anna reconnects to node B and resumes from what she saw.
    anna.close().await;
    node_a.stop().await;
    boris.say(&group, "b2", "while you were away").await;
    let mut anna = ChatClient::connect(&node_b, staff.token(0)).await;
    anna.send(json!({"type": "resume", "ref": "r", "rooms": {&group: 2}}))
        .await;
    let missed = anna.next_of("message.created").await;
    assert_eq!(
        (
            missed["message"]["seq"].as_i64(),
            missed["message"]["body"].as_str()
        ),
        (Some(3), Some("while you were away"))
    );
    assert_eq!(anna.next_of("resumed").await["rooms"][&group], 3);
    node_b.stop().await;
}
