//! Delivery guarantees: resuming after a disconnect gives exactly what was missed, and a
//! client too slow to keep up is told to resync instead of being fed without bound.

use std::{collections::BTreeSet, time::Duration};

use serde_json::{Value, json};

use super::{Staff, create_room};
use crate::support::{
    app::{TestApp, TestOptions},
    chat::ChatClient,
    db::Backend,
};

crate::on_both_databases!(
    resuming_delivers_exactly_the_missed_messages_then_live_ones,
    dropping_and_resuming_at_random_points_of_a_burst_loses_and_repeats_nothing,
);

fn seq_of(frame: &Value) -> i64 {
    frame["message"]["seq"].as_i64().unwrap()
}

async fn post(app: &TestApp, token: &str, room: &str, body: &str) {
    let response = app
        .post_json(
            &format!("/api/v1/rooms/{room}/messages"),
            token,
            &json!({"body": body}),
        )
        .await;
    assert_eq!(response.status(), 201);
}

async fn resuming_delivers_exactly_the_missed_messages_then_live_ones(app: TestApp) {
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(&app, staff.token(0), "group", "team", &[staff.id(1)], false).await;
    post(&app, staff.token(0), &group, "seen 1").await;
    post(&app, staff.token(0), &group, "seen 2").await;
    // Boris saw up to 2, went away; five more arrive meanwhile.
    for n in 3..=7 {
        post(&app, staff.token(0), &group, &format!("missed {n}")).await;
    }
    let mut boris = ChatClient::connect(&app, staff.token(1)).await;
    boris
        .send(json!({"type": "resume", "ref": "r", "rooms": {&group: 2}}))
        .await;
    let resumed = boris.next_of("resumed").await;
    assert_eq!(resumed["rooms"][&group], 7);
    post(&app, staff.token(0), &group, "live 8").await;
    boris
        .next_matching(|f| f["type"] == "message.created" && f["message"]["seq"] == 8)
        .await;
    let frames = boris.drain(Duration::from_millis(200)).await;
    // `next_matching` kept the earlier frames: 3..=7 came before `resumed`, then only 8.
    let mut all: Vec<i64> = frames
        .iter()
        .filter(|f| f["type"] == "message.created")
        .map(seq_of)
        .collect();
    all.push(8);
    all.sort_unstable();
    assert_eq!(all, vec![3, 4, 5, 6, 7, 8]);
    app.stop().await;
}

/// A tiny deterministic generator, so a failure can be replayed from its seed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

async fn dropping_and_resuming_at_random_points_of_a_burst_loses_and_repeats_nothing(app: TestApp) {
    const TOTAL: i64 = 150;
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(
        &app,
        staff.token(0),
        "group",
        "burst",
        &[staff.id(1)],
        false,
    )
    .await;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut random = Lcg(seed);

    let sender = {
        let (http, url, token, group) = (
            app.http.clone(),
            app.url(""),
            staff.token(0).to_owned(),
            group.clone(),
        );
        tokio::spawn(async move {
            for n in 1..=TOTAL {
                let path = format!("{url}/api/v1/rooms/{group}/messages");
                let response = http
                    .post(path)
                    .bearer_auth(&token)
                    .json(&json!({"body": format!("m{n}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 201);
            }
        })
    };

    let mut received: Vec<i64> = Vec::new();
    let mut last_seen = 0;
    while last_seen < TOTAL {
        let mut boris = ChatClient::connect(&app, staff.token(1)).await;
        boris
            .send(json!({"type": "resume", "ref": "r", "rooms": {&group: last_seen}}))
            .await;
        // Read a random number of frames, then drop the connection mid-stream.
        let budget = 1 + random.next(40);
        let mut taken = 0;
        while taken < budget && last_seen < TOTAL {
            let frame = boris
                .next_matching(|f| f["type"] == "message.created")
                .await;
            let seq = seq_of(&frame);
            received.push(seq);
            last_seen = last_seen.max(seq);
            taken += 1;
        }
        drop(boris);
    }
    sender.await.unwrap();

    let unique: BTreeSet<i64> = received.iter().copied().collect();
    assert_eq!(
        unique.len(),
        received.len(),
        "duplicates with seed {seed}: {received:?}"
    );
    assert_eq!(
        unique,
        (1..=TOTAL).collect::<BTreeSet<_>>(),
        "gaps with seed {seed}"
    );
    let in_order = received.windows(2).all(|pair| pair[0] < pair[1]);
    assert!(in_order, "out of order with seed {seed}: {received:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_too_slow_to_keep_up_is_told_to_resync_and_can_recover() {
    // Arrange: a tiny per-topic buffer, and a client that stops reading.
    let app = TestApp::spawn_with(TestOptions {
        backend: Backend::Sqlite,
        configure: |settings| settings.bus.capacity_per_topic = 4,
        ..TestOptions::default()
    })
    .await
    .unwrap();
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let group = create_room(
        &app,
        staff.token(0),
        "group",
        "firehose",
        &[staff.id(1)],
        false,
    )
    .await;
    let mut boris = ChatClient::live(&app, staff.token(1)).await;
    // Act: far more than the socket buffers hold, while Boris reads nothing.
    let topic = realtime::Topic::room(&group).unwrap();
    let padding = "x".repeat(60_000);
    for n in 0..400 {
        let frame = json!({"type": "notice", "n": n, "padding": padding}).to_string();
        app.state
            .bus
            .publish(
                &topic,
                gateway::ws::envelope::encode_plain(frame.as_bytes()),
            )
            .await
            .unwrap();
    }
    post(&app, staff.token(0), &group, "after the flood").await;
    // Assert: Boris is told to resync that room, and the stream goes on afterwards.
    let resync = boris.next_of("resync").await;
    assert_eq!(resync["room_id"], group.as_str());
    assert!(resync["skipped"].as_u64().unwrap() > 0);
    let frames = boris.drain(Duration::from_millis(500)).await;
    let notices = frames.iter().filter(|f| f["type"] == "notice").count();
    assert!(
        notices < 400,
        "a slow client must not be fed everything ({notices} notices)"
    );
    boris
        .send(json!({"type": "resume", "ref": "r", "rooms": {&group: 0}}))
        .await;
    let caught_up = boris
        .next_matching(|f| f["type"] == "message.created" && f["message"]["seq"] == 1)
        .await;
    assert_eq!(caught_up["message"]["body"], "after the flood");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_channel_is_written_once_per_window_and_nothing_is_lost() {
    // Arrange: a long window, so that what it holds back is plain to see, and a channel
    // that reaches 40 connections (a fan-out; two-person rooms are never held).
    const WINDOW: Duration = Duration::from_millis(600);
    let app = TestApp::spawn_with(TestOptions {
        backend: Backend::Sqlite,
        configure: |settings| settings.bus.fanout_window_ms = 600,
        ..TestOptions::default()
    })
    .await
    .unwrap();
    let staff = Staff::hire(&app, &["anna", "boris"]).await;
    let channel = create_room(
        &app,
        staff.token(0),
        "channel",
        "announcements",
        &[staff.id(1)],
        false,
    )
    .await;
    let mut tabs = Vec::new();
    for _ in 0..40 {
        tabs.push(ChatClient::live(&app, staff.token(1)).await);
    }
    // Past the window of the connections' own `resumed`, the next event goes out at once.
    tokio::time::sleep(WINDOW + Duration::from_millis(100)).await;

    // Act: one message, then four more while the window after it is still open.
    post(&app, staff.token(0), &channel, "first").await;
    let watcher = &mut tabs[0];
    watcher
        .next_matching(|f| f["type"] == "message.created" && f["message"]["seq"] == 1)
        .await;
    let first_seen = tokio::time::Instant::now();
    for n in 2..=5 {
        post(&app, staff.token(0), &channel, &format!("then {n}")).await;
    }
    watcher
        .next_matching(|f| f["type"] == "message.created" && f["message"]["seq"] == 2)
        .await;
    let second_seen = tokio::time::Instant::now();

    // Assert: the second waited for the window to pass (less a margin for how late the
    // first was read), and every tab has every message once, in order.
    let waited = second_seen - first_seen;
    assert!(
        waited >= WINDOW - Duration::from_millis(200),
        "the second message came {waited:?} after the first"
    );
    for (index, tab) in tabs.iter_mut().enumerate() {
        let mut seqs: Vec<i64> = tab
            .drain(Duration::from_millis(300))
            .await
            .iter()
            .filter(|f| f["type"] == "message.created")
            .map(seq_of)
            .collect();
        if index == 0 {
            seqs.splice(0..0, [1, 2]);
        }
        assert_eq!(seqs, vec![1, 2, 3, 4, 5], "tab {index}");
    }
    app.stop().await;
}
