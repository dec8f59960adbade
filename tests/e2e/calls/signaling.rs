//! A call's life over the websocket: ringing, joining, the SFU's renegotiation offer when
//! another participant publishes, media state, leaving, and the summary left in the room.

use serde_json::{Value, json};

use super::{Peer, request, start_and_join};
use crate::{
    chat::{Staff, create_room},
    support::{app::TestApp, chat::ChatClient},
};

crate::on_both_databases!(a_call_rings_renegotiates_and_ends_with_a_summary_message);

async fn a_call_rings_renegotiates_and_ends_with_a_summary_message(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "team", &[staff.id(1)], false).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;

    // Act: Anna starts and joins; Boris is rung.
    let (call, mut anna_peer, joined) = start_and_join(&mut anna, &group).await;
    // Assert
    let ringing = boris.next_of("call.ringing").await;
    assert_eq!(
        (
            ringing["call_id"].as_str(),
            ringing["caller_id"].as_str(),
            ringing["caller_name"].as_str()
        ),
        (Some(call.as_str()), Some(staff.id(0)), Some("anna"))
    );
    assert_eq!(joined["call"]["participants"].as_array().unwrap().len(), 1);

    // Act: Boris joins with his own audio and video.
    let (mut boris_peer, offer) = Peer::publishing().await;
    let reply = request(
        &mut boris,
        json!({"type": "call_join", "call_id": call, "sdp": offer}),
        "join",
    )
    .await;
    boris_peer.accept_answer(reply["sdp"].as_str().unwrap());
    // Assert: both see two participants; each is offered the other's two tracks.
    for client in [&mut anna, &mut boris] {
        let updated = client
            .next_matching(|f| {
                f["type"] == "call.updated"
                    && f["call"]["participants"]
                        .as_array()
                        .is_some_and(|p| p.len() == 2)
            })
            .await;
        assert_eq!(updated["call"]["id"], call.as_str());
    }
    for (client, peer) in [(&mut anna, &mut anna_peer), (&mut boris, &mut boris_peer)] {
        let offer = client.next_of("call.offer").await;
        let sdp = offer["sdp"].as_str().unwrap();
        assert_eq!(
            sdp.matches("m=audio").count() + sdp.matches("m=video").count(),
            4,
            "{sdp}"
        );
        let answer = peer.answer(sdp);
        request(
            client,
            json!({"type": "call_answer", "call_id": call, "sdp": answer}),
            "answer",
        )
        .await;
    }

    // Act: Boris mutes.
    request(
        &mut boris,
        json!({"type": "call_media", "call_id": call, "audio": false}),
        "mute",
    )
    .await;
    // Assert
    let muted = anna
        .next_matching(|f| {
            f["type"] == "call.updated"
                && f["call"]["participants"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|p| p["audio"] == false))
        })
        .await;
    let boris_state = muted["call"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user_id"] == staff.id(1))
        .cloned()
        .unwrap();
    assert_eq!(
        (&boris_state["audio"], &boris_state["video"]),
        (&json!(false), &json!(true))
    );

    // Act: both leave.
    request(
        &mut boris,
        json!({"type": "call_leave", "call_id": call}),
        "leave",
    )
    .await;
    request(
        &mut anna,
        json!({"type": "call_leave", "call_id": call}),
        "leave",
    )
    .await;
    // Assert: the call ended and left a summary message naming both.
    let ended = boris.next_of("call.ended").await;
    assert_eq!(ended["call_id"], call.as_str());
    let summary = boris
        .next_matching(|f| f["type"] == "message.created" && f["message"]["kind"] == "call")
        .await;
    let meta = &summary["message"]["meta"];
    assert_eq!(meta["call_id"], call.as_str());
    assert_eq!(meta["participants"], json!([staff.id(0), staff.id(1)]));
    assert!(
        summary["message"]["body"]
            .as_str()
            .unwrap()
            .ends_with("2 participants")
    );
    assert_eq!(ended["message_id"], summary["message"]["id"]);
    let now: Value = app
        .get(&format!("/api/v1/rooms/{group}/call"), staff.token(0))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["call"], Value::Null);
    app.stop().await;
}
