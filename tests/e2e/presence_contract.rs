//! The presence contract, written once against `Arc<dyn Presence>` and run on every
//! implementation: `presence_contract::in_process::*` and `presence_contract::redis::*` carry
//! the same case names. Connections live 300 ms without a heartbeat, so expiry cases finish
//! well within two seconds. Users are unique per case and each Redis case has its own key
//! prefix, so cases run in parallel against one Redis; events of other cases on the shared
//! `presence:default` channel are ignored.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use realtime::PresenceStatus::{Away, Offline, Online};
use realtime::{
    Bus, BusItem, PRESENCE_TENANT, Presence, PresenceEvent, PresenceStatus, Subscription, Topic,
};
use tokio::time::{Instant, interval, sleep, timeout_at};
use tokio_util::sync::{CancellationToken, DropGuard};

const TTL: Duration = Duration::from_millis(300);
/// Upper bound for any event, expiries included (TTL plus a sweep period, with slack).
const WAIT: Duration = Duration::from_secs(2);

/// An id no other case (or concurrent test process) uses.
fn unique(kind: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{kind}-{}-{nanos}-{n}", std::process::id())
}

/// One user's events on the presence topic.
struct Events {
    subscription: Subscription,
    user: String,
}

impl Events {
    async fn watch(bus: &dyn Bus, user: &str) -> Self {
        let topic = Topic::presence(PRESENCE_TENANT).unwrap();
        let subscription = bus.subscribe(&topic).await.expect("subscribe");
        Self {
            subscription,
            user: user.to_owned(),
        }
    }

    /// The user's next event before `deadline`, if any.
    async fn next_before(&mut self, deadline: Instant) -> Option<PresenceStatus> {
        loop {
            let item = timeout_at(deadline, self.subscription.next()).await;
            match item.ok()?.expect("the presence subscription ended") {
                BusItem::Message(payload) => {
                    let event: PresenceEvent =
                        serde_json::from_slice(&payload).expect("a presence event");
                    if event.user_id == self.user {
                        return Some(event.status);
                    }
                }
                lagged => panic!("unexpected {lagged:?}"),
            }
        }
    }

    async fn next(&mut self) -> PresenceStatus {
        let deadline = Instant::now() + WAIT;
        self.next_before(deadline)
            .await
            .expect("timed out waiting for a presence event")
    }

    async fn assert_quiet_for(&mut self, quiet: Duration) {
        let event = self.next_before(Instant::now() + quiet).await;
        assert_eq!(event, None, "unexpected presence event");
    }
}

/// Runs the presence's sweeper until the returned guard is dropped.
fn spawn_sweeper(presence: &Arc<dyn Presence>) -> DropGuard {
    let shutdown = CancellationToken::new();
    tokio::spawn(Arc::clone(presence).run_sweeper(shutdown.clone()));
    shutdown.drop_guard()
}

/// Heartbeats `connection` every third of the TTL while `until` runs; returns its output.
async fn heartbeating<F: Future>(
    presence: &dyn Presence,
    user: &str,
    connection: &str,
    until: F,
) -> F::Output {
    let mut ticks = interval(TTL / 3);
    tokio::pin!(until);
    loop {
        tokio::select! {
            output = &mut until => return output,
            _ = ticks.tick() => presence.heartbeat(user, connection).await.expect("heartbeat"),
        }
    }
}

pub async fn two_tabs_keep_a_user_online_until_both_disconnect(
    presence: Arc<dyn Presence>,
    _: Arc<dyn Bus>,
) {
    // Arrange
    let user = unique("tabs");
    assert_eq!(presence.connect(&user, "tab-1").await.unwrap(), Online);
    assert_eq!(presence.connect(&user, "tab-2").await.unwrap(), Online);

    // Act + Assert
    assert_eq!(presence.disconnect(&user, "tab-1").await.unwrap(), Online);
    assert_eq!(presence.statuses(&[&user]).await.unwrap(), [Online]);
    assert_eq!(presence.disconnect(&user, "tab-2").await.unwrap(), Offline);
    assert_eq!(presence.statuses(&[&user]).await.unwrap(), [Offline]);
}

pub async fn a_user_is_away_when_every_connection_is_away_and_online_when_one_returns(
    presence: Arc<dyn Presence>,
    _: Arc<dyn Bus>,
) {
    // Arrange
    let user = unique("away");
    presence.connect(&user, "desktop").await.unwrap();
    presence.connect(&user, "phone").await.unwrap();

    // Act + Assert
    assert_eq!(
        presence.set_away(&user, "desktop", true).await.unwrap(),
        Online
    );
    assert_eq!(presence.set_away(&user, "phone", true).await.unwrap(), Away);
    assert_eq!(presence.statuses(&[&user]).await.unwrap(), [Away]);
    presence.heartbeat(&user, "phone").await.unwrap();
    assert_eq!(
        presence.statuses(&[&user]).await.unwrap(),
        [Away],
        "a heartbeat keeps away"
    );
    assert_eq!(
        presence.set_away(&user, "phone", false).await.unwrap(),
        Online
    );
    assert_eq!(presence.statuses(&[&user]).await.unwrap(), [Online]);
}

pub async fn events_are_published_only_when_the_aggregate_status_changes(
    presence: Arc<dyn Presence>,
    bus: Arc<dyn Bus>,
) {
    // Arrange
    let user = unique("events");
    let mut events = Events::watch(&*bus, &user).await;

    // Act + Assert: each expected event is the next one, so any extra event fails the case.
    presence.connect(&user, "a").await.unwrap();
    assert_eq!(events.next().await, Online);
    presence.connect(&user, "b").await.unwrap();
    presence.set_away(&user, "a", true).await.unwrap();
    presence.heartbeat(&user, "a").await.unwrap();
    presence.set_away(&user, "b", true).await.unwrap();
    assert_eq!(events.next().await, Away);
    presence.set_away(&user, "b", true).await.unwrap();
    presence.set_away(&user, "a", false).await.unwrap();
    assert_eq!(events.next().await, Online);
    presence.disconnect(&user, "a").await.unwrap();
    assert_eq!(events.next().await, Away);
    presence.disconnect(&user, "b").await.unwrap();
    presence.disconnect(&user, "b").await.unwrap();
    assert_eq!(events.next().await, Offline);
    presence.connect(&user, "c").await.unwrap();
    assert_eq!(events.next().await, Online);
}

pub async fn a_connection_without_heartbeats_expires_and_its_user_goes_offline_with_an_event(
    presence: Arc<dyn Presence>,
    bus: Arc<dyn Bus>,
) {
    // Arrange
    let user = unique("expiry");
    let mut events = Events::watch(&*bus, &user).await;
    let _sweeper = spawn_sweeper(&presence);
    let started = Instant::now();

    // Act
    presence.connect(&user, "crashed-node-tab").await.unwrap();

    // Assert
    assert_eq!(events.next().await, Online);
    assert_eq!(events.next().await, Offline);
    assert!(
        started.elapsed() >= TTL - Duration::from_millis(10),
        "expired early"
    );
    assert_eq!(presence.statuses(&[&user]).await.unwrap(), [Offline]);
}

pub async fn heartbeats_keep_a_connection_online_past_its_ttl(
    presence: Arc<dyn Presence>,
    bus: Arc<dyn Bus>,
) {
    // Arrange
    let user = unique("heartbeat");
    let mut events = Events::watch(&*bus, &user).await;
    let _sweeper = spawn_sweeper(&presence);
    presence.connect(&user, "tab").await.unwrap();
    assert_eq!(events.next().await, Online);

    // Act
    heartbeating(&*presence, &user, "tab", sleep(TTL * 3)).await;

    // Assert
    events.assert_quiet_for(Duration::from_millis(50)).await;
    assert_eq!(presence.statuses(&[&user]).await.unwrap(), [Online]);
    assert_eq!(events.next().await, Offline, "expires once heartbeats stop");
}

pub async fn an_expired_active_connection_leaves_its_user_away_when_the_others_are_away(
    presence: Arc<dyn Presence>,
    bus: Arc<dyn Bus>,
) {
    // Arrange: an idle laptop that keeps heartbeating and a phone whose node died.
    let user = unique("expiry-away");
    let mut events = Events::watch(&*bus, &user).await;
    let _sweeper = spawn_sweeper(&presence);
    presence.connect(&user, "phone").await.unwrap();
    presence.set_away(&user, "laptop", true).await.unwrap();
    assert_eq!(events.next().await, Online);

    // Act
    let next = heartbeating(&*presence, &user, "laptop", events.next()).await;

    // Assert
    assert_eq!(next, Away);
    assert_eq!(presence.statuses(&[&user]).await.unwrap(), [Away]);
    assert_eq!(presence.disconnect(&user, "laptop").await.unwrap(), Offline);
    assert_eq!(events.next().await, Offline);
}

pub async fn unknown_users_are_offline_and_statuses_come_back_in_the_order_asked(
    presence: Arc<dyn Presence>,
    _: Arc<dyn Bus>,
) {
    // Arrange
    let (online, away, unknown) = (unique("online"), unique("away"), unique("unknown"));
    presence.connect(&online, "tab").await.unwrap();
    presence.set_away(&away, "tab", true).await.unwrap();

    // Act
    let statuses = presence
        .statuses(&[&unknown, &away, &online, &unknown])
        .await;

    // Assert
    assert_eq!(statuses.unwrap(), [Offline, Away, Online, Offline]);
    assert!(presence.statuses(&[]).await.unwrap().is_empty());
    assert_eq!(presence.disconnect(&unknown, "tab").await.unwrap(), Offline);
}

/// Expands to one `#[tokio::test]` per contract case, each building its presence and bus
/// with the enclosing module's `make()` (which returns `None` to skip).
macro_rules! presence_contract_suite {
    () => {
        presence_contract_suite!(
            two_tabs_keep_a_user_online_until_both_disconnect,
            a_user_is_away_when_every_connection_is_away_and_online_when_one_returns,
            events_are_published_only_when_the_aggregate_status_changes,
            a_connection_without_heartbeats_expires_and_its_user_goes_offline_with_an_event,
            heartbeats_keep_a_connection_online_past_its_ttl,
            an_expired_active_connection_leaves_its_user_away_when_the_others_are_away,
            unknown_users_are_offline_and_statuses_come_back_in_the_order_asked,
        );
    };
    ($($case:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let Some((presence, bus)) = make().await else {
                    return;
                };
                super::$case(presence, Arc::clone(&bus)).await;
                bus.close().await;
            }
        )+
    };
}

mod in_process {
    use std::sync::Arc;

    use realtime::{Bus, InProcessBus, InProcessPresence, Presence};

    use super::TTL;

    async fn make() -> Option<(Arc<dyn Presence>, Arc<dyn Bus>)> {
        let bus: Arc<dyn Bus> = Arc::new(InProcessBus::new(64));
        Some((Arc::new(InProcessPresence::new(Arc::clone(&bus), TTL)), bus))
    }

    presence_contract_suite!();
}

mod redis {
    use std::sync::Arc;

    use realtime::PresenceStatus::{Away, Offline, Online};
    use realtime::{Bus, Presence, RedisBus, RedisPresence};

    use super::{Events, TTL, spawn_sweeper, unique};
    use crate::support::redis::redis_url;

    /// A gateway node: its own bus and presence, with keys under `prefix`.
    async fn node(url: &str, prefix: &str) -> (Arc<dyn Presence>, Arc<dyn Bus>) {
        let bus: Arc<dyn Bus> =
            Arc::new(RedisBus::connect(url, 64).await.expect("connect the bus"));
        let presence = RedisPresence::connect(url, Arc::clone(&bus), TTL)
            .await
            .expect("connect presence")
            .with_key_prefix(prefix);
        (Arc::new(presence), bus)
    }

    async fn make() -> Option<(Arc<dyn Presence>, Arc<dyn Bus>)> {
        let url = redis_url().await?;
        Some(node(&url, &format!("{}:", unique("test-presence"))).await)
    }

    presence_contract_suite!();

    #[tokio::test]
    async fn two_nodes_sharing_redis_see_one_aggregate_status() {
        // Arrange
        let Some(url) = redis_url().await else { return };
        let prefix = format!("{}:", unique("test-presence"));
        let ((a, a_bus), (b, b_bus)) = (node(&url, &prefix).await, node(&url, &prefix).await);
        let user = unique("nodes");
        let mut events = Events::watch(&*b_bus, &user).await;

        // Act + Assert: each node sees the other's connections, and each change is
        // published once.
        assert_eq!(a.connect(&user, "tab-on-a").await.unwrap(), Online);
        assert_eq!(events.next().await, Online);
        assert_eq!(b.connect(&user, "tab-on-b").await.unwrap(), Online);
        assert_eq!(a.set_away(&user, "tab-on-a", true).await.unwrap(), Online);
        assert_eq!(b.statuses(&[&user]).await.unwrap(), [Online]);
        assert_eq!(b.set_away(&user, "tab-on-b", true).await.unwrap(), Away);
        assert_eq!(events.next().await, Away);
        assert_eq!(a.statuses(&[&user]).await.unwrap(), [Away]);
        assert_eq!(a.disconnect(&user, "tab-on-a").await.unwrap(), Away);
        assert_eq!(b.disconnect(&user, "tab-on-b").await.unwrap(), Offline);
        assert_eq!(events.next().await, Offline);
        assert_eq!(a.statuses(&[&user]).await.unwrap(), [Offline]);
        a_bus.close().await;
        b_bus.close().await;
    }

    #[tokio::test]
    async fn two_sweeping_nodes_report_an_expired_connection_once() {
        // Arrange
        let Some(url) = redis_url().await else { return };
        let prefix = format!("{}:", unique("test-presence"));
        let ((a, a_bus), (b, b_bus)) = (node(&url, &prefix).await, node(&url, &prefix).await);
        let (_sweeper_a, _sweeper_b) = (spawn_sweeper(&a), spawn_sweeper(&b));
        let user = unique("sweep-once");
        let mut events = Events::watch(&*a_bus, &user).await;

        // Act
        b.connect(&user, "tab-on-b").await.unwrap();

        // Assert
        assert_eq!(events.next().await, Online);
        assert_eq!(events.next().await, Offline);
        events.assert_quiet_for(TTL).await;
        a_bus.close().await;
        b_bus.close().await;
    }

    #[tokio::test]
    async fn presence_keeps_working_after_redis_forgets_its_script() {
        // Arrange
        let Some(url) = redis_url().await else { return };
        let (presence, bus) = make().await.expect("Redis answered a moment ago");
        let user = unique("noscript");
        let client = ::redis::Client::open(url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();

        // Act: as after a Redis restart (only the script cache is lost, which every client
        // of this Redis recovers from).
        ::redis::cmd("SCRIPT")
            .arg("FLUSH")
            .query_async::<()>(&mut conn)
            .await
            .unwrap();

        // Assert
        assert_eq!(presence.connect(&user, "tab").await.unwrap(), Online);
        assert_eq!(presence.disconnect(&user, "tab").await.unwrap(), Offline);
        bus.close().await;
    }
}
