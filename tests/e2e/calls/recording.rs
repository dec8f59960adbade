//! Recording with consent end to end: two participants who both publish audio and video;
//! one asks to record, the other is asked. With consent, the ended call's summary carries
//! each participant's audio as Ogg/Opus and video as IVF/VP8, downloadable by the room's
//! members and valid when parsed; with a decline nothing is written at all.

use std::time::Duration;

use serde_json::{Value, json};

use super::{LAYERS, Peer, refused, request};
use crate::{
    chat::{Staff, create_room},
    support::{app::TestApp, chat::ChatClient},
};

crate::on_both_databases!(
    a_recording_everyone_accepted_yields_valid_ogg_opus_and_ivf_files,
    a_declined_recording_writes_nothing
);

/// Anna and Boris in a call in a group, both sending media; returns their sockets, peers
/// (kept alive), the call id and the room.
async fn two_in_a_call(
    app: &TestApp,
    staff: &Staff,
) -> (ChatClient, ChatClient, Vec<Peer>, String, String) {
    let room = create_room(app, staff.token(0), "group", "design", &[staff.id(1)], true).await;
    let mut anna = ChatClient::live(app, staff.token(0)).await;
    let mut boris = ChatClient::live(app, staff.token(1)).await;
    let started = request(
        &mut anna,
        json!({"type": "call_start", "room_id": room}),
        "start",
    )
    .await;
    let call = started["call"]["id"].as_str().unwrap().to_owned();
    let mut peers = Vec::new();
    for (client, name) in [(&mut anna, "anna"), (&mut boris, "boris")] {
        // Anna's camera goes out in three simulcast layers; Boris's in one.
        let (mut peer, offer) = if name == "anna" {
            Peer::sending_simulcast().await
        } else {
            Peer::sending_media().await
        };
        let joined = request(
            client,
            json!({"type": "call_join", "call_id": call, "sdp": offer}),
            &format!("join-{name}"),
        )
        .await;
        peer.accept_answer(joined["sdp"].as_str().unwrap());
        peers.push(peer);
    }
    (anna, boris, peers, call, room)
}

fn recording_event(frame: &Value, event: &str) -> bool {
    frame["type"] == "call.recording" && frame["event"] == event
}

async fn a_recording_everyone_accepted_yields_valid_ogg_opus_and_ivf_files(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let (mut anna, mut boris, _peers, call, _room) = two_in_a_call(&app, &staff).await;

    // Act: Anna asks; Boris is asked and accepts.
    request(
        &mut anna,
        json!({"type": "call_record", "call_id": call, "on": true}),
        "rec",
    )
    .await;
    let asked = boris.next_matching(|f| recording_event(f, "asked")).await;
    assert_eq!(asked["recording"]["state"], "asking");
    assert_eq!(asked["recording"]["pending"].as_array().unwrap().len(), 1);
    request(
        &mut boris,
        json!({"type": "call_record_consent", "call_id": call, "accept": true}),
        "yes",
    )
    .await;
    // Assert: everybody sees it is on.
    for client in [&mut anna, &mut boris] {
        let started = client
            .next_matching(|f| recording_event(f, "started"))
            .await;
        assert_eq!(started["recording"]["state"], "on");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Act: both leave.
    request(
        &mut boris,
        json!({"type": "call_leave", "call_id": call}),
        "leave-b",
    )
    .await;
    request(
        &mut anna,
        json!({"type": "call_leave", "call_id": call}),
        "leave-a",
    )
    .await;

    // Assert: the summary links an audio and a video file for each of them.
    let summary = boris
        .next_matching(|f| f["type"] == "message.created" && f["message"]["kind"] == "call")
        .await;
    let recordings = summary["message"]["meta"]["recordings"]
        .as_array()
        .unwrap()
        .clone();
    let mut kinds: Vec<(String, String)> = recordings
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    kinds.sort();
    let expected: Vec<(String, String)> = [
        ("anna", "audio"),
        ("anna", "video"),
        ("boris", "audio"),
        ("boris", "video"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(kinds, expected, "{recordings:?}");
    assert_eq!(
        summary["message"]["attachments"].as_array().unwrap().len(),
        4
    );
    for recording in &recordings {
        let id = recording["attachment_id"].as_str().unwrap();
        let response = app
            .get(&format!("/api/v1/attachments/{id}"), staff.token(1))
            .await;
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap();
        if recording["kind"] == "audio" {
            let pages = media::recording::parse_ogg(&bytes).unwrap();
            assert!(pages[0].1.starts_with(b"OpusHead"));
            assert!(pages[1].1.starts_with(b"OpusTags"));
            let audio: Vec<_> = pages[2..].iter().filter(|(_, p)| !p.is_empty()).collect();
            assert!(audio.len() >= 10, "{} audio pages", audio.len());
            assert!(audio.windows(2).all(|w| w[0].0 <= w[1].0), "granules grow");
        } else {
            let ((width, height, count), frames) = media::recording::parse_ivf(&bytes).unwrap();
            assert!(frames.len() >= 3, "{} frames", frames.len());
            assert_eq!(count as usize, frames.len());
            assert!(
                frames.windows(2).all(|w| w[0].0 < w[1].0),
                "timestamps grow"
            );
            // Of a simulcast camera the file holds the largest layer alone.
            let (size, bytes) = if recording["name"] == "anna" {
                let (_, size, bytes) = LAYERS[2];
                (size, bytes)
            } else {
                ((320, 240), 610)
            };
            assert_eq!((width, height), size);
            assert!(frames.iter().all(|(_, data)| data.len() == bytes));
        }
    }
    app.stop().await;
}

async fn a_declined_recording_writes_nothing(app: TestApp) {
    // Arrange
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let (mut anna, mut boris, _peers, call, _room) = two_in_a_call(&app, &staff).await;

    // Act: Anna asks; Boris declines.
    request(
        &mut anna,
        json!({"type": "call_record", "call_id": call, "on": true}),
        "rec",
    )
    .await;
    boris.next_matching(|f| recording_event(f, "asked")).await;
    request(
        &mut boris,
        json!({"type": "call_record_consent", "call_id": call, "accept": false}),
        "no",
    )
    .await;
    // Assert: everybody learns it was declined; nothing is on.
    let declined = anna.next_matching(|f| recording_event(f, "declined")).await;
    assert_eq!(declined["recording"]["state"], "off");
    // Answering again, or asking while another request runs, is refused.
    let again = refused(
        &mut boris,
        json!({"type": "call_record_consent", "call_id": call, "accept": true}),
        "again",
    )
    .await;
    assert_eq!(again["code"], "no_consent_asked");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    request(
        &mut anna,
        json!({"type": "call_leave", "call_id": call}),
        "leave-a",
    )
    .await;
    request(
        &mut boris,
        json!({"type": "call_leave", "call_id": call}),
        "leave-b",
    )
    .await;

    // Assert: no file was written, none is stored or linked.
    let summary = anna
        .next_matching(|f| f["type"] == "message.created" && f["message"]["kind"] == "call")
        .await;
    assert!(summary["message"]["meta"].get("recordings").is_none());
    assert_eq!(summary["message"]["attachments"], json!([]));
    let folder = app.state.settings.media.dir.join("recording");
    assert!(
        !folder.join(&call).exists(),
        "a recording folder was created"
    );
    let mut conn = app.state.store.acquire().await.unwrap();
    let (stored,): (i64,) = sqlx::query_as("select count(*) from attachments")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let (tracks,): (i64,) = sqlx::query_as("select count(*) from call_recordings")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    assert_eq!((stored, tracks), (0, 0));
    app.stop().await;
}
