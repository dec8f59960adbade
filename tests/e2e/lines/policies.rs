//! Line policies end to end: greeting and off-hours message, the contact and its timeline,
//! auto-close with a rating request and the client's rating, the reopen window.

use crm_core::domain::{Timestamp, now};
use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{LineFixture, call, conversations, history};
use crate::support::{app::TestApp, chat::ChatClient};

crate::on_both_databases!(
    a_conversation_opened_in_hours_is_greeted_and_one_opened_off_hours_gets_the_other_message,
    the_first_message_creates_a_contact_and_every_step_lands_on_its_timeline,
    a_quiet_client_is_closed_asked_for_a_rating_and_their_rating_is_stored,
    a_client_message_within_the_reopen_window_reopens_and_a_later_one_starts_anew,
);

fn minutes_from_now(minutes: i64) -> Timestamp {
    Timestamp::from_millis(now().millis() + minutes * 60_000)
}

async fn a_conversation_opened_in_hours_is_greeted_and_one_opened_off_hours_gets_the_other_message(
    app: TestApp,
) {
    // Arrange: open around the clock.
    let always = json!({"time_zone": "UTC", "week": {"mon": ["00:00-24:00"], "tue": ["00:00-24:00"],
        "wed": ["00:00-24:00"], "thu": ["00:00-24:00"], "fri": ["00:00-24:00"],
        "sat": ["00:00-24:00"], "sun": ["00:00-24:00"]}});
    let line = LineFixture::start(
        &app,
        &["ann"],
        json!({"greeting": "Hello! An operator will be with you shortly.",
            "off_hours_message": "We are closed; we will answer in the morning.",
            "working_hours": always}),
    )
    .await;
    let mut ann = ChatClient::live(&app, line.staff.token(0)).await;

    // Act + Assert: in hours, the greeting goes out once and is stored as automatic.
    line.client_says(&app, 1, 8001, "hi").await;
    assert_eq!(
        line.bot_sent(8001, 1).await,
        vec!["Hello! An operator will be with you shortly."]
    );
    let room = ann.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let kinds: Vec<Value> = history(&app, line.staff.token(0), &room)
        .await
        .iter()
        .map(|m| json!([m["kind"], m["body"]]))
        .collect();
    assert_eq!(
        kinds,
        vec![
            json!(["auto", "Hello! An operator will be with you shortly."]),
            json!(["message", "hi"])
        ]
    );

    // Off hours (never open in Kiritimati): the other message, and the conversation is
    // routed as usual.
    let patched = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/lines/{}", line.line),
        &line.admin,
        Some(json!({"working_hours": {"time_zone": "Pacific/Kiritimati", "week": {}}})),
    )
    .await;
    assert_eq!(patched.status(), 200);
    line.client_says(&app, 2, 8002, "hello?").await;
    assert_eq!(
        line.bot_sent(8002, 1).await,
        vec!["We are closed; we will answer in the morning."]
    );
    assert_eq!(
        conversations(&app, &line.admin, "status=assigned")
            .await
            .len(),
        2
    );
    // Sent exactly once, however often the worker looks.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(
        line.emulator
            .bot_messages(super::fixture::TOKEN, 8001)
            .await
            .len(),
        1
    );
    app.stop().await;
}

async fn timeline_of(app: &TestApp, token: &str, contact: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/api/v1/contacts/{contact}/timeline"), token)
        .await
        .json()
        .await
        .unwrap();
    let mut entries = page["entries"].as_array().unwrap().clone();
    entries.reverse();
    entries
}

async fn the_first_message_creates_a_contact_and_every_step_lands_on_its_timeline(app: TestApp) {
    // Arrange
    let line = LineFixture::start(&app, &["ann"], json!({})).await;
    let mut ann = ChatClient::live(&app, line.staff.token(0)).await;

    // Act: the client writes, Ann answers and closes.
    line.client_says(&app, 1, 9001, "where is my order?").await;
    let room = ann.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ann.say(&room, "r1", "on its way").await;
    let closed = call(
        &app,
        Method::POST,
        &format!("/api/v1/conversations/{room}/close"),
        line.staff.token(0),
        None,
    )
    .await;
    assert_eq!(closed.status(), 204);

    // Assert: a contact named as Telegram names the client, holding the identity.
    let done = conversations(&app, &line.admin, "status=closed").await;
    let contact_id = done[0]["contact_id"].as_str().unwrap().to_owned();
    assert!(done[0]["first_response_ms"].as_i64().unwrap() >= 0);
    assert!(
        done[0]["resolution_ms"].as_i64().unwrap()
            >= done[0]["first_response_ms"].as_i64().unwrap()
    );
    let contact: Value = app
        .get(&format!("/api/v1/contacts/{contact_id}"), &line.admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(contact["first_name"], "Client 9001");
    assert_eq!(contact["identities"][0]["channel"], "telegram");
    assert_eq!(contact["identities"][0]["external_id"], "9001");
    let steps: Vec<Value> = timeline_of(&app, &line.admin, &contact_id)
        .await
        .iter()
        .map(|e| {
            json!([
                e["kind"],
                e["payload"]["event"]
                    .as_str()
                    .or(e["payload"]["direction"].as_str())
            ])
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            json!(["conversation_event", "opened"]),
            json!(["message", "inbound"]),
            json!(["conversation_event", "assigned"]),
            json!(["message", "outbound"]),
            json!(["conversation_event", "closed"]),
        ]
    );

    // The client's next message finds the same contact.
    line.client_says(&app, 2, 9001, "one more thing").await;
    let open = conversations(&app, &line.admin, "status=assigned").await;
    assert_eq!(open[0]["contact_id"], contact_id.as_str());
    assert_ne!(open[0]["room_id"], room.as_str());
    app.stop().await;
}

async fn a_quiet_client_is_closed_asked_for_a_rating_and_their_rating_is_stored(app: TestApp) {
    // Arrange: auto-close after five quiet minutes, CSAT ratings.
    let line = LineFixture::start(
        &app,
        &["ann"],
        json!({"auto_close_minutes": 5, "rating_mode": "csat"}),
    )
    .await;
    let mut ann = ChatClient::live(&app, line.staff.token(0)).await;
    line.client_says(&app, 1, 9101, "question").await;
    let room = ann.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ann.say(&room, "r1", "answer").await;

    // Act + Assert: four minutes on, it stays open; six minutes on, it closes.
    gateway::open_lines::run_timers_at(&app.state, minutes_from_now(4)).await;
    assert_eq!(
        conversations(&app, &line.admin, "status=assigned")
            .await
            .len(),
        1
    );
    gateway::open_lines::run_timers_at(&app.state, minutes_from_now(6)).await;
    let closed = ann
        .next_matching(|f| {
            f["type"] == "conversation.updated" && f["conversation"]["status"] == "closed"
        })
        .await;
    assert_eq!(closed["conversation"]["room_id"], room.as_str());
    let sent = line.bot_sent(9101, 2).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[1].contains("from 1 (poor) to 5"), "{sent:?}");

    // An out-of-range reply is no rating: it starts a new conversation.
    line.client_says(&app, 2, 9101, "9").await;
    let rated = conversations(&app, &line.admin, "status=closed").await;
    assert!(rated[0]["rating"].is_null());
    let second = conversations(&app, &line.admin, "status=assigned").await;
    assert_eq!(second.len(), 1);
    let second = second[0]["room_id"].as_str().unwrap().to_owned();

    // Closed again, the client answers 5: stored on that conversation and its contact.
    let closed = call(
        &app,
        Method::POST,
        &format!("/api/v1/conversations/{second}/close"),
        line.staff.token(0),
        None,
    )
    .await;
    assert_eq!(closed.status(), 204);
    line.client_says(&app, 3, 9101, "5").await;
    let done = conversations(&app, &line.admin, "status=closed").await;
    let rated = done
        .iter()
        .find(|c| c["room_id"] == second.as_str())
        .unwrap();
    assert_eq!(rated["rating"], 5);
    assert!(
        conversations(&app, &line.admin, "status=assigned")
            .await
            .is_empty()
    );
    let contact = rated["contact_id"].as_str().unwrap();
    let timeline = timeline_of(&app, &line.admin, contact).await;
    let ratings: Vec<Value> = timeline
        .iter()
        .filter(|e| e["payload"]["event"] == "rated")
        .map(|e| e["payload"]["rating"].clone())
        .collect();
    assert_eq!(ratings, vec![json!(5)]);
    app.stop().await;
}

async fn a_client_message_within_the_reopen_window_reopens_and_a_later_one_starts_anew(
    app: TestApp,
) {
    // Arrange: a ten-minute reopen window, thumbs ratings.
    let line = LineFixture::start(
        &app,
        &["ann"],
        json!({"reopen_minutes": 10, "rating_mode": "thumbs"}),
    )
    .await;
    let mut ann = ChatClient::live(&app, line.staff.token(0)).await;
    line.client_says(&app, 1, 9201, "hi").await;
    let room = ann.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let close = |room: String| {
        let (app, token) = (&app, line.staff.token(0).to_owned());
        async move {
            let response = call(
                app,
                Method::POST,
                &format!("/api/v1/conversations/{room}/close"),
                &token,
                None,
            )
            .await;
            assert_eq!(response.status(), 204);
        }
    };
    close(room.clone()).await;

    // Act + Assert: 👍 answers the rating request; it does not reopen.
    line.client_says(&app, 2, 9201, "👍").await;
    let closed = conversations(&app, &line.admin, "status=closed").await;
    assert_eq!(closed[0]["rating"], 1);
    assert!(
        conversations(&app, &line.admin, "status=queued")
            .await
            .is_empty()
    );
    assert!(
        conversations(&app, &line.admin, "status=assigned")
            .await
            .is_empty()
    );

    // The next message, within the window, reopens the same conversation.
    line.client_says(&app, 3, 9201, "actually, one more question")
        .await;
    let open = conversations(&app, &line.admin, "status=assigned").await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["room_id"], room.as_str());
    close(room.clone()).await;

    // Past the window (the close moved an hour back), a message starts a new conversation.
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query("update conversations set closed_at = closed_at - 3600000 where room_id = $1")
        .bind(&room)
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    line.client_says(&app, 4, 9201, "hello again").await;
    let open = conversations(&app, &line.admin, "status=assigned").await;
    assert_eq!(open.len(), 1);
    assert_ne!(open[0]["room_id"], room.as_str());
    app.stop().await;
}
