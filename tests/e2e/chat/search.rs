//! Full-text search over messages: Russian and English, only the rooms the caller may read,
//! edits and deletions reflected, hostile input harmless, and messages written before the
//! search migration indexed by it.

use reqwest::{StatusCode, Url};
use serde_json::{Value, json};

use super::{Staff, create_room};
use crate::support::{
    app::{TestApp, TestOptions, error_of},
    chat::ChatClient,
    db::{self, Backend},
};

crate::on_both_databases!(
    russian_and_english_words_are_found_whatever_the_letter_case,
    only_rooms_the_caller_may_read_are_searched,
    edited_messages_match_their_new_words_and_deleted_ones_nothing,
    hostile_queries_are_answered_with_results_not_errors,
    a_query_needs_one_to_two_hundred_characters,
    hits_come_newest_first_a_page_at_a_time,
);

async fn say(app: &TestApp, token: &str, room: &str, body: &str) -> String {
    let response = app
        .post_json(
            &format!("/api/v1/rooms/{room}/messages"),
            token,
            &json!({ "body": body }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "sending {body}");
    let message: Value = response.json().await.unwrap();
    message["id"].as_str().unwrap().to_owned()
}

async fn search_raw(app: &TestApp, token: &str, params: &[(&str, &str)]) -> reqwest::Response {
    let url = Url::parse_with_params(&app.url("/api/v1/search/messages"), params).unwrap();
    app.http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("GET search")
}

/// The hits for `params`, asserting a 200.
async fn search(app: &TestApp, token: &str, params: &[(&str, &str)]) -> Vec<Value> {
    let response = search_raw(app, token, params).await;
    assert_eq!(response.status(), StatusCode::OK, "searching {params:?}");
    let hits: Value = response.json().await.unwrap();
    hits.as_array().expect("an array of hits").clone()
}

/// The message ids of the hits for `q`.
async fn found(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    search(app, token, &[("q", q)])
        .await
        .iter()
        .map(|hit| hit["message"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn russian_and_english_words_are_found_whatever_the_letter_case(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let (anna, boris) = (staff.token(0), staff.token(1));
    let group = create_room(&app, anna, "group", "команда", &[staff.id(1)], false).await;
    let hello = say(&app, anna, &group, "привет, коллеги").await;
    let report = say(
        &app,
        anna,
        &group,
        "Завтра обсудим сообщение об ошибке в отчёте",
    )
    .await;
    let deploy = say(
        &app,
        anna,
        &group,
        "The nightly Deploy finished without errors",
    )
    .await;

    // Act and assert: any letter case, a word inside a sentence, a word's start, all words.
    assert_eq!(found(&app, boris, "Привет").await, [hello.as_str()]);
    assert_eq!(found(&app, boris, "ПРИВЕТ").await, [hello.as_str()]);
    assert_eq!(found(&app, boris, "ошибке").await, [report.as_str()]);
    assert_eq!(found(&app, boris, "сообщ").await, [report.as_str()]);
    assert_eq!(found(&app, boris, "deploy").await, [deploy.as_str()]);
    assert_eq!(
        found(&app, boris, "ERRORS nightly").await,
        [deploy.as_str()]
    );
    assert!(found(&app, boris, "привет deploy").await.is_empty());
    let hit = &search(&app, boris, &[("q", "ошибке")]).await[0];
    assert_eq!(hit["room_id"], group.as_str());
    assert_eq!(
        hit["message"]["body"],
        "Завтра обсудим сообщение об ошибке в отчёте"
    );
    assert!(
        hit["snippet"]
            .as_array()
            .unwrap()
            .contains(&json!({"text": "ошибке", "hit": true})),
        "{hit}"
    );
    // PostgreSQL also stems the query: another form of the word finds the message.
    if app.state.store.backend() == crm_core::Backend::Postgres {
        assert_eq!(found(&app, boris, "сообщения").await, [report.as_str()]);
    }
    app.stop().await;
}

async fn only_rooms_the_caller_may_read_are_searched(app: TestApp) {
    // Arrange: a private group of anna and boris, a public and a private channel of anna's.
    let staff = Staff::hire(&app, &["anna", "boris", "carl"]).await;
    let (anna, boris, carl) = (staff.token(0), staff.token(1), staff.token(2));
    let group = create_room(&app, anna, "group", "board", &[staff.id(1)], false).await;
    let public = create_room(&app, anna, "channel", "news", &[], false).await;
    let private = create_room(&app, anna, "channel", "hr", &[], true).await;
    let secret = say(&app, anna, &group, "секретный план").await;
    let announced = say(&app, anna, &public, "секретный анонс").await;
    say(&app, anna, &private, "секретный приказ").await;

    // Act and assert: carl belongs to none of them and reads only the public channel.
    assert_eq!(found(&app, carl, "секретный").await, [announced.as_str()]);
    let narrowed = search(
        &app,
        carl,
        &[("q", "секретный"), ("room_id", group.as_str())],
    )
    .await;
    assert!(narrowed.is_empty(), "{narrowed:?}");
    // boris reads his group and the public channel, not the private one.
    assert_eq!(
        found(&app, boris, "секретный").await,
        [announced.as_str(), secret.as_str()]
    );
    let narrowed = search(
        &app,
        boris,
        &[("q", "секретный"), ("room_id", group.as_str())],
    )
    .await;
    assert_eq!(narrowed.len(), 1);
    assert_eq!(narrowed[0]["message"]["id"], secret.as_str());
    assert_eq!(found(&app, anna, "секретный").await.len(), 3);
    app.stop().await;
}

async fn edited_messages_match_their_new_words_and_deleted_ones_nothing(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let (anna, boris) = (staff.token(0), staff.token(1));
    let group = create_room(&app, anna, "group", "drafts", &[staff.id(1)], false).await;
    let id = say(&app, anna, &group, "черновик draft").await;
    let mut client = ChatClient::live(&app, anna).await;

    // Act: edit
    client
        .send(json!({"type": "edit", "ref": "e1", "message_id": id, "body": "итоговый final"}))
        .await;
    client
        .next_matching(|f| f["type"] == "ack" && f["ref"] == "e1")
        .await;

    // Assert
    assert!(found(&app, boris, "черновик").await.is_empty());
    assert!(found(&app, boris, "draft").await.is_empty());
    assert_eq!(found(&app, boris, "итоговый").await, [id.as_str()]);
    assert_eq!(found(&app, boris, "FINAL").await, [id.as_str()]);

    // Act: delete
    client
        .send(json!({"type": "delete", "ref": "d1", "message_id": id}))
        .await;
    client
        .next_matching(|f| f["type"] == "ack" && f["ref"] == "d1")
        .await;

    // Assert
    assert!(found(&app, boris, "итоговый").await.is_empty());
    assert!(found(&app, anna, "final").await.is_empty());
    client.close().await;
    app.stop().await;
}

async fn hostile_queries_are_answered_with_results_not_errors(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna"]).await;
    let anna = staff.token(0);
    let group = create_room(&app, anna, "group", "ops", &[], false).await;
    let id = say(
        &app,
        anna,
        &group,
        "O'Neil said: use e-mail (not fax) or NEAR-by desk",
    )
    .await;
    let hostile = [
        "\"",
        "\"\"",
        "*",
        "* *",
        "OR",
        "a OR",
        "AND NOT",
        "NEAR(",
        "-",
        "-fax",
        ":",
        "body:fax",
        "(((",
        "())",
        "'",
        "O'Neil",
        "'; drop table messages; --",
        "\\",
        "fax\0desk\u{7}",
        "!@#$%^&|<>~",
        "a & b | !c <-> d:*",
        "^fax",
        "e-mail",
        "NEAR-by",
    ];

    for q in hostile {
        // Act
        let response = search_raw(&app, anna, &[("q", q)]).await;

        // Assert
        assert_eq!(response.status(), StatusCode::OK, "q = {q:?}");
        let hits: Value = response.json().await.unwrap();
        assert!(hits.is_array(), "q = {q:?}: {hits}");
    }
    // Operator-looking words are searched as words.
    assert_eq!(found(&app, anna, "o'neil").await, [id.as_str()]);
    assert_eq!(found(&app, anna, "(fax)").await, [id.as_str()]);
    assert_eq!(found(&app, anna, "\"e-mail\"").await, [id.as_str()]);
    assert_eq!(found(&app, anna, "near").await, [id.as_str()]);
    assert!(found(&app, anna, "fax -desk OR zebra").await.is_empty());
    app.stop().await;
}

async fn a_query_needs_one_to_two_hundred_characters(app: TestApp) {
    let staff = Staff::hire(&app, &["anna"]).await;
    let anna = staff.token(0);
    let too_long = "я".repeat(201);
    let cases: [&[(&str, &str)]; 5] = [
        &[("q", "")],
        &[("q", "   ")],
        &[],
        &[("q", too_long.as_str())],
        &[("q", "ok"), ("limit", "")],
    ];
    for (params, field) in cases.into_iter().zip(["q", "q", "q", "q", "limit"]) {
        let (status, code, body) = error_of(search_raw(&app, anna, params).await).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{params:?}: {body}"
        );
        assert_eq!(code, "validation_failed");
        assert!(body["error"]["fields"][field].is_string(), "{body}");
    }
    for (name, value) in [("room_id", "nope"), ("before", "nope"), ("limit", "ten")] {
        let (status, _, body) =
            error_of(search_raw(&app, anna, &[("q", "ok"), (name, value)]).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["error"]["fields"][name].is_string(), "{body}");
    }
    let exactly = "я".repeat(200);
    assert!(
        search(&app, anna, &[("q", exactly.as_str())])
            .await
            .is_empty()
    );
    app.stop().await;
}

async fn hits_come_newest_first_a_page_at_a_time(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna"]).await;
    let anna = staff.token(0);
    let group = create_room(&app, anna, "group", "log", &[], false).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(say(&app, anna, &group, &format!("отчёт номер {n}")).await);
    }
    ids.reverse();

    // Act
    let first = search(&app, anna, &[("q", "отчёт"), ("limit", "2")]).await;
    let cursor = first[1]["message"]["id"].as_str().unwrap().to_owned();
    let rest = search(&app, anna, &[("q", "отчёт"), ("before", cursor.as_str())]).await;

    // Assert
    let page_ids = |page: &[Value]| -> Vec<String> {
        page.iter()
            .map(|hit| hit["message"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(page_ids(&first), ids[..2]);
    assert_eq!(page_ids(&rest), ids[2..]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_written_before_search_existed_are_found_on_sqlite() {
    messages_written_before_search_existed_are_found(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_written_before_search_existed_are_found_on_postgres() {
    messages_written_before_search_existed_are_found(Backend::Postgres).await;
}

/// The last migration before full-text search.
const BEFORE_SEARCH: i64 = 20261127000004;

async fn messages_written_before_search_existed_are_found(backend: Backend) {
    // Arrange: a database migrated up to just before search, with a public channel holding
    // one message and one deleted message.
    let Some(database) = db::fresh(backend).await else {
        return;
    };
    let folder = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let migrations = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../crm-core/migrations")
        .join(folder);
    let store = crm_core::Store::connect(&database.options()).await.unwrap();
    let (room, kept, deleted) = (uuid(), uuid(), uuid());
    {
        let mut conn = store.acquire().await.unwrap();
        let migrator = sqlx::migrate::Migrator::new(migrations).await.unwrap();
        migrator.run_to(BEFORE_SEARCH, &mut *conn).await.unwrap();
        sqlx::query(
            "insert into rooms (id, kind, name, is_private, created_at, updated_at) \
             values ($1, 'channel', 'archive', 0, 1, 1)",
        )
        .bind(room.as_str())
        .execute(&mut *conn)
        .await
        .unwrap();
        sqlx::query(
            "insert into messages (id, room_id, seq, body, deleted_at, created_at, updated_at) \
             values ($1, $2, 1, 'Старый Архив протоколов', null, 1, 1), \
                    ($3, $2, 2, '', 2, 2, 2)",
        )
        .bind(kept.as_str())
        .bind(room.as_str())
        .bind(deleted.as_str())
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    store.close().await;

    // Act: the server applies the search migration on start.
    let app = TestApp::spawn_with(TestOptions {
        backend,
        shared_database_url: Some(database.url.clone()),
        ..TestOptions::default()
    })
    .await
    .unwrap();
    let staff = Staff::hire(&app, &["anna"]).await;

    // Assert
    assert_eq!(found(&app, staff.token(0), "архив").await, [kept.as_str()]);
    assert_eq!(
        found(&app, staff.token(0), "протокол").await,
        [kept.as_str()]
    );
    app.stop().await;
    drop(database);
}

fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}
