//! The event-bus contract, written once against `Arc<dyn Bus>` and run on every
//! implementation: `bus_contract::in_process::*` and `bus_contract::redis::*` carry the same
//! case names, so a gap in either shows up side by side. Redis cases skip without a Redis
//! (and fail under `CI=true`, see `support::redis`). Each case uses its own topics, so cases
//! run in parallel against one Redis.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::StreamExt;
use realtime::{Bus, BusError, BusItem, BusKind, Subscription, Topic};
use tokio::time::{Instant, sleep, timeout};

/// Buffer per subscriber for every case but the lag one.
const CAPACITY: usize = 64;
/// Small (and a power of two, as tokio rounds up) so the lag case can overflow it.
const LAG_CAPACITY: usize = 4;
/// Upper bound for anything that should happen promptly.
const WAIT: Duration = Duration::from_secs(5);

/// A topic no other case (or concurrent test process) uses.
fn unique_topic(case: &str) -> Topic {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Topic::new(format!("test:{case}:{}:{nanos}:{n}", std::process::id())).expect("valid topic")
}

/// What `publish` reports for `local` subscribers on this node: each of them in-process,
/// one per subscribed node with Redis.
fn expected_receivers(bus: &dyn Bus, local: usize) -> usize {
    match bus.kind() {
        BusKind::InProcess => local,
        BusKind::Redis => usize::from(local > 0),
    }
}

async fn next_item(subscription: &mut Subscription) -> BusItem {
    timeout(WAIT, subscription.next())
        .await
        .expect("timed out waiting for a bus item")
        .expect("subscription ended unexpectedly")
}

async fn next_message(subscription: &mut Subscription) -> Bytes {
    match next_item(subscription).await {
        BusItem::Message(payload) => payload,
        other => panic!("expected a message, got {other:?}"),
    }
}

pub async fn publishing_reaches_every_subscriber_and_reports_how_many(bus: Arc<dyn Bus>) {
    // Arrange
    let topic = unique_topic("fanout");
    let mut subscribers = Vec::new();
    for _ in 0..3 {
        subscribers.push(bus.subscribe(&topic).await.expect("subscribe"));
    }

    // Act
    let received = bus.publish(&topic, Bytes::from_static(b"hello")).await;

    // Assert
    assert_eq!(received.expect("publish"), expected_receivers(&*bus, 3));
    for subscriber in &mut subscribers {
        assert_eq!(next_message(subscriber).await, Bytes::from_static(b"hello"));
    }
}

pub async fn subscribers_of_another_topic_receive_nothing(bus: Arc<dyn Bus>) {
    // Arrange
    let (topic, other) = (unique_topic("target"), unique_topic("other"));
    let mut on_topic = bus.subscribe(&topic).await.expect("subscribe");
    let mut on_other = bus.subscribe(&other).await.expect("subscribe");

    // Act
    bus.publish(&topic, Bytes::from_static(b"for-topic"))
        .await
        .expect("publish");
    bus.publish(&other, Bytes::from_static(b"marker"))
        .await
        .expect("publish");

    // Assert: the other topic's first message is its own marker, not the leaked one.
    assert_eq!(
        next_message(&mut on_topic).await,
        Bytes::from_static(b"for-topic")
    );
    assert_eq!(
        next_message(&mut on_other).await,
        Bytes::from_static(b"marker")
    );
}

pub async fn messages_arrive_in_publish_order(bus: Arc<dyn Bus>) {
    // Arrange
    let topic = unique_topic("order");
    let mut subscriber = bus.subscribe(&topic).await.expect("subscribe");

    // Act
    for i in 0..50u32 {
        bus.publish(&topic, Bytes::from(i.to_string()))
            .await
            .expect("publish");
    }

    // Assert
    for i in 0..50u32 {
        assert_eq!(
            next_message(&mut subscriber).await,
            Bytes::from(i.to_string())
        );
    }
}

pub async fn dropping_a_subscription_stops_delivery_and_releases_the_topic(bus: Arc<dyn Bus>) {
    // Arrange
    let topic = unique_topic("drop");
    let dropped = bus.subscribe(&topic).await.expect("subscribe");
    let mut kept = bus.subscribe(&topic).await.expect("subscribe");

    // Act
    drop(dropped);
    let received = bus.publish(&topic, Bytes::from_static(b"still-here")).await;

    // Assert
    assert_eq!(received.expect("publish"), expected_receivers(&*bus, 1));
    assert_eq!(
        next_message(&mut kept).await,
        Bytes::from_static(b"still-here")
    );

    // Act: the last subscriber leaves (Redis unsubscribes in the background).
    drop(kept);

    // Assert
    let deadline = Instant::now() + WAIT;
    loop {
        let received = bus.publish(&topic, Bytes::from_static(b"gone")).await;
        if received.expect("publish") == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the topic was never released");
        sleep(Duration::from_millis(20)).await;
    }
}

pub async fn a_subscriber_that_falls_behind_is_told_what_it_missed_then_gets_newer_messages(
    bus: Arc<dyn Bus>,
) {
    // Arrange
    let topic = unique_topic("lag");
    let mut slow = bus.subscribe(&topic).await.expect("subscribe");
    let mut witness = bus.subscribe(&topic).await.expect("subscribe");
    let total = 20u64;

    // Act: publish far more than the slow subscriber can buffer, without reading it.
    for i in 0..total {
        bus.publish(&topic, Bytes::from(i.to_string()))
            .await
            .expect("publish");
    }
    // The witness seeing the last message proves every message reached this node.
    let last = Bytes::from((total - 1).to_string());
    while next_item(&mut witness).await != BusItem::Message(last.clone()) {}

    // Assert
    let window = LAG_CAPACITY as u64;
    assert_eq!(
        next_item(&mut slow).await,
        BusItem::Lagged {
            skipped: total - window
        }
    );
    for i in (total - window)..total {
        assert_eq!(next_message(&mut slow).await, Bytes::from(i.to_string()));
    }
}

pub async fn topics_that_break_the_naming_rules_are_rejected(bus: Arc<dyn Bus>) {
    // Arrange
    let invalid = [
        String::new(),
        "room 1".into(),
        "room:\t1".into(),
        "x".repeat(201),
    ];

    // Act + Assert
    for raw in invalid {
        let result = Topic::new(raw.clone());
        assert!(
            matches!(result, Err(BusError::InvalidTopic { .. })),
            "{raw:?} was accepted"
        );
    }
    assert!(matches!(
        Topic::room("a b"),
        Err(BusError::InvalidTopic { .. })
    ));
    assert!(
        bus.subscribe(&Topic::room(7).expect("valid topic"))
            .await
            .is_ok()
    );
}

pub async fn ping_succeeds_on_a_healthy_bus(bus: Arc<dyn Bus>) {
    // Act
    let pinged = bus.ping().await;

    // Assert
    assert!(pinged.is_ok(), "ping failed: {pinged:?}");
}

pub async fn closing_ends_open_subscriptions_and_refuses_new_work(bus: Arc<dyn Bus>) {
    // Arrange
    let topic = unique_topic("close");
    let mut subscriber = bus.subscribe(&topic).await.expect("subscribe");

    // Act
    bus.close().await;
    bus.close().await;

    // Assert
    let ended = timeout(WAIT, subscriber.next())
        .await
        .expect("stream should end");
    assert_eq!(ended, None);
    let published = bus.publish(&topic, Bytes::from_static(b"late")).await;
    assert!(matches!(published, Err(BusError::Closed)), "{published:?}");
    let subscribed = bus.subscribe(&topic).await;
    assert!(
        matches!(subscribed, Err(BusError::Closed)),
        "{subscribed:?}"
    );
}

/// Expands to one `#[tokio::test]` per contract case, each building its bus with the
/// enclosing module's `make_bus(capacity)` (which returns `None` to skip).
macro_rules! bus_contract_suite {
    () => {
        bus_contract_suite!(
            publishing_reaches_every_subscriber_and_reports_how_many(CAPACITY),
            subscribers_of_another_topic_receive_nothing(CAPACITY),
            messages_arrive_in_publish_order(CAPACITY),
            dropping_a_subscription_stops_delivery_and_releases_the_topic(CAPACITY),
            a_subscriber_that_falls_behind_is_told_what_it_missed_then_gets_newer_messages(
                LAG_CAPACITY
            ),
            topics_that_break_the_naming_rules_are_rejected(CAPACITY),
            ping_succeeds_on_a_healthy_bus(CAPACITY),
            closing_ends_open_subscriptions_and_refuses_new_work(CAPACITY),
        );
    };
    ($($case:ident($capacity:expr)),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let Some(bus) = make_bus($capacity).await else {
                    return;
                };
                super::$case(Arc::clone(&bus)).await;
                bus.close().await;
            }
        )+
    };
}

mod in_process {
    use std::sync::Arc;

    use realtime::{Bus, InProcessBus};

    use super::{CAPACITY, LAG_CAPACITY};

    async fn make_bus(capacity: usize) -> Option<Arc<dyn Bus>> {
        Some(Arc::new(InProcessBus::new(capacity)))
    }

    bus_contract_suite!();
}

mod redis {
    use std::sync::Arc;
    use std::time::Duration;

    use bytes::Bytes;
    use futures_util::StreamExt;
    use realtime::{Bus, BusItem, RedisBus};
    use tokio::time::{Instant, sleep, timeout};

    use super::{CAPACITY, LAG_CAPACITY, WAIT, next_item, next_message, unique_topic};
    use crate::support::redis::{kill_client_named, redis_url};

    async fn connect(url: &str, capacity: usize) -> RedisBus {
        RedisBus::connect(url, capacity)
            .await
            .expect("connect the Redis bus")
    }

    async fn make_bus(capacity: usize) -> Option<Arc<dyn Bus>> {
        let url = redis_url().await?;
        Some(Arc::new(connect(&url, capacity).await))
    }

    bus_contract_suite!();

    #[tokio::test]
    async fn two_nodes_receive_each_others_publishes() {
        // Arrange
        let Some(url) = redis_url().await else { return };
        let (node_a, node_b) = (connect(&url, CAPACITY).await, connect(&url, CAPACITY).await);
        let topic = unique_topic("nodes");
        let mut on_a = node_a.subscribe(&topic).await.expect("subscribe on a");
        let mut on_b = node_b.subscribe(&topic).await.expect("subscribe on b");

        // Act
        let from_a = node_a.publish(&topic, Bytes::from_static(b"from-a")).await;
        let from_b = node_b.publish(&topic, Bytes::from_static(b"from-b")).await;

        // Assert
        assert_eq!(from_a.expect("publish on a"), 2);
        assert_eq!(from_b.expect("publish on b"), 2);
        for subscriber in [&mut on_a, &mut on_b] {
            assert_eq!(
                next_message(subscriber).await,
                Bytes::from_static(b"from-a")
            );
            assert_eq!(
                next_message(subscriber).await,
                Bytes::from_static(b"from-b")
            );
        }
        node_a.close().await;
        node_b.close().await;
    }

    #[tokio::test]
    async fn a_killed_subscriber_connection_is_restored_without_resubscribing() {
        // Arrange
        let Some(url) = redis_url().await else { return };
        let bus = connect(&url, CAPACITY).await;
        let topic = unique_topic("reconnect");
        let mut subscriber = bus.subscribe(&topic).await.expect("subscribe");
        bus.publish(&topic, Bytes::from_static(b"before"))
            .await
            .expect("publish");
        assert_eq!(
            next_message(&mut subscriber).await,
            Bytes::from_static(b"before")
        );

        // Act
        kill_client_named(&url, bus.pubsub_client_name()).await;

        // Assert: messages flow again on the same subscription (those published while the
        // connection was down are lost, so keep publishing until one arrives; the resync hint
        // that precedes it is covered by the next case).
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut attempt = 0u32;
        loop {
            assert!(
                Instant::now() < deadline,
                "no message after the connection was killed"
            );
            attempt += 1;
            let payload = Bytes::from(format!("after-{attempt}"));
            bus.publish(&topic, payload).await.expect("publish");
            match timeout(Duration::from_millis(200), subscriber.next()).await {
                Ok(Some(BusItem::Message(payload))) if payload.starts_with(b"after-") => break,
                Ok(None) => panic!("the subscription ended instead of recovering"),
                _ => {}
            }
        }
        let deadline = Instant::now() + WAIT;
        while bus.ping().await.is_err() {
            assert!(Instant::now() < deadline, "ping never recovered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bus.close().await;
    }

    #[tokio::test]
    async fn every_subscriber_is_told_to_resync_before_messages_flow_after_a_reconnect() {
        // Arrange: two live topics, one with two local subscribers, all receiving.
        let Some(url) = redis_url().await else { return };
        let bus = Arc::new(connect(&url, CAPACITY).await);
        let topics = [unique_topic("resync-a"), unique_topic("resync-b")];
        let mut subscribers = Vec::new();
        for topic in [&topics[0], &topics[0], &topics[1]] {
            subscribers.push(bus.subscribe(topic).await.expect("subscribe"));
        }
        for topic in &topics {
            bus.publish(topic, Bytes::from_static(b"before"))
                .await
                .expect("publish");
        }
        for subscriber in &mut subscribers {
            assert_eq!(
                next_message(subscriber).await,
                Bytes::from_static(b"before")
            );
        }

        // Act: kill the subscriber connection, then publish steadily so that messages race
        // the reconnect and re-subscription.
        kill_client_named(&url, bus.pubsub_client_name()).await;
        let publisher = tokio::spawn({
            let (bus, topics) = (Arc::clone(&bus), topics.clone());
            async move {
                for i in 0u32.. {
                    for topic in &topics {
                        let payload = Bytes::from(format!("after-{i}"));
                        bus.publish(topic, payload).await.expect("publish");
                    }
                    sleep(Duration::from_millis(10)).await;
                }
            }
        });

        // Assert: each subscriber's first item after the outage is the resync hint, and
        // messages published after the kill follow it.
        for subscriber in &mut subscribers {
            assert_eq!(next_item(subscriber).await, BusItem::Lagged { skipped: 0 });
            assert!(next_message(subscriber).await.starts_with(b"after-"));
        }
        publisher.abort();
        let _ = publisher.await;
        bus.close().await;
    }
}
