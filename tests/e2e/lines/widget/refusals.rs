//! What the widget turns away: unknown visitor tokens, pages on other sites, bad pre-chat
//! fields (storing nothing), non-admins and malformed widget settings.

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{
    self, client::IntoClientRequest, http::HeaderValue, protocol::frame::coding::CloseCode,
};

use super::{SITE, join, line_with_widget, socket_request, visitor_token};
use crate::{
    chat::Staff,
    support::app::{TestApp, error_of},
};

crate::on_both_databases!(
    bad_visitor_tokens_are_refused,
    pages_on_other_sites_are_refused,
    a_bad_pre_chat_field_is_refused_and_nothing_is_stored,
    only_admins_connect_widgets_and_origins_are_checked,
);

async fn bad_visitor_tokens_are_refused(app: TestApp) {
    let setup = line_with_widget(&app, json!({})).await;

    // A bad token in the query: a plain 401 before the upgrade.
    let refused = tokio_tungstenite::connect_async(socket_request(&app, "sb_bogus", SITE)).await;
    match refused {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected 401, got {other:?}"),
    }

    // A bad token in the first frame: the socket is closed with 4401.
    let url = format!(
        "{}/api/v1/widget/ws",
        app.address.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_static(SITE));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    use futures_util::{SinkExt, StreamExt};
    socket
        .send(tungstenite::Message::text(
            json!({"type": "auth", "token": "sb_bogus"}).to_string(),
        ))
        .await
        .unwrap();
    match socket.next().await {
        Some(Ok(tungstenite::Message::Close(Some(frame)))) => {
            assert_eq!(frame.code, CloseCode::from(4401));
        }
        other => panic!("expected a 4401 close, got {other:?}"),
    }

    // A kept token the server does not know: the widget is told to start over.
    let (status, code, _) =
        error_of(join(&app, &setup.public_id, SITE, json!({"token": "sb_bogus"})).await).await;
    assert_eq!((status.as_u16(), code.as_str()), (401, "unknown_visitor"));
    app.stop().await;
}

async fn pages_on_other_sites_are_refused(app: TestApp) {
    let setup = line_with_widget(&app, json!({})).await;
    let evil = "https://evil.example.net";

    // Act + Assert: issuing a visitor, the preflight and the settings refuse the page.
    let response = join(&app, &setup.public_id, evil, json!({})).await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status.as_u16(), code.as_str()),
        (403, "origin_not_allowed")
    );
    let preflight = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            app.url(&format!("/api/v1/widget/{}/visitors", setup.public_id)),
        )
        .header("origin", evil)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 403);
    let allowed = app
        .http
        .request(
            reqwest::Method::OPTIONS,
            app.url(&format!("/api/v1/widget/{}/visitors", setup.public_id)),
        )
        .header("origin", SITE)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 204);
    assert_eq!(allowed.headers()["access-control-allow-origin"], SITE);

    // A valid token used from a page on another site: 403 at the upgrade.
    let token = visitor_token(&app, &setup.public_id, json!({})).await;
    match tokio_tungstenite::connect_async(socket_request(&app, &token, evil)).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("expected 403, got {other:?}"),
    }
    app.stop().await;
}

async fn a_bad_pre_chat_field_is_refused_and_nothing_is_stored(app: TestApp) {
    let setup = line_with_widget(
        &app,
        json!({"name": "required", "email": "required", "phone": "optional"}),
    )
    .await;

    // Act
    let bad_email = join(
        &app,
        &setup.public_id,
        SITE,
        json!({"name": "Anna", "email": "anna-at-example"}),
    )
    .await;
    let missing_name = join(
        &app,
        &setup.public_id,
        SITE,
        json!({"email": "anna@example.com"}),
    )
    .await;
    let bad_phone = join(
        &app,
        &setup.public_id,
        SITE,
        json!({"name": "Anna", "email": "anna@example.com", "phone": "call me"}),
    )
    .await;

    // Assert: each names its field; no visitor was stored.
    for (response, field) in [
        (bad_email, "email"),
        (missing_name, "name"),
        (bad_phone, "phone"),
    ] {
        let (status, code, fields) = error_of(response).await;
        assert_eq!(
            (status.as_u16(), code.as_str()),
            (422, "validation_failed"),
            "{field}"
        );
        assert!(
            fields["error"]["fields"].get(field).is_some(),
            "{field}: {fields}"
        );
    }
    let (visitors,): (i64,) = {
        let mut conn = app.state.store.acquire().await.unwrap();
        sqlx::query_as("select count(*) from widget_visitors")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    assert_eq!(visitors, 0);
    app.stop().await;
}

async fn only_admins_connect_widgets_and_origins_are_checked(app: TestApp) {
    let staff = Staff::hire(&app, &["olga"]).await;
    let admin = app.admin_token().await;
    let line: Value = app
        .post_json(
            "/api/v1/lines",
            &admin,
            &json!({"name": "Website", "operators": [staff.id(0)]}),
        )
        .await
        .json()
        .await
        .unwrap();

    // Act
    let by_operator = app
        .post_json(
            "/api/v1/channels/widget",
            staff.token(0),
            &json!({"line_id": line["id"], "allowed_origins": [SITE]}),
        )
        .await;
    let bad_origin = app
        .post_json(
            "/api/v1/channels/widget",
            &admin,
            &json!({"line_id": line["id"], "allowed_origins": ["shop.example.com/path"]}),
        )
        .await;
    let bad_rule = app
        .post_json(
            "/api/v1/channels/widget",
            &admin,
            &json!({"line_id": line["id"], "allowed_origins": [SITE], "prechat": {"email": "sometimes"}}),
        )
        .await;

    // Assert
    assert_eq!(by_operator.status(), 403);
    let (status, _, fields) = error_of(bad_origin).await;
    assert_eq!(status.as_u16(), 422);
    assert!(
        fields["error"]["fields"].get("allowed_origins").is_some(),
        "{fields}"
    );
    let (status, _, fields) = error_of(bad_rule).await;
    assert_eq!(status.as_u16(), 422);
    assert!(
        fields["error"]["fields"].get("prechat.email").is_some(),
        "{fields}"
    );
    let script = app.http.get(app.url("/widget.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        script.headers()["cross-origin-resource-policy"],
        "cross-origin"
    );
    app.stop().await;
}
