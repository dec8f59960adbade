//! Attachments end to end: upload into the media folder, download with the right headers,
//! messages that carry them, who may download, size and type limits, deduplication.

use std::path::{Path, PathBuf};

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use super::{Staff, create_room};
use crate::support::{
    app::{TestApp, TestOptions, error_of},
    chat::ChatClient,
};

crate::on_both_databases!(
    an_upload_downloads_with_its_bytes_type_and_encoded_name,
    a_message_with_an_attachment_reaches_the_other_member_with_its_metadata,
    only_the_uploader_and_readers_of_a_room_where_it_was_sent_may_download,
    sending_someone_elses_attachment_is_rejected,
    identical_content_is_stored_once,
);

const REPORT: &[u8] = b"%PDF-1.4 quarterly report\n";
const REPORT_SHA256: &str = "a2d8bc4b71a8bda6664083d9e651006735f3f2de5ac2ec666da6680ec3ec898d";
const REPORT_NAME: &str = "Отчёт за квартал.pdf";
const REPORT_NAME_ENCODED: &str = "%D0%9E%D1%82%D1%87%D1%91%D1%82%20%D0%B7%D0%B0%20%D0%BA%D0%B2%D0%B0%D1%80%D1%82%D0%B0%D0%BB.pdf";

async fn upload(app: &TestApp, token: &str, name: &str, kind: &str, bytes: &[u8]) -> Response {
    app.http
        .post(app.url(&format!("/api/v1/attachments?name={name}")))
        .bearer_auth(token)
        .header("content-type", kind)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

/// Uploads the report as `token` and returns the attachment JSON.
async fn upload_report(app: &TestApp, token: &str) -> Value {
    let response = upload(app, token, REPORT_NAME_ENCODED, "application/pdf", REPORT).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn download(app: &TestApp, token: &str, id: &Value) -> Response {
    app.get(
        &format!("/api/v1/attachments/{}", id.as_str().unwrap()),
        token,
    )
    .await
}

/// Every file in the app's media folder, temporary ones included.
fn stored_files(app: &TestApp) -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&app.state.settings.media.dir, &mut found);
    found
}

async fn an_upload_downloads_with_its_bytes_type_and_encoded_name(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna"]).await;
    // Act
    let attachment = upload_report(&app, staff.token(0)).await;
    let response = download(&app, staff.token(0), &attachment["id"]).await;
    // Assert
    assert_eq!(attachment["file_name"], REPORT_NAME);
    assert_eq!(attachment["sha256"], REPORT_SHA256);
    assert_eq!(
        (
            attachment["size_bytes"].as_u64(),
            attachment["content_type"].as_str()
        ),
        (Some(REPORT.len() as u64), Some("application/pdf"))
    );
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("content-length"), REPORT.len().to_string());
    let disposition = header("content-disposition");
    assert!(disposition.starts_with("attachment; "), "{disposition}");
    assert!(
        disposition.ends_with(&format!("filename*=UTF-8''{REPORT_NAME_ENCODED}")),
        "{disposition}"
    );
    assert_eq!(response.bytes().await.unwrap(), REPORT);
    // An image named by Content-Disposition is offered inline.
    let image = app
        .http
        .post(app.url("/api/v1/attachments"))
        .bearer_auth(staff.token(0))
        .header("content-type", "image/png")
        .header(
            "content-disposition",
            "attachment; filename*=UTF-8''%D1%84%D0%BE%D1%82%D0%BE.png",
        )
        .body(b"\x89PNG not really".to_vec())
        .send()
        .await
        .unwrap();
    let image: Value = image.json().await.unwrap();
    assert_eq!(image["file_name"], "фото.png");
    let shown = download(&app, staff.token(0), &image["id"]).await;
    let disposition = shown.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("inline; "), "{disposition}");
    app.stop().await;
}

async fn a_message_with_an_attachment_reaches_the_other_member_with_its_metadata(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "ops", &[staff.id(1)], false).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    let attachment = upload_report(&app, staff.token(0)).await;
    // Act: no body, only the attachment.
    let sent = app
        .post_json(
            &format!("/api/v1/rooms/{group}/messages"),
            staff.token(0),
            &json!({"attachments": [attachment["id"]]}),
        )
        .await;
    // Assert
    assert_eq!(sent.status(), StatusCode::CREATED);
    let expected = json!([{
        "id": attachment["id"],
        "file_name": REPORT_NAME,
        "content_type": "application/pdf",
        "size_bytes": REPORT.len(),
    }]);
    let frame = boris.next_of("message.created").await;
    assert_eq!(frame["message"]["attachments"], expected);
    assert_eq!(frame["message"]["body"], "");
    let fetched = download(&app, staff.token(1), &attachment["id"]).await;
    assert_eq!(fetched.status(), StatusCode::OK);
    assert_eq!(fetched.bytes().await.unwrap(), REPORT);
    // The websocket `send` frame takes attachments too.
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    anna.send(json!({"type": "send", "room_id": group, "client_id": "c1", "body": "again", "attachments": [attachment["id"]]}))
        .await;
    let ack = anna
        .next_matching(|f| f["type"] == "ack" && f["ref"] == "c1")
        .await;
    assert_eq!(ack["message"]["attachments"], expected);
    app.stop().await;
}

async fn only_the_uploader_and_readers_of_a_room_where_it_was_sent_may_download(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna", "boris", "carl"]).await;
    let group = create_room(&app, staff.token(0), "group", "ops", &[staff.id(1)], false).await;
    let channel = create_room(&app, staff.token(0), "channel", "news", &[], false).await;
    let in_group = upload_report(&app, staff.token(0)).await;
    let unsent = upload(&app, staff.token(0), "draft.txt", "text/plain", b"draft").await;
    let unsent: Value = unsent.json().await.unwrap();
    let in_channel = upload(&app, staff.token(0), "news.txt", "text/plain", b"news").await;
    let in_channel: Value = in_channel.json().await.unwrap();
    for (room, attachment) in [(&group, &in_group), (&channel, &in_channel)] {
        let sent = app
            .post_json(
                &format!("/api/v1/rooms/{room}/messages"),
                staff.token(0),
                &json!({"body": "see attached", "attachments": [attachment["id"]]}),
            )
            .await;
        assert_eq!(sent.status(), StatusCode::CREATED);
    }
    // Act
    let status = |response: Response| response.status();
    let carl_group = status(download(&app, staff.token(2), &in_group["id"]).await);
    let boris_unsent = status(download(&app, staff.token(1), &unsent["id"]).await);
    let carl_channel = status(download(&app, staff.token(2), &in_channel["id"]).await);
    let anna_unsent = status(download(&app, staff.token(0), &unsent["id"]).await);
    let unknown = download(
        &app,
        staff.token(0),
        &json!(uuid::Uuid::now_v7().to_string()),
    )
    .await;
    // Assert: outside the group, or before sending, the file does not exist for you.
    assert_eq!(carl_group, StatusCode::NOT_FOUND);
    assert_eq!(boris_unsent, StatusCode::NOT_FOUND);
    assert_eq!(
        carl_channel,
        StatusCode::OK,
        "anyone reads a public channel"
    );
    assert_eq!(anna_unsent, StatusCode::OK, "the uploader always may");
    let (status, code, _) = error_of(unknown).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    app.stop().await;
}

async fn sending_someone_elses_attachment_is_rejected(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "ops", &[staff.id(1)], false).await;
    let borises = upload_report(&app, staff.token(1)).await;
    let path = format!("/api/v1/rooms/{group}/messages");
    // Act
    let foreign = app
        .post_json(
            &path,
            staff.token(0),
            &json!({"attachments": [borises["id"]]}),
        )
        .await;
    let unknown = app
        .post_json(
            &path,
            staff.token(0),
            &json!({"attachments": [uuid::Uuid::now_v7()]}),
        )
        .await;
    let malformed = app
        .post_json(&path, staff.token(0), &json!({"attachments": ["x"]}))
        .await;
    let empty = app.post_json(&path, staff.token(0), &json!({})).await;
    // Assert
    for response in [foreign, unknown, malformed] {
        let (status, _, body) = error_of(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["error"]["fields"]["attachments"].is_string(), "{body}");
    }
    let (status, _, body) = error_of(empty).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let history: Value = app.get(&path, staff.token(0)).await.json().await.unwrap();
    assert_eq!(history, json!([]));
    app.stop().await;
}

async fn identical_content_is_stored_once(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    // Act
    let first = upload_report(&app, staff.token(0)).await;
    let second = upload_report(&app, staff.token(1)).await;
    // Assert: two uploads, one file.
    assert_ne!(first["id"], second["id"]);
    assert_eq!(first["sha256"], second["sha256"]);
    let files = stored_files(&app);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with(format!("a2/d8/{REPORT_SHA256}")));
    for (n, attachment) in [first, second].iter().enumerate() {
        let response = download(&app, staff.token(n), &attachment["id"]).await;
        assert_eq!(response.bytes().await.unwrap(), REPORT);
    }
    app.stop().await;
}

/// Size and type limits do not depend on the database: SQLite only.
#[tokio::test]
async fn an_oversize_or_disallowed_upload_is_refused_and_stores_nothing() {
    // Arrange: JSON bodies are limited to 4 KiB, uploads to 16 KiB.
    let app = TestApp::spawn_with(TestOptions {
        configure: |settings| {
            settings.http.body_limit_bytes = 4096;
            settings.media.max_upload_bytes = 16 * 1024;
        },
        ..TestOptions::default()
    })
    .await
    .unwrap();
    let staff = Staff::hire(&app, &["anna"]).await;
    let token = staff.token(0);
    // Act
    let declared = upload(&app, token, "big.txt", "text/plain", &[b'x'; 20 * 1024]).await;
    let chunks =
        futures_util::stream::iter((0..20).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 1024])));
    let streamed = app
        .http
        .post(app.url("/api/v1/attachments?name=big.txt"))
        .bearer_auth(token)
        .header("content-type", "text/plain")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    let program = upload(&app, token, "run.exe", "application/x-msdownload", b"MZ").await;
    let untyped = app
        .http
        .post(app.url("/api/v1/attachments?name=x"))
        .bearer_auth(token)
        .body(b"x".to_vec())
        .send()
        .await
        .unwrap();
    // Assert
    for response in [declared, streamed] {
        let (status, code, _) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        );
    }
    for response in [program, untyped] {
        let (status, code, _) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
        );
    }
    assert_eq!(stored_files(&app), Vec::<PathBuf>::new());
    // Above the JSON limit but within the upload limit is accepted.
    let fits = upload(&app, token, "fits.txt", "text/plain", &[b'y'; 12 * 1024]).await;
    assert_eq!(fits.status(), StatusCode::CREATED);
    assert_eq!(stored_files(&app).len(), 1);
    app.stop().await;
}
