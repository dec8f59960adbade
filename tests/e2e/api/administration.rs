//! What the admin screens need beyond creating things: changing a user's role and
//! department, reshaping the department tree, listing lines, and a line's canned responses.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::support::app::{TestApp, error_of};

crate::on_both_databases!(
    an_admin_changes_a_users_role_and_department_and_cannot_demote_themself,
    departments_are_renamed_moved_and_given_a_head_but_never_below_themselves,
    lines_are_listed_for_admins_and_supervisors_only,
    a_lines_canned_responses_are_listed_for_its_leads,
);

async fn patch(app: &TestApp, path: &str, token: &str, body: &Value) -> Response {
    app.http
        .patch(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("PATCH")
}

async fn created(response: Response) -> Value {
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn me(app: &TestApp, token: &str) -> Value {
    let body: Value = app
        .get("/api/v1/auth/me", token)
        .await
        .json()
        .await
        .unwrap();
    body["user"].clone()
}

async fn an_admin_changes_a_users_role_and_department_and_cannot_demote_themself(app: TestApp) {
    let admin = app.admin_token().await;
    let (nina, _) = app.create_user(&admin, "nina", "operator").await;
    let sales = created(
        app.post_json("/api/v1/departments", &admin, &json!({"name": "Sales"}))
            .await,
    )
    .await;

    let changed = patch(
        &app,
        &format!("/api/v1/users/{nina}"),
        &admin,
        &json!({"role": "supervisor", "department_id": sales["id"]}),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let shown: Value = app
        .get(&format!("/api/v1/users/{nina}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (shown["role"].as_str(), &shown["department_id"]),
        (Some("supervisor"), &sales["id"])
    );

    // `null` takes her out of the department; the role stays.
    let cleared: Value = patch(
        &app,
        &format!("/api/v1/users/{nina}"),
        &admin,
        &json!({"department_id": null}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (cleared["role"].as_str(), &cleared["department_id"]),
        (Some("supervisor"), &Value::Null)
    );

    let bad = patch(
        &app,
        &format!("/api/v1/users/{nina}"),
        &admin,
        &json!({"role": "root"}),
    )
    .await;
    let (status, _, body) = error_of(bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["role"].is_string(), "{body}");

    let own_id = me(&app, &admin).await["id"].as_str().unwrap().to_owned();
    let demoted = patch(
        &app,
        &format!("/api/v1/users/{own_id}"),
        &admin,
        &json!({"role": "viewer"}),
    )
    .await;
    let (status, _, _) = error_of(demoted).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(me(&app, &admin).await["role"], "admin");

    let (_, operator) = app.create_user(&admin, "oleg", "operator").await;
    let sneaky = patch(
        &app,
        &format!("/api/v1/users/{nina}"),
        &operator,
        &json!({"role": "admin"}),
    )
    .await;
    assert_eq!(error_of(sneaky).await.0, StatusCode::FORBIDDEN);
    app.stop().await;
}

async fn departments_are_renamed_moved_and_given_a_head_but_never_below_themselves(app: TestApp) {
    let admin = app.admin_token().await;
    let (head, _) = app.create_user(&admin, "head", "supervisor").await;
    let sales = created(
        app.post_json("/api/v1/departments", &admin, &json!({"name": "Sales"}))
            .await,
    )
    .await;
    let east = created(
        app.post_json(
            "/api/v1/departments",
            &admin,
            &json!({"name": "East", "parent_id": sales["id"]}),
        )
        .await,
    )
    .await;
    let sales_path = format!("/api/v1/departments/{}", sales["id"].as_str().unwrap());
    let east_path = format!("/api/v1/departments/{}", east["id"].as_str().unwrap());

    let renamed = patch(
        &app,
        &sales_path,
        &admin,
        &json!({"name": "  Sales & Support ", "head_user_id": head}),
    )
    .await;
    assert_eq!(renamed.status(), StatusCode::OK);

    // Sales below its own child East: refused, and nothing changes.
    let cycle = patch(&app, &sales_path, &admin, &json!({"parent_id": east["id"]})).await;
    let (status, _, body) = error_of(cycle).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["parent_id"].is_string(), "{body}");

    let moved = patch(&app, &east_path, &admin, &json!({"parent_id": null})).await;
    assert_eq!(moved.status(), StatusCode::OK);

    let listed: Vec<Value> = app
        .get("/api/v1/departments", &admin)
        .await
        .json()
        .await
        .unwrap();
    let find = |id: &Value| listed.iter().find(|d| &d["id"] == id).unwrap().clone();
    let sales = find(&sales["id"]);
    assert_eq!(
        (
            sales["name"].as_str(),
            sales["head_user_id"].as_str(),
            &sales["parent_id"]
        ),
        (Some("Sales & Support"), Some(head.as_str()), &Value::Null)
    );
    assert_eq!(find(&east["id"])["parent_id"], Value::Null);

    let (_, supervisor) = app.create_user(&admin, "sveta", "supervisor").await;
    let refused = patch(&app, &east_path, &supervisor, &json!({"name": "Mine"})).await;
    assert_eq!(error_of(refused).await.0, StatusCode::FORBIDDEN);
    app.stop().await;
}

async fn lines_are_listed_for_admins_and_supervisors_only(app: TestApp) {
    let admin = app.admin_token().await;
    let (olga, _) = app.create_user(&admin, "olga", "operator").await;
    for name in ["Sales", "Billing"] {
        created(
            app.post_json(
                "/api/v1/lines",
                &admin,
                &json!({"name": name, "operators": [olga], "sla_seconds": 300}),
            )
            .await,
        )
        .await;
    }
    let listed: Vec<Value> = app.get("/api/v1/lines", &admin).await.json().await.unwrap();
    let names: Vec<_> = listed.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Billing", "Sales"]);
    assert_eq!(listed[0]["operators"], json!([olga]));
    assert_eq!(listed[0]["sla_seconds"], 300);

    let (_, supervisor) = app.create_user(&admin, "sveta", "supervisor").await;
    assert_eq!(
        app.get("/api/v1/lines", &supervisor).await.status(),
        StatusCode::OK
    );
    let (_, operator) = app.create_user(&admin, "oleg", "operator").await;
    let (status, code, _) = error_of(app.get("/api/v1/lines", &operator).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    app.stop().await;
}

async fn a_lines_canned_responses_are_listed_for_its_leads(app: TestApp) {
    let admin = app.admin_token().await;
    let (olga, operator) = app.create_user(&admin, "olga", "operator").await;
    let line = created(
        app.post_json(
            "/api/v1/lines",
            &admin,
            &json!({"name": "Support", "operators": [olga]}),
        )
        .await,
    )
    .await;
    let line_id = line["id"].as_str().unwrap();
    // More than the 20 suggestions the composer's lookup returns.
    for n in 0..25 {
        created(
            app.post_json(
                "/api/v1/canned",
                &admin,
                &json!({"line_id": line_id, "shortcut": format!("reply{n:02}"), "body": format!("Answer {n}")}),
            )
            .await,
        )
        .await;
    }
    // The admin's personal one is not the line's.
    created(
        app.post_json(
            "/api/v1/canned",
            &admin,
            &json!({"shortcut": "mine", "body": "Personal"}),
        )
        .await,
    )
    .await;

    let listed: Vec<Value> = app
        .get(&format!("/api/v1/canned?line_id={line_id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 25);
    assert_eq!(listed[0]["shortcut"], "reply00");
    assert!(listed.iter().all(|c| c["line_id"] == line_id));

    let (_, supervisor) = app.create_user(&admin, "sveta", "supervisor").await;
    let by_supervisor = app
        .get(&format!("/api/v1/canned?line_id={line_id}"), &supervisor)
        .await;
    assert_eq!(by_supervisor.status(), StatusCode::OK);

    let refused = app
        .get(&format!("/api/v1/canned?line_id={line_id}"), &operator)
        .await;
    assert_eq!(error_of(refused).await.0, StatusCode::FORBIDDEN);
    let bad = app.get("/api/v1/canned?line_id=nope", &admin).await;
    let (status, _, body) = error_of(bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["line_id"].is_string(), "{body}");
    app.stop().await;
}
