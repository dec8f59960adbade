//! Values checked against their definitions: each type accepted and stored normalized, each
//! wrong value a 422 naming the field and the problem with nothing written, required fields.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{define, invalid, post_raw};
use crate::{
    crm::{Org, create_company, get_json, id, patch},
    support::app::TestApp,
};

crate::on_both_databases!(
    every_type_is_stored_normalized_and_a_wrong_value_names_the_field,
    a_required_field_missing_on_create_is_a_422_and_nothing_is_stored,
);

pub async fn total(app: &TestApp, path: &str, token: &str) -> Value {
    get_json(app, path, token, StatusCode::OK).await["total"].clone()
}

async fn contact_fields(app: &TestApp, admin: &str) {
    for body in [
        json!({"key": "note", "label": "Note", "type": "text"}),
        json!({"key": "budget", "label": "Budget", "type": "number"}),
        json!({"key": "since", "label": "Client since", "type": "date"}),
        json!({"key": "tier", "label": "Tier", "type": "list", "options": ["Gold", "Silver"]}),
        json!({"key": "vip", "label": "VIP", "type": "boolean"}),
        json!({"key": "employer", "label": "Employer", "type": "link", "link_entity": "company"}),
    ] {
        define(app, admin, "contact", body).await;
    }
}

async fn every_type_is_stored_normalized_and_a_wrong_value_names_the_field(app: TestApp) {
    // Arrange
    let org = Org::hire(&app).await;
    contact_fields(&app, &org.admin).await;
    let company = create_company(&app, &org.seller.token, &json!({"name": "Вектор"})).await;
    // Act: a number with more digits than a float keeps, sent as written.
    let body = format!(
        r#"{{"first_name": "Анна", "custom": {{"note": "  first call  ", "budget": 12345678901234567890.12,
            "since": "2026-02-28", "tier": "Gold", "vip": true, "employer": "{}"}}}}"#,
        id(&company)
    );
    let created = post_raw(&app, "/api/v1/contacts", &org.seller.token, &body).await;
    // Assert
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let path = format!("/api/v1/contacts/{}", id(&created));
    let card = get_json(&app, &path, &org.seller.token, StatusCode::OK).await;
    assert_eq!(
        card["custom"],
        json!({"note": "first call", "budget": "12345678901234567890.12", "since": "2026-02-28",
               "tier": "Gold", "vip": true, "employer": id(&company)})
    );
    // Decimal text is exact too, and a float-sized number is accepted as a number.
    for (budget, stored) in [(json!("0.10"), "0.1"), (json!(1500.5), "1500.5")] {
        let response = patch(
            &app,
            &path,
            &org.seller.token,
            &json!({"custom": {"budget": budget}}),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        let card: Value = response.json().await.unwrap();
        assert_eq!(card["custom"]["budget"], stored);
    }
    // Each wrong value, on create and on change, is a 422 naming the field and the problem.
    let missing_company = "0190a0a0-0000-7000-8000-000000000000";
    let cases = [
        (
            json!({"budget": "abc"}),
            "custom.budget",
            "must be a number",
        ),
        (
            json!({"budget": "1,5"}),
            "custom.budget",
            "must be a number",
        ),
        (json!({"since": "2026-02-30"}), "custom.since", "YYYY-MM-DD"),
        (json!({"since": "28.02.2026"}), "custom.since", "YYYY-MM-DD"),
        (
            json!({"tier": "Bronze"}),
            "custom.tier",
            "one of: Gold, Silver",
        ),
        (json!({"vip": "maybe"}), "custom.vip", "true or false"),
        (json!({"note": 5}), "custom.note", "must be text"),
        (
            json!({"employer": missing_company}),
            "custom.employer",
            "no such company",
        ),
        (
            json!({"employer": "acme"}),
            "custom.employer",
            "id of a company",
        ),
        (
            json!({"nickname": "Annie"}),
            "custom.nickname",
            "not a custom field of contacts",
        ),
    ];
    for (custom, field, problem) in cases {
        let create = app
            .post_json(
                "/api/v1/contacts",
                &org.seller.token,
                &json!({"first_name": "B", "custom": custom}),
            )
            .await;
        let message = invalid(create, field).await;
        assert!(message.contains(problem), "{field}: {message}");
        let change = patch(&app, &path, &org.seller.token, &json!({"custom": custom})).await;
        let message = invalid(change, field).await;
        assert!(message.contains(problem), "{field}: {message}");
    }
    // Nothing was written: one contact, its values as they were.
    assert_eq!(total(&app, "/api/v1/contacts", &org.admin).await, 1);
    let after = get_json(&app, &path, &org.seller.token, StatusCode::OK).await;
    assert_eq!(after["custom"]["budget"], "1500.5");
    assert_eq!(after["custom"]["tier"], "Gold");
    // null or "" clears a value; keys not named keep theirs.
    let cleared = patch(
        &app,
        &path,
        &org.seller.token,
        &json!({"custom": {"note": null, "tier": ""}}),
    )
    .await;
    let cleared: Value = cleared.json().await.unwrap();
    assert_eq!(
        cleared["custom"],
        json!({"budget": "1500.5", "since": "2026-02-28", "vip": true, "employer": id(&company)})
    );
    app.stop().await;
}

async fn a_required_field_missing_on_create_is_a_422_and_nothing_is_stored(app: TestApp) {
    // Arrange
    let org = Org::hire(&app).await;
    let token = &org.seller.token;
    let early = create_company(&app, token, &json!({"name": "Ранняя"})).await;
    define(
        &app,
        &org.admin,
        "company",
        json!({"key": "inn", "label": "INN", "type": "text", "required": true}),
    )
    .await;
    // Act
    let missing = app
        .post_json("/api/v1/companies", token, &json!({"name": "Без ИНН"}))
        .await;
    let blank = app
        .post_json(
            "/api/v1/companies",
            token,
            &json!({"name": "Пустой", "custom": {"inn": "  "}}),
        )
        .await;
    // Assert
    assert!(invalid(missing, "custom.inn").await.contains("is required"));
    assert!(invalid(blank, "custom.inn").await.contains("is required"));
    assert_eq!(total(&app, "/api/v1/companies", &org.admin).await, 1);
    let filled = create_company(
        &app,
        token,
        &json!({"name": "С ИНН", "custom": {"inn": "7701"}}),
    )
    .await;
    // A required value cannot be cleared; a record made before the field still changes.
    let cleared = patch(
        &app,
        &format!("/api/v1/companies/{}", id(&filled)),
        token,
        &json!({"custom": {"inn": null}}),
    )
    .await;
    assert!(
        invalid(cleared, "custom.inn")
            .await
            .contains("cannot be cleared")
    );
    let renamed = patch(
        &app,
        &format!("/api/v1/companies/{}", id(&early)),
        token,
        &json!({"name": "Ранняя 2"}),
    )
    .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    // Required from whoever may fill it: a field operators may not change is not required of them.
    define(
        &app,
        &org.admin,
        "company",
        json!({"key": "rating", "label": "Rating", "type": "number", "required": true,
               "editable_by": ["supervisor"]}),
    )
    .await;
    create_company(
        &app,
        token,
        &json!({"name": "Оператор", "custom": {"inn": "1"}}),
    )
    .await;
    let by_supervisor = app
        .post_json(
            "/api/v1/companies",
            &org.supervisor.token,
            &json!({"name": "Супервизор", "custom": {"inn": "2"}}),
        )
        .await;
    assert!(
        invalid(by_supervisor, "custom.rating")
            .await
            .contains("is required")
    );
    app.stop().await;
}
