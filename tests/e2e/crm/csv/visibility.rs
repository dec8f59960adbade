//! An export holds exactly what the exporter's list shows, role by role; viewers may
//! export but not import.

use reqwest::StatusCode;
use serde_json::json;

use super::{export, import, rows};
use crate::{
    crm::{Org, create_contact, get_json, ids},
    support::app::{TestApp, error_of},
};

crate::on_both_databases!(
    each_roles_export_holds_exactly_what_its_list_shows,
    a_viewer_can_export_but_not_import,
);

async fn each_roles_export_holds_exactly_what_its_list_shows(app: TestApp) {
    // Arrange: a contact and a deal for each of three people in two department trees.
    let org = Org::hire(&app).await;
    for (token, name) in [
        (&org.seller.token, "Север"),
        (&org.agent.token, "Поддержка"),
        (&org.supervisor.token, "Глава"),
    ] {
        create_contact(&app, token, &json!({"last_name": name})).await;
        let deal = json!({"title": name, "currency": "RUB", "amount": "10"});
        let response = app.post_json("/api/v1/deals", token, &deal).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let callers = [
        &org.admin,
        &org.supervisor.token,
        &org.seller.token,
        &org.agent.token,
        &org.viewer.token,
    ];
    for token in callers {
        for entity in ["contacts", "deals"] {
            // Act
            let list = get_json(&app, &format!("/api/v1/{entity}"), token, StatusCode::OK).await;
            let file = export(&app, entity, token).await;
            // Assert
            let exported: Vec<String> = rows(&file)
                .into_iter()
                .map(|row| row["id"].clone())
                .collect();
            assert_eq!(exported, ids(&list["items"]), "{entity}");
        }
    }
    // The list's filters narrow the export too.
    let filtered = app
        .get(
            &format!("/api/v1/contacts/export?responsible_id={}", org.seller.id),
            &org.admin,
        )
        .await;
    let file = filtered.text().await.unwrap();
    let names: Vec<String> = rows(&file)
        .into_iter()
        .map(|row| row["last_name"].clone())
        .collect();
    assert_eq!(names, ["Север"]);
    app.stop().await;
}

async fn a_viewer_can_export_but_not_import(app: TestApp) {
    let org = Org::hire(&app).await;
    let file = export(&app, "contacts", &org.viewer.token).await;
    assert!(file.starts_with("id,first_name,last_name"), "{file}");
    assert!(rows(&file).is_empty());

    let response = import(&app, "contacts", &org.viewer.token, "first_name\nAnna\n").await;

    let (status, code, _) = error_of(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let list = get_json(&app, "/api/v1/contacts", &org.admin, StatusCode::OK).await;
    assert_eq!(list["total"], json!(0));
    app.stop().await;
}
