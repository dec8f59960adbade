//! CSV export and import of contacts, companies and deals: over REST (round trip into a
//! fresh database, bad rows reported by line, visibility by role) and through the
//! `switchboard export` / `import` commands of the built binary.

mod bad_rows;
mod cli;
mod round_trip;
mod visibility;

use std::collections::BTreeMap;

use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::support::{
    app::{TestApp, TestOptions},
    db::Backend,
};

/// GETs `/api/v1/{entity}/export` and returns the file, checking how it is served.
pub async fn export(app: &TestApp, entity: &str, token: &str) -> String {
    let response = app.get(&format!("/api/v1/{entity}/export"), token).await;
    assert_eq!(response.status(), StatusCode::OK, "exporting {entity}");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"{entity}.csv\"")
    );
    response.text().await.unwrap()
}

pub async fn import(app: &TestApp, entity: &str, token: &str, file: &str) -> Response {
    app.http
        .post(app.url(&format!("/api/v1/{entity}/import")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(file.to_owned())
        .send()
        .await
        .unwrap()
}

/// Imports and returns the report, which must come with 200.
pub async fn import_ok(app: &TestApp, entity: &str, token: &str, file: &str) -> Value {
    let response = import(app, entity, token, file).await;
    assert_eq!(response.status(), StatusCode::OK, "importing {entity}");
    response.json().await.unwrap()
}

/// The rows of a CSV file as column → cell.
pub fn rows(file: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = ::csv::Reader::from_reader(file.as_bytes());
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            header
                .iter()
                .zip(record.iter())
                .map(|(column, cell)| (column.to_owned(), cell.to_owned()))
                .collect()
        })
        .collect()
}

/// A second server on a fresh database of the same kind as `app`'s.
pub async fn fresh_like(app: &TestApp) -> TestApp {
    let backend = if app.database_url.starts_with("postgres") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    TestApp::spawn_with(TestOptions {
        backend,
        ..TestOptions::default()
    })
    .await
    .expect("the first server's database kind is available")
}
