//! Administering accounts and departments over the API, and who may do it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::app::{TestApp, error_of};

#[tokio::test]
async fn an_admin_creates_a_user_who_can_then_log_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let response = app
        .post_json(
            "/api/v1/users",
            &admin,
            &json!({"login": "Marina", "display_name": "Марина Петрова", "role": "supervisor"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["login"], "marina");
    assert_eq!(body["user"]["display_name"], "Марина Петрова");
    assert_eq!(body["user"]["must_change_password"], true);
    let generated = body["generated_password"].as_str().unwrap();
    assert_eq!(
        app.login("marina", generated).await.status(),
        StatusCode::OK
    );
    let listed: Value = app.get("/api/v1/users", &admin).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn a_viewer_calling_an_admin_route_gets_403_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, viewer) = app.create_user(&admin, "viktor", "viewer").await;
    let attempt = app
        .post_json("/api/v1/users", &viewer, &json!({"login": "sneaky", "display_name": "S", "role": "admin", "password": "a long enough password"}))
        .await;
    let (status, code, _) = error_of(attempt).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let (status, _, _) = error_of(app.get("/api/v1/users", &viewer).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = error_of(app.get("/api/v1/audit", &viewer).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.login("sneaky", "a long enough password").await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

#[tokio::test]
async fn a_taken_login_is_409_and_a_bad_role_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let taken = app
        .post_json(
            "/api/v1/users",
            &admin,
            &json!({"login": "ADMIN", "display_name": "Second", "role": "viewer"}),
        )
        .await;
    let (status, code, _) = error_of(taken).await;
    assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "conflict"));
    let bad_role = app
        .post_json(
            "/api/v1/users",
            &admin,
            &json!({"login": "nina", "display_name": "Nina", "role": "root"}),
        )
        .await;
    let (status, code, body) = error_of(bad_role).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
    );
    assert!(
        body["error"]["fields"]["role"]
            .as_str()
            .unwrap()
            .contains("admin, supervisor, operator, viewer")
    );
    let short = app
        .post_json("/api/v1/users", &admin, &json!({"login": "nina", "display_name": "Nina", "role": "viewer", "password": "short"}))
        .await;
    let (status, _, body) = error_of(short).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["password"].is_string());
    assert_eq!(
        app.login("nina", "short").await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

#[tokio::test]
async fn departments_form_a_tree_and_actions_land_in_the_audit_log() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (head_id, _) = app.create_user(&admin, "head", "supervisor").await;
    let sales: Value = app
        .post_json(
            "/api/v1/departments",
            &admin,
            &json!({"name": "Sales", "head_user_id": head_id}),
        )
        .await
        .json()
        .await
        .unwrap();
    let east = app
        .post_json(
            "/api/v1/departments",
            &admin,
            &json!({"name": "Sales East", "parent_id": sales["id"]}),
        )
        .await;
    assert_eq!(east.status(), StatusCode::CREATED);
    let east: Value = east.json().await.unwrap();
    assert_eq!(east["parent_id"], sales["id"]);
    let listed: Value = app
        .get("/api/v1/departments", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let audit: Value = app
        .get("/api/v1/audit?limit=10", &admin)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions[..3],
        ["department.create", "department.create", "user.create"],
        "{actions:?}"
    );
    app.stop().await;
}
