//! Tasks over REST and the websocket: reminders and the overdue notice reach the
//! responsible user's live socket; a blocked move is a 409 naming the blocker; bad input is
//! a 422 naming its field with nothing written; per-record lists and role visibility.

use std::time::Duration;

use crm_core::domain::{Timestamp, now};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Org, create_contact, delete, get_json, id, ids, patch};
use crate::support::{
    app::{TestApp, TestOptions, error_of},
    chat::ChatClient,
    db::{self, Backend},
    redis::redis_url,
};

crate::on_both_databases!(
    a_reminder_then_the_overdue_notice_reach_the_responsible_users_socket,
    bad_input_names_its_field_and_writes_nothing,
    a_blocked_task_answers_409_naming_its_blocker,
    tasks_are_listed_per_contact_within_what_each_role_sees,
);

/// An RFC 3339 instant `seconds` from now, as the API takes it.
fn in_seconds(seconds: i64) -> Value {
    serde_json::to_value(now().plus_seconds(seconds)).unwrap()
}

async fn create_task(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = app.post_json("/api/v1/tasks", token, body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    response.json().await.unwrap()
}

async fn a_reminder_then_the_overdue_notice_reach_the_responsible_users_socket(app: TestApp) {
    // Arrange: the seller and the agent are online.
    let org = Org::hire(&app).await;
    let mut seller = ChatClient::live(&app, &org.seller.token).await;
    let mut agent = ChatClient::live(&app, &org.agent.token).await;

    // Act: the supervisor gives the seller a task due in three seconds, with a reminder an
    // hour before (already passed, so it goes out at once).
    let task = create_task(
        &app,
        &org.supervisor.token,
        &json!({"title": "Call the client back", "responsible_id": org.seller.id,
                "deadline": in_seconds(3), "reminders": [60]}),
    )
    .await;

    // Assert: the reminder, then the overdue notice once the deadline passes.
    let reminder = seller.next_of("notification").await;
    assert_eq!(reminder["kind"], "task.reminder");
    assert_eq!(reminder["minutes_before"], 60);
    assert_eq!(reminder["task"]["id"], task["id"]);
    assert_eq!(reminder["task"]["title"], "Call the client back");
    let overdue = seller.next_of("notification").await;
    assert_eq!(overdue["kind"], "task.overdue");
    assert_eq!(overdue["task"]["id"], task["id"]);
    let deadline = overdue["task"]["deadline"].as_str().unwrap();
    let deadline = Timestamp::parse_rfc3339(deadline).unwrap();
    assert!(
        now() >= deadline,
        "the overdue notice came before the deadline"
    );
    // Nobody else is told, and each notice came once.
    let others = agent.drain(Duration::from_millis(1500)).await;
    assert!(
        !others.iter().any(|f| f["type"] == "notification"),
        "{others:?}"
    );
    let more = seller.drain(Duration::from_millis(1500)).await;
    assert!(
        !more.iter().any(|f| f["type"] == "notification"),
        "{more:?}"
    );
    seller.close().await;
    agent.close().await;
    app.stop().await;
}

async fn bad_input_names_its_field_and_writes_nothing(app: TestApp) {
    // Arrange: a task of the agent's that the seller cannot see, and a contact of the seller's.
    let org = Org::hire(&app).await;
    let hidden = id(&create_task(&app, &org.agent.token, &json!({"title": "theirs"})).await);
    let contact = id(&create_contact(
        &app,
        &org.seller.token,
        &json!({"first_name": "Иван", "last_name": "Плохов"}),
    )
    .await);
    let timeline = format!("/api/v1/contacts/{contact}/timeline");
    let entries_before = get_json(&app, &timeline, &org.seller.token, StatusCode::OK).await;
    let unknown_user = "01900000-0000-7000-8000-000000000000";
    let base = json!({"title": "Bad", "entity_kind": "contact", "entity_id": contact});
    let cases = [
        ("status", json!({"status": "finished"})),
        ("priority", json!({"priority": "urgent"})),
        ("deadline", json!({"deadline": "next tuesday"})),
        ("deadline", json!({"deadline": "2026-13-45T99:00:00Z"})),
        ("blocked_by", json!({"blocked_by": [hidden]})),
        ("blocked_by", json!({"blocked_by": ["not-an-id"]})),
        ("responsible_id", json!({"responsible_id": unknown_user})),
        ("entity_kind", json!({"entity_kind": "planet"})),
        ("reminders", json!({"reminders": [0]})),
        ("title", json!({"title": "  "})),
    ];
    for (field, change) in cases {
        let mut body = base.clone();
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        // Act
        let response = app
            .post_json("/api/v1/tasks", &org.seller.token, &body)
            .await;

        // Assert: 422 naming the field.
        let (status, code, error) = error_of(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(code, "validation_failed", "{body}");
        assert!(
            error["error"]["fields"][field].is_string(),
            "{field}: {error}"
        );
    }
    // A bad PATCH leaves the task as it was.
    let mine = id(&create_task(&app, &org.seller.token, &json!({"title": "mine"})).await);
    let response = patch(
        &app,
        &format!("/api/v1/tasks/{mine}"),
        &org.seller.token,
        &json!({"title": "renamed", "status": "finished"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unchanged = get_json(
        &app,
        &format!("/api/v1/tasks/{mine}"),
        &org.seller.token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(unchanged["title"], "mine");
    // Nothing else was written: the seller has one task, the contact's timeline is as before.
    let listed = get_json(&app, "/api/v1/tasks", &org.seller.token, StatusCode::OK).await;
    assert_eq!(ids(&listed["items"]), vec![mine]);
    let all = get_json(&app, "/api/v1/tasks", &org.admin, StatusCode::OK).await;
    assert_eq!(all["total"], 2);
    let entries_after = get_json(&app, &timeline, &org.seller.token, StatusCode::OK).await;
    assert_eq!(entries_after, entries_before);
    // Bad filters are named too.
    for (query, field) in [
        ("status=finished", "status"),
        ("sort=size", "sort"),
        ("overdue=maybe", "overdue"),
    ] {
        let response = app
            .get(&format!("/api/v1/tasks?{query}"), &org.seller.token)
            .await;
        let (status, _, error) = error_of(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(
            error["error"]["fields"][field].is_string(),
            "{query}: {error}"
        );
    }
    app.stop().await;
}

async fn a_blocked_task_answers_409_naming_its_blocker(app: TestApp) {
    // Arrange: B blocked by A.
    let org = Org::hire(&app).await;
    let token = &org.seller.token;
    let a = id(&create_task(&app, token, &json!({"title": "A"})).await);
    let b = id(&create_task(&app, token, &json!({"title": "B", "blocked_by": [a]})).await);
    let path = format!("/api/v1/tasks/{b}");

    // Act: start B.
    let response = patch(&app, &path, token, &json!({"status": "in_progress"})).await;

    // Assert: 409 blocked_by naming A; B unchanged. A cycle is a 422.
    let (status, code, error) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "blocked_by")
    );
    assert!(
        error["error"]["message"].as_str().unwrap().contains(&a),
        "{error}"
    );
    assert_eq!(
        get_json(&app, &path, token, StatusCode::OK).await["status"],
        "new"
    );
    let cycle = patch(
        &app,
        &format!("/api/v1/tasks/{a}"),
        token,
        &json!({"blocked_by": [b]}),
    )
    .await;
    let (status, _, error) = error_of(cycle).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"]["fields"]["blocked_by"].is_string());
    // Once A is done, B starts.
    let done = patch(
        &app,
        &format!("/api/v1/tasks/{a}"),
        token,
        &json!({"status": "done"}),
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    let started = patch(&app, &path, token, &json!({"status": "in_progress"})).await;
    assert_eq!(started.status(), StatusCode::OK);
    app.stop().await;
}

async fn tasks_are_listed_per_contact_within_what_each_role_sees(app: TestApp) {
    // Arrange: a contact of the seller's with a task on it.
    let org = Org::hire(&app).await;
    let contact = id(&create_contact(
        &app,
        &org.seller.token,
        &json!({"first_name": "Пётр", "last_name": "Задачный"}),
    )
    .await);
    let task = id(&create_task(
        &app,
        &org.seller.token,
        &json!({"title": "Send the contract", "entity_kind": "contact", "entity_id": contact,
                "priority": "high", "deadline": in_seconds(3600)}),
    )
    .await);
    let of_contact = format!("/api/v1/contacts/{contact}/tasks");

    // Act and assert: the seller and their supervisor see it on the contact; the agent
    // gets 404 for the contact and the task; the viewer may not write.
    for token in [&org.seller.token, &org.supervisor.token, &org.admin] {
        let listed = get_json(&app, &of_contact, token, StatusCode::OK).await;
        assert_eq!(ids(&listed["items"]), vec![task.clone()]);
    }
    get_json(&app, &of_contact, &org.agent.token, StatusCode::NOT_FOUND).await;
    get_json(
        &app,
        &format!("/api/v1/tasks/{task}"),
        &org.agent.token,
        StatusCode::NOT_FOUND,
    )
    .await;
    let refused = app
        .post_json("/api/v1/tasks", &org.viewer.token, &json!({"title": "x"}))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused = delete(&app, &format!("/api/v1/tasks/{task}"), &org.viewer.token).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // Its creation is on the contact's timeline.
    let timeline = get_json(
        &app,
        &format!("/api/v1/contacts/{contact}/timeline"),
        &org.seller.token,
        StatusCode::OK,
    )
    .await;
    let event = timeline["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["kind"] == "task_event")
        .expect("a task event");
    assert_eq!(event["payload"]["event"], "created");
    assert_eq!(event["payload"]["task_id"], task.as_str());
    // Deleting it empties the contact's list.
    let removed = delete(&app, &format!("/api/v1/tasks/{task}"), &org.seller.token).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let listed = get_json(&app, &of_contact, &org.seller.token, StatusCode::OK).await;
    assert_eq!(listed["total"], 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_send_each_task_notice_once() {
    // Arrange: two nodes on one PostgreSQL and one Redis, both running the reminder worker;
    // the seller is connected to node B.
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
    let org = Org::hire(&node_a).await;
    let mut seller = ChatClient::live(&node_b, &org.seller.token).await;

    // Act: ten tasks already past their deadline, each due an overdue notice at once.
    let mut created = Vec::new();
    for n in 0..10 {
        let body = json!({"title": format!("late {n}"), "deadline": in_seconds(-1)});
        created.push(id(&create_task(&node_a, &org.seller.token, &body).await));
    }

    // Assert: ten notices, one per task, and no more.
    let mut notified = Vec::new();
    for _ in 0..10 {
        let notice = seller.next_of("notification").await;
        assert_eq!(notice["kind"], "task.overdue");
        notified.push(notice["task"]["id"].as_str().unwrap().to_owned());
    }
    let extra = seller.drain(Duration::from_millis(2500)).await;
    assert!(
        !extra.iter().any(|f| f["type"] == "notification"),
        "{extra:?}"
    );
    notified.sort();
    created.sort();
    assert_eq!(notified, created);
    seller.close().await;
    node_a.stop().await;
    node_b.stop().await;
}
