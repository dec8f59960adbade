//! Internal chat end to end: rooms over REST and every websocket frame, each test run on
//! SQLite and on PostgreSQL (`chat::<module>::sqlite::*`, `chat::<module>::postgres::*`).

mod attachments;
mod bad_input;
mod delivery;
mod frames;
mod nodes;
mod presence;
mod rooms;
mod search;
mod threads;

use serde_json::{Value, json};

use crate::support::{
    app::{TestApp, TestOptions},
    db::Backend,
};

/// Instantiates each listed `async fn(TestApp)` once per database backend.
#[macro_export]
macro_rules! on_both_databases {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                if let Some(app) = $crate::chat::spawn($crate::support::db::Backend::Sqlite).await {
                    super::$case(app).await;
                }
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                if let Some(app) = $crate::chat::spawn($crate::support::db::Backend::Postgres).await {
                    super::$case(app).await;
                }
            })*
        }
    };
}

pub async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(TestOptions {
        backend,
        ..TestOptions::default()
    })
    .await
}

/// Named operators for a test, each with an id and a token.
pub struct Staff {
    pub people: Vec<(String, String)>,
}

impl Staff {
    pub async fn hire(app: &TestApp, logins: &[&str]) -> Self {
        let admin = app.admin_token().await;
        let mut people = Vec::new();
        for login in logins {
            people.push(app.create_user(&admin, login, "operator").await);
        }
        Self { people }
    }

    pub fn id(&self, n: usize) -> &str {
        &self.people[n].0
    }

    pub fn token(&self, n: usize) -> &str {
        &self.people[n].1
    }
}

/// Creates a room over REST as `token` and returns its id.
pub async fn create_room(
    app: &TestApp,
    token: &str,
    kind: &str,
    name: &str,
    members: &[&str],
    private: bool,
) -> String {
    let response = app
        .post_json(
            "/api/v1/rooms",
            token,
            &json!({"kind": kind, "name": name, "members": members, "private": private}),
        )
        .await;
    assert_eq!(response.status(), 201, "creating {name}");
    let room: Value = response.json().await.unwrap();
    room["id"].as_str().unwrap().to_owned()
}
