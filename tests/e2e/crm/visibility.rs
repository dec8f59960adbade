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
    each_role_sees_exactly_its_deals_and_leads_and_cannot_write_outside,
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

async fn each_role_sees_exactly_its_deals_and_leads_and_cannot_write_outside(app: TestApp) {
    // Arrange: a deal and a lead each for the seller, the agent and the supervisor.
    let org = Org::hire(&app).await;
    let mut made = Vec::new();
    for token in [&org.seller.token, &org.agent.token, &org.supervisor.token] {
        let deal = app
            .post_json(
                "/api/v1/deals",
                token,
                &json!({"title": "Сделка", "currency": "RUB", "amount": "10"}),
            )
            .await;
        assert_eq!(deal.status(), StatusCode::CREATED);
        let lead = app
            .post_json("/api/v1/leads", token, &json!({"name": "Лид"}))
            .await;
        assert_eq!(lead.status(), StatusCode::CREATED);
        made.push((
            id(&deal.json::<Value>().await.unwrap()),
            id(&lead.json::<Value>().await.unwrap()),
        ));
    }
    let (north, support, head) = (&made[0], &made[1], &made[2]);
    let expected = [
        (&org.admin, vec![head, support, north]),
        (&org.supervisor.token, vec![head, north]),
        (&org.seller.token, vec![north]),
        (&org.agent.token, vec![support]),
        (&org.viewer.token, vec![]),
    ];
    for (token, sees) in expected {
        // Act
        let deals = get_json(&app, "/api/v1/deals", token, StatusCode::OK).await;
        let leads = get_json(&app, "/api/v1/leads", token, StatusCode::OK).await;
        let funnel = get_json(&app, "/api/v1/analytics/funnel", token, StatusCode::OK).await;
        // Assert
        let deal_ids: Vec<String> = sees.iter().map(|made| made.0.clone()).collect();
        let lead_ids: Vec<String> = sees.iter().map(|made| made.1.clone()).collect();
        assert_eq!(ids(&deals["items"]), deal_ids);
        assert_eq!(deals["total"], json!(sees.len()));
        assert_eq!(ids(&leads["items"]), lead_ids);
        assert_eq!(leads["total"], json!(sees.len()));
        assert_eq!(funnel[0]["count"], json!(sees.len()));
        for (deal, lead) in &made {
            let visible = sees.iter().any(|seen| seen.0 == *deal);
            let expected = if visible {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            for path in [
                format!("/api/v1/deals/{deal}"),
                format!("/api/v1/deals/{deal}/timeline"),
                format!("/api/v1/deals/{deal}/stage-history"),
                format!("/api/v1/leads/{lead}"),
                format!("/api/v1/leads/{lead}/timeline"),
            ] {
                assert_eq!(app.get(&path, token).await.status(), expected, "{path}");
            }
        }
    }
    // Writes to another's deal or lead are 404s for an operator and change nothing.
    let token = &org.seller.token;
    let deal_path = format!("/api/v1/deals/{}", support.0);
    let lead_path = format!("/api/v1/leads/{}", support.1);
    let responses = [
        patch(&app, &deal_path, token, &json!({"title": "mine"})).await,
        delete(&app, &deal_path, token).await,
        app.post_json(
            &format!("{deal_path}/comments"),
            token,
            &json!({"text": "hi"}),
        )
        .await,
        patch(&app, &lead_path, token, &json!({"name": "mine"})).await,
        app.post_json(
            &format!("{lead_path}/convert"),
            token,
            &json!({"currency": "RUB"}),
        )
        .await,
    ];
    for response in responses {
        let (status, _, body) = error_of(response).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    // A viewer writes nothing at all; operators do not change pipelines.
    let viewer = &org.viewer.token;
    let pipelines = get_json(&app, "/api/v1/pipelines", viewer, StatusCode::OK).await;
    let pipeline = id(&pipelines[0]);
    let refused = [
        app.post_json(
            "/api/v1/deals",
            viewer,
            &json!({"title": "x", "currency": "RUB"}),
        )
        .await,
        app.post_json("/api/v1/leads", viewer, &json!({"name": "x"}))
            .await,
        app.post_json(
            "/api/v1/deals/bulk",
            viewer,
            &json!({"ids": [support.0], "set": {"responsible_id": org.viewer.id}}),
        )
        .await,
        app.post_json("/api/v1/pipelines", token, &json!({"name": "Mine"}))
            .await,
        patch(
            &app,
            &format!("/api/v1/pipelines/{pipeline}"),
            token,
            &json!({"name": "x"}),
        )
        .await,
    ];
    for response in refused {
        let (status, code, body) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{body}"
        );
    }
    let unchanged = get_json(&app, &deal_path, &org.admin, StatusCode::OK).await;
    assert_eq!(unchanged["title"], "Сделка");
    assert_eq!(
        get_json(&app, "/api/v1/pipelines", viewer, StatusCode::OK).await,
        pipelines
    );
    app.stop().await;
}
