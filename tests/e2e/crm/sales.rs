//! Pipelines, deals, leads and analytics over REST: bad input answered with its code and
//! nothing written, exact amounts, stage history and timelines, bulk changes, reports.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Org, create_contact, delete, get_json, id, patch};
use crate::support::app::{TestApp, error_of};

crate::on_both_databases!(
    bad_input_is_refused_with_its_code_and_writes_nothing,
    amounts_are_exact_and_a_stage_change_shows_everywhere,
    bulk_changes_and_reports_answer_over_rest,
);

/// POSTs a body given as raw JSON text, so numbers reach the server exactly as written.
async fn post_raw(app: &TestApp, path: &str, token: &str, body: &str) -> reqwest::Response {
    app.http
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

async fn create(app: &TestApp, path: &str, token: &str, body: &Value) -> Value {
    let response = app.post_json(path, token, body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{path} {body}");
    response.json().await.unwrap()
}

async fn default_pipeline(app: &TestApp, token: &str) -> Value {
    let pipelines = get_json(app, "/api/v1/pipelines", token, StatusCode::OK).await;
    pipelines[0].clone()
}

fn stage_named(pipeline: &Value, name: &str) -> String {
    pipeline["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|stage| stage["name"] == name)
        .map(id)
        .unwrap()
}

async fn total(app: &TestApp, path: &str, token: &str) -> Value {
    get_json(app, path, token, StatusCode::OK).await["total"].clone()
}

async fn bad_input_is_refused_with_its_code_and_writes_nothing(app: TestApp) {
    let org = Org::hire(&app).await;
    let token = &org.seller.token;
    let other = create(
        &app,
        "/api/v1/pipelines",
        &org.admin,
        &json!({"name": "Other"}),
    )
    .await;
    // Deals: an unknown stage, another pipeline's stage, too many decimals.
    let deal_cases = [
        (
            json!({"title": "x", "currency": "RUB", "stage_id": "0190a0a0-0000-7000-8000-000000000000"}),
            "stage_id",
        ),
        (
            json!({"title": "x", "currency": "RUB", "pipeline_id": id(&default_pipeline(&app, token).await), "stage_id": id(&other["stages"][1])}),
            "stage_id",
        ),
        (
            json!({"title": "x", "currency": "RUB", "amount": "10.005"}),
            "amount",
        ),
        (
            json!({"title": "x", "currency": "JPY", "amount": "10.5"}),
            "amount",
        ),
        (json!({"title": "x", "currency": "XYZ"}), "currency"),
        (
            json!({"title": "x", "currency": "RUB", "expected_close": "2026-02-30"}),
            "expected_close",
        ),
    ];
    for (body, field) in deal_cases {
        let (status, code, error) =
            error_of(app.post_json("/api/v1/deals", token, &body).await).await;
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
    let raw = r#"{"title": "x", "currency": "RUB", "amount": 10.005}"#;
    let (status, _, error) = error_of(post_raw(&app, "/api/v1/deals", token, raw).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error["error"]["fields"]["amount"]
            .as_str()
            .unwrap()
            .contains("RUB allows 2 decimal places")
    );
    assert_eq!(total(&app, "/api/v1/deals", &org.admin).await, 0);
    // Leads: junk without a reason.
    let (status, code, error) = error_of(
        app.post_json(
            "/api/v1/leads",
            token,
            &json!({"name": "Спам", "status": "junk"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
    );
    assert!(
        error["error"]["fields"]["junk_reason"].is_string(),
        "{error}"
    );
    assert_eq!(total(&app, "/api/v1/leads", &org.admin).await, 0);
    // Converting twice.
    let lead = create(
        &app,
        "/api/v1/leads",
        token,
        &json!({"name": "Пётр", "phone": "8 916 111-22-33"}),
    )
    .await;
    assert_eq!(lead["phone"], "+79161112233");
    let convert = format!("/api/v1/leads/{}/convert", id(&lead));
    let first = app
        .post_json(&convert, token, &json!({"currency": "RUB", "amount": 500}))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let (status, code, _) = error_of(
        app.post_json(&convert, token, &json!({"currency": "RUB"}))
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "already_converted")
    );
    assert_eq!(total(&app, "/api/v1/deals", &org.admin).await, 1);
    assert_eq!(total(&app, "/api/v1/contacts", &org.admin).await, 1);
    // Removing a stage that holds a deal, without move_to.
    let pipeline = default_pipeline(&app, token).await;
    let new_stage = stage_named(&pipeline, "New");
    let path = format!("/api/v1/pipelines/{}/stages/{new_stage}", id(&pipeline));
    let (status, code, error) = error_of(delete(&app, &path, &org.admin).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "stage_not_empty")
    );
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("holds 1 deals"),
        "{error}"
    );
    let after = default_pipeline(&app, token).await;
    assert_eq!(after, pipeline);
    let deals = get_json(&app, "/api/v1/deals", &org.admin, StatusCode::OK).await;
    let deal = &deals["items"][0];
    assert_eq!(deal["stage_id"], json!(new_stage));
    let history = get_json(
        &app,
        &format!("/api/v1/deals/{}/stage-history", id(deal)),
        &org.admin,
        StatusCode::OK,
    )
    .await;
    assert_eq!(history.as_array().unwrap().len(), 1);
    // A bad move_to is a 422 naming it, and still nothing moves.
    let (status, _, error) = error_of(
        delete(
            &app,
            &format!("{path}?move_to={}", id(&other["stages"][0])),
            &org.admin,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"]["fields"]["move_to"].is_string());
    assert_eq!(default_pipeline(&app, token).await, pipeline);
    app.stop().await;
}

async fn amounts_are_exact_and_a_stage_change_shows_everywhere(app: TestApp) {
    let org = Org::hire(&app).await;
    let token = &org.seller.token;
    let contact = create_contact(&app, token, &json!({"first_name": "Анна"})).await;
    // Act: an amount as a number no float can hold, and one as a string.
    let raw = format!(
        r#"{{"title": "Big", "currency": "RUB", "amount": 12345678901234.56, "contact_id": "{}"}}"#,
        id(&contact)
    );
    let response = post_raw(&app, "/api/v1/deals", token, &raw).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let big: Value = response.json().await.unwrap();
    let small = create(
        &app,
        "/api/v1/deals",
        token,
        &json!({"title": "Small", "currency": "usd", "amount": "0.1", "expected_close": "2026-12-31"}),
    )
    .await;
    // Assert
    assert_eq!(
        (big["amount"].clone(), big["currency"].clone()),
        (json!("12345678901234.56"), json!("RUB"))
    );
    assert_eq!(
        (small["amount"].clone(), small["currency"].clone()),
        (json!("0.10"), json!("USD"))
    );
    assert_eq!(small["expected_close"], "2026-12-31");
    assert_eq!(small["probability"], 10);
    // Act: move the big deal to Won.
    let pipeline = default_pipeline(&app, token).await;
    let won = stage_named(&pipeline, "Won");
    let path = format!("/api/v1/deals/{}", id(&big));
    let moved = patch(&app, &path, token, &json!({"stage_id": won})).await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    // Assert: history, and the deal's and contact's timelines.
    assert_eq!(
        (moved["probability"].clone(), moved["closed_on"].is_string()),
        (json!(100), true)
    );
    let history = get_json(
        &app,
        &format!("{path}/stage-history"),
        token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(history[1]["from_stage"], "New");
    assert_eq!(history[1]["to_stage"], "Won");
    assert_eq!(history[1]["changed_by"], json!(org.seller.id));
    for timeline in [
        format!("{path}/timeline"),
        format!("/api/v1/contacts/{}/timeline", id(&contact)),
    ] {
        let page = get_json(&app, &timeline, token, StatusCode::OK).await;
        assert_eq!(page["entries"][0]["kind"], "stage_change", "{timeline}");
        assert_eq!(page["entries"][0]["summary"], "Big: New → Won");
    }
    // Sorted pages by amount, descending, one per page.
    let first = get_json(
        &app,
        "/api/v1/deals?sort=-amount&limit=1",
        token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (first["items"][0]["title"].clone(), first["total"].clone()),
        (json!("Big"), json!(2))
    );
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = get_json(
        &app,
        &format!("/api/v1/deals?sort=-amount&limit=1&cursor={cursor}"),
        token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"][0]["title"], "Small");
    assert!(second["next_cursor"].is_null());
    let (status, _, error) = error_of(app.get("/api/v1/deals?sort=colour", token).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"]["fields"]["sort"].is_string());
    let ranged = get_json(
        &app,
        "/api/v1/deals?amount_min=1000&currency=RUB",
        token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ranged["total"], 1);
    app.stop().await;
}

async fn bulk_changes_and_reports_answer_over_rest(app: TestApp) {
    let org = Org::hire(&app).await;
    let token = &org.seller.token;
    let mut ids = Vec::new();
    for (amount, source) in [("100", "web"), ("50.50", "phone")] {
        let deal = create(
            &app,
            "/api/v1/deals",
            token,
            &json!({"title": "d", "currency": "RUB", "amount": amount, "source": source, "expected_close": "2027-01-15"}),
        )
        .await;
        ids.push(id(&deal));
    }
    let foreign = id(&create(
        &app,
        "/api/v1/deals",
        &org.agent.token,
        &json!({"title": "f", "currency": "RUB"}),
    )
    .await);
    let pipeline = default_pipeline(&app, token).await;
    let proposal = stage_named(&pipeline, "Proposal");
    // Act: a bulk move naming a deal the seller may not see.
    let (status, code, error) = error_of(
        app.post_json(
            "/api/v1/deals/bulk",
            token,
            &json!({"ids": [ids[0], foreign, ids[1]], "set": {"stage_id": proposal}}),
        )
        .await,
    )
    .await;
    // Assert: the failed item is named and nothing moved.
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "batch_failed")
    );
    assert_eq!(error["error"]["fields"]["ids[1]"], "deal not found");
    let funnel = get_json(&app, "/api/v1/analytics/funnel", token, StatusCode::OK).await;
    assert_eq!(
        (funnel[0]["count"].clone(), funnel[2]["count"].clone()),
        (json!(2), json!(0))
    );
    // Act: only the seller's deals.
    let done = app
        .post_json(
            "/api/v1/deals/bulk",
            token,
            &json!({"ids": ids, "set": {"stage_id": proposal}}),
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(done.json::<Value>().await.unwrap()["updated"], 2);
    // Assert: the reports.
    let pipeline_id = id(&pipeline);
    let funnel = get_json(
        &app,
        &format!("/api/v1/analytics/funnel?pipeline_id={pipeline_id}"),
        token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(funnel[2]["stage"], "Proposal");
    assert_eq!(funnel[2]["count"], 2);
    assert_eq!(funnel[2]["amounts"], json!({"RUB": "150.50"}));
    let forecast = get_json(
        &app,
        &format!("/api/v1/analytics/forecast?pipeline_id={pipeline_id}&period=month"),
        token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        forecast,
        json!([{"month": "2027-01", "currency": "RUB", "count": 2, "amount": "150.50", "weighted": "75.25"}])
    );
    let by_source = get_json(
        &app,
        "/api/v1/analytics/forecast?period=month&group_by=source",
        token,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_source.as_array().unwrap().len(), 2);
    assert_eq!(by_source[0]["group"], "phone");
    let conversion = get_json(&app, "/api/v1/analytics/conversion", token, StatusCode::OK).await;
    assert_eq!(
        conversion,
        json!([{"leads": 0, "converted": 0, "junk": 0, "rate": 0.0}])
    );
    let won_lost = get_json(
        &app,
        "/api/v1/analytics/won-lost?period=month&group_by=responsible",
        &org.admin,
        StatusCode::OK,
    )
    .await;
    assert_eq!(won_lost, json!([]));
    for bad in [
        "/api/v1/analytics/forecast?period=week",
        "/api/v1/analytics/funnel?group_by=colour",
        "/api/v1/analytics/conversion?from=2026-12-01&to=2026-01-01",
    ] {
        let (status, code, _) = error_of(app.get(bad, token).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            "{bad}"
        );
    }
    app.stop().await;
}
