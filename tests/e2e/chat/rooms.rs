//! Rooms over REST: DMs, groups, channels, membership and settings.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Staff, create_room};
use crate::support::app::{TestApp, error_of};

crate::on_both_databases!(
    a_pair_of_users_has_one_dm_whoever_opens_it,
    a_group_lists_for_its_members_with_unread_counts,
    anyone_joins_a_public_channel_but_a_private_room_stays_hidden,
    members_invite_leave_rename_and_archive,
    anyone_lists_colleagues_and_public_channels,
);

async fn a_pair_of_users_has_one_dm_whoever_opens_it(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let first = app
        .post_json(
            "/api/v1/dms",
            staff.token(0),
            &json!({"user_id": staff.id(1)}),
        )
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let second = app
        .post_json(
            "/api/v1/dms",
            staff.token(1),
            &json!({"user_id": staff.id(0)}),
        )
        .await;
    assert_eq!(second.status(), StatusCode::OK);
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["kind"], "dm");
    let (status, _, body) = error_of(
        app.post_json(
            "/api/v1/dms",
            staff.token(0),
            &json!({"user_id": staff.id(0)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    app.stop().await;
}

async fn a_group_lists_for_its_members_with_unread_counts(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris", "carl"]).await;
    let group = create_room(
        &app,
        staff.token(0),
        "group",
        "Оперативные вопросы",
        &[staff.id(1)],
        false,
    )
    .await;
    for n in 0..3 {
        let sent = app
            .post_json(
                &format!("/api/v1/rooms/{group}/messages"),
                staff.token(0),
                &json!({"body": format!("note {n}")}),
            )
            .await;
        assert_eq!(sent.status(), StatusCode::CREATED);
    }
    let rooms: Value = app
        .get("/api/v1/rooms", staff.token(1))
        .await
        .json()
        .await
        .unwrap();
    let listed = &rooms.as_array().unwrap()[0];
    assert_eq!(
        (listed["id"].as_str(), listed["name"].as_str()),
        (Some(group.as_str()), Some("Оперативные вопросы"))
    );
    assert_eq!(
        (listed["unread"].as_i64(), listed["is_private"].as_bool()),
        (Some(3), Some(true))
    );
    let read = app
        .post_json(
            &format!("/api/v1/rooms/{group}/read"),
            staff.token(1),
            &json!({"seq": 2}),
        )
        .await;
    assert_eq!(read.json::<Value>().await.unwrap()["last_read_seq"], 2);
    let rooms: Value = app
        .get("/api/v1/rooms", staff.token(1))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rooms[0]["unread"], 1);
    let outsider: Value = app
        .get("/api/v1/rooms", staff.token(2))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(outsider, json!([]));
    app.stop().await;
}

async fn anyone_joins_a_public_channel_but_a_private_room_stays_hidden(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let channel = create_room(&app, staff.token(0), "channel", "announcements", &[], false).await;
    let private = create_room(&app, staff.token(0), "channel", "board", &[], true).await;
    // A public channel can be read before joining, but not written.
    let history = app
        .get(&format!("/api/v1/rooms/{channel}/messages"), staff.token(1))
        .await;
    assert_eq!(history.status(), StatusCode::OK);
    let write = app
        .post_json(
            &format!("/api/v1/rooms/{channel}/messages"),
            staff.token(1),
            &json!({"body": "hi"}),
        )
        .await;
    assert_eq!(error_of(write).await.0, StatusCode::FORBIDDEN);
    let joined = app
        .post_json(
            &format!("/api/v1/rooms/{channel}/join"),
            staff.token(1),
            &json!({}),
        )
        .await;
    assert_eq!(joined.status(), StatusCode::OK);
    let write = app
        .post_json(
            &format!("/api/v1/rooms/{channel}/messages"),
            staff.token(1),
            &json!({"body": "hi"}),
        )
        .await;
    assert_eq!(write.status(), StatusCode::CREATED);
    // A private room is not found, whether reading, joining or guessing.
    for path in [
        format!("/api/v1/rooms/{private}"),
        format!("/api/v1/rooms/{private}/messages"),
    ] {
        assert_eq!(
            error_of(app.get(&path, staff.token(1)).await).await.0,
            StatusCode::NOT_FOUND
        );
    }
    let join = app
        .post_json(
            &format!("/api/v1/rooms/{private}/join"),
            staff.token(1),
            &json!({}),
        )
        .await;
    assert_eq!(error_of(join).await.0, StatusCode::NOT_FOUND);
    let members: Value = app
        .get(&format!("/api/v1/rooms/{channel}/members"), staff.token(0))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(members["user_ids"].as_array().unwrap().len(), 2);
    app.stop().await;
}

async fn members_invite_leave_rename_and_archive(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "project", &[], false).await;
    let invite = app
        .post_json(
            &format!("/api/v1/rooms/{group}/members"),
            staff.token(0),
            &json!({"user_id": staff.id(1)}),
        )
        .await;
    assert_eq!(invite.status(), StatusCode::OK);
    let renamed = app
        .http
        .patch(app.url(&format!("/api/v1/rooms/{group}")))
        .bearer_auth(staff.token(1))
        .json(&json!({"name": "project X", "topic": "launch in May"}))
        .send()
        .await
        .unwrap();
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(
        (renamed["name"].as_str(), renamed["topic"].as_str()),
        (Some("project X"), Some("launch in May"))
    );
    let leave = app
        .post_json(
            &format!("/api/v1/rooms/{group}/leave"),
            staff.token(1),
            &json!({}),
        )
        .await;
    assert_eq!(leave.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        error_of(
            app.get(&format!("/api/v1/rooms/{group}"), staff.token(1))
                .await
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let archive = app
        .http
        .patch(app.url(&format!("/api/v1/rooms/{group}")))
        .bearer_auth(staff.token(0))
        .json(&json!({"archived": true}))
        .send()
        .await
        .unwrap();
    assert!(archive.json::<Value>().await.unwrap()["archived_at"].is_string());
    let write = app
        .post_json(
            &format!("/api/v1/rooms/{group}/messages"),
            staff.token(0),
            &json!({"body": "late"}),
        )
        .await;
    assert_eq!(error_of(write).await.0, StatusCode::FORBIDDEN);
    app.stop().await;
}

async fn anyone_lists_colleagues_and_public_channels(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    create_room(&app, staff.token(0), "channel", "announcements", &[], false).await;
    create_room(&app, staff.token(0), "channel", "board", &[], true).await;
    let people: Value = app
        .get("/api/v1/directory", staff.token(1))
        .await
        .json()
        .await
        .unwrap();
    let logins: Vec<&str> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins, vec!["admin", "anna", "boris"]);
    assert!(people[0].get("email").is_none() && people[0].get("must_change_password").is_none());
    let channels: Value = app
        .get("/api/v1/channels/public", staff.token(1))
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = channels
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["announcements"]);
    app.stop().await;
}
