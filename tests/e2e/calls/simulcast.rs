//! Simulcast end to end: Anna's peer sends its video in three layers (named in no particular
//! order); Boris's view of her decides which one reaches him — the largest by default, the
//! smallest when he shows her as a thumbnail, none when he hides her — while her audio keeps
//! flowing. A bad view changes nothing.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{LAYERS, Peer, Received, refused, request};
use crate::{
    chat::{Staff, create_room},
    support::{app::TestApp, chat::ChatClient},
};

crate::on_both_databases!(a_subscriber_gets_the_simulcast_layer_that_fits_its_view);

/// Waits until the last few video frames Boris received all have `bytes`.
async fn receives_only(received: &Received, bytes: usize, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let video = received.video();
        if video.len() >= 5 && video[video.len() - 5..].iter().all(|b| *b == bytes) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: expected frames of {bytes} B, the last ones were {:?}",
            &video[video.len().saturating_sub(10)..]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_subscriber_gets_the_simulcast_layer_that_fits_its_view(app: TestApp) {
    // Arrange: Anna publishes simulcast; Boris joins and answers the SFU's offer of her tracks.
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let room = create_room(
        &app,
        staff.token(0),
        "group",
        "review",
        &[staff.id(1)],
        false,
    )
    .await;
    let mut anna = ChatClient::live(&app, staff.token(0)).await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    let started = request(
        &mut anna,
        json!({"type": "call_start", "room_id": room}),
        "start",
    )
    .await;
    let call = started["call"]["id"].as_str().unwrap().to_owned();
    let (mut anna_peer, offer) = Peer::sending_simulcast().await;
    let joined = request(
        &mut anna,
        json!({"type": "call_join", "call_id": call, "sdp": offer}),
        "join",
    )
    .await;
    anna_peer.accept_answer(joined["sdp"].as_str().unwrap());
    let anna_id = joined["participant_id"].as_str().unwrap().to_owned();
    let (mut boris_peer, offer) = Peer::publishing().await;
    let joined = request(
        &mut boris,
        json!({"type": "call_join", "call_id": call, "sdp": offer}),
        "join",
    )
    .await;
    boris_peer.accept_answer(joined["sdp"].as_str().unwrap());
    let boris_id = joined["participant_id"].as_str().unwrap().to_owned();
    let offered = boris.next_of("call.offer").await;
    let answer = boris_peer.answer(offered["sdp"].as_str().unwrap());
    request(
        &mut boris,
        json!({"type": "call_answer", "call_id": call, "sdp": answer}),
        "answer",
    )
    .await;
    let received = boris_peer.received();
    let [(_, _, small), (_, _, middle), (_, _, large)] = LAYERS;

    // Assert: by default the largest layer.
    receives_only(&received, large, "by default").await;

    // Act: Boris shows Anna as a thumbnail, then in a middle-sized tile.
    let view = |quality: &str| json!({"type": "call_view", "call_id": call, "views": {anna_id.clone(): quality}});
    request(&mut boris, view("low"), "low").await;
    // Assert
    receives_only(&received, small, "low").await;
    request(&mut boris, view("medium"), "medium").await;
    receives_only(&received, middle, "medium").await;

    // Act: Boris hides her video.
    request(&mut boris, view("off"), "off").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (video_before, audio_before) = (received.video().len(), received.audio_count());
    tokio::time::sleep(Duration::from_millis(700)).await;
    // Assert: no video arrives, her voice still does.
    assert_eq!(received.video().len(), video_before, "video while off");
    assert!(
        received.audio_count() > audio_before + 10,
        "audio stopped too"
    );

    // Bad input: a quality that does not exist, a participant not in the call, himself, and
    // one bad entry among good ones — refused, and the view stays off.
    for (reference, views) in [
        ("bad-quality", json!({anna_id.clone(): "ultra"})),
        (
            "stranger",
            json!({uuid::Uuid::now_v7().to_string(): "high"}),
        ),
        ("self", json!({boris_id.clone(): "high"})),
        (
            "mixed",
            json!({anna_id.clone(): "high", "not-a-participant": "high"}),
        ),
    ] {
        let error = refused(
            &mut boris,
            json!({"type": "call_view", "call_id": call, "views": views}),
            reference,
        )
        .await;
        assert_eq!(
            (error["code"].as_str(), error["field"].as_str()),
            (Some("validation_failed"), Some("views")),
            "{reference}: {error}"
        );
    }
    let error = refused(
        &mut anna,
        json!({"type": "call_view", "call_id": uuid::Uuid::now_v7().to_string(), "views": {}}),
        "other-call",
    )
    .await;
    assert_eq!(error["code"], "not_in_call");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        received.video().len(),
        video_before,
        "a refused view turned video on"
    );

    // Act: back to full size.
    request(&mut boris, view("high"), "high").await;
    // Assert
    receives_only(&received, large, "back to high").await;
    app.stop().await;
}
