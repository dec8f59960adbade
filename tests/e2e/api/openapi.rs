//! The OpenAPI document: served without a token, OpenAPI 3.1, and true to the server — every
//! operation it says needs the bearer token exists and answers 401 without one.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::app::TestApp;

#[tokio::test]
async fn the_openapi_document_describes_every_route_as_the_server_serves_it() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();

    // Bodies and parameters come from the handlers' own types.
    let create = &document["paths"]["/api/v1/contacts"]["post"];
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/CreateContactRequest"
    );
    let body = &document["components"]["schemas"]["CreateContactRequest"];
    assert!(body["properties"]["first_name"].is_object(), "{body}");
    let deal = &document["paths"]["/api/v1/deals/{id}"]["patch"];
    assert_eq!(deal["parameters"][0]["name"], "id");
    assert_eq!(deal["parameters"][0]["in"], "path");
    assert!(
        document["paths"]["/webhooks/telegram/{channel_id}"]["post"]["security"].is_null(),
        "the webhook is not authenticated with a bearer token"
    );

    // Every authenticated operation exists: without a token it is a 401, not a 404 or 405.
    let mut checked = 0;
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            assert!(
                operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path} has no summary"
            );
            if operation["security"].is_null() {
                continue;
            }
            let concrete = path
                .split('/')
                .map(|part| {
                    if part.starts_with('{') {
                        "01a2218d-0000-7000-8000-000000000000"
                    } else {
                        part
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let status = app
                .http
                .request(method.clone(), app.url(&concrete))
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} authenticated operations");
    app.stop().await;
}
