//! An export imported into a fresh database gives the same records, and imported again
//! updates them instead of duplicating; an export longer than a page loses nothing.

use serde_json::json;

use super::{export, fresh_like, import_ok, rows};
use crate::{
    crm::{create_company, create_contact, custom_fields::define, get_json, id},
    support::app::TestApp,
};

crate::on_both_databases!(
    an_export_imported_into_a_fresh_database_gives_the_same_records,
    an_export_of_several_pages_holds_every_record_once,
);

/// Columns that differ between installations by nature: ids and times.
const NOT_PORTABLE: [&str; 5] = ["id", "company_id", "contact_id", "created_at", "updated_at"];

fn comparable(file: &str) -> Vec<Vec<(String, String)>> {
    let mut rows: Vec<Vec<(String, String)>> = rows(file)
        .into_iter()
        .map(|row| {
            row.into_iter()
                .filter(|(column, _)| !NOT_PORTABLE.contains(&column.as_str()))
                .collect()
        })
        .collect();
    rows.sort();
    rows
}

/// The custom fields the records below carry, defined alike in both databases.
async fn define_fields(app: &TestApp, admin: &str) {
    for (entity, body) in [
        (
            "company",
            json!({"key": "inn", "label": "INN", "type": "text"}),
        ),
        (
            "company",
            json!({"key": "tier", "label": "Tier", "type": "list", "options": ["gold", "silver"]}),
        ),
        (
            "contact",
            json!({"key": "score", "label": "Score", "type": "number"}),
        ),
        (
            "contact",
            json!({"key": "code", "label": "Code", "type": "text"}),
        ),
        (
            "contact",
            json!({"key": "vip", "label": "VIP", "type": "boolean"}),
        ),
    ] {
        define(app, admin, entity, body).await;
    }
}

async fn an_export_imported_into_a_fresh_database_gives_the_same_records(app: TestApp) {
    // Arrange: records with every supported column, awkward text included.
    let admin = app.admin_token().await;
    define_fields(&app, &admin).await;
    let (_, seller) = app.create_user(&admin, "seller", "operator").await;
    let company = create_company(
        &app,
        &seller,
        &json!({"name": "ООО \"Ромашка\", Москва", "address": "Тверская 1\nофис 5",
                "phones": [{"number": "+7 495 111-22-33", "kind": "work"}],
                "emails": [{"address": "info@romashka.ru"}],
                "custom": {"inn": "7701234567", "tier": "gold"}}),
    )
    .await;
    let ivan = create_contact(
        &app,
        &seller,
        &json!({"first_name": "Иван", "last_name": "Петров", "middle_name": "Сергеевич",
                "position": "CEO", "company_id": id(&company), "address": "a, \"b\"; c",
                "source": "fair",
                "phones": [{"number": "8 916 123-45-67"}, {"number": "+44 20 7946 0958", "kind": "home"}],
                "emails": [{"address": "Ivan@Example.com", "kind": "home"}],
                "identities": [{"channel": "telegram", "external_id": "12345"}],
                "custom": {"score": 42, "code": "42", "vip": true}}),
    )
    .await;
    create_contact(
        &app,
        &admin,
        &json!({"first_name": "Anna", "emails": [{"address": "anna@example.com"}]}),
    )
    .await;
    let pipelines = get_json(&app, "/api/v1/pipelines", &admin, reqwest::StatusCode::OK).await;
    let proposal = pipelines[0]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|stage| stage["name"] == "Proposal")
        .map(id)
        .unwrap();
    for (token, body) in [
        (
            &seller,
            json!({"title": "Поставка; партия 1", "amount": "1250.50", "currency": "RUB",
                   "stage_id": proposal, "probability": 35, "contact_id": id(&ivan),
                   "company_id": id(&company), "expected_close": "2027-01-31", "source": "web"}),
        ),
        (&admin, json!({"title": "Zero", "currency": "USD"})),
    ] {
        let response = app.post_json("/api/v1/deals", token, &body).await;
        assert_eq!(response.status(), reqwest::StatusCode::CREATED, "{body}");
    }
    let fresh = fresh_like(&app).await;
    let fresh_admin = fresh.admin_token().await;
    fresh.create_user(&fresh_admin, "seller", "operator").await;
    define_fields(&fresh, &fresh_admin).await;

    for (entity, count) in [("companies", 1), ("contacts", 2), ("deals", 2)] {
        // Act
        let file = export(&app, entity, &admin).await;
        let report = import_ok(&fresh, entity, &fresh_admin, &file).await;
        // Assert
        assert_eq!(report["imported"], json!(count), "{entity}: {report}");
        assert_eq!(
            (report["failed"].clone(), report["updated"].clone()),
            (json!(0), json!(0))
        );
        let copied = export(&fresh, entity, &fresh_admin).await;
        assert_eq!(comparable(&copied), comparable(&file), "{entity}");
        assert_eq!(rows(&copied).len(), count);

        // Imported again, the rows name records that exist now: they are updated.
        let again = import_ok(&fresh, entity, &fresh_admin, &copied).await;
        assert_eq!(again["updated"], json!(count), "{entity}: {again}");
        assert_eq!(
            comparable(&export(&fresh, entity, &fresh_admin).await),
            comparable(&file)
        );
    }
    // The deal found its contact and company in the new database by e-mail and name.
    let deals = rows(&export(&fresh, "deals", &fresh_admin).await);
    let supply = deals.iter().find(|deal| deal["currency"] == "RUB").unwrap();
    assert_eq!(supply["contact_email"], "ivan@example.com");
    assert_eq!(supply["company_name"], "ООО \"Ромашка\", Москва");
    assert!(!supply["contact_id"].is_empty() && !supply["company_id"].is_empty());
    assert_eq!(supply["responsible"], "seller");
    fresh.stop().await;
    app.stop().await;
}

async fn an_export_of_several_pages_holds_every_record_once(app: TestApp) {
    // Arrange: more records than one page of the export (200), deals with amounts in both
    // directions of the default sort.
    let admin = app.admin_token().await;
    let count = 450;
    let contacts: String = (0..count).map(|n| format!("Person{n}\n")).collect();
    let deals: String = (0..count)
        .map(|n| format!("Deal{n},{},RUB\n", n % 7))
        .collect();
    let report = import_ok(&app, "contacts", &admin, &format!("first_name\n{contacts}")).await;
    assert_eq!(report["imported"], json!(count));
    let report = import_ok(
        &app,
        "deals",
        &admin,
        &format!("title,amount,currency\n{deals}"),
    )
    .await;
    assert_eq!(report["imported"], json!(count));
    for (entity, column) in [("contacts", "first_name"), ("deals", "title")] {
        // Act
        let file = export(&app, entity, &admin).await;
        // Assert
        let mut names: Vec<String> = rows(&file)
            .into_iter()
            .map(|row| row[column].clone())
            .collect();
        assert_eq!(names.len(), count, "{entity}");
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "{entity}: a record twice");
    }
    // The list's sort carries across pages too.
    let sorted = app.get("/api/v1/deals/export?sort=amount", &admin).await;
    let rows = rows(&sorted.text().await.unwrap());
    let amounts: Vec<f64> = rows
        .iter()
        .map(|row| row["amount"].parse().unwrap())
        .collect();
    assert_eq!(amounts.len(), count);
    assert!(
        amounts.windows(2).all(|pair| pair[0] <= pair[1]),
        "{amounts:?}"
    );
    app.stop().await;
}
