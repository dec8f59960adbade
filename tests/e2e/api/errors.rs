//! Bad input: every error carries the JSON envelope and nothing is written.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::app::{TestApp, TestOptions, error_of};

async fn user_count(app: &TestApp, admin: &str) -> usize {
    let users: Value = app.get("/api/v1/users", admin).await.json().await.unwrap();
    users.as_array().unwrap().len()
}

#[tokio::test]
async fn malformed_json_is_400_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let response = app
        .http
        .post(app.url("/api/v1/users"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(r#"{"login": "x", "display_name": "#)
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    assert_eq!(user_count(&app, &admin).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_missing_field_is_422_naming_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let response = app
        .post_json(
            "/api/v1/users",
            &admin,
            &json!({"login": "lena", "role": "viewer"}),
        )
        .await;
    let (status, code, body) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
    );
    assert_eq!(body["error"]["fields"]["display_name"], "is required");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("display_name")
    );
    assert_eq!(user_count(&app, &admin).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_422_naming_it() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": 5, "password": "x"}))
        .send()
        .await
        .unwrap();
    let (status, _, body) = error_of(response).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["login"].is_string(), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_route_is_404_with_the_envelope() {
    let app = TestApp::spawn().await;
    let (status, code, _) = error_of(
        app.http
            .get(app.url("/api/v1/no-such-thing"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    // Other paths without an extension serve the web app (its own routes); a missing file
    // is still a 404.
    let (status, _, _) = error_of(
        app.http
            .get(app.url("/nothing/here.txt"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_method_is_405_with_the_envelope() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .delete(app.url("/api/v1/auth/login"))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("allow").is_some());
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_creates_nothing() {
    let app = TestApp::spawn_with(TestOptions {
        configure: |settings| settings.http.body_limit_bytes = 4096,
        ..TestOptions::default()
    })
    .await
    .unwrap();
    let admin = app.admin_token().await;
    let huge = "x".repeat(8192);
    let response = app
        .post_json(
            "/api/v1/users",
            &admin,
            &json!({"login": "big", "display_name": huge, "role": "viewer"}),
        )
        .await;
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    // Without a Content-Length the limit still holds while streaming.
    let chunks =
        futures_util::stream::iter((0..8).map(|_| Ok::<_, std::io::Error>(vec![b' '; 1024])));
    let streamed = app
        .http
        .post(app.url("/api/v1/users"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(streamed).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(user_count(&app, &admin).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_malformed_id_in_the_path_is_422() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (status, _, body) = error_of(app.get("/api/v1/users/not-a-uuid", &admin).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["user"].is_string(), "{body}");
    let missing = app
        .get(&format!("/api/v1/users/{}", uuid::Uuid::now_v7()), &admin)
        .await;
    assert_eq!(error_of(missing).await.0, StatusCode::NOT_FOUND);
    app.stop().await;
}
