//! Values checked against their definitions on contacts, companies, deals and leads: each
//! type accepted and stored normalized, each wrong value a 422 naming the field and the
//! problem with nothing written, required fields, and merges that keep every value.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{define, invalid, post_raw};
use crate::{
    crm::{Org, create_company, create_contact, get_json, id, patch},
    support::app::TestApp,
};

crate::on_both_databases!(
    every_type_is_stored_normalized_and_a_wrong_value_names_the_field,
    deals_leads_and_companies_check_their_own_fields,
    a_required_field_missing_on_create_is_a_422_and_nothing_is_stored,
    a_merge_keeps_every_value_and_the_picked_contact_wins,
);

async fn total(app: &TestApp, path: &str, token: &str) -> Value {
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

async fn deals_leads_and_companies_check_their_own_fields(app: TestApp) {
    // Arrange: a field per kind of record; a contact field of the same key does not apply.
    let org = Org::hire(&app).await;
    define(
        &app,
        &org.admin,
        "deal",
        json!({"key": "discount", "label": "Discount", "type": "number"}),
    )
    .await;
    define(
        &app,
        &org.admin,
        "lead",
        json!({"key": "channel", "label": "Channel", "type": "list", "options": ["web", "phone"]}),
    )
    .await;
    define(
        &app,
        &org.admin,
        "company",
        json!({"key": "inn", "label": "INN", "type": "text"}),
    )
    .await;
    define(
        &app,
        &org.admin,
        "contact",
        json!({"key": "deal_ref", "label": "Deal", "type": "link", "link_entity": "deal"}),
    )
    .await;
    let token = &org.seller.token;
    // Act and assert: each accepts its own field, normalized.
    let deal = app
        .post_json(
            "/api/v1/deals",
            token,
            &json!({"title": "Supply", "currency": "RUB", "custom": {"discount": "7.50"}}),
        )
        .await;
    assert_eq!(deal.status(), StatusCode::CREATED);
    let deal: Value = deal.json().await.unwrap();
    assert_eq!(deal["custom"], json!({"discount": "7.5"}));
    let lead = app
        .post_json(
            "/api/v1/leads",
            token,
            &json!({"name": "Пётр", "custom": {"channel": "web"}}),
        )
        .await;
    assert_eq!(lead.status(), StatusCode::CREATED);
    let lead: Value = lead.json().await.unwrap();
    assert_eq!(lead["custom"], json!({"channel": "web"}));
    let company = create_company(
        &app,
        token,
        &json!({"name": "Альфа", "custom": {"inn": "7701234567"}}),
    )
    .await;
    assert_eq!(company["custom"], json!({"inn": "7701234567"}));
    let linked = create_contact(
        &app,
        token,
        &json!({"first_name": "C", "custom": {"deal_ref": id(&deal)}}),
    )
    .await;
    assert_eq!(linked["custom"]["deal_ref"], id(&deal));
    // Each refuses a wrong value or another kind's field, on create and on change.
    let deal_path = format!("/api/v1/deals/{}", id(&deal));
    let lead_path = format!("/api/v1/leads/{}", id(&lead));
    let company_path = format!("/api/v1/companies/{}", id(&company));
    invalid(
        patch(
            &app,
            &deal_path,
            token,
            &json!({"custom": {"discount": "ten"}}),
        )
        .await,
        "custom.discount",
    )
    .await;
    invalid(
        patch(&app, &deal_path, token, &json!({"custom": {"inn": "1"}})).await,
        "custom.inn",
    )
    .await;
    invalid(
        patch(
            &app,
            &lead_path,
            token,
            &json!({"custom": {"channel": "fax"}}),
        )
        .await,
        "custom.channel",
    )
    .await;
    invalid(
        patch(
            &app,
            &company_path,
            token,
            &json!({"custom": {"discount": "1"}}),
        )
        .await,
        "custom.discount",
    )
    .await;
    invalid(
        app.post_json(
            "/api/v1/leads",
            token,
            &json!({"name": "Q", "custom": {"channel": "mail"}}),
        )
        .await,
        "custom.channel",
    )
    .await;
    invalid(
        app.post_json(
            "/api/v1/deals",
            token,
            &json!({"title": "Q", "currency": "RUB", "custom": {"discount": true}}),
        )
        .await,
        "custom.discount",
    )
    .await;
    // A link to a record the writer cannot see is a link to nothing.
    let foreign = app
        .post_json(
            "/api/v1/deals",
            &org.agent.token,
            &json!({"title": "Theirs", "currency": "RUB"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    invalid(
        app.post_json(
            "/api/v1/contacts",
            token,
            &json!({"first_name": "D", "custom": {"deal_ref": id(&foreign)}}),
        )
        .await,
        "custom.deal_ref",
    )
    .await;
    // Changes that pass are kept; the deal list shows them.
    let changed = patch(
        &app,
        &deal_path,
        token,
        &json!({"custom": {"discount": 12}}),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let list = get_json(&app, "/api/v1/deals", token, StatusCode::OK).await;
    assert_eq!(list["items"][0]["custom"], json!({"discount": "12"}));
    assert_eq!(total(&app, "/api/v1/leads", &org.admin).await, 1);
    assert_eq!(total(&app, "/api/v1/deals", &org.admin).await, 2);
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

async fn a_merge_keeps_every_value_and_the_picked_contact_wins(app: TestApp) {
    // Arrange
    let org = Org::hire(&app).await;
    define(
        &app,
        &org.admin,
        "contact",
        json!({"key": "tier", "label": "Tier", "type": "text"}),
    )
    .await;
    define(
        &app,
        &org.admin,
        "contact",
        json!({"key": "city", "label": "City", "type": "text"}),
    )
    .await;
    define(
        &app,
        &org.admin,
        "contact",
        json!({"key": "code", "label": "Code", "type": "text"}),
    )
    .await;
    let token = &org.seller.token;
    let target = create_contact(
        &app,
        token,
        &json!({"first_name": "T", "custom": {"tier": "Silver"}}),
    )
    .await;
    let source = create_contact(
        &app,
        token,
        &json!({"first_name": "S", "custom": {"tier": "Gold", "city": "Казань"}}),
    )
    .await;
    let other = create_contact(
        &app,
        token,
        &json!({"first_name": "O", "custom": {"code": "7"}}),
    )
    .await;
    // Act
    let merged = app
        .post_json(
            "/api/v1/contacts/merge",
            token,
            &json!({"target_id": id(&target), "source_ids": [id(&source), id(&other)],
                    "pick": {"custom": id(&source)}}),
        )
        .await;
    // Assert
    assert_eq!(merged.status(), StatusCode::OK);
    let merged: Value = merged.json().await.unwrap();
    assert_eq!(
        merged["custom"],
        json!({"tier": "Gold", "city": "Казань", "code": "7"})
    );
    app.stop().await;
}
