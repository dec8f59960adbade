//! Custom fields over REST: definitions (everyone lists, admins change), values checked on
//! every kind of record (`values`, `records`), visibility and editability by role
//! (`roles`), and the system creating a contact without being asked for required values
//! (`system`). Each on SQLite and PostgreSQL.

mod filters;
mod records;
mod roles;
mod system;
mod values;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use super::{Org, create_contact, delete, get_json, id, patch};
use crate::support::app::{TestApp, error_of};

crate::on_both_databases!(
    definitions_are_listed_to_everyone_and_changed_only_by_admins,
    a_bad_definition_is_a_422_naming_its_field,
    deleting_a_definition_deletes_its_values_everywhere,
);

/// Defines a field of `entity` as the admin; panics unless it is created.
pub async fn define(app: &TestApp, admin: &str, entity: &str, body: Value) -> Value {
    let response = app
        .post_json(&format!("/api/v1/custom-fields/{entity}"), admin, &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    response.json().await.unwrap()
}

/// POSTs a body as written, so numbers reach the server with every digit.
pub async fn post_raw(app: &TestApp, path: &str, token: &str, body: &str) -> Response {
    app.http
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("POST")
}

/// Asserts a 422 whose `fields` names `field`, and returns the message given for it.
pub async fn invalid(response: Response, field: &str) -> String {
    let (status, code, error) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        "{error}"
    );
    error["error"]["fields"][field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} not named: {error}"))
        .to_owned()
}

fn keys(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|field| field["key"].as_str().unwrap())
        .collect()
}

async fn definitions_are_listed_to_everyone_and_changed_only_by_admins(app: TestApp) {
    // Arrange
    let org = Org::hire(&app).await;
    let tier = define(
        &app,
        &org.admin,
        "contact",
        json!({"key": "tier", "label": "Tier", "type": "list", "options": ["Gold", "Silver"]}),
    )
    .await;
    define(
        &app,
        &org.admin,
        "contact",
        json!({"key": "margin", "label": "Margin", "type": "number", "sort_order": -1,
               "visible_to": ["supervisor"]}),
    )
    .await;
    let path = format!("/api/v1/custom-fields/contact/{}", id(&tier));
    // Act: staff other than admins try to change definitions.
    let refused = [
        app.post_json(
            "/api/v1/custom-fields/contact",
            &org.supervisor.token,
            &json!({"key": "x", "label": "X", "type": "text"}),
        )
        .await,
        patch(&app, &path, &org.seller.token, &json!({"label": "Level"})).await,
        delete(&app, &path, &org.viewer.token).await,
    ];
    // Assert
    for response in refused {
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(tier["type"], "list");
    assert_eq!(tier["options"], json!(["Gold", "Silver"]));
    assert_eq!(
        tier["visible_to"],
        json!(["admin", "supervisor", "operator", "viewer"])
    );
    assert_eq!(
        tier["editable_by"],
        json!(["admin", "supervisor", "operator"])
    );
    let by_admin = get_json(
        &app,
        "/api/v1/custom-fields/contact",
        &org.admin,
        StatusCode::OK,
    )
    .await;
    assert_eq!(keys(&by_admin), ["margin", "tier"], "sort_order first");
    let by_seller = get_json(
        &app,
        "/api/v1/custom-fields/contact",
        &org.seller.token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        keys(&by_seller),
        ["tier"],
        "a field hidden from operators is not listed"
    );
    let deals = get_json(
        &app,
        "/api/v1/custom-fields/deal",
        &org.viewer.token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(deals, json!([]));
    assert_eq!(
        app.get("/api/v1/custom-fields/users", &org.admin)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // An admin changes what may change; the key and the type stay.
    let changed = patch(
        &app,
        &path,
        &org.admin,
        &json!({"label": "Level", "options": ["Gold", "Silver", "Bronze"], "required": true}),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(
        (&changed["label"], &changed["options"], &changed["required"]),
        (
            &json!("Level"),
            &json!(["Gold", "Silver", "Bronze"]),
            &json!(true)
        )
    );
    let message = invalid(
        patch(&app, &path, &org.admin, &json!({"type": "text"})).await,
        "type",
    )
    .await;
    assert!(message.contains("cannot be changed"), "{message}");
    let duplicate = app
        .post_json(
            "/api/v1/custom-fields/contact",
            &org.admin,
            &json!({"key": "tier", "label": "Again", "type": "text"}),
        )
        .await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    // The same key on another kind of record is another field.
    define(
        &app,
        &org.admin,
        "deal",
        json!({"key": "tier", "label": "Tier", "type": "text"}),
    )
    .await;
    assert_eq!(
        delete(
            &app,
            &format!("/api/v1/custom-fields/deal/{}", id(&tier)),
            &org.admin
        )
        .await
        .status(),
        StatusCode::NOT_FOUND,
        "a contact field is not found under deals"
    );
    app.stop().await;
}

async fn a_bad_definition_is_a_422_naming_its_field(app: TestApp) {
    let org = Org::hire(&app).await;
    let cases = [
        (json!({"key": "Tier", "label": "T", "type": "text"}), "key"),
        (
            json!({"key": "tier-1", "label": "T", "type": "text"}),
            "key",
        ),
        (
            json!({"key": "tier", "label": " ", "type": "text"}),
            "label",
        ),
        (
            json!({"key": "tier", "label": "T", "type": "money"}),
            "type",
        ),
        (
            json!({"key": "tier", "label": "T", "type": "list"}),
            "options",
        ),
        (
            json!({"key": "tier", "label": "T", "type": "list", "options": ["a", "a"]}),
            "options[1]",
        ),
        (
            json!({"key": "tier", "label": "T", "type": "text", "options": ["a"]}),
            "options",
        ),
        (
            json!({"key": "tier", "label": "T", "type": "link"}),
            "link_entity",
        ),
        (
            json!({"key": "tier", "label": "T", "type": "link", "link_entity": "user"}),
            "link_entity",
        ),
        (
            json!({"key": "tier", "label": "T", "type": "text", "visible_to": ["root"]}),
            "visible_to[0]",
        ),
        (
            json!({"key": "tier", "label": "T", "type": "text", "editable_by": ["viewer"]}),
            "editable_by",
        ),
        (
            json!({"key": "tier", "label": "T", "type": "text", "visible_to": ["supervisor"],
                   "editable_by": ["operator"]}),
            "editable_by",
        ),
    ];
    for (body, field) in cases {
        invalid(
            app.post_json("/api/v1/custom-fields/contact", &org.admin, &body)
                .await,
            field,
        )
        .await;
    }
    let list = get_json(
        &app,
        "/api/v1/custom-fields/contact",
        &org.admin,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list, json!([]));
    app.stop().await;
}

async fn deleting_a_definition_deletes_its_values_everywhere(app: TestApp) {
    // Arrange: two fields with values on two contacts, one of them deleted.
    let org = Org::hire(&app).await;
    let legacy = define(
        &app,
        &org.admin,
        "contact",
        json!({"key": "legacy", "label": "Legacy", "type": "text"}),
    )
    .await;
    define(
        &app,
        &org.admin,
        "contact",
        json!({"key": "keep", "label": "Keep", "type": "text"}),
    )
    .await;
    let body = json!({"first_name": "A", "custom": {"legacy": "old", "keep": "yes"}});
    let kept = create_contact(&app, &org.seller.token, &body).await;
    let gone = create_contact(&app, &org.seller.token, &body).await;
    let gone_path = format!("/api/v1/contacts/{}", id(&gone));
    assert_eq!(
        delete(&app, &gone_path, &org.seller.token).await.status(),
        204
    );
    // Act
    let removed = delete(
        &app,
        &format!("/api/v1/custom-fields/contact/{}", id(&legacy)),
        &org.admin,
    )
    .await;
    // Assert: the value went with its definition, the other field stayed.
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let path = format!("/api/v1/contacts/{}", id(&kept));
    let card = get_json(&app, &path, &org.admin, StatusCode::OK).await;
    assert_eq!(card["custom"], json!({"keep": "yes"}));
    // Writing the key now names an unknown field.
    let message = invalid(
        patch(
            &app,
            &path,
            &org.seller.token,
            &json!({"custom": {"legacy": "again"}}),
        )
        .await,
        "custom.legacy",
    )
    .await;
    assert!(
        message.contains("not a custom field of contacts"),
        "{message}"
    );
    // A new field under the same key starts empty, on live and deleted records alike.
    define(
        &app,
        &org.admin,
        "contact",
        json!({"key": "legacy", "label": "Legacy again", "type": "number"}),
    )
    .await;
    let card = get_json(&app, &path, &org.admin, StatusCode::OK).await;
    assert_eq!(card["custom"], json!({"keep": "yes"}));
    let audit = get_json(&app, "/api/v1/audit", &org.admin, StatusCode::OK).await;
    let entry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["action"] == "custom_field.delete")
        .expect("the deletion is audited");
    assert_eq!(entry["detail"]["values_removed"], 2, "{entry}");
    app.stop().await;
}
