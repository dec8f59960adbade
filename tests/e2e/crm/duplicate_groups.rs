//! The duplicate finder over REST: every group of look-alike records, a page at a time.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Org, create_company, create_contact, get_json, id};
use crate::support::app::{TestApp, error_of};

crate::on_both_databases!(
    groups_share_a_phone_an_email_or_a_name_within_what_the_caller_sees,
    groups_come_a_page_at_a_time_and_a_bad_cursor_is_refused,
    companies_group_by_name_without_the_legal_form,
);

/// `(reason, ids of the records)` of each group, in order.
fn summary(page: &Value) -> Vec<(String, Vec<String>)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            let ids = group["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(id)
                .collect();
            (group["reason"].as_str().unwrap().to_owned(), ids)
        })
        .collect()
}

/// `raw` as a query-string value: every byte but letters and digits escaped.
fn percent_encoded(raw: &str) -> String {
    raw.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

async fn groups_share_a_phone_an_email_or_a_name_within_what_the_caller_sees(app: TestApp) {
    // Arrange
    let org = Org::hire(&app).await;
    let seller = &org.seller.token;
    let ivan = create_contact(&app, seller, &json!({"first_name": "Иван", "last_name": "Петров", "phones": [{"number": "8 (916) 111-22-33"}]})).await;
    let latin = create_contact(&app, seller, &json!({"first_name": "Ivan", "last_name": "Petrov", "emails": [{"address": "same@example.com"}]})).await;
    let other = create_contact(&app, seller, &json!({"first_name": "Пётр", "last_name": "Сидоров", "phones": [{"number": "+7 916 111 2233"}], "emails": [{"address": "SAME@example.com"}]})).await;
    // The agent's contacts share values with the seller's, and one e-mail only with each other's.
    let agents = create_contact(&app, &org.agent.token, &json!({"first_name": "Анна", "phones": [{"number": "+79161112233"}], "emails": [{"address": "agent@example.com"}]})).await;
    create_contact(
        &app,
        seller,
        &json!({"first_name": "Олег", "emails": [{"address": "agent@example.com"}]}),
    )
    .await;
    let deleted = create_contact(
        &app,
        seller,
        &json!({"first_name": "Ivan", "last_name": "Petrov"}),
    )
    .await;
    let response = super::delete(&app, &format!("/api/v1/contacts/{}", id(&deleted)), seller).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // Act
    let seen_by_seller = get_json(
        &app,
        "/api/v1/contacts/duplicate-groups",
        seller,
        StatusCode::OK,
    )
    .await;
    let seen_by_admin = get_json(
        &app,
        "/api/v1/contacts/duplicate-groups",
        &org.admin,
        StatusCode::OK,
    )
    .await;
    // Assert
    let (ivan, latin, other, agents) = (id(&ivan), id(&latin), id(&other), id(&agents));
    assert_eq!(
        summary(&seen_by_seller),
        vec![
            ("phone".to_owned(), vec![other.clone(), ivan.clone()]),
            ("email".to_owned(), vec![other.clone(), latin.clone()]),
            ("name".to_owned(), vec![latin.clone(), ivan.clone()]),
        ]
    );
    let phone = &seen_by_seller["items"][0];
    assert_eq!(
        (&phone["value"], &phone["size"]),
        (&json!("+79161112233"), &json!(2))
    );
    assert_eq!(seen_by_seller["items"][1]["value"], "same@example.com");
    assert_eq!(seen_by_seller["next_cursor"], Value::Null);
    let admin_groups = summary(&seen_by_admin);
    assert_eq!(admin_groups.len(), 4, "{seen_by_admin}");
    assert_eq!(
        admin_groups[0],
        ("phone".to_owned(), vec![agents, other, ivan])
    );
    assert_eq!(seen_by_admin["items"][0]["size"], 3);
    assert_eq!(seen_by_admin["items"][1]["value"], "agent@example.com");
    app.stop().await;
}

async fn groups_come_a_page_at_a_time_and_a_bad_cursor_is_refused(app: TestApp) {
    // Arrange
    let org = Org::hire(&app).await;
    let token = &org.seller.token;
    for phone in ["+79160000001", "+79160000002"] {
        for name in ["Анна", "Мария"] {
            create_contact(
                &app,
                token,
                &json!({"first_name": name, "phones": [{"number": phone}]}),
            )
            .await;
        }
    }
    // Act
    let mut pages = Vec::new();
    let mut path = "/api/v1/contacts/duplicate-groups?limit=1".to_owned();
    loop {
        let page = get_json(&app, &path, token, StatusCode::OK).await;
        pages.push(page["items"].clone());
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                let cursor = percent_encoded(cursor);
                path = format!("/api/v1/contacts/duplicate-groups?limit=1&cursor={cursor}");
            }
            None => break,
        }
        assert!(pages.len() < 10, "the pages never end");
    }
    // Assert
    let groups: Vec<(&Value, &Value)> = pages
        .iter()
        .map(|page| (&page[0]["reason"], &page[0]["value"]))
        .collect();
    assert_eq!(pages.len(), 4, "{pages:?}");
    assert!(pages.iter().all(|page| page.as_array().unwrap().len() == 1));
    assert_eq!(
        groups.iter().map(|group| group.0).collect::<Vec<_>>(),
        vec!["phone", "phone", "name", "name"]
    );
    assert_eq!(
        (groups[0].1, groups[1].1),
        (&json!("+79160000001"), &json!("+79160000002"))
    );
    assert_ne!(groups[2].1, groups[3].1);
    for (path, field) in [
        (
            "/api/v1/contacts/duplicate-groups?cursor=nonsense",
            "cursor",
        ),
        (
            "/api/v1/contacts/duplicate-groups?cursor=fax%3A%2B1",
            "cursor",
        ),
        ("/api/v1/contacts/duplicate-groups?limit=many", "limit"),
        ("/api/v1/companies/duplicate-groups?cursor=phone", "cursor"),
    ] {
        let (status, _, error) = error_of(app.get(path, token).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(error["error"]["fields"][field].is_string(), "{error}");
    }
    app.stop().await;
}

async fn companies_group_by_name_without_the_legal_form(app: TestApp) {
    // Arrange
    let org = Org::hire(&app).await;
    let token = &org.seller.token;
    let legal = create_company(&app, token, &json!({"name": "ООО «Рога и Копыта»"})).await;
    let plain = create_company(&app, token, &json!({"name": "Рога и Копыта"})).await;
    create_company(&app, token, &json!({"name": "Рога и Хвосты"})).await;
    // Act
    let page = get_json(
        &app,
        "/api/v1/companies/duplicate-groups",
        token,
        StatusCode::OK,
    )
    .await;
    // Assert
    assert_eq!(
        summary(&page),
        vec![("name".to_owned(), vec![id(&plain), id(&legal)])]
    );
    app.stop().await;
}
