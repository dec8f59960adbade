//! Duplicates and merge over REST.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Org, create_company, create_contact, get_json, id};
use crate::support::app::{TestApp, error_of};

crate::on_both_databases!(
    duplicates_find_people_and_companies_in_other_spellings,
    merge_moves_identities_and_timeline_and_is_in_the_audit_log,
);

async fn duplicates_find_people_and_companies_in_other_spellings(app: TestApp) {
    // Arrange
    let org = Org::hire(&app).await;
    let token = &org.seller.token;
    let ivanov = create_contact(&app, token, &json!({"first_name": "Иван", "last_name": "Иванов", "phones": [{"number": "8 (916) 123-45-67"}]})).await;
    let latin = create_contact(&app, token, &json!({"first_name": "Ivan", "last_name": "Ivanov", "emails": [{"address": "ivan@example.com"}]})).await;
    let horns = create_company(&app, token, &json!({"name": "ООО «Рога и Копыта»"})).await;
    create_company(&app, token, &json!({"name": "Рога и Хвосты"})).await;
    // Act
    let of_contact = get_json(
        &app,
        &format!("/api/v1/contacts/duplicates?contact_id={}", id(&ivanov)),
        token,
        StatusCode::OK,
    )
    .await;
    let by_phone = get_json(
        &app,
        "/api/v1/contacts/duplicates?phone=%2B7%20916%201234567",
        token,
        StatusCode::OK,
    )
    .await;
    let by_email = get_json(
        &app,
        "/api/v1/contacts/duplicates?email=IVAN%40example.com",
        token,
        StatusCode::OK,
    )
    .await;
    let companies = get_json(
        &app,
        "/api/v1/companies/duplicates?name=%D0%A0%D0%BE%D0%B3%D0%B0%20%D0%B8%20%D0%9A%D0%BE%D0%BF%D1%8B%D1%82%D0%B0",
        token,
        StatusCode::OK,
    )
    .await;
    // Assert
    assert_eq!(of_contact, json!([{"contact": latin, "reasons": ["name"]}]));
    assert_eq!(by_phone[0]["contact"]["id"], ivanov["id"]);
    assert_eq!(by_phone[0]["reasons"], json!(["phone"]));
    assert_eq!(by_email[0]["contact"]["id"], latin["id"]);
    assert_eq!(companies, json!([{"company": horns, "reasons": ["name"]}]));
    for (path, field) in [
        ("/api/v1/contacts/duplicates", "phone"),
        ("/api/v1/contacts/duplicates?phone=12", "phone"),
        ("/api/v1/contacts/duplicates?contact_id=x", "contact_id"),
    ] {
        let (status, _, error) = error_of(app.get(path, token).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(error["error"]["fields"][field].is_string(), "{error}");
    }
    app.stop().await;
}

async fn merge_moves_identities_and_timeline_and_is_in_the_audit_log(app: TestApp) {
    // Arrange
    let org = Org::hire(&app).await;
    let token = &org.seller.token;
    let target = create_contact(&app, token, &json!({"first_name": "Иван", "last_name": "Иванов", "phones": [{"number": "+79160000001"}]})).await;
    let source = create_contact(
        &app,
        token,
        &json!({"first_name": "Ivan", "last_name": "Ivanov", "position": "CTO",
                "emails": [{"address": "ivan@example.com"}],
                "identities": [{"channel": "whatsapp", "external_id": "79160000002"}]}),
    )
    .await;
    let comment = app
        .post_json(
            &format!("/api/v1/contacts/{}/comments", id(&source)),
            token,
            &json!({"text": "called back"}),
        )
        .await;
    let comment: Value = comment.json().await.unwrap();
    // A merge into itself is refused and changes nothing.
    let (status, _, error) = error_of(
        app.post_json(
            "/api/v1/contacts/merge",
            token,
            &json!({"target_id": id(&target), "source_ids": [id(&target)]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error["error"]["fields"]["source_ids"].is_string(),
        "{error}"
    );
    let (status, _, error) = error_of(
        app.post_json("/api/v1/contacts/merge", token, &json!({"target_id": id(&target), "source_ids": [id(&source)], "pick": {"nickname": id(&source)}})).await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error["error"]["fields"]["pick.nickname"].is_string(),
        "{error}"
    );
    assert_eq!(
        get_json(&app, "/api/v1/contacts", token, StatusCode::OK).await["total"],
        2
    );
    // Act
    let merged = app
        .post_json(
            "/api/v1/contacts/merge",
            token,
            &json!({"target_id": id(&target), "source_ids": [id(&source)], "pick": {"first_name": id(&source)}}),
        )
        .await;
    // Assert
    assert_eq!(merged.status(), StatusCode::OK);
    let merged: Value = merged.json().await.unwrap();
    assert_eq!(merged["id"], target["id"]);
    assert_eq!(
        (
            merged["first_name"].as_str(),
            merged["last_name"].as_str(),
            merged["position"].as_str()
        ),
        (Some("Ivan"), Some("Иванов"), Some("CTO"))
    );
    assert_eq!(merged["emails"][0]["address"], "ivan@example.com");
    assert_eq!(merged["identities"][0]["external_id"], "79160000002");
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{}", id(&source)), token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let timeline = get_json(
        &app,
        &format!("/api/v1/contacts/{}/timeline", id(&target)),
        token,
        StatusCode::OK,
    )
    .await;
    let entries = timeline["entries"].as_array().unwrap();
    assert_eq!(entries[0]["kind"], "merge");
    assert!(entries.iter().any(|entry| entry["id"] == comment["id"]));
    let audit = get_json(&app, "/api/v1/audit", &org.admin, StatusCode::OK).await;
    let merge = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["action"] == "contact.merge")
        .expect("audited");
    assert_eq!(merge["target_id"], target["id"]);
    assert_eq!(merge["actor_id"], json!(org.seller.id));
    assert_eq!(
        get_json(&app, "/api/v1/contacts", token, StatusCode::OK).await["total"],
        1
    );
    app.stop().await;
}
