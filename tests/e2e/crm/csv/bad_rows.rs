//! Bad rows are reported by their line in the file, with the column and a code, and leave
//! nothing behind; the good rows around them are imported. A header the importer cannot
//! read, or a file too long for one request, refuses the whole file.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{import, import_ok};
use crate::{
    crm::get_json,
    support::app::{TestApp, error_of},
};

crate::on_both_databases!(
    bad_rows_are_reported_by_line_and_the_good_ones_imported,
    a_file_with_a_bad_header_or_too_many_rows_imports_nothing,
);

fn errors(report: &Value) -> Vec<(u64, String, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| {
            (
                error["line"].as_u64().unwrap(),
                error["column"].as_str().unwrap_or("").to_owned(),
                error["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn titles(list: &Value, field: &str) -> Vec<String> {
    let mut titles: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap_or_default().to_owned())
        .collect();
    titles.sort();
    titles
}

async fn bad_rows_are_reported_by_line_and_the_good_ones_imported(app: TestApp) {
    let admin = app.admin_token().await;
    // Arrange: a quoted address spans lines 2–3, so the bad phone is on line 4; the last
    // row's identity is the first row's, which the database refuses inside the row's
    // transaction.
    let contacts = "first_name,last_name,phones,emails,address,identities\r\n\
        Good,One,+79160000001,,\"Line 1\nLine 2\",telegram:555\r\n\
        Bad,Phone,+7 916 ABC,,,\r\n\
        Good,Two,,two@example.com,,\r\n\
        ,,,,,\r\n\
        Dup,Identity,,,,telegram:555\r\n";
    let deals = "title,amount,currency,stage,contact_email\n\
        Deal A,100.50,RUB,Qualified,two@example.com\n\
        Deal B,10,RUB,No Such Stage,\n\
        Deal C,7,JPY,,\n\
        Deal D,1.005,RUB,New,\n";

    // Act
    let contact_report = import_ok(&app, "contacts", &admin, contacts).await;
    let deal_report = import_ok(&app, "deals", &admin, deals).await;

    // Assert
    assert_eq!(
        (&contact_report["imported"], &contact_report["failed"]),
        (&json!(2), &json!(2)),
        "{contact_report}"
    );
    assert_eq!(
        errors(&contact_report),
        [
            (4, "phones".to_owned(), "validation_failed".to_owned()),
            (7, String::new(), "conflict".to_owned()),
        ]
    );
    assert_eq!(
        (&deal_report["imported"], &deal_report["failed"]),
        (&json!(2), &json!(2)),
        "{deal_report}"
    );
    assert_eq!(
        errors(&deal_report),
        [
            (3, "stage".to_owned(), "validation_failed".to_owned()),
            (5, "amount".to_owned(), "validation_failed".to_owned()),
        ]
    );
    let message = deal_report["errors"][1]["message"].as_str().unwrap();
    assert!(message.contains("decimal places"), "{message}");
    let listed = get_json(&app, "/api/v1/contacts", &admin, StatusCode::OK).await;
    assert_eq!(titles(&listed, "first_name"), ["Good", "Good"]);
    let two = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["last_name"] == "Two")
        .unwrap();
    let one = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["last_name"] == "One")
        .unwrap();
    assert_eq!(one["address"], "Line 1\nLine 2");
    assert_eq!(one["phones"][0]["number"], "+79160000001");
    let deals = get_json(&app, "/api/v1/deals", &admin, StatusCode::OK).await;
    assert_eq!(titles(&deals, "title"), ["Deal A", "Deal C"]);
    let deal_a = deals["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["title"] == "Deal A")
        .unwrap();
    assert_eq!(deal_a["contact_id"], two["id"]);
    assert_eq!(deal_a["amount"], "100.50");
    app.stop().await;
}

async fn a_file_with_a_bad_header_or_too_many_rows_imports_nothing(app: TestApp) {
    let admin = app.admin_token().await;
    let files = [
        ("contacts", "first_name,colour\nAnna,red\n"),
        ("contacts", "position\nCEO\n"),
        ("deals", "amount,currency\n5,RUB\n"),
        ("companies", ""),
    ];
    for (entity, file) in files {
        // Act
        let (status, code, body) = error_of(import(&app, entity, &admin, file).await).await;
        // Assert
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            "{file:?}: {body}"
        );
        assert!(body["error"]["fields"]["header"].is_string(), "{body}");
    }
    let unknown = error_of(import(&app, "contacts", &admin, files[0].1).await)
        .await
        .2;
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .contains("colour")
    );
    // A REST import is bounded so that it finishes within the request timeout.
    let long = format!("first_name\n{}", "Anna\n".repeat(5_001));
    let (status, _, body) = error_of(import(&app, "contacts", &admin, &long).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["file"].is_string(), "{body}");
    for entity in ["contacts", "deals", "companies"] {
        let list = get_json(&app, &format!("/api/v1/{entity}"), &admin, StatusCode::OK).await;
        assert_eq!(list["total"], json!(0), "{entity}");
    }
    // A body that is not CSV is refused by its type.
    let response = app
        .post_json(
            "/api/v1/contacts/import",
            &admin,
            &json!({"first_name": "x"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    app.stop().await;
}
