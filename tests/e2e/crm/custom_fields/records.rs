//! Every kind of record checks its own fields (deals, leads, companies, links between them),
//! and a merge of contacts keeps every value with the picked contact winning.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{define, invalid, values::total};
use crate::{
    crm::{Org, create_company, create_contact, get_json, id, patch},
    support::app::TestApp,
};

crate::on_both_databases!(
    deals_leads_and_companies_check_their_own_fields,
    a_merge_keeps_every_value_and_the_picked_contact_wins,
);

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
