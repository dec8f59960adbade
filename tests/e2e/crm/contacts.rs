//! Contacts over REST: create with normalization, validation naming the field, list with
//! search, filters, keyset pages and a total, change and delete.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Org, create_company, create_contact, delete, get_json, id, ids, patch};
use crate::support::app::{TestApp, error_of};

crate::on_both_databases!(
    a_contact_is_created_with_normalized_phones_and_read_back,
    bad_input_is_a_422_naming_the_field_and_writes_nothing,
    the_list_searches_filters_and_pages_with_a_total,
    patch_changes_and_clears_fields_and_delete_hides_the_contact,
);

async fn a_contact_is_created_with_normalized_phones_and_read_back(app: TestApp) {
    // Arrange
    let org = Org::hire(&app).await;
    let vip = json!({"key": "vip", "label": "VIP", "type": "boolean"});
    let defined = app
        .post_json("/api/v1/custom-fields/contact", &org.admin, &vip)
        .await;
    assert_eq!(defined.status(), StatusCode::CREATED);
    // Act
    let created = create_contact(
        &app,
        &org.seller.token,
        &json!({
            "first_name": "Анна", "last_name": "Петрова", "position": "CFO",
            "phones": [{"number": "8 (916) 123-45-67", "kind": "work"}, {"number": "+44 20 7946 0958"}],
            "emails": [{"address": "Anna@Example.COM"}],
            "identities": [{"channel": "telegram", "external_id": "100500"}],
            "custom": {"vip": true}
        }),
    )
    .await;
    // Assert
    let card = get_json(
        &app,
        &format!("/api/v1/contacts/{}", id(&created)),
        &org.seller.token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(card, created);
    assert_eq!(
        card["phones"],
        json!([{"number": "+79161234567", "kind": "work"}, {"number": "+442079460958", "kind": "mobile"}])
    );
    assert_eq!(
        card["emails"],
        json!([{"address": "anna@example.com", "kind": "work"}])
    );
    assert_eq!(card["identities"][0]["channel"], "telegram");
    assert_eq!(card["responsible_id"], json!(org.seller.id));
    assert_eq!(card["custom"], json!({"vip": true}));
    app.stop().await;
}

async fn bad_input_is_a_422_naming_the_field_and_writes_nothing(app: TestApp) {
    let org = Org::hire(&app).await;
    let cases = [
        (
            json!({"first_name": "A", "phones": [{"number": "+79161234567"}, {"number": "12-34"}]}),
            "phones[1].number",
        ),
        (
            json!({"first_name": "A", "phones": [{"number": "+79161234567", "kind": "fax"}]}),
            "phones[0].kind",
        ),
        (
            json!({"first_name": "A", "emails": [{"address": "not an address"}]}),
            "emails[0].address",
        ),
        (
            json!({"first_name": "A", "identities": [{"channel": "icq", "external_id": "1"}]}),
            "identities[0].channel",
        ),
        (
            json!({"first_name": "A", "company_id": "nope"}),
            "company_id",
        ),
        (
            json!({"first_name": "A", "company_id": "0190a0a0-0000-7000-8000-000000000000"}),
            "company_id",
        ),
        (
            json!({"first_name": "A", "responsible_id": "0190a0a0-0000-7000-8000-000000000000"}),
            "responsible_id",
        ),
        (json!({"first_name": "A", "custom": [1, 2]}), "custom"),
        (json!({"first_name": "x".repeat(101)}), "first_name"),
        (json!({"position": "nobody"}), "first_name"),
    ];
    for (body, field) in cases {
        let (status, code, error) = error_of(
            app.post_json("/api/v1/contacts", &org.seller.token, &body)
                .await,
        )
        .await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            "{body}"
        );
        assert!(
            error["error"]["fields"][field].is_string(),
            "{field}: {error}"
        );
    }
    let list = get_json(&app, "/api/v1/contacts", &org.admin, StatusCode::OK).await;
    assert_eq!(list["total"], 0);
    app.stop().await;
}

async fn the_list_searches_filters_and_pages_with_a_total(app: TestApp) {
    // Arrange: seven contacts, three of them at one company.
    let org = Org::hire(&app).await;
    let company = create_company(&app, &org.seller.token, &json!({"name": "ООО «Вектор»"})).await;
    let mut created = Vec::new();
    for n in 0..7 {
        let mut body = json!({"first_name": "Клиент", "last_name": format!("Номер{n}"), "phones": [{"number": format!("+7 495 000-00-0{n}")}]});
        if n < 3 {
            body["company_id"] = json!(id(&company));
        }
        created.push(id(&create_contact(&app, &org.seller.token, &body).await));
    }
    let token = &org.seller.token;
    // Act and assert: search by name prefix, by phone in another format, by company.
    let by_name = get_json(
        &app,
        "/api/v1/contacts?q=%D0%BD%D0%BE%D0%BC%D0%B5%D1%803",
        token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&by_name["items"]), [created[3].clone()]);
    let by_phone = get_json(
        &app,
        "/api/v1/contacts?q=8%20(495)%20000-00-05",
        token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (ids(&by_phone["items"]), by_phone["total"].clone()),
        (vec![created[5].clone()], json!(1))
    );
    let by_company = get_json(
        &app,
        &format!("/api/v1/contacts?company_id={}", id(&company)),
        token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_company["total"], 3);
    let mine = get_json(
        &app,
        &format!("/api/v1/contacts?responsible_id={}", org.seller.id),
        &org.admin,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["total"], 7);
    // Pages of three: 3 + 3 + 1, the total on the first page only, nothing twice.
    let mut seen = Vec::new();
    let mut path = "/api/v1/contacts?limit=3".to_owned();
    let mut totals = Vec::new();
    loop {
        let page = get_json(&app, &path, token, StatusCode::OK).await;
        seen.extend(ids(&page["items"]));
        totals.push(page["total"].clone());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/contacts?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(totals, [json!(7), Value::Null, Value::Null]);
    assert_eq!(seen.len(), 7);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>(),
        created.iter().collect::<HashSet<_>>()
    );
    created.reverse();
    assert_eq!(seen, created, "newest first");
    for (path, field) in [
        ("/api/v1/contacts?cursor=zzz", "cursor"),
        ("/api/v1/contacts?limit=many", "limit"),
        ("/api/v1/contacts?company_id=1", "company_id"),
    ] {
        let (status, _, error) = error_of(app.get(path, token).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error["error"]["fields"][field].is_string(), "{error}");
    }
    app.stop().await;
}

async fn patch_changes_and_clears_fields_and_delete_hides_the_contact(app: TestApp) {
    let org = Org::hire(&app).await;
    let token = &org.seller.token;
    let contact = create_contact(&app, token, &json!({"first_name": "Ольга", "address": "Тверская, 1", "phones": [{"number": "+79160000001"}]})).await;
    let path = format!("/api/v1/contacts/{}", id(&contact));
    // Act
    let changed = patch(&app, &path, token, &json!({"position": "CEO", "address": null, "phones": [{"number": "8 916 000-00-02", "kind": "home"}]})).await;
    // Assert
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["position"], "CEO");
    assert_eq!(changed["address"], Value::Null);
    assert_eq!(changed["first_name"], "Ольга");
    assert_eq!(
        changed["phones"],
        json!([{"number": "+79160000002", "kind": "home"}])
    );
    let (status, _, error) =
        error_of(patch(&app, &path, token, &json!({"emails": [{"address": "@"}]})).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"]["fields"]["emails[0].address"].is_string());
    assert_eq!(
        delete(&app, &path, token).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, code, _) = error_of(app.get(&path, token).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert_eq!(
        get_json(&app, "/api/v1/contacts", token, StatusCode::OK).await["total"],
        0
    );
    let (status, _, _) = error_of(app.get("/api/v1/contacts/not-an-id", token).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}
