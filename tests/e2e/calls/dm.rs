//! A call in a DM rings the other user on every device; answering on one tells all of them
//! (the user is then among the participants), and declining ends the call.

use serde_json::{Value, json};

use super::{Peer, request, start_and_join};
use crate::{
    chat::Staff,
    support::{app::TestApp, chat::ChatClient},
};

crate::on_both_databases!(
    a_dm_call_rings_every_device_and_answering_on_one_reaches_all,
    declining_a_dm_call_ends_it
);

async fn open_dm(app: &TestApp, staff: &Staff) -> String {
    let response = app
        .post_json(
            "/api/v1/dms",
            staff.token(0),
            &json!({"user_id": staff.id(1)}),
        )
        .await;
    let room: Value = response.json().await.unwrap();
    room["id"].as_str().unwrap().to_owned()
}

async fn a_dm_call_rings_every_device_and_answering_on_one_reaches_all(app: TestApp) {
    // Arrange: Boris is signed in on a laptop and a phone.
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let dm = open_dm(&app, &staff).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut laptop = ChatClient::live(&app, staff.token(1)).await;
    let mut phone = ChatClient::live(&app, staff.token(1)).await;
    // Act
    let (call, _anna_peer, _) = start_and_join(&mut anna, &dm).await;
    // Assert: both devices ring.
    for device in [&mut laptop, &mut phone] {
        assert_eq!(
            device.next_of("call.ringing").await["call_id"],
            call.as_str()
        );
    }
    // Act: Boris answers on the laptop.
    let (mut peer, offer) = Peer::publishing().await;
    let joined = request(
        &mut laptop,
        json!({"type": "call_join", "call_id": call, "sdp": offer}),
        "join",
    )
    .await;
    peer.accept_answer(joined["sdp"].as_str().unwrap());
    // Assert: the phone learns Boris is in the call (its cue to stop ringing).
    let update = phone
        .next_matching(|f| {
            f["type"] == "call.updated"
                && f["call"]["participants"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|p| p["user_id"] == staff.id(1)))
        })
        .await;
    assert_eq!(update["call"]["id"], call.as_str());
    app.stop().await;
}

async fn declining_a_dm_call_ends_it(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let dm = open_dm(&app, &staff).await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    let (call, _anna_peer, _) = start_and_join(&mut anna, &dm).await;
    boris.next_of("call.ringing").await;
    // Act
    request(
        &mut boris,
        json!({"type": "call_decline", "call_id": call}),
        "decline",
    )
    .await;
    // Assert: Anna hears the decline and the call ends, recorded as a call only she joined.
    let declined = anna.next_of("call.declined").await;
    assert_eq!(declined["user_id"], staff.id(1));
    assert_eq!(anna.next_of("call.ended").await["call_id"], call.as_str());
    let summary = anna
        .next_matching(|f| f["type"] == "message.created" && f["message"]["kind"] == "call")
        .await;
    assert_eq!(
        summary["message"]["meta"]["participants"],
        json!([staff.id(0)])
    );
    let error = super::refused(
        &mut anna,
        json!({"type": "call_media", "call_id": call, "audio": false}),
        "after",
    )
    .await;
    assert_eq!(error["code"], "not_in_call");
    app.stop().await;
}
