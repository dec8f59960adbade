//! Lists filtered by custom values (`custom.<key>=<value>`): contacts, companies, deals and
//! leads keep exactly the records holding every value asked for, in any letter case only
//! as stored; a key found inside another field's text is no match; a field that does not
//! exist, a value not of its type, and a field the caller cannot see are 422s naming it.

use reqwest::StatusCode;
use serde_json::json;

use super::{define, invalid};
use crate::{
    crm::{Org, create_company, create_contact, get_json},
    support::app::TestApp,
};

crate::on_both_databases!(lists_keep_exactly_the_records_holding_the_custom_values_asked_for);

/// The names (or titles) of a list's records, sorted, and its total.
async fn listed(app: &TestApp, path: &str, token: &str, name: &str) -> (Vec<String>, i64) {
    let page = get_json(app, path, token, StatusCode::OK).await;
    let mut names: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[name].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    (names, page["total"].as_i64().unwrap())
}

async fn lists_keep_exactly_the_records_holding_the_custom_values_asked_for(app: TestApp) {
    // Arrange: contact fields, one of them only supervisors and admins see.
    let org = Org::hire(&app).await;
    for body in [
        json!({"key": "tier", "label": "Tier", "type": "list", "options": ["Gold", "Silver"]}),
        json!({"key": "vip", "label": "VIP", "type": "boolean"}),
        json!({"key": "notes", "label": "Notes", "type": "text"}),
        json!({"key": "margin", "label": "Margin", "type": "number",
               "visible_to": ["supervisor"], "editable_by": ["supervisor"]}),
    ] {
        define(&app, &org.admin, "contact", body).await;
    }
    let token = org.seller.token.clone();
    for (name, custom) in [
        ("Anna", json!({"tier": "Gold", "vip": true})),
        ("Boris", json!({"tier": "Silver", "vip": true})),
        ("Vera", json!({"tier": "Gold", "vip": false})),
        ("Gleb", json!({})),
        // The text of another field spells the filter out: not a match.
        (
            "Dina",
            json!({"tier": "Silver", "notes": "\"tier\":\"Gold\", she asked"}),
        ),
    ] {
        create_contact(&app, &token, &json!({"first_name": name, "custom": custom})).await;
    }

    // Act and assert: one value, then two.
    let gold = listed(
        &app,
        "/api/v1/contacts?custom.tier=Gold",
        &token,
        "first_name",
    )
    .await;
    assert_eq!(gold, (vec!["Anna".to_owned(), "Vera".to_owned()], 2));
    let gold_vip = listed(
        &app,
        "/api/v1/contacts?custom.tier=Gold&custom.vip=true&limit=1",
        &token,
        "first_name",
    )
    .await;
    assert_eq!(gold_vip, (vec!["Anna".to_owned()], 1));
    let not_vip = listed(
        &app,
        "/api/v1/contacts?custom.vip=false",
        &token,
        "first_name",
    )
    .await;
    assert_eq!(not_vip, (vec!["Vera".to_owned()], 1));

    // Bad filters name the field: unknown, not an option, not a boolean, not seen by sellers.
    for (query, field, says) in [
        (
            "custom.colour=red",
            "custom.colour",
            "is not a custom field of contacts",
        ),
        (
            "custom.tier=gold",
            "custom.tier",
            "must be one of: Gold, Silver",
        ),
        ("custom.vip=yes", "custom.vip", "must be true or false"),
        (
            "custom.margin=5",
            "custom.margin",
            "is not a custom field of contacts",
        ),
    ] {
        let response = app.get(&format!("/api/v1/contacts?{query}"), &token).await;
        assert_eq!(invalid(response, field).await, says, "{query}");
    }

    // Companies, deals and leads filter by their own fields.
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
    for (name, inn) in [("Альфа", "7701"), ("Бета", "7702")] {
        create_company(&app, &token, &json!({"name": name, "custom": {"inn": inn}})).await;
    }
    for (title, discount) in [("Supply", "7.50"), ("Service", "10")] {
        let response = app
            .post_json(
                "/api/v1/deals",
                &token,
                &json!({"title": title, "currency": "RUB", "custom": {"discount": discount}}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    for (name, channel) in [("Пётр", "web"), ("Олег", "phone")] {
        let response = app
            .post_json(
                "/api/v1/leads",
                &token,
                &json!({"name": name, "custom": {"channel": channel}}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let companies = listed(&app, "/api/v1/companies?custom.inn=7702", &token, "name").await;
    assert_eq!(companies, (vec!["Бета".to_owned()], 1));
    // "7.500" is the number 7.5, as the deal stores it.
    let deals = listed(&app, "/api/v1/deals?custom.discount=7.500", &token, "title").await;
    assert_eq!(deals, (vec!["Supply".to_owned()], 1));
    let leads = listed(&app, "/api/v1/leads?custom.channel=phone", &token, "name").await;
    assert_eq!(leads, (vec!["Олег".to_owned()], 1));
    let wrong_kind = app.get("/api/v1/deals?custom.inn=7702", &token).await;
    assert_eq!(
        invalid(wrong_kind, "custom.inn").await,
        "is not a custom field of deals"
    );
    app.stop().await;
}
