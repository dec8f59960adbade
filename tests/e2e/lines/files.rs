//! Files both ways: what a client sends through Telegram lands in Switchboard's media store
//! and downloads from there; what an operator attaches reaches the client as a file.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    chat::Staff,
    support::{app::TestApp, chat::ChatClient, telegram::TelegramEmulator},
};

const TOKEN: &str = "555:FILES";
const CONTRACT: &[u8] = b"%PDF-1.4\n% signed contract\n";

crate::on_both_databases!(
    a_document_from_the_client_is_stored_and_downloadable,
    an_operator_attachment_reaches_the_client_as_a_file,
);

/// A line served by one live operator, with the emulator's bot connected by webhook.
async fn served_line(app: &TestApp, emulator: &TelegramEmulator) -> (Staff, ChatClient) {
    let staff = Staff::hire(app, &["irina"]).await;
    let admin = app.admin_token().await;
    let line: Value = app
        .post_json(
            "/api/v1/lines",
            &admin,
            &json!({"name": "Files", "operators": [staff.id(0)]}),
        )
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
    emulator
        .set_webhook(TOKEN, &app.url(channel["webhook_path"].as_str().unwrap()))
        .await;
    let irina = ChatClient::live(app, staff.token(0)).await;
    (staff, irina)
}

async fn history(app: &TestApp, token: &str, room: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/api/v1/rooms/{room}/messages"), token)
        .await
        .json()
        .await
        .unwrap();
    page.as_array().unwrap().clone()
}

async fn a_document_from_the_client_is_stored_and_downloadable(app: TestApp) {
    // Arrange
    let emulator = TelegramEmulator::start();
    let (staff, mut irina) = served_line(&app, &emulator).await;
    let file_id = emulator
        .upload_file(CONTRACT, "договор.pdf", "application/pdf")
        .await;

    // Act: the client sends the document with a caption.
    emulator
        .client_sends(
            TOKEN,
            601,
            "Олег",
            json!({"caption": "Подписанный договор",
                "document": {"file_id": file_id, "file_unique_id": file_id, "file_name": "договор.pdf",
                    "mime_type": "application/pdf", "file_size": CONTRACT.len()}}),
        )
        .await;

    // Assert: the message carries a stored attachment the operator downloads from us.
    let created = irina.next_of("room.created").await;
    let room = created["room"]["id"].as_str().unwrap();
    let messages = history(&app, staff.token(0), room).await;
    assert_eq!(messages[0]["body"], "Подписанный договор");
    let attachment = &messages[0]["attachments"][0];
    assert_eq!(attachment["file_name"], "договор.pdf");
    assert_eq!(attachment["content_type"], "application/pdf");
    assert_eq!(attachment["size_bytes"], CONTRACT.len());
    let download = app
        .get(
            &format!("/api/v1/attachments/{}", attachment["id"].as_str().unwrap()),
            staff.token(0),
        )
        .await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), CONTRACT);
    app.stop().await;
}

async fn an_operator_attachment_reaches_the_client_as_a_file(app: TestApp) {
    // Arrange: a conversation assigned to Irina.
    let emulator = TelegramEmulator::start();
    let (staff, mut irina) = served_line(&app, &emulator).await;
    emulator
        .client_says(TOKEN, 602, "Пётр", "Пришлите счёт")
        .await;
    let created = irina.next_of("room.created").await;
    let room = created["room"]["id"].as_str().unwrap().to_owned();
    let uploaded: Value = app
        .http
        .post(app.url("/api/v1/attachments?name=invoice.pdf"))
        .bearer_auth(staff.token(0))
        .header("content-type", "application/pdf")
        .body(CONTRACT.to_vec())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Act: she answers with the file and a caption.
    irina
        .send(
            json!({"type": "send", "room_id": room, "client_id": "f1", "body": "Счёт во вложении",
            "attachments": [uploaded["id"]]}),
        )
        .await;

    // Assert: sent; the client got a document with the caption and the same bytes.
    let status = irina.next_of("message.status").await;
    assert_eq!(status["status"], "sent", "{status}");
    let mut sent = Vec::new();
    for _ in 0..50 {
        sent = emulator.bot_sent(TOKEN, 602).await;
        if !sent.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["caption"], "Счёт во вложении");
    assert_eq!(sent[0]["document"]["file_name"], "invoice.pdf");
    let file_id = sent[0]["document"]["file_id"].as_str().unwrap();
    assert_eq!(emulator.file_bytes(TOKEN, file_id).await, CONTRACT);
    app.stop().await;
}
