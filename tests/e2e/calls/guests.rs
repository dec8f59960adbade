//! Guest links end to end: an operator invites the client of a conversation to a call; the
//! client (no account) opens the link, names themself and joins; members see the guest; the
//! guest token reaches that call and nothing else; closed links are gone (410).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::{connect_async, tungstenite::Message};

use super::{
    Peer, refused, request, start_and_join,
    timeline::{call_entries, conversation_with_client},
};
use crate::support::{
    app::{TestApp, error_of},
    chat::ChatClient,
};

crate::on_both_databases!(
    a_guest_joins_by_link_and_members_see_them_in_the_call,
    closed_links_are_gone_and_a_guest_token_reaches_nothing_but_its_call
);

/// Makes a guest link for `room` as `token`; returns its JSON (with `token` and `url`).
async fn guest_link(app: &TestApp, token: &str, room: &str) -> Value {
    let response = app
        .post_json(
            &format!("/api/v1/rooms/{room}/guest-links"),
            token,
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// Opens a link as a guest (no Authorization header).
async fn redeem(app: &TestApp, link: &str, name: &str) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/api/v1/guest/links/{link}/join")))
        .json(&json!({"display_name": name}))
        .send()
        .await
        .unwrap()
}

async fn a_guest_joins_by_link_and_members_see_them_in_the_call(app: TestApp) {
    // Arrange: Olga is in a call in the client's conversation and makes a link.
    let (line, mut olga, room, contact) = conversation_with_client(&app).await;
    let (call, mut olga_peer, _) = start_and_join(&mut olga, &room).await;
    let link = guest_link(&app, line.staff.token(0), &room).await;
    let link_token = link["token"].as_str().unwrap();
    assert_eq!(link["url"], format!("/guest/{link_token}"));

    // Act: the client opens the link, sees the call is on, and joins as "Ivan Client".
    let shown: Value = app
        .http
        .get(app.url(&format!("/api/v1/guest/links/{link_token}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["call_live"], true);
    let session = redeem(&app, link_token, "  Ivan   Client ").await;
    assert_eq!(session.status(), StatusCode::CREATED);
    let session: Value = session.json().await.unwrap();
    assert_eq!(session["guest"]["call_id"], call.as_str());
    let guest_token = session["token"].as_str().unwrap();
    let mut guest = ChatClient::connect_by_frame(&app, guest_token).await;
    assert_eq!(guest.hello["guest"]["display_name"], "Ivan Client");
    guest
        .send(json!({"type": "resume", "ref": "start", "rooms": {}}))
        .await;
    guest.next_of("resumed").await;
    let (mut guest_peer, offer) = Peer::publishing().await;
    let joined = request(
        &mut guest,
        json!({"type": "call_join", "call_id": call, "sdp": offer}),
        "join",
    )
    .await;
    guest_peer.accept_answer(joined["sdp"].as_str().unwrap());

    // Assert: Olga sees the guest as a participant; each is offered the other's tracks.
    let updated = olga
        .next_matching(|f| {
            f["type"] == "call.updated"
                && f["call"]["participants"]
                    .as_array()
                    .is_some_and(|p| p.len() == 2)
        })
        .await;
    let participants = updated["call"]["participants"].as_array().unwrap();
    let seen = participants.iter().find(|p| p["guest"] == true).unwrap();
    assert_eq!(seen["display_name"], "Ivan Client");
    assert_eq!(seen["user_id"], Value::Null);
    for (client, peer) in [(&mut olga, &mut olga_peer), (&mut guest, &mut guest_peer)] {
        let offer = client.next_of("call.offer").await;
        let answer = peer.answer(offer["sdp"].as_str().unwrap());
        request(
            client,
            json!({"type": "call_answer", "call_id": call, "sdp": answer}),
            "answer",
        )
        .await;
    }

    // Assert: what Olga writes in the room does not reach the guest; its call frames do.
    olga.say(&room, "c1", "the client should not see this")
        .await;
    request(
        &mut olga,
        json!({"type": "call_media", "call_id": call, "video": false}),
        "camera",
    )
    .await;
    let frames = guest.drain(Duration::from_millis(800)).await;
    assert!(
        frames.iter().all(|f| f["type"] == "call.updated"),
        "{frames:?}"
    );
    assert!(!frames.is_empty());

    // Act: both leave.
    request(
        &mut guest,
        json!({"type": "call_leave", "call_id": call}),
        "guest-leave",
    )
    .await;
    request(
        &mut olga,
        json!({"type": "call_leave", "call_id": call}),
        "leave",
    )
    .await;
    // Assert: an answered call with both people on the client's timeline; the room's
    // summary counts the guest.
    let summary = olga
        .next_matching(|f| f["type"] == "message.created" && f["message"]["kind"] == "call")
        .await;
    assert_eq!(summary["message"]["meta"]["guests"], json!(["Ivan Client"]));
    assert!(
        summary["message"]["body"]
            .as_str()
            .unwrap()
            .ends_with("2 participants")
    );
    let entries = call_entries(
        &app,
        &line.admin,
        &format!("/api/v1/contacts/{contact}/timeline"),
    )
    .await;
    assert_eq!(entries.len(), 1);
    let payload = &entries[0]["payload"];
    assert_eq!(payload["outcome"], "answered");
    assert_eq!(payload["participants"][0]["user_id"], line.staff.id(0));
    assert_eq!(payload["participants"][1]["name"], "Ivan Client");
    assert_eq!(
        payload["participants"][1]["guest_id"],
        session["guest"]["id"]
    );
    assert!(
        entries[0]["summary"]
            .as_str()
            .unwrap()
            .starts_with("Call answered, ")
    );
    app.stop().await;
}

async fn closed_links_are_gone_and_a_guest_token_reaches_nothing_but_its_call(app: TestApp) {
    // Arrange: a conversation with no call yet, and a link.
    let (line, mut olga, room, _) = conversation_with_client(&app).await;
    let operator = line.staff.token(0);
    let link = guest_link(&app, operator, &room).await;
    let link_token = link["token"].as_str().unwrap();

    // Act / Assert: no call yet → 409; a blank name → 422 naming the field.
    let (status, code, _) = error_of(redeem(&app, link_token, "Ivan").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "no_call"));
    let (call, _peer, _) = start_and_join(&mut olga, &room).await;
    let (status, _, body) = error_of(redeem(&app, link_token, "   ").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["fields"]["display_name"].is_string(),
        "{body}"
    );
    // Someone outside the room cannot make links; an unknown token is 404.
    let outsider = app.admin_token().await;
    let response = app
        .post_json(
            &format!("/api/v1/rooms/{room}/guest-links"),
            &outsider,
            &json!({}),
        )
        .await;
    assert!(response.status().is_client_error());
    let (status, _, _) = error_of(redeem(&app, "sbl_nothing", "Ivan").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body) = error_of(
        app.post_json(
            &format!("/api/v1/rooms/{room}/guest-links"),
            operator,
            &json!({"expires_in_minutes": 0}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["expires_in_minutes"].is_string());

    // A guest token: REST refuses it with 403, the socket refuses other rooms' business.
    let session: Value = redeem(&app, link_token, "Ivan").await.json().await.unwrap();
    let guest_token = session["token"].as_str().unwrap().to_owned();
    let (status, code, _) = error_of(
        app.get(&format!("/api/v1/rooms/{room}/messages"), &guest_token)
            .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "guest_token")
    );
    let (status, _, _) = error_of(app.get("/api/v1/rooms", &guest_token).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut guest = ChatClient::connect_by_frame(&app, &guest_token).await;
    for (frame, reference) in [
        (json!({"type": "subscribe", "room_id": room}), "subscribe"),
        (json!({"type": "call_start", "room_id": room}), "start"),
        (
            json!({"type": "call_join", "call_id": crm_core::domain::CallId::new().to_string(), "sdp": "v=0"}),
            "other-call",
        ),
    ] {
        let error = refused(&mut guest, frame, reference).await;
        assert_eq!(error["code"], "forbidden", "{reference}: {error}");
    }
    guest
        .send(json!({"type": "send", "room_id": room, "client_id": "g1", "body": "hi"}))
        .await;
    let error = guest
        .next_matching(|f| f["type"] == "error" && f["ref"] == "g1")
        .await;
    assert_eq!(error["code"], "forbidden");
    let error = refused(
        &mut guest,
        json!({"type": "call_media", "call_id": call, "audio": false}),
        "not-joined",
    )
    .await;
    assert_eq!(error["code"], "not_in_call");
    guest.close().await;

    // Revoked: the page and the join get 410 link_revoked.
    let revoked = app
        .http
        .delete(app.url(&format!(
            "/api/v1/guest-links/{}",
            link["id"].as_str().unwrap()
        )))
        .bearer_auth(operator)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let (status, code, _) = error_of(
        app.http
            .get(app.url(&format!("/api/v1/guest/links/{link_token}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (StatusCode::GONE, "link_revoked"));
    let (status, code, _) = error_of(redeem(&app, link_token, "Ivan").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::GONE, "link_revoked"));

    // Expired: a link whose time has passed gets 410 link_expired; an expired guest token
    // gets an error frame and the socket closes as unauthorized.
    let second = guest_link(&app, operator, &room).await;
    let second_token = second["token"].as_str().unwrap();
    let mut conn = app.state.store.acquire().await.unwrap();
    sqlx::query("update call_guest_links set expires_at = expires_at - 172800000 where id = $1")
        .bind(second["id"].as_str().unwrap())
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("update call_guests set expires_at = 0 where id = $1")
        .bind(session["guest"]["id"].as_str().unwrap())
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let (status, code, _) = error_of(redeem(&app, second_token, "Ivan").await).await;
    assert_eq!((status, code.as_str()), (StatusCode::GONE, "link_expired"));
    let (mut socket, _) = connect_async(app.ws_url()).await.unwrap();
    socket
        .send(Message::text(
            json!({"type": "auth", "token": guest_token}).to_string(),
        ))
        .await
        .unwrap();
    let Some(Ok(Message::Text(frame))) = socket.next().await else {
        panic!("expected an error frame");
    };
    let frame: Value = serde_json::from_str(&frame).unwrap();
    assert_eq!(frame["code"], "guest_token_invalid");
    let Some(Ok(Message::Close(Some(close)))) = socket.next().await else {
        panic!("expected the socket to close");
    };
    assert_eq!(u16::from(close.code), 4401);
    app.stop().await;
}
