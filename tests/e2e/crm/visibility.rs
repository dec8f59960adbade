//! Visibility by role over REST: operators see their own contacts, a supervisor the
//! department subtree they head, an admin everything; viewers read only; a contact outside
//! the caller's sight is a 404 in every route, and absent from search and totals.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Org, create_contact, delete, get_json, id, ids, patch};
use crate::support::app::{TestApp, error_of};

crate::on_both_databases!(
    each_role_lists_searches_and_counts_exactly_what_it_may_see,
    a_contact_outside_the_callers_sight_is_404_in_every_route,
    a_viewer_gets_403_on_every_write,
);

async fn each_role_lists_searches_and_counts_exactly_what_it_may_see(app: TestApp) {
    // Arrange: one contact each for the seller, the agent and the supervisor.
    let org = Org::hire(&app).await;
    let north = id(&create_contact(
        &app,
        &org.seller.token,
        &json!({"first_name": "Общий", "last_name": "Север"}),
    )
    .await);
    let support = id(&create_contact(
        &app,
        &org.agent.token,
        &json!({"first_name": "Общий", "last_name": "Поддержка"}),
    )
    .await);
    let head = id(&create_contact(
        &app,
        &org.supervisor.token,
        &json!({"first_name": "Общий", "last_name": "Глава"}),
    )
    .await);
    let expected: [(&str, Vec<&String>); 5] = [
        (&org.admin, vec![&head, &support, &north]),
        (&org.supervisor.token, vec![&head, &north]),
        (&org.seller.token, vec![&north]),
        (&org.agent.token, vec![&support]),
        (&org.viewer.token, vec![]),
    ];
    for (token, sees) in expected {
        // Act
        let list = get_json(&app, "/api/v1/contacts", token, StatusCode::OK).await;
        let search = get_json(
            &app,
            "/api/v1/contacts?q=%D0%BE%D0%B1%D1%89",
            token,
            StatusCode::OK,
        )
        .await;
        // Assert
        let sees: Vec<String> = sees.into_iter().cloned().collect();
        assert_eq!(ids(&list["items"]), sees);
        assert_eq!(list["total"], json!(sees.len()));
        assert_eq!(ids(&search["items"]), sees);
        assert_eq!(search["total"], json!(sees.len()));
    }
    app.stop().await;
}

async fn a_contact_outside_the_callers_sight_is_404_in_every_route(app: TestApp) {
    let org = Org::hire(&app).await;
    let foreign = create_contact(
        &app,
        &org.agent.token,
        &json!({"first_name": "Чужой", "phones": [{"number": "+79169998877"}]}),
    )
    .await;
    let path = format!("/api/v1/contacts/{}", id(&foreign));
    let token = &org.seller.token;
    let responses = [
        app.get(&path, token).await,
        app.get(&format!("{path}/timeline"), token).await,
        app.post_json(
            &format!("{path}/comments"),
            token,
            &json!({"text": "hello"}),
        )
        .await,
        app.post_json(
            &format!("{path}/identities"),
            token,
            &json!({"channel": "telegram", "external_id": "1"}),
        )
        .await,
        patch(&app, &path, token, &json!({"position": "x"})).await,
        delete(&app, &path, token).await,
        app.get(
            &format!("/api/v1/contacts/duplicates?contact_id={}", id(&foreign)),
            token,
        )
        .await,
    ];
    for response in responses {
        let (status, code, body) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{body}"
        );
    }
    let search = get_json(
        &app,
        "/api/v1/contacts?q=%2B79169998877",
        token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (search["items"].clone(), search["total"].clone()),
        (json!([]), json!(0))
    );
    let similar = get_json(
        &app,
        "/api/v1/contacts/duplicates?phone=89169998877",
        token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(similar, json!([]));
    // The supervisor of another department does not see it either; the admin does.
    assert_eq!(
        app.get(&path, &org.supervisor.token).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&path, &org.admin).await.status(), StatusCode::OK);
    app.stop().await;
}

async fn a_viewer_gets_403_on_every_write(app: TestApp) {
    let org = Org::hire(&app).await;
    let own = create_contact(
        &app,
        &org.admin,
        &json!({"first_name": "Вера", "responsible_id": org.viewer.id}),
    )
    .await;
    let other = create_contact(
        &app,
        &org.admin,
        &json!({"first_name": "Другой", "responsible_id": org.viewer.id}),
    )
    .await;
    let path = format!("/api/v1/contacts/{}", id(&own));
    let token = &org.viewer.token;
    assert_eq!(
        get_json(&app, &path, token, StatusCode::OK).await["first_name"],
        "Вера"
    );
    let responses = [
        app.post_json("/api/v1/contacts", token, &json!({"first_name": "Новый"}))
            .await,
        app.post_json("/api/v1/companies", token, &json!({"name": "Новая"}))
            .await,
        patch(&app, &path, token, &json!({"position": "x"})).await,
        delete(&app, &path, token).await,
        app.post_json(
            &format!("{path}/comments"),
            token,
            &json!({"text": "hello"}),
        )
        .await,
        app.post_json(
            &format!("{path}/identities"),
            token,
            &json!({"channel": "viber", "external_id": "1"}),
        )
        .await,
        app.post_json(
            "/api/v1/contacts/merge",
            token,
            &json!({"target_id": id(&own), "source_ids": [id(&other)]}),
        )
        .await,
    ];
    for response in responses {
        let (status, code, body) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{body}"
        );
    }
    let unchanged: Value = get_json(&app, &path, token, StatusCode::OK).await;
    assert_eq!(unchanged, own);
    app.stop().await;
}
