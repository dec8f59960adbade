//! Single-node fan-out. This module owns the topic table (`Hub`): one bounded
//! `broadcast` channel per topic with live subscribers, created on first subscribe and pruned
//! when the last subscriber leaves, and the `Delivery` items those channels carry. It does no
//! I/O; the Redis bus reuses the same `Hub` for its local fan-out and resync hints.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use tokio::sync::broadcast;

use crate::subscription::Release;
use crate::{Bus, BusError, BusKind, Subscription, Topic};

/// Largest per-topic buffer accepted; larger requests are clamped (tokio's broadcast
/// allocates the whole ring up front).
pub const MAX_CAPACITY_PER_TOPIC: usize = 1 << 16;

/// What a topic's broadcast channel carries to each local subscriber; `Subscription` turns
/// it into a [`crate::BusItem`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// A published payload, with how many subscribers on this node it was sent to.
    Message(Bytes, usize),
    /// Messages may have been lost upstream of this node (the Redis subscriber connection was
    /// down); subscribers must resync from history. Takes one buffer slot like a message, so
    /// it never grows memory, and a subscriber whose buffer overflows past it is still told
    /// through broadcast lag.
    Resync,
}

/// The topic table shared by both bus implementations.
///
/// Invariant: an entry exists only while its sender has at least one receiver, except
/// briefly between a receiver being dropped and its release running; `publish` and `resync`
/// prune those too. The lock is a `std` mutex held only for map operations and non-blocking
/// sends.
pub(crate) struct Hub {
    topics: Mutex<HashMap<Topic, broadcast::Sender<Delivery>>>,
    capacity: usize,
    closed: AtomicBool,
}

impl Hub {
    pub(crate) fn new(capacity_per_topic: usize) -> Self {
        Self {
            topics: Mutex::new(HashMap::new()),
            capacity: capacity_per_topic.clamp(1, MAX_CAPACITY_PER_TOPIC),
            closed: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Topic, broadcast::Sender<Delivery>>> {
        // A panic while holding the lock cannot leave the map inconsistent (every critical
        // section is a single map operation), so a poisoned lock is safe to keep using.
        self.topics.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Sends to every local subscriber of `topic` (looked up by name, so Redis channel names
    /// need no re-validation) and returns how many there were. Prunes a topic found empty.
    pub(crate) fn publish(&self, topic: &str, payload: Bytes) -> usize {
        self.send(topic, |fanout| Delivery::Message(payload, fanout))
    }

    /// Tells every local subscriber of `topic` that it may have missed messages, ordered
    /// after everything already sent on the topic and before anything sent later. Returns
    /// how many subscribers were told.
    pub(crate) fn resync(&self, topic: &str) -> usize {
        self.send(topic, |_| Delivery::Resync)
    }

    /// Sends what `delivery` makes of the topic's current subscriber count.
    fn send(&self, topic: &str, delivery: impl FnOnce(usize) -> Delivery) -> usize {
        let mut topics = self.lock();
        let Some(sender) = topics.get(topic) else {
            return 0;
        };
        match sender.send(delivery(sender.receiver_count())) {
            Ok(receivers) => receivers,
            Err(_) => {
                topics.remove(topic);
                0
            }
        }
    }

    /// Registers a receiver on `topic`, creating its channel if needed. The receiver sees
    /// every message sent after this returns.
    pub(crate) fn subscribe(
        &self,
        topic: &Topic,
        release: Arc<dyn Release>,
    ) -> Result<Subscription, BusError> {
        if self.is_closed() {
            return Err(BusError::Closed);
        }
        let receiver = {
            let mut topics = self.lock();
            match topics.get(topic.as_str()) {
                Some(sender) => sender.subscribe(),
                None => {
                    let (sender, receiver) = broadcast::channel(self.capacity);
                    topics.insert(topic.clone(), sender);
                    receiver
                }
            }
        };
        Ok(Subscription::new(topic.clone(), receiver, release))
    }

    /// Number of live local subscribers of `topic`.
    pub(crate) fn subscriber_count(&self, topic: &str) -> usize {
        self.lock()
            .get(topic)
            .map_or(0, broadcast::Sender::receiver_count)
    }

    /// Prunes `topic` if it has no subscribers left. Returns whether it is now absent.
    pub(crate) fn prune(&self, topic: &str) -> bool {
        let mut topics = self.lock();
        match topics.get(topic) {
            Some(sender) if sender.receiver_count() > 0 => false,
            Some(_) => {
                topics.remove(topic);
                true
            }
            None => true,
        }
    }

    /// Drops every sender, which ends all open subscription streams, and refuses new work.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let drained: Vec<_> = self.lock().drain().collect();
        drop(drained);
    }

    #[cfg(test)]
    pub(crate) fn topic_count(&self) -> usize {
        self.lock().len()
    }
}

impl Release for Hub {
    fn release(&self, topic: &Topic) {
        self.prune(topic.as_str());
    }
}

/// The single-node bus: publishes go straight to this process's subscribers.
///
/// Use it when one gateway node runs alone; use [`crate::RedisBus`] for several nodes.
#[derive(Clone)]
pub struct InProcessBus {
    hub: Arc<Hub>,
}

impl InProcessBus {
    /// A bus whose subscribers each buffer at most `capacity_per_topic` messages (clamped to
    /// `1..=`[`MAX_CAPACITY_PER_TOPIC`]) before they are told they lagged.
    pub fn new(capacity_per_topic: usize) -> Self {
        Self {
            hub: Arc::new(Hub::new(capacity_per_topic)),
        }
    }
}

#[async_trait::async_trait]
impl Bus for InProcessBus {
    async fn publish(&self, topic: &Topic, payload: Bytes) -> Result<usize, BusError> {
        if self.hub.is_closed() {
            return Err(BusError::Closed);
        }
        Ok(self.hub.publish(topic.as_str(), payload))
    }

    async fn subscribe(&self, topic: &Topic) -> Result<Subscription, BusError> {
        let release: Arc<dyn Release> = self.hub.clone();
        self.hub.subscribe(topic, release)
    }

    async fn ping(&self) -> Result<(), BusError> {
        if self.hub.is_closed() {
            return Err(BusError::Closed);
        }
        Ok(())
    }

    fn kind(&self) -> BusKind {
        BusKind::InProcess
    }

    async fn close(&self) {
        self.hub.close();
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;
    use crate::BusItem;

    #[tokio::test]
    async fn a_topic_is_pruned_when_its_last_subscriber_is_dropped() {
        // Arrange
        let bus = InProcessBus::new(8);
        let topic = Topic::room(1).expect("valid topic");
        let first = bus.subscribe(&topic).await.expect("subscribe");
        let second = bus.subscribe(&topic).await.expect("subscribe");
        assert_eq!(bus.hub.topic_count(), 1);

        // Act
        drop(first);
        let after_one = bus.hub.topic_count();
        drop(second);

        // Assert
        assert_eq!(after_one, 1);
        assert_eq!(bus.hub.topic_count(), 0);
    }

    #[tokio::test]
    async fn publishing_to_a_topic_whose_subscribers_vanished_prunes_it() {
        // Arrange: a receiver dropped without its release running leaves a stale entry.
        let hub = Hub::new(8);
        let topic = Topic::room(2).expect("valid topic");
        let release: Arc<dyn Release> = Arc::new(Hub::new(1));
        drop(hub.subscribe(&topic, release).expect("subscribe"));
        assert_eq!(hub.topic_count(), 1);

        // Act
        let received = hub.publish(topic.as_str(), Bytes::from_static(b"x"));

        // Assert
        assert_eq!(received, 0);
        assert_eq!(hub.topic_count(), 0);
    }

    #[tokio::test]
    async fn a_resync_reaches_every_subscriber_as_a_lag_hint_in_order() {
        // Arrange
        let bus = InProcessBus::new(8);
        let topic = Topic::room(3).expect("valid topic");
        let mut first = bus.subscribe(&topic).await.expect("subscribe");
        let mut second = bus.subscribe(&topic).await.expect("subscribe");
        bus.hub
            .publish(topic.as_str(), Bytes::from_static(b"before"));

        // Act
        let told = bus.hub.resync(topic.as_str());
        bus.hub
            .publish(topic.as_str(), Bytes::from_static(b"after"));

        // Assert
        assert_eq!(told, 2);
        for subscription in [&mut first, &mut second] {
            let items: Vec<BusItem> = subscription.take(3).collect().await;
            assert_eq!(
                items,
                [
                    BusItem::Message(Bytes::from_static(b"before")),
                    BusItem::Lagged { skipped: 0 },
                    BusItem::Message(Bytes::from_static(b"after")),
                ]
            );
        }
    }

    #[test]
    fn a_resync_of_a_topic_without_subscribers_is_a_no_op() {
        assert_eq!(Hub::new(8).resync("room:4"), 0);
    }

    #[test]
    fn a_zero_capacity_is_clamped_instead_of_panicking() {
        assert_eq!(Hub::new(0).capacity, 1);
        assert_eq!(Hub::new(usize::MAX).capacity, MAX_CAPACITY_PER_TOPIC);
    }
}
