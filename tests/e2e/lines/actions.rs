//! Operator actions end to end: private notes, assign and transfer, labels, snooze, canned
//! responses, and bad input refused with nothing written.

use crm_core::domain::{Timestamp, now};
use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{LineFixture, TOKEN, call, conversations, history};
use crate::support::{
    app::{TestApp, error_of},
    chat::ChatClient,
};

crate::on_both_databases!(
    a_private_note_reaches_operators_but_never_the_client,
    a_supervisor_assigns_and_the_operator_transfers_with_a_note,
    labels_filter_the_list_and_a_snoozed_conversation_returns_when_due_or_when_the_client_writes,
    canned_responses_are_found_by_shortcut_prefix,
    bad_input_is_refused_with_a_reason_and_nothing_changes,
);

async fn first_room(app: &TestApp, operator: &mut ChatClient) -> String {
    let _ = app;
    operator.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_private_note_reaches_operators_but_never_the_client(app: TestApp) {
    // Arrange
    let line = LineFixture::start(&app, &["ann"], json!({})).await;
    let mut ann = ChatClient::live(&app, line.staff.token(0)).await;
    line.client_says(&app, 1, 4001, "help").await;
    let room = first_room(&app, &mut ann).await;

    // Act: a note, then a reply.
    let note = call(
        &app,
        Method::POST,
        &format!("/api/v1/conversations/{room}/notes"),
        line.staff.token(0),
        Some(json!({"body": "customer sounds upset"})),
    )
    .await;
    assert_eq!(note.status(), 201);
    let live = ann
        .next_matching(|f| f["type"] == "message.created" && f["message"]["kind"] == "note")
        .await;
    assert_eq!(live["message"]["body"], "customer sounds upset");
    ann.say(&room, "r1", "we are on it").await;
    ann.next_matching(|f| f["type"] == "message.status" && f["status"] == "sent")
        .await;

    // Assert: the client got the reply only; the note stays in the room.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(
        line.emulator.bot_messages(TOKEN, 4001).await,
        vec!["we are on it"]
    );
    let kinds: Vec<Value> = history(&app, line.staff.token(0), &room)
        .await
        .iter()
        .map(|m| json!([m["kind"], m["delivery_status"]]))
        .collect();
    assert_eq!(
        kinds,
        vec![
            json!(["message", null]),
            json!(["note", null]),
            json!(["message", "sent"])
        ]
    );
    app.stop().await;
}

async fn a_supervisor_assigns_and_the_operator_transfers_with_a_note(app: TestApp) {
    // Arrange: an offer-to-all line (nothing is assigned on its own), a second line.
    let line =
        LineFixture::start(&app, &["ann", "bob"], json!({"distribution": "offer_all"})).await;
    let (sue_id, sue) = app.create_user(&line.admin, "sue", "supervisor").await;
    let other: Value = app
        .post_json(
            "/api/v1/lines",
            &line.admin,
            &json!({"name": "Billing", "distribution": "offer_all", "operators": [line.staff.id(1)]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut ann = ChatClient::live(&app, line.staff.token(0)).await;
    let mut bob = ChatClient::live(&app, line.staff.token(1)).await;
    line.client_says(&app, 1, 4101, "I want a refund").await;
    let room = conversations(&app, &sue, "status=queued").await[0]["room_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Act + Assert: Sue (a supervisor) assigns it to Ann, who sees it live.
    let assigned = call(
        &app,
        Method::POST,
        &format!("/api/v1/conversations/{room}/assign"),
        &sue,
        Some(json!({"operator_id": line.staff.id(0)})),
    )
    .await;
    assert_eq!(assigned.status(), 200);
    let assigned: Value = assigned.json().await.unwrap();
    assert_eq!(assigned["assignee_id"], line.staff.id(0));
    assert_eq!(first_room(&app, &mut ann).await, room);
    // Bob, an operator of the line, watches the change live.
    // (Its arrival in the queue was announced with the same frame type before.)
    let seen = bob
        .next_matching(|f| {
            f["type"] == "conversation.updated" && !f["conversation"]["assignee_id"].is_null()
        })
        .await;
    assert_eq!(seen["conversation"]["assignee_id"], line.staff.id(0));

    // Ann is offered Bob (online, nothing open) and the Billing line; Bob, who does not
    // handle it, may not transfer it.
    let options = call(
        &app,
        Method::GET,
        &format!("/api/v1/conversations/{room}/transfer-options"),
        line.staff.token(0),
        None,
    )
    .await;
    assert_eq!(options.status(), 200);
    let options: Value = options.json().await.unwrap();
    assert_eq!(
        options["operators"],
        json!([{"user_id": line.staff.id(1), "display_name": "bob", "open_conversations": 0, "presence": "online"}])
    );
    assert_eq!(
        options["lines"],
        json!([{"id": other["id"], "name": "Billing"}])
    );
    let refused = call(
        &app,
        Method::GET,
        &format!("/api/v1/conversations/{room}/transfer-options"),
        line.staff.token(1),
        None,
    )
    .await;
    assert_eq!(refused.status(), 403);

    // Ann passes it to Bob with a note; Bob gets the room, Ann leaves it.
    let moved = call(
        &app,
        Method::POST,
        &format!("/api/v1/conversations/{room}/transfer"),
        line.staff.token(0),
        Some(json!({"operator_id": line.staff.id(1), "note": "wants a refund for order 77"})),
    )
    .await;
    assert_eq!(moved.status(), 200);
    assert_eq!(first_room(&app, &mut bob).await, room);
    ann.next_matching(|f| f["type"] == "member.left" && f["room_id"] == room.as_str())
        .await;
    let notes: Vec<Value> = history(&app, line.staff.token(1), &room)
        .await
        .into_iter()
        .filter(|m| m["kind"] == "note")
        .collect();
    assert_eq!(notes[0]["body"], "wants a refund for order 77");

    // Bob sends it to the Billing line's queue.
    let moved: Value = call(
        &app,
        Method::POST,
        &format!("/api/v1/conversations/{room}/transfer"),
        line.staff.token(1),
        Some(json!({"line_id": other["id"]})),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (moved["line_id"].clone(), moved["status"].clone()),
        (other["id"].clone(), json!("queued"))
    );
    let contact = moved["contact_id"].as_str().unwrap();
    let page: Value = app
        .get(&format!("/api/v1/contacts/{contact}/timeline"), &line.admin)
        .await
        .json()
        .await
        .unwrap();
    let transfers = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["payload"]["event"] == "transferred")
        .count();
    assert_eq!(transfers, 2);
    let _ = sue_id;
    app.stop().await;
}

async fn labels_filter_the_list_and_a_snoozed_conversation_returns_when_due_or_when_the_client_writes(
    app: TestApp,
) {
    // Arrange: two conversations with Ann.
    let line = LineFixture::start(&app, &["ann"], json!({})).await;
    let mut ann = ChatClient::live(&app, line.staff.token(0)).await;
    line.client_says(&app, 1, 4201, "first").await;
    line.client_says(&app, 2, 4202, "second").await;
    // Oldest first: the first client's room, then the second's.
    let mut rooms: Vec<String> = conversations(&app, line.staff.token(0), "status=assigned")
        .await
        .iter()
        .map(|c| c["room_id"].as_str().unwrap().to_owned())
        .collect();
    rooms.sort();
    let token = line.staff.token(0);

    // Labels: add, filter, remove.
    let labelled: Value = call(
        &app,
        Method::POST,
        &format!("/api/v1/conversations/{}/labels", rooms[0]),
        token,
        Some(json!({"label": "vip"})),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(labelled["labels"], json!(["vip"]));
    let vip = conversations(&app, token, "status=assigned&label=vip").await;
    assert_eq!(vip.len(), 1);
    assert_eq!(vip[0]["room_id"], rooms[0].as_str());
    let removed = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/conversations/{}/labels/vip", rooms[0]),
        token,
        None,
    )
    .await;
    assert_eq!(removed.status(), 200);
    assert!(
        conversations(&app, token, "status=assigned&label=vip")
            .await
            .is_empty()
    );

    // Snooze both for an hour: out of the list, into the snoozed one.
    let until = Timestamp::from_millis(now().millis() + 3_600_000);
    let until_text = serde_json::to_value(until).unwrap();
    for room in &rooms {
        let snoozed = call(
            &app,
            Method::POST,
            &format!("/api/v1/conversations/{room}/snooze"),
            token,
            Some(json!({"until": until_text})),
        )
        .await;
        assert_eq!(snoozed.status(), 200);
    }
    assert!(
        conversations(&app, token, "status=assigned")
            .await
            .is_empty()
    );
    assert_eq!(conversations(&app, token, "status=snoozed").await.len(), 2);

    // The client of the first writes: it is back at once, live.
    line.client_says(&app, 3, 4201, "hello?").await;
    let back = conversations(&app, token, "status=assigned").await;
    assert_eq!(back.len(), 1);
    assert_eq!(back[0]["room_id"], rooms[0].as_str());
    ann.next_matching(|f| {
        f["type"] == "conversation.updated"
            && f["conversation"]["room_id"] == rooms[0].as_str()
            && f["conversation"]["snoozed_until"].is_null()
    })
    .await;

    // The second wakes when its time comes.
    gateway::open_lines::run_timers_at(&app.state, Timestamp::from_millis(until.millis() + 1))
        .await;
    assert_eq!(conversations(&app, token, "status=assigned").await.len(), 2);
    assert!(
        conversations(&app, token, "status=snoozed")
            .await
            .is_empty()
    );
    app.stop().await;
}

async fn canned_responses_are_found_by_shortcut_prefix(app: TestApp) {
    // Arrange: a line response (by the admin), Ann's own, and Bob's own.
    let line = LineFixture::start(&app, &["ann", "bob"], json!({})).await;
    let (ann, bob) = (line.staff.token(0), line.staff.token(1));
    let create = |token: String, body: Value| {
        let app = &app;
        async move { call(app, Method::POST, "/api/v1/canned", &token, Some(body)).await }
    };
    let shared = create(
        line.admin.clone(),
        json!({"line_id": line.line, "shortcut": "/hello", "body": "Hello! How can I help?"}),
    )
    .await;
    assert_eq!(shared.status(), 201);
    let own: Value = create(
        ann.to_owned(),
        json!({"shortcut": "help", "body": "See our help centre."}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        create(
            bob.to_owned(),
            json!({"shortcut": "hi", "body": "Hi from Bob"})
        )
        .await
        .status(),
        201
    );
    // Ann may not add to the line's responses, nor repeat her own shortcut.
    assert_eq!(
        create(
            ann.to_owned(),
            json!({"line_id": line.line, "shortcut": "x", "body": "x"})
        )
        .await
        .status(),
        403
    );
    let repeated = create(ann.to_owned(), json!({"shortcut": "HELP", "body": "again"})).await;
    assert_eq!(error_of(repeated).await.0, 409);

    // Act + Assert: `/he` finds both of Ann's, and none of Bob's.
    let found: Value = app
        .get("/api/v1/canned?prefix=/he", ann)
        .await
        .json()
        .await
        .unwrap();
    let shortcuts: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["shortcut"].as_str().unwrap())
        .collect();
    assert_eq!(shortcuts, vec!["hello", "help"]);
    let all: Value = app.get("/api/v1/canned", ann).await.json().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2);

    // Edit and delete her own; Bob cannot touch it.
    let id = own["id"].as_str().unwrap();
    let edited: Value = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/canned/{id}"),
        ann,
        Some(json!({"body": "Our help centre: help.example.com"})),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(edited["body"], "Our help centre: help.example.com");
    let by_bob = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/canned/{id}"),
        bob,
        None,
    )
    .await;
    assert_eq!(by_bob.status(), 404);
    let deleted = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/canned/{id}"),
        ann,
        None,
    )
    .await;
    assert_eq!(deleted.status(), 204);
    let left: Value = app
        .get("/api/v1/canned?prefix=he", ann)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(left.as_array().unwrap().len(), 1);
    app.stop().await;
}

async fn bad_input_is_refused_with_a_reason_and_nothing_changes(app: TestApp) {
    // Arrange: a queued conversation on an offer-to-all line.
    let line = LineFixture::start(&app, &["ann"], json!({"distribution": "offer_all"})).await;
    line.client_says(&app, 1, 4301, "hi").await;
    let room = conversations(&app, &line.admin, "status=queued").await[0]["room_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let post = |path: String, body: Value| {
        let (app, admin) = (&app, line.admin.clone());
        async move { error_of(call(app, Method::POST, &path, &admin, Some(body)).await).await }
    };
    let patch_line = |body: Value| {
        let (app, admin, path) = (
            &app,
            line.admin.clone(),
            format!("/api/v1/lines/{}", line.line),
        );
        async move { error_of(call(app, Method::PATCH, &path, &admin, Some(body)).await).await }
    };

    // Act + Assert: each names the field and the problem.
    let (status, code, body) = post(
        format!("/api/v1/conversations/{room}/assign"),
        json!({"operator_id": "0190f0e8-0000-7000-8000-000000000000"}),
    )
    .await;
    assert_eq!(
        (status.as_u16(), code.as_str()),
        (422, "validation_failed"),
        "{body}"
    );
    assert!(
        body.to_string().contains("not an operator of this line"),
        "{body}"
    );
    let (status, _, body) =
        patch_line(json!({"working_hours": {"time_zone": "Mars/Olympus"}})).await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("Mars/Olympus"), "{body}");
    let (status, _, _) = patch_line(
        json!({"working_hours": {"time_zone": "UTC", "week": {"mon": ["18:00-09:00"]}}}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _, body) =
        patch_line(json!({"rating_mode": "stars", "greeting": "changed"})).await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("rating_mode"), "{body}");
    let (status, _, _) = patch_line(json!({"supervisors": [line.staff.id(0)]})).await;
    assert_eq!(status, 422);
    let (status, _, _) = post(
        format!("/api/v1/conversations/{room}/transfer"),
        json!({"operator_id": line.staff.id(0), "line_id": line.line}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _, _) = post(
        format!("/api/v1/conversations/{room}/snooze"),
        json!({"until": "2001-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _, _) = post(
        format!("/api/v1/conversations/{room}/labels"),
        json!({"label": "   "}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _, _) = post(
        "/api/v1/canned".into(),
        json!({"shortcut": "two words", "body": "x"}),
    )
    .await;
    assert_eq!(status, 422);

    // Nothing was written: the line and the conversation are as they were.
    let unchanged: Value = app
        .get(&format!("/api/v1/lines/{}", line.line), &line.admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(unchanged["working_hours"].is_null());
    assert!(unchanged["greeting"].is_null());
    assert_eq!(unchanged["rating_mode"], "off");
    assert!(unchanged["supervisors"].as_array().unwrap().is_empty());
    let queued = conversations(&app, &line.admin, "status=queued").await;
    assert_eq!(queued.len(), 1);
    assert!(queued[0]["assignee_id"].is_null());
    assert!(queued[0]["labels"].as_array().unwrap().is_empty());
    let canned: Value = app
        .get("/api/v1/canned", &line.admin)
        .await
        .json()
        .await
        .unwrap();
    assert!(canned.as_array().unwrap().is_empty());
    app.stop().await;
}
