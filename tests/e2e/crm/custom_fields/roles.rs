//! Who sees and who changes a custom field: a value hidden from a role is absent from that
//! role's card, list, duplicates and timeline; changing a field the role may not change is a
//! 403 naming it; a hidden value survives another role's edits.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::define;
use crate::{
    crm::{Org, create_contact, get_json, id, patch},
    support::app::{TestApp, error_of},
};

crate::on_both_databases!(each_role_sees_and_changes_exactly_the_fields_allowed_to_it,);

/// Asserts a 403 `field_forbidden` naming `field`.
async fn forbidden(response: reqwest::Response, field: &str) {
    let (status, code, error) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "field_forbidden"),
        "{error}"
    );
    assert!(
        error["error"]["fields"][field].is_string(),
        "{field}: {error}"
    );
}

fn custom_keys(record: &Value) -> Vec<String> {
    let mut keys: Vec<String> = record["custom"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

async fn each_role_sees_and_changes_exactly_the_fields_allowed_to_it(app: TestApp) {
    // Arrange: `note` is open to all; operators see `score` but only supervisors change it;
    // `margin` is for supervisors (and admins) alone.
    let org = Org::hire(&app).await;
    define(
        &app,
        &org.admin,
        "contact",
        json!({"key": "note", "label": "Note", "type": "text"}),
    )
    .await;
    define(
        &app,
        &org.admin,
        "contact",
        json!({"key": "score", "label": "Score", "type": "number", "editable_by": ["supervisor"]}),
    )
    .await;
    define(
        &app,
        &org.admin,
        "contact",
        json!({"key": "margin", "label": "Margin", "type": "number",
               "visible_to": ["supervisor"], "editable_by": ["supervisor"]}),
    )
    .await;
    let values = json!({"note": "n", "score": "5", "margin": "31.5"});
    let sellers = create_contact(
        &app,
        &org.admin,
        &json!({"first_name": "Клиент", "responsible_id": org.seller.id,
                "phones": [{"number": "+79160000001"}], "custom": values}),
    )
    .await;
    let viewers = create_contact(
        &app,
        &org.admin,
        &json!({"first_name": "Клиент", "responsible_id": org.viewer.id, "custom": values}),
    )
    .await;
    let path = format!("/api/v1/contacts/{}", id(&sellers));
    let everything = vec!["margin".to_owned(), "note".into(), "score".into()];
    let open = vec!["note".to_owned(), "score".into()];
    // Act and assert: what each role reads.
    let reads = [
        (&org.admin, &path, &everything),
        (&org.supervisor.token, &path, &everything),
        (&org.seller.token, &path, &open),
        (
            &org.viewer.token,
            &format!("/api/v1/contacts/{}", id(&viewers)),
            &open,
        ),
    ];
    for (token, card_path, expected) in reads {
        let card = get_json(&app, card_path, token, StatusCode::OK).await;
        assert_eq!(&custom_keys(&card), expected, "{card_path}");
        let list = get_json(&app, "/api/v1/contacts", token, StatusCode::OK).await;
        for item in list["items"].as_array().unwrap() {
            assert_eq!(&custom_keys(item), expected, "list");
        }
    }
    let duplicates = get_json(
        &app,
        "/api/v1/contacts/duplicates?phone=%2B79160000001",
        &org.seller.token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(custom_keys(&duplicates[0]["contact"]), open);
    // What an operator may change: `note`; repeating the stored `score` is no change.
    let edited = patch(
        &app,
        &path,
        &org.seller.token,
        &json!({"custom": {"note": "called back", "score": 5}}),
    )
    .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json().await.unwrap();
    assert_eq!(
        edited["custom"],
        json!({"note": "called back", "score": "5"})
    );
    // What it may not: a new `score`, any `margin` (even its stored value), on change or create.
    forbidden(
        patch(
            &app,
            &path,
            &org.seller.token,
            &json!({"custom": {"score": 6}}),
        )
        .await,
        "custom.score",
    )
    .await;
    forbidden(
        patch(
            &app,
            &path,
            &org.seller.token,
            &json!({"custom": {"margin": "31.5"}}),
        )
        .await,
        "custom.margin",
    )
    .await;
    forbidden(
        app.post_json(
            "/api/v1/contacts",
            &org.seller.token,
            &json!({"first_name": "Новый", "custom": {"score": 1}}),
        )
        .await,
        "custom.score",
    )
    .await;
    let viewer_edit = patch(
        &app,
        &format!("/api/v1/contacts/{}", id(&viewers)),
        &org.viewer.token,
        &json!({"custom": {"note": "x"}}),
    )
    .await;
    assert_eq!(viewer_edit.status(), StatusCode::FORBIDDEN);
    // The hidden value survived the operator's edit; the supervisor changes what is theirs.
    let by_supervisor = patch(
        &app,
        &path,
        &org.supervisor.token,
        &json!({"custom": {"score": 8, "margin": "40"}}),
    )
    .await;
    assert_eq!(by_supervisor.status(), StatusCode::OK);
    let card = get_json(&app, &path, &org.admin, StatusCode::OK).await;
    assert_eq!(
        card["custom"],
        json!({"note": "called back", "score": "8", "margin": "40"})
    );
    let list = get_json(&app, "/api/v1/contacts", &org.admin, StatusCode::OK).await;
    assert_eq!(list["total"], 2, "the refused create wrote nothing");
    // The timeline shows no custom value, so nothing hidden leaks through it.
    let timeline = app
        .get(&format!("{path}/timeline"), &org.seller.token)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !timeline.contains("31.5") && !timeline.contains("\"40\""),
        "{timeline}"
    );
    // Making a field visible shows the stored value; hiding one takes it away.
    let fields = get_json(
        &app,
        "/api/v1/custom-fields/contact",
        &org.admin,
        StatusCode::OK,
    )
    .await;
    let margin = fields
        .as_array()
        .unwrap()
        .iter()
        .find(|field| field["key"] == "margin")
        .unwrap();
    let shown = patch(
        &app,
        &format!("/api/v1/custom-fields/contact/{}", id(margin)),
        &org.admin,
        &json!({"visible_to": ["supervisor", "operator"]}),
    )
    .await;
    assert_eq!(shown.status(), StatusCode::OK);
    let card = get_json(&app, &path, &org.seller.token, StatusCode::OK).await;
    assert_eq!(card["custom"]["margin"], "40");
    app.stop().await;
}
