//! The inbox rows: a conversation listed with its channel, line, newest message and the CRM
//! contact holding the client's channel identity — only when the caller may see that contact.

use serde_json::{Value, json};

use super::telegram::{TOKEN, line_with_bot, offer_all_line};
use crate::support::{app::TestApp, chat::ChatClient, telegram::TelegramEmulator};

crate::on_both_databases!(
    an_inbox_row_shows_the_channel_the_newest_message_and_the_visible_contact,
    a_new_queued_conversation_is_announced_to_the_line_operators,
);

async fn assigned(app: &TestApp, token: &str) -> Vec<Value> {
    let response = app
        .get("/api/v1/conversations?status=assigned", token)
        .await;
    assert_eq!(response.status(), 200);
    response
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

async fn an_inbox_row_shows_the_channel_the_newest_message_and_the_visible_contact(app: TestApp) {
    // Arrange: a contact that is someone else's, then one the operator is responsible for.
    let emulator = TelegramEmulator::start();
    let (staff, line, webhook) = line_with_bot(&app, &emulator, "").await;
    emulator.set_webhook(TOKEN, &webhook).await;
    let mut olga = ChatClient::live(&app, staff.token(0)).await;
    let admin = app.admin_token().await;

    // Act: the client writes twice.
    emulator
        .client_says(TOKEN, 601, "Вера", "Добрый день")
        .await;
    olga.next_of("room.created").await;
    emulator
        .client_says(TOKEN, 601, "Вера", "Есть вопрос")
        .await;
    olga.next_matching(|f| f["type"] == "message.created" && f["message"]["body"] == "Есть вопрос")
        .await;

    // Assert: the row names the channel and line and previews the newest message; the
    // contact is not one the operator may see.
    let rows = assigned(&app, staff.token(0)).await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row["channel_kind"], "telegram");
    assert_eq!(row["line_id"], line.as_str());
    assert_eq!(row["line_name"], "Support");
    assert_eq!(row["client_name"], "Вера");
    assert_eq!(row["last_message"]["body"], "Есть вопрос");
    assert!(row["contact_id"].is_null());

    // The client's first message made a contact holding the identity; nobody is responsible
    // for it, so the operator does not see it and the admin does.
    let contact = assigned(&app, &admin).await[0]["contact_id"].clone();
    assert!(contact.is_string(), "the admin sees the client's contact");
    let contact = json!({"id": contact});

    // Act: the operator becomes responsible for the contact.
    let patch = app
        .http
        .patch(app.url(&format!(
            "/api/v1/contacts/{}",
            contact["id"].as_str().unwrap()
        )))
        .bearer_auth(&admin)
        .json(&json!({"responsible_id": staff.id(0)}))
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), 200);
    // Assert
    assert_eq!(
        assigned(&app, staff.token(0)).await[0]["contact_id"],
        contact["id"]
    );
    app.stop().await;
}

async fn a_new_queued_conversation_is_announced_to_the_line_operators(app: TestApp) {
    // Arrange: an offer-to-all line, so the conversation stays queued.
    let emulator = TelegramEmulator::start();
    let staff = crate::chat::Staff::hire(&app, &["olga", "petr"]).await;
    let (line, webhook) = offer_all_line(&app, &emulator, staff.id(0)).await;
    emulator.set_webhook(TOKEN, &webhook).await;
    let mut olga = ChatClient::live(&app, staff.token(0)).await;
    let mut petr = ChatClient::live(&app, staff.token(1)).await;

    // Act
    emulator
        .client_says(TOKEN, 701, "Ира", "Здравствуйте")
        .await;

    // Assert: the line's operator learns of it live; someone not on the line does not.
    let queued = olga.next_of("conversation.updated").await;
    assert_eq!(queued["conversation"]["status"], "queued");
    assert_eq!(queued["conversation"]["client_name"], "Ира");
    assert_eq!(queued["conversation"]["line_id"], line["id"]);
    let seen = petr.drain(std::time::Duration::from_millis(500)).await;
    assert!(
        seen.iter()
            .all(|frame| frame["type"] != "conversation.updated"),
        "{seen:?}"
    );
    app.stop().await;
}
