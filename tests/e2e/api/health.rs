//! Probes and metrics.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::app::TestApp;

#[tokio::test]
async fn healthz_and_readyz_answer_without_a_token() {
    let app = TestApp::spawn().await;
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(
        (body["database"].as_str(), body["bus"].as_str()),
        (Some("sqlite"), Some("in-process"))
    );
    app.stop().await;
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.store.close().await;
    let response = app.http.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_ready");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("database")
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_in_prometheus_format() {
    let app = TestApp::spawn().await;
    app.http.get(app.url("/healthz")).send().await.unwrap();
    app.http.get(app.url("/healthz")).send().await.unwrap();
    app.http
        .get(app.url("/api/v1/nothing"))
        .send()
        .await
        .unwrap();
    let response = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            r#"switchboard_http_requests_total{route="/healthz",method="GET",status="200"} 2"#
        ),
        "{text}"
    );
    assert!(text.contains(
        r#"switchboard_http_requests_total{route="unmatched",method="GET",status="404"} 1"#
    ));
    assert!(
        text.contains(r#"switchboard_http_request_duration_seconds_count{route="/healthz"} 2"#)
    );
    assert!(text.contains("switchboard_websockets_open 0"));
    assert!(text.contains("# TYPE switchboard_db_pool_connections gauge"));
    app.stop().await;
}
