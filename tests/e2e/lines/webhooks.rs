//! What the Telegram webhook refuses: malformed bodies and channels that do not exist — with
//! nothing stored.

use serde_json::{Value, json};

use crate::support::{
    app::{TestApp, error_of},
    telegram::TelegramEmulator,
};

const TOKEN: &str = "777:HOOK";

crate::on_both_databases!(
    a_malformed_update_is_400_and_stores_nothing,
    an_unknown_channel_is_404,
);

async fn telegram_channel(app: &TestApp, emulator: &TelegramEmulator) -> String {
    let admin = app.admin_token().await;
    let line: Value = app
        .post_json("/api/v1/lines", &admin, &json!({"name": "Hooks"}))
        .await
        .json()
        .await
        .unwrap();
    let channel: Value = app
        .post_json(
            "/api/v1/channels/telegram",
            &admin,
            &json!({"line_id": line["id"], "token": TOKEN, "api_url": emulator.url}),
        )
        .await
        .json()
        .await
        .unwrap();
    channel["webhook_path"].as_str().unwrap().to_owned()
}

async fn post_raw(app: &TestApp, path: &str, body: &str) -> reqwest::Response {
    app.http
        .post(app.url(path))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

async fn a_malformed_update_is_400_and_stores_nothing(app: TestApp) {
    let emulator = TelegramEmulator::start();
    let webhook = telegram_channel(&app, &emulator).await;

    let broken = post_raw(&app, &webhook, r#"{"update_id": 5, "message": {"text": "#).await;
    let wrong_shape = post_raw(&app, &webhook, r#"{"update_id": "five"}"#).await;

    for response in [broken, wrong_shape] {
        let (status, code, body) = error_of(response).await;
        assert_eq!(
            (status.as_u16(), code.as_str()),
            (400, "malformed_update"),
            "{body}"
        );
    }
    let admin = app.admin_token().await;
    let queued: Value = app
        .get("/api/v1/conversations?status=queued", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queued, json!([]));
    app.stop().await;
}

async fn an_unknown_channel_is_404(app: TestApp) {
    let update = r#"{"update_id": 1, "message": {"message_id": 1, "date": 1700000000,
        "chat": {"id": 9, "type": "private"}, "from": {"id": 9, "first_name": "X", "is_bot": false}, "text": "hi"}}"#;

    let never_existed = post_raw(
        &app,
        "/webhooks/telegram/01a2203a-9f14-7240-8cc1-41c62459052e",
        update,
    )
    .await;
    let not_an_id = post_raw(&app, "/webhooks/telegram/not-a-channel", update).await;

    for response in [never_existed, not_an_id] {
        let (status, code, body) = error_of(response).await;
        assert_eq!(
            (status.as_u16(), code.as_str()),
            (404, "not_found"),
            "{body}"
        );
    }
    app.stop().await;
}
