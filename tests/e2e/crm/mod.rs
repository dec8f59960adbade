//! The CRM over REST: contacts, companies, the timeline, visibility by role, duplicates and
//! merge, pipelines, deals, leads and analytics, each test run on SQLite and on PostgreSQL (`crm::<module>::sqlite::*`,
//! `crm::<module>::postgres::*`).

mod contacts;
mod csv;
mod custom_fields;
mod duplicate_groups;
mod live;
mod merge;
mod sales;
mod tasks;
mod timeline;
mod visibility;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::support::app::TestApp;

/// A signed-in member of staff.
pub struct Person {
    pub id: String,
    pub token: String,
}

/// Staff in two department trees, as in the contract suite: Sales (headed by `supervisor`)
/// with Sales North below it, and Support. `seller` is in Sales North, `agent` in Support,
/// `viewer` in Sales.
pub struct Org {
    pub admin: String,
    pub supervisor: Person,
    pub seller: Person,
    pub agent: Person,
    pub viewer: Person,
}

impl Org {
    pub async fn hire(app: &TestApp) -> Self {
        let admin = app.admin_token().await;
        let supervisor = person(app, &admin, "supervisor", "supervisor", None).await;
        let sales = department(
            app,
            &admin,
            json!({"name": "Sales", "head_user_id": supervisor.id}),
        )
        .await;
        let north = department(
            app,
            &admin,
            json!({"name": "Sales North", "parent_id": sales}),
        )
        .await;
        let support = department(app, &admin, json!({"name": "Support"})).await;
        Self {
            seller: person(app, &admin, "seller", "operator", Some(&north)).await,
            agent: person(app, &admin, "agent", "operator", Some(&support)).await,
            viewer: person(app, &admin, "viewer", "viewer", Some(&sales)).await,
            supervisor,
            admin,
        }
    }
}

async fn department(app: &TestApp, admin: &str, body: Value) -> String {
    let response = app.post_json("/api/v1/departments", admin, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    let department: Value = response.json().await.unwrap();
    department["id"].as_str().unwrap().to_owned()
}

async fn person(
    app: &TestApp,
    admin: &str,
    login: &str,
    role: &str,
    department: Option<&str>,
) -> Person {
    let password = "a long enough password";
    let response = app
        .post_json(
            "/api/v1/users",
            admin,
            &json!({"login": login, "display_name": login, "role": role, "password": password, "department_id": department}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "creating {login}");
    let body: Value = response.json().await.unwrap();
    Person {
        id: body["user"]["id"].as_str().unwrap().to_owned(),
        token: app.token(login, password).await,
    }
}

/// Creates a contact as `token` and returns it; panics unless it is created.
pub async fn create_contact(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = app.post_json("/api/v1/contacts", token, body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    response.json().await.unwrap()
}

/// Creates a company as `token` and returns it.
pub async fn create_company(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = app.post_json("/api/v1/companies", token, body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    response.json().await.unwrap()
}

pub async fn patch(app: &TestApp, path: &str, token: &str, body: &Value) -> Response {
    app.http
        .patch(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("PATCH")
}

pub async fn delete(app: &TestApp, path: &str, token: &str) -> Response {
    app.http
        .delete(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("DELETE")
}

/// GETs a JSON body, asserting the status.
pub async fn get_json(app: &TestApp, path: &str, token: &str, status: StatusCode) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), status, "GET {path}");
    response.json().await.unwrap()
}

pub fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

pub fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}
