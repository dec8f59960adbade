//! Presence across tabs: online while any tab is active, away when all are idle, offline
//! when the last one closes — seen live by colleagues and over REST.

use serde_json::Value;

use super::Staff;
use crate::support::{app::TestApp, chat::ChatClient};

crate::on_both_databases!(a_colleague_sees_online_away_and_offline_across_two_tabs);

async fn status_over_rest(app: &TestApp, token: &str, user: &str) -> String {
    let body: Value = app
        .get(&format!("/api/v1/presence?user_ids={user}"), token)
        .await
        .json()
        .await
        .unwrap();
    body["statuses"][user].as_str().unwrap().to_owned()
}

async fn next_status(client: &mut ChatClient, user: &str) -> String {
    let event = client
        .next_matching(|f| f["type"] == "presence" && f["user_id"] == user)
        .await;
    event["status"].as_str().unwrap().to_owned()
}

async fn a_colleague_sees_online_away_and_offline_across_two_tabs(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let boris = staff.id(1).to_owned();
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    assert_eq!(
        status_over_rest(&app, staff.token(0), &boris).await,
        "offline"
    );

    let mut tab_1 = ChatClient::live(&app, staff.token(1)).await;
    assert_eq!(next_status(&mut anna, &boris).await, "online");
    let mut tab_2 = ChatClient::live(&app, staff.token(1)).await;

    tab_1
        .send(serde_json::json!({"type": "presence", "status": "away"}))
        .await;
    tab_2
        .send(serde_json::json!({"type": "presence", "status": "away"}))
        .await;
    assert_eq!(next_status(&mut anna, &boris).await, "away");
    assert_eq!(status_over_rest(&app, staff.token(0), &boris).await, "away");

    tab_2
        .send(serde_json::json!({"type": "presence", "status": "online"}))
        .await;
    assert_eq!(next_status(&mut anna, &boris).await, "online");

    // The server may see the active tab go first, which briefly leaves Boris away.
    tab_1.close().await;
    tab_2.close().await;
    anna.next_matching(|f| {
        f["type"] == "presence" && f["user_id"] == boris.as_str() && f["status"] == "offline"
    })
    .await;
    assert_eq!(
        status_over_rest(&app, staff.token(0), &boris).await,
        "offline"
    );
    app.stop().await;
}
