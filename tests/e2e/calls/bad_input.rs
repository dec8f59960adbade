//! Bad signaling: a call the connection is not in, a room the user is not a member of, a
//! malformed SDP. Each gets an error frame with a code, and the call stays as it was.

use serde_json::{Value, json};

use super::{refused, request, start_and_join};
use crate::{
    chat::{Staff, create_room},
    support::{app::TestApp, chat::ChatClient},
};

crate::on_both_databases!(bad_signaling_gets_error_frames_and_leaves_the_call_alone);

async fn bad_signaling_gets_error_frames_and_leaves_the_call_alone(app: TestApp) {
    // Arrange: Anna and Boris share a group; Carol is in neither it nor the call.
    let staff = Staff::hire(&app, &["anna", "boris", "carol"]).await;
    let group = create_room(&app, staff.token(0), "group", "team", &[staff.id(1)], false).await;
    let public = create_room(&app, staff.token(0), "channel", "news", &[], false).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    let mut carol = ChatClient::live(&app, staff.token(2)).await;
    let (call, _peer, _) = start_and_join(&mut anna, &group).await;

    // Act + Assert: a non-member can neither start nor join, nor signal for the call.
    let cases = [
        (json!({"type": "call_start", "room_id": group}), "not_found"),
        (
            json!({"type": "call_start", "room_id": public}),
            "forbidden",
        ),
        (
            json!({"type": "call_join", "call_id": call, "sdp": "v=0"}),
            "not_found",
        ),
        (
            json!({"type": "call_answer", "call_id": call, "sdp": "v=0"}),
            "not_in_call",
        ),
        (
            json!({"type": "call_media", "call_id": call, "audio": false}),
            "not_in_call",
        ),
        (
            json!({"type": "call_leave", "call_id": call}),
            "not_in_call",
        ),
        (
            json!({"type": "call_decline", "call_id": call}),
            "not_found",
        ),
    ];
    for (n, (frame, code)) in cases.into_iter().enumerate() {
        let error = refused(&mut carol, frame.clone(), &format!("carol-{n}")).await;
        assert_eq!(error["code"], code, "{frame}");
    }
    // A member who has not joined cannot act in the call either.
    for (n, frame) in [
        json!({"type": "call_answer", "call_id": call, "sdp": "v=0"}),
        json!({"type": "call_media", "call_id": call, "video": false}),
        json!({"type": "call_leave", "call_id": call}),
    ]
    .into_iter()
    .enumerate()
    {
        let error = refused(&mut boris, frame.clone(), &format!("boris-{n}")).await;
        assert_eq!(error["code"], "not_in_call", "{frame}");
    }
    // A malformed SDP offer, and a malformed call id.
    let error = refused(
        &mut boris,
        json!({"type": "call_join", "call_id": call, "sdp": "hello, I am not SDP"}),
        "bad-sdp",
    )
    .await;
    assert_eq!(
        (error["code"].as_str(), error["field"].as_str()),
        (Some("invalid_sdp"), Some("sdp"))
    );
    let error = refused(
        &mut boris,
        json!({"type": "call_join", "call_id": "not-a-call", "sdp": "v=0"}),
        "bad-id",
    )
    .await;
    assert_eq!(error["code"], "validation_failed");
    // A participant's malformed answer is refused too.
    let error = refused(
        &mut anna,
        json!({"type": "call_answer", "call_id": call, "sdp": "garbage"}),
        "bad-answer",
    )
    .await;
    assert_eq!(error["code"], "invalid_sdp");

    // Assert: the call still has Anna alone, nobody was told otherwise, and when she leaves
    // the record names only her.
    let now: Value = app
        .get(&format!("/api/v1/rooms/{group}/call"), staff.token(1))
        .await
        .json()
        .await
        .unwrap();
    let participants = now["call"]["participants"].as_array().unwrap();
    assert_eq!(participants.len(), 1);
    assert_eq!(participants[0]["user_id"], staff.id(0));
    let updates: Vec<Value> = boris
        .drain(std::time::Duration::from_millis(300))
        .await
        .into_iter()
        .filter(|f| f["type"] == "call.updated")
        .collect();
    assert!(
        updates
            .iter()
            .all(|f| f["call"]["participants"].as_array().unwrap().len() == 1),
        "{updates:?}"
    );
    request(
        &mut anna,
        json!({"type": "call_leave", "call_id": call}),
        "leave",
    )
    .await;
    let summary = boris
        .next_matching(|f| f["type"] == "message.created" && f["message"]["kind"] == "call")
        .await;
    assert_eq!(
        summary["message"]["meta"]["participants"],
        json!([staff.id(0)])
    );
    app.stop().await;
}
