//! Logging in and out, token expiry and revocation, throttling of failed logins.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::app::{TestApp, TestOptions, error_of};

#[tokio::test]
async fn the_bootstrap_admin_logs_in_and_is_asked_to_change_the_password() {
    // Arrange
    let app = TestApp::spawn().await;
    // Act
    let response = app.login(&app.admin_login, &app.admin_password).await;
    // Assert
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["token"].as_str().unwrap().starts_with("sb_"));
    assert_eq!(body["user"]["role"], "admin");
    assert_eq!(body["user"]["must_change_password"], true);
    assert!(body["user"].get("password_hash").is_none());
    let me = app
        .get("/api/v1/auth/me", body["token"].as_str().unwrap())
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_password_is_401_with_the_envelope() {
    let app = TestApp::spawn().await;
    let (status, code, _) = error_of(app.login(&app.admin_login, "definitely not it").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    app.stop().await;
}

#[tokio::test]
async fn routes_without_a_token_or_with_a_garbage_token_are_401() {
    let app = TestApp::spawn().await;
    let anonymous = app
        .http
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(anonymous).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let (status, _, _) = error_of(app.get("/api/v1/users", "sb_not-a-real-token").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let basic = app
        .http
        .get(app.url("/api/v1/auth/me"))
        .basic_auth("admin", Some("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn a_logged_out_token_is_rejected_with_401() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let logout = app
        .post_json("/api/v1/auth/logout", &token, &json!({}))
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let (status, code, _) = error_of(app.get("/api/v1/auth/me", &token).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    app.stop().await;
}

#[tokio::test]
async fn an_admin_revoking_a_users_sessions_logs_them_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (operator_id, operator) = app.create_user(&admin, "olga", "operator").await;
    let revoke = app
        .http
        .delete(app.url(&format!("/api/v1/users/{operator_id}/sessions")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::OK);
    assert_eq!(revoke.json::<Value>().await.unwrap()["revoked"], 1);
    let (status, _, _) = error_of(app.get("/api/v1/auth/me", &operator).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn an_expired_token_is_rejected_with_401() {
    // Arrange: sessions that last an hour, then the clock is moved by expiring the row.
    let app = TestApp::spawn_with(TestOptions {
        configure: |settings| settings.auth.session_ttl_hours = 1,
        ..TestOptions::default()
    })
    .await
    .unwrap();
    let token = app.admin_token().await;
    assert_eq!(
        app.get("/api/v1/auth/me", &token).await.status(),
        StatusCode::OK
    );
    // Act: the store is shared, so age the session the way an hour passing would.
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query("update sessions set expires_at = expires_at - 3600001")
        .execute(&mut conn)
        .await
        .unwrap();
    // Assert
    let (status, code, _) = error_of(app.get("/api/v1/auth/me", &token).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    app.stop().await;
}

#[tokio::test]
async fn repeated_failed_logins_lock_the_account_even_for_the_right_password() {
    let app = TestApp::spawn_with(TestOptions {
        configure: |settings| settings.auth.max_failures_per_account = 3,
        ..TestOptions::default()
    })
    .await
    .unwrap();
    for _ in 0..3 {
        assert_eq!(
            app.login(&app.admin_login, "wrong password!")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = app.login(&app.admin_login, &app.admin_password).await;
    assert!(locked.headers().get("retry-after").is_some());
    let (status, code, _) = error_of(locked).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
    );
    app.stop().await;
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_locked() {
    let app = TestApp::spawn_with(TestOptions {
        configure: |settings| settings.auth.max_failures_per_address = 4,
        ..TestOptions::default()
    })
    .await
    .unwrap();
    for n in 0..4 {
        let response = app.login(&format!("guess{n}"), "wrong password!").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let (status, _, _) = error_of(app.login(&app.admin_login, &app.admin_password).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = TestApp::spawn().await;
    let current = app.admin_token().await;
    let other = app.admin_token().await;
    let change = app
        .post_json(
            "/api/v1/auth/password",
            &current,
            &json!({"current_password": app.admin_password, "new_password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(change.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/auth/me", &current).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/auth/me", &other).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let fresh = app.login(&app.admin_login, "a brand new passphrase").await;
    let body: Value = fresh.json().await.unwrap();
    assert_eq!(body["user"]["must_change_password"], false);
    app.stop().await;
}
