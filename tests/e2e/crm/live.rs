//! CRM screens kept live: a connection that sent `crm_subscribe` hears of every deal
//! created, changed or deleted as a `crm.changed` frame naming only the deal, and reads it
//! again under its own visibility; one that did not, or that unsubscribed, hears nothing.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Org, delete, get_json, id, patch};
use crate::support::{app::TestApp, chat::ChatClient};

crate::on_both_databases!(deal_changes_reach_subscribed_screens_as_ids_only,);

async fn subscribed(app: &TestApp, token: &str) -> ChatClient {
    let mut client = ChatClient::live(app, token).await;
    client
        .send(json!({"type": "crm_subscribe", "ref": "crm"}))
        .await;
    let ack = client
        .next_matching(|f| f["type"] == "ack" && f["ref"] == "crm")
        .await;
    assert_eq!(ack["crm"], true);
    client
}

async fn next_change(client: &mut ChatClient) -> Value {
    client.next_of("crm.changed").await
}

fn crm_frames(frames: &[Value]) -> Vec<&Value> {
    frames
        .iter()
        .filter(|f| f["type"] == "crm.changed")
        .collect()
}

async fn deal_changes_reach_subscribed_screens_as_ids_only(app: TestApp) {
    let org = Org::hire(&app).await;
    let mut supervisor = subscribed(&app, &org.supervisor.token).await;
    let mut agent = subscribed(&app, &org.agent.token).await;
    let mut chat_only = ChatClient::live(&app, &org.seller.token).await;

    let pipeline =
        get_json(&app, "/api/v1/pipelines", &org.seller.token, StatusCode::OK).await[0].clone();
    let stages: Vec<String> = pipeline["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    let response = app
        .post_json(
            "/api/v1/deals",
            &org.seller.token,
            &json!({"title": "Поставка плитки", "amount": "150000", "currency": "RUB"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let deal: Value = response.json().await.unwrap();
    let deal_id = id(&deal);

    let created = next_change(&mut supervisor).await;
    assert_eq!(created["entity"], "deal");
    assert_eq!(created["change"], "created");
    assert_eq!(created["id"], deal_id.as_str());
    assert_eq!(created["pipeline_id"], pipeline["id"]);
    assert!(
        created.get("title").is_none() && created.get("amount").is_none(),
        "the frame names the deal only: {created}"
    );
    // The seller's head reads it; the support agent hears of it but may not read it.
    let read = get_json(
        &app,
        &format!("/api/v1/deals/{deal_id}"),
        &org.supervisor.token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["title"], "Поставка плитки");
    assert_eq!(next_change(&mut agent).await["id"], deal_id.as_str());
    get_json(
        &app,
        &format!("/api/v1/deals/{deal_id}"),
        &org.agent.token,
        StatusCode::NOT_FOUND,
    )
    .await;
    // A board reads what it was told about in one list request; what it may not see is
    // simply absent.
    let unknown = "00000000-0000-7000-8000-000000000001";
    let batch = format!("/api/v1/deals?ids={deal_id},{unknown}");
    let seen = get_json(&app, &batch, &org.supervisor.token, StatusCode::OK).await;
    assert_eq!(super::ids(&seen["items"]), vec![deal_id.clone()]);
    let unseen = get_json(&app, &batch, &org.agent.token, StatusCode::OK).await;
    assert_eq!(unseen["items"], json!([]));
    let bad = get_json(
        &app,
        "/api/v1/deals?ids=not-an-id",
        &org.supervisor.token,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(bad["error"]["fields"]["ids"].is_string(), "{bad}");

    let moved = patch(
        &app,
        &format!("/api/v1/deals/{deal_id}"),
        &org.seller.token,
        &json!({"stage_id": stages[1]}),
    )
    .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let updated = next_change(&mut supervisor).await;
    assert_eq!(updated["change"], "updated");
    assert_eq!(updated["id"], deal_id.as_str());

    // A refused change tells nobody.
    let refused = patch(
        &app,
        &format!("/api/v1/deals/{deal_id}"),
        &org.seller.token,
        &json!({"stage_id": "00000000-0000-7000-8000-000000000000"}),
    )
    .await;
    assert!(refused.status().is_client_error());

    agent
        .send(json!({"type": "crm_unsubscribe", "ref": "off"}))
        .await;
    agent
        .next_matching(|f| f["type"] == "ack" && f["ref"] == "off")
        .await;
    let _ = agent.drain(Duration::from_millis(200)).await;

    let gone = delete(&app, &format!("/api/v1/deals/{deal_id}"), &org.seller.token).await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let deleted = next_change(&mut supervisor).await;
    assert_eq!(deleted["change"], "deleted");
    assert_eq!(deleted["id"], deal_id.as_str());
    assert_eq!(deleted["pipeline_id"], Value::Null);

    let after_refusal = supervisor.drain(Duration::from_millis(300)).await;
    assert!(
        crm_frames(&after_refusal).is_empty(),
        "only the three accepted changes were told: {after_refusal:?}"
    );
    let unsubscribed = agent.drain(Duration::from_millis(300)).await;
    assert!(
        crm_frames(&unsubscribed).is_empty(),
        "no frames after crm_unsubscribe: {unsubscribed:?}"
    );
    let never = chat_only.drain(Duration::from_millis(300)).await;
    assert!(
        crm_frames(&never).is_empty(),
        "a connection that did not subscribe hears nothing: {never:?}"
    );
}
