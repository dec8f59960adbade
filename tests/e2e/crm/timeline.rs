//! The timeline over REST: comments, pages by cursor, and one entry on every record it
//! concerns.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use super::{Org, create_company, create_contact, get_json, id, ids, patch};
use crate::support::app::{TestApp, error_of};

crate::on_both_databases!(
    comments_page_newest_first_without_repeats,
    a_company_change_is_one_entry_on_the_contact_and_both_companies,
);

async fn comments_page_newest_first_without_repeats(app: TestApp) {
    // Arrange
    let org = Org::hire(&app).await;
    let token = &org.seller.token;
    let contact = create_contact(&app, token, &json!({"first_name": "Лента"})).await;
    let path = format!("/api/v1/contacts/{}", id(&contact));
    let mut written = Vec::new();
    for n in 0..7 {
        let response = app
            .post_json(
                &format!("{path}/comments"),
                token,
                &json!({"text": format!("note {n}")}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let entry: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            (entry["kind"].as_str(), entry["summary"].clone()),
            (Some("comment"), json!(format!("note {n}")))
        );
        written.push(id(&entry));
    }
    // Act: pages of three.
    let mut seen = Vec::new();
    let mut page_path = format!("{path}/timeline?limit=3");
    loop {
        let page = get_json(&app, &page_path, token, StatusCode::OK).await;
        seen.extend(ids(&page["entries"]));
        match page["next_cursor"].as_str() {
            Some(cursor) => page_path = format!("{path}/timeline?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    // Assert
    assert_eq!(seen.len(), 7);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>(),
        written.iter().collect::<HashSet<_>>()
    );
    for (body, field) in [(json!({"text": "  "}), "text"), (json!({}), "text")] {
        let (status, _, error) = error_of(
            app.post_json(&format!("{path}/comments"), token, &body)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error["error"]["fields"][field].is_string(), "{error}");
    }
    let (status, _, error) = error_of(
        app.get(&format!("{path}/timeline?cursor=12_x"), token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"]["fields"]["cursor"].is_string());
    app.stop().await;
}

async fn a_company_change_is_one_entry_on_the_contact_and_both_companies(app: TestApp) {
    check_company_change(&app).await;
    app.stop().await;
}

async fn check_company_change(app: &TestApp) {
    // Arrange
    let org = Org::hire(app).await;
    let token = &org.seller.token;
    let old = create_company(app, token, &json!({"name": "Старая"})).await;
    let new = create_company(app, token, &json!({"name": "Новая"})).await;
    let contact = create_contact(
        app,
        token,
        &json!({"first_name": "Пётр", "company_id": id(&old)}),
    )
    .await;
    // Act
    let response = patch(
        app,
        &format!("/api/v1/contacts/{}", id(&contact)),
        token,
        &json!({"company_id": id(&new)}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    // Assert
    let on = |path: String| async move {
        get_json(app, &path, token, StatusCode::OK).await["entries"].clone()
    };
    let contact_entries = on(format!("/api/v1/contacts/{}/timeline", id(&contact))).await;
    let old_entries = on(format!("/api/v1/companies/{}/timeline", id(&old))).await;
    let new_entries = on(format!("/api/v1/companies/{}/timeline", id(&new))).await;
    assert_eq!(contact_entries.as_array().unwrap().len(), 1);
    assert_eq!(contact_entries[0]["kind"], "field_change");
    assert_eq!(contact_entries[0]["summary"], "Company: Старая → Новая");
    assert_eq!(old_entries, contact_entries);
    assert_eq!(new_entries, contact_entries);
    let commented = app
        .post_json(
            &format!("/api/v1/companies/{}/comments", id(&new)),
            token,
            &json!({"text": "renewed"}),
        )
        .await;
    assert_eq!(commented.status(), StatusCode::CREATED);
}
