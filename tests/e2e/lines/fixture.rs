//! A line with a Telegram bot (the emulator), its operators and supervisors, and the calls
//! the open-lines tests make: the client writing through the webhook, REST as staff.

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::{
    chat::Staff,
    support::{app::TestApp, telegram::TelegramEmulator},
};

pub const TOKEN: &str = "123:ABC";

pub struct LineFixture {
    pub emulator: TelegramEmulator,
    pub admin: String,
    pub staff: Staff,
    pub line: String,
    pub webhook: String,
}

impl LineFixture {
    /// A line served by `operators` (created as users) with the settings in `line`
    /// (`operators` filled in) and a bot connected to it.
    pub async fn start(app: &TestApp, operators: &[&str], mut line: Value) -> Self {
        let emulator = TelegramEmulator::start();
        let staff = Staff::hire(app, operators).await;
        let admin = app.admin_token().await;
        line["operators"] = json!(staff.people.iter().map(|(id, _)| id).collect::<Vec<_>>());
        if line.get("name").is_none() {
            line["name"] = json!("Support");
        }
        let created = app.post_json("/api/v1/lines", &admin, &line).await;
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.unwrap();
        let channel: Value = app
            .post_json(
                "/api/v1/channels/telegram",
                &admin,
                &json!({"line_id": created["id"], "token": TOKEN, "api_url": emulator.url}),
            )
            .await
            .json()
            .await
            .unwrap();
        Self {
            webhook: app.url(channel["webhook_path"].as_str().unwrap()),
            line: created["id"].as_str().unwrap().to_owned(),
            emulator,
            admin,
            staff,
        }
    }

    /// Client `chat` writes `text` as Telegram update `update_id`.
    pub async fn client_says(&self, app: &TestApp, update_id: i64, chat: i64, text: &str) {
        let update = json!({"update_id": update_id, "message": {"message_id": update_id,
            "date": 1_700_000_000, "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "first_name": format!("Client {chat}"), "is_bot": false},
            "text": text}});
        let response = app
            .http
            .post(&self.webhook)
            .json(&update)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    /// What the bot sent to `chat`, waiting up to five seconds for `count` messages.
    pub async fn bot_sent(&self, chat: i64, count: usize) -> Vec<String> {
        let mut sent = Vec::new();
        for _ in 0..50 {
            sent = self.emulator.bot_messages(TOKEN, chat).await;
            if sent.len() >= count {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        sent
    }
}

/// Any REST call as `token`.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Response {
    let mut request = app.http.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// A conversation list as `token` (`status=assigned`, `status=queued&label=vip`, …).
pub async fn conversations(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let list: Value = app
        .get(&format!("/api/v1/conversations?{query}"), token)
        .await
        .json()
        .await
        .unwrap();
    list.as_array().unwrap().clone()
}

/// A room's messages as `token`, oldest first.
pub async fn history(app: &TestApp, token: &str, room: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/api/v1/rooms/{room}/messages"), token)
        .await
        .json()
        .await
        .unwrap();
    page.as_array().unwrap().clone()
}
