//! Distribution on a line: fair spread within capacity, the queue drained the moment an
//! operator frees up, offline operators skipped, and the SLA re-offering an unanswered
//! conversation while the supervisor is told — on SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::json;

use super::fixture::{LineFixture, call, conversations};
use crate::support::{app::TestApp, chat::ChatClient};

crate::on_both_databases!(
    three_operators_with_capacity_two_share_ten_conversations_and_the_rest_queue,
    an_offline_operator_is_skipped,
    an_unanswered_conversation_is_offered_to_the_next_operator_and_the_supervisor_is_told,
);

async fn three_operators_with_capacity_two_share_ten_conversations_and_the_rest_queue(
    app: TestApp,
) {
    // Arrange: three operators online, at most two conversations each.
    let line = LineFixture::start(
        &app,
        &["ann", "bob", "cid"],
        json!({"max_open_per_operator": 2}),
    )
    .await;
    let mut sockets = Vec::new();
    for n in 0..3 {
        sockets.push(ChatClient::live(&app, line.staff.token(n)).await);
    }

    // Act: ten clients write.
    for client in 0..10 {
        line.client_says(&app, 100 + client, 5000 + client, "hello")
            .await;
    }

    // Assert: two each, four waiting.
    for (n, socket) in sockets.iter_mut().enumerate() {
        let mine = conversations(&app, line.staff.token(n), "status=assigned").await;
        assert_eq!(mine.len(), 2, "operator {n}: {mine:?}");
        socket.next_of("room.created").await;
    }
    let queued = conversations(&app, &line.admin, "status=queued").await;
    assert_eq!(queued.len(), 4);
    let oldest_queued = queued.last().unwrap()["room_id"].clone();

    // Closing one hands the oldest queued conversation to that operator before the close
    // call returns.
    let first = conversations(&app, line.staff.token(0), "status=assigned").await[0]["room_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let closed = call(
        &app,
        Method::POST,
        &format!("/api/v1/conversations/{first}/close"),
        line.staff.token(0),
        None,
    )
    .await;
    assert_eq!(closed.status(), 204);
    let mine = conversations(&app, line.staff.token(0), "status=assigned").await;
    assert_eq!(mine.len(), 2);
    assert!(
        mine.iter().any(|c| c["room_id"] == oldest_queued),
        "{mine:?}"
    );
    assert_eq!(
        conversations(&app, &line.admin, "status=queued")
            .await
            .len(),
        3
    );
    app.stop().await;
}

async fn an_offline_operator_is_skipped(app: TestApp) {
    // Arrange: Bob never connects.
    let line = LineFixture::start(&app, &["ann", "bob", "cid"], json!({})).await;
    let _ann = ChatClient::live(&app, line.staff.token(0)).await;
    let _cid = ChatClient::live(&app, line.staff.token(2)).await;

    // Act
    for client in 0..4 {
        line.client_says(&app, 200 + client, 6000 + client, "hi")
            .await;
    }

    // Assert: Ann and Cid took turns; Bob has nothing.
    let counts: Vec<usize> = {
        let mut counts = Vec::new();
        for n in 0..3 {
            counts.push(
                conversations(&app, line.staff.token(n), "status=assigned")
                    .await
                    .len(),
            );
        }
        counts
    };
    assert_eq!(counts, vec![2, 0, 2]);
    assert!(
        conversations(&app, &line.admin, "status=queued")
            .await
            .is_empty()
    );
    app.stop().await;
}

async fn an_unanswered_conversation_is_offered_to_the_next_operator_and_the_supervisor_is_told(
    app: TestApp,
) {
    // Arrange: a one-second SLA, two operators and a supervisor online.
    let line = LineFixture::start(&app, &["ann", "bob"], json!({"sla_seconds": 1})).await;
    let (supervisor_id, supervisor_token) = app.create_user(&line.admin, "sue", "supervisor").await;
    let patched = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/lines/{}", line.line),
        &line.admin,
        Some(json!({"supervisors": [supervisor_id]})),
    )
    .await;
    assert_eq!(patched.status(), 200);
    let mut sue = ChatClient::live(&app, &supervisor_token).await;
    let mut sockets = [
        ChatClient::live(&app, line.staff.token(0)).await,
        ChatClient::live(&app, line.staff.token(1)).await,
    ];

    // Act: a client writes; nobody answers.
    line.client_says(&app, 300, 7000, "anyone there?").await;
    let assigned = conversations(&app, &line.admin, "status=assigned").await;
    let room = assigned[0]["room_id"].as_str().unwrap().to_owned();
    let first = usize::from(assigned[0]["assignee_id"] != line.staff.id(0));
    let next = 1 - first;
    sockets[first].next_of("room.created").await;

    // Assert: the supervisor hears of the breach, the other operator gets the conversation,
    // the first one loses it.
    let breach = sue.next_of("conversation.sla_breached").await;
    assert_eq!(breach["conversation"]["room_id"], room.as_str());
    assert_eq!(breach["operator_id"], line.staff.id(first));
    let offered = sockets[next]
        .next_matching(|f| f["type"] == "room.created" && f["room"]["id"] == room.as_str())
        .await;
    assert_eq!(offered["room"]["kind"], "open_line");
    sockets[first]
        .next_matching(|f| f["type"] == "member.left" && f["room_id"] == room.as_str())
        .await;
    let now_assigned = conversations(&app, &line.admin, "status=assigned").await;
    assert_eq!(now_assigned[0]["assignee_id"], line.staff.id(next));
    app.stop().await;
}
