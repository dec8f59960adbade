//! Open lines and the CRM end to end: a line that makes a lead or a deal of a new client's
//! first message, an operator linking a conversation to a deal (its history follows until
//! it is unlinked), and bad links refused with nothing written.

use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{LineFixture, call, conversations};
use crate::support::{
    app::{TestApp, error_of},
    chat::ChatClient,
};

crate::on_both_databases!(
    a_line_that_creates_deals_opens_one_for_a_new_client_with_the_conversation_on_its_timeline,
    a_line_that_creates_leads_opens_one_about_the_new_clients_contact,
    a_linked_deal_gets_the_conversations_history_and_new_entries_until_unlinked,
    bad_deal_links_are_refused_and_nothing_is_written,
);

/// GET `path` as `token`, expecting 200.
async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

/// The summaries on a record's timeline (`deals/{id}`, `contacts/{id}`), oldest first.
async fn timeline(app: &TestApp, token: &str, record: &str) -> Vec<String> {
    let page = get_ok(app, &format!("/api/v1/{record}/timeline?limit=200"), token).await;
    let mut summaries: Vec<String> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["summary"].as_str().unwrap().to_owned())
        .collect();
    summaries.reverse();
    summaries
}

/// The one conversation the admin sees, queued or assigned.
async fn only_conversation(app: &TestApp, admin: &str) -> Value {
    let mut all = conversations(app, admin, "status=queued").await;
    all.extend(conversations(app, admin, "status=assigned").await);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

async fn create_deal(app: &TestApp, token: &str, title: &str) -> String {
    let response = app
        .post_json(
            "/api/v1/deals",
            token,
            &json!({"title": title, "currency": "RUB"}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let deal: Value = response.json().await.unwrap();
    deal["id"].as_str().unwrap().to_owned()
}

async fn link(app: &TestApp, token: &str, room: &str, deal: &str) -> reqwest::Response {
    call(
        app,
        Method::PUT,
        &format!("/api/v1/conversations/{room}/deal"),
        token,
        Some(json!({"deal_id": deal})),
    )
    .await
}

async fn a_line_that_creates_deals_opens_one_for_a_new_client_with_the_conversation_on_its_timeline(
    app: TestApp,
) {
    // Arrange: a line set to make deals, in the default pipeline.
    let line = LineFixture::start(
        &app,
        &["ann"],
        json!({"new_client_creates": "deal", "deal_currency": "usd"}),
    )
    .await;
    let admin = &line.admin;
    let settings = get_ok(&app, &format!("/api/v1/lines/{}", line.line), admin).await;
    assert_eq!(
        (
            &settings["new_client_creates"],
            &settings["deal_pipeline_id"],
            &settings["deal_currency"]
        ),
        (&json!("deal"), &Value::Null, &json!("USD"))
    );

    // An open deal board hears of what the line makes.
    let mut board = ChatClient::live(&app, admin).await;
    board
        .send(json!({"type": "crm_subscribe", "ref": "board"}))
        .await;
    board
        .next_matching(|f| f["type"] == "ack" && f["ref"] == "board")
        .await;

    // Act: a new client writes twice.
    line.client_says(&app, 1, 5001, "I want to buy").await;
    line.client_says(&app, 2, 5001, "ten of them").await;

    // Assert: one deal, about the client's contact, in the first open stage.
    let conversation = only_conversation(&app, admin).await;
    assert!(conversation["lead_id"].is_null());
    let deal_id = conversation["deal_id"].as_str().expect("a deal").to_owned();
    let told = board.next_of("crm.changed").await;
    assert_eq!(
        (&told["entity"], &told["change"], &told["id"]),
        (&json!("deal"), &json!("created"), &json!(deal_id))
    );
    let deal = get_ok(&app, &format!("/api/v1/deals/{deal_id}"), admin).await;
    assert_eq!(deal["title"], "Telegram: Client 5001");
    assert_eq!(deal["source"], "telegram");
    assert_eq!(deal["contact_id"], conversation["contact_id"]);
    assert!(deal["responsible_id"].is_null());
    assert_eq!(
        (&deal["amount"], &deal["currency"]),
        (&json!("0.00"), &json!("USD"))
    );
    let pipelines = get_ok(&app, "/api/v1/pipelines", admin).await;
    let default = pipelines
        .as_array()
        .unwrap()
        .iter()
        .find(|pipeline| pipeline["is_default"] == true)
        .unwrap();
    let first_open = default["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|stage| stage["meaning"] == "open")
        .unwrap();
    assert_eq!(deal["pipeline_id"], default["id"]);
    assert_eq!(deal["stage_id"], first_open["id"]);
    let on_deal = timeline(&app, admin, &format!("deals/{deal_id}")).await;
    for expected in ["Conversation opened", "I want to buy", "ten of them"] {
        assert!(on_deal.iter().any(|s| s == expected), "{on_deal:?}");
    }
    let contact = conversation["contact_id"].as_str().unwrap();
    let on_contact = timeline(&app, admin, &format!("contacts/{contact}")).await;
    assert!(
        on_contact.iter().any(|s| s == "ten of them"),
        "{on_contact:?}"
    );

    // A second client gets a deal of their own; the first one's stays the only one for them.
    line.client_says(&app, 3, 5002, "hello").await;
    let mut all = conversations(&app, admin, "status=queued").await;
    all.extend(conversations(&app, admin, "status=assigned").await);
    let deals: Vec<&Value> = all.iter().map(|c| &c["deal_id"]).collect();
    assert_eq!(deals.len(), 2);
    assert_ne!(deals[0], deals[1]);
    assert!(deals.iter().all(|deal| deal.is_string()), "{deals:?}");
    app.stop().await;
}

async fn a_line_that_creates_leads_opens_one_about_the_new_clients_contact(app: TestApp) {
    // Arrange
    let line = LineFixture::start(&app, &["ann"], json!({})).await;
    let admin = &line.admin;
    let changed = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/lines/{}", line.line),
        admin,
        Some(json!({"new_client_creates": "lead"})),
    )
    .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["new_client_creates"], "lead");

    // Act
    line.client_says(&app, 1, 5101, "what does it cost?").await;

    // Assert: a lead about the contact, the message on its timeline, no deal.
    let conversation = only_conversation(&app, admin).await;
    assert!(conversation["deal_id"].is_null());
    let lead_id = conversation["lead_id"].as_str().expect("a lead").to_owned();
    let lead = get_ok(&app, &format!("/api/v1/leads/{lead_id}"), admin).await;
    assert_eq!(
        (
            &lead["title"],
            &lead["name"],
            &lead["source"],
            &lead["status"]
        ),
        (
            &json!("Telegram: Client 5101"),
            &json!("Client 5101"),
            &json!("telegram"),
            &json!("new")
        )
    );
    assert_eq!(lead["contact_id"], conversation["contact_id"]);
    let on_lead = timeline(&app, admin, &format!("leads/{lead_id}")).await;
    assert!(
        on_lead.iter().any(|s| s == "what does it cost?"),
        "{on_lead:?}"
    );
    let deals = get_ok(&app, "/api/v1/deals", admin).await;
    assert_eq!(deals["items"].as_array().unwrap().len(), 0, "{deals}");

    // Act: the lead is converted; then the client writes again.
    let converted = call(
        &app,
        Method::POST,
        &format!("/api/v1/leads/{lead_id}/convert"),
        admin,
        Some(json!({"currency": "RUB", "amount": "1500"})),
    )
    .await;
    assert_eq!(converted.status(), 201);
    let converted: Value = converted.json().await.unwrap();
    let deal_id = converted["deal"]["id"].as_str().unwrap().to_owned();
    line.client_says(&app, 2, 5101, "and with delivery?").await;

    // Assert: the conversation moved to the deal, whose timeline has its whole history.
    let conversation = only_conversation(&app, admin).await;
    assert_eq!(conversation["deal_id"], json!(deal_id));
    let on_deal = timeline(&app, admin, &format!("deals/{deal_id}")).await;
    for said in ["what does it cost?", "and with delivery?"] {
        assert!(on_deal.iter().any(|s| s == said), "{said}: {on_deal:?}");
    }
    app.stop().await;
}

async fn a_linked_deal_gets_the_conversations_history_and_new_entries_until_unlinked(app: TestApp) {
    // Arrange: a line that makes only contacts; Ann online gets the conversation.
    let line = LineFixture::start(&app, &["ann"], json!({})).await;
    let ann_token = line.staff.token(0);
    let mut ann = ChatClient::live(&app, ann_token).await;
    line.client_says(&app, 1, 5201, "first").await;
    let room = ann.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ann.say(&room, "r1", "hello from ann").await;
    let listed = conversations(&app, ann_token, "status=assigned").await;
    assert!(listed[0]["deal_id"].is_null() && listed[0]["lead_id"].is_null());
    let deal = create_deal(&app, ann_token, "Big order").await;
    let deal_path = format!("deals/{deal}");

    // Act: Ann links it.
    let linked = link(&app, ann_token, &room, &deal).await;

    // Assert: the conversation says so, live too, and the deal shows what was said before.
    assert_eq!(linked.status(), 200);
    let linked: Value = linked.json().await.unwrap();
    assert_eq!(
        (&linked["room_id"], &linked["deal_id"]),
        (&json!(room), &json!(deal))
    );
    let live = ann
        .next_matching(|f| {
            f["type"] == "conversation.updated" && f["conversation"]["deal_id"] == deal
        })
        .await;
    assert_eq!(live["conversation"]["room_id"], room);
    let listed = conversations(&app, ann_token, "status=assigned").await;
    assert_eq!(listed[0]["deal_id"], deal);
    let on_deal = timeline(&app, ann_token, &deal_path).await;
    for expected in [
        "Conversation opened",
        "first",
        "hello from ann",
        "Conversation linked to deal",
    ] {
        assert!(on_deal.iter().any(|s| s == expected), "{on_deal:?}");
    }
    // Linking again changes nothing.
    assert_eq!(link(&app, ann_token, &room, &deal).await.status(), 200);
    let again = timeline(&app, ann_token, &deal_path).await;
    assert_eq!(again, on_deal);

    // While linked, new messages go to the deal.
    line.client_says(&app, 2, 5201, "second").await;
    assert!(
        timeline(&app, ann_token, &deal_path)
            .await
            .iter()
            .any(|s| s == "second")
    );

    // Unlinking stops that and keeps what is there.
    let unlinked = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/conversations/{room}/deal"),
        ann_token,
        None,
    )
    .await;
    assert_eq!(unlinked.status(), 200);
    let unlinked: Value = unlinked.json().await.unwrap();
    assert!(unlinked["deal_id"].is_null());
    ann.next_matching(|f| {
        f["type"] == "conversation.updated"
            && f["conversation"]["room_id"] == room
            && f["conversation"]["deal_id"].is_null()
    })
    .await;
    line.client_says(&app, 3, 5201, "third").await;
    ann.say(&room, "r2", "reply after unlinking").await;
    let on_deal = timeline(&app, ann_token, &deal_path).await;
    for kept in ["first", "second", "Conversation unlinked from deal"] {
        assert!(on_deal.iter().any(|s| s == kept), "{on_deal:?}");
    }
    for later in ["third", "reply after unlinking"] {
        assert!(!on_deal.iter().any(|s| s == later), "{on_deal:?}");
    }
    // The contact (the system's, which only the admin sees) has it all.
    let conversation = only_conversation(&app, &line.admin).await;
    let contact = conversation["contact_id"].as_str().unwrap();
    let on_contact = timeline(&app, &line.admin, &format!("contacts/{contact}")).await;
    for expected in [
        "first",
        "Conversation linked to deal",
        "second",
        "Conversation unlinked from deal",
        "third",
    ] {
        assert!(on_contact.iter().any(|s| s == expected), "{on_contact:?}");
    }
    app.stop().await;
}

async fn bad_deal_links_are_refused_and_nothing_is_written(app: TestApp) {
    // Arrange: Ann's conversation; Bob serves the same line; a viewer; Ann's own deal and
    // one of the admin's that Ann does not see.
    let line = LineFixture::start(&app, &["ann", "bob"], json!({})).await;
    let admin = line.admin.clone();
    let ann_token = line.staff.token(0);
    let mut ann = ChatClient::live(&app, ann_token).await;
    line.client_says(&app, 1, 5301, "hi").await;
    let room = ann.next_of("room.created").await["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, viewer) = app.create_user(&admin, "vera", "viewer").await;
    let own = create_deal(&app, ann_token, "Ann's deal").await;
    let hidden = create_deal(&app, &admin, "Admin's deal").await;

    // Act + Assert
    let unknown = "0190f0e8-0000-7000-8000-000000000000";
    let (status, code, body) = error_of(link(&app, ann_token, &room, unknown).await).await;
    assert_eq!(
        (status.as_u16(), code.as_str()),
        (404, "not_found"),
        "{body}"
    );
    assert!(
        body["error"]["message"].as_str().unwrap().contains("deal"),
        "{body}"
    );
    let (status, code, body) = error_of(link(&app, ann_token, &room, &hidden).await).await;
    assert_eq!(
        (status.as_u16(), code.as_str()),
        (404, "not_found"),
        "{body}"
    );
    assert!(
        body["error"]["message"].as_str().unwrap().contains("deal"),
        "{body}"
    );
    let (status, _, body) = error_of(link(&app, line.staff.token(1), &room, &own).await).await;
    assert_eq!(status, 403, "{body}");
    let (status, _, body) = error_of(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v1/conversations/{room}/deal"),
            line.staff.token(1),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, _, body) = error_of(link(&app, &viewer, &room, &own).await).await;
    assert_eq!(status, 403, "{body}");
    let (status, _, body) = error_of(link(&app, ann_token, &room, "not-an-id").await).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("deal_id"), "{body}");
    let (status, _, body) = error_of(
        link(
            &app,
            ann_token,
            "0190f0e8-0000-7000-8000-000000000001",
            &own,
        )
        .await,
    )
    .await;
    assert_eq!(status, 404, "{body}");

    // Nothing was written: no link, nothing on either deal's timeline.
    let conversation = only_conversation(&app, &admin).await;
    assert!(conversation["deal_id"].is_null(), "{conversation}");
    assert!(
        timeline(&app, ann_token, &format!("deals/{own}"))
            .await
            .is_empty()
    );
    assert!(
        timeline(&app, &admin, &format!("deals/{hidden}"))
            .await
            .is_empty()
    );
    let contact = conversation["contact_id"].as_str().unwrap();
    let on_contact = timeline(&app, &admin, &format!("contacts/{contact}")).await;
    assert!(
        !on_contact
            .iter()
            .any(|s| s.starts_with("Conversation linked")),
        "{on_contact:?}"
    );
    app.stop().await;
}
