//! What runs inside the subscriber connection's driver for each RESP3 push: messages go to
//! the local `Hub`, a disconnection is reported to the subscriber task, and the confirmation
//! of a channel re-subscribed after a reconnect tells that topic's local subscribers to
//! resync. It must be quick and must never block, since the driver waits for it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use redis::aio::{AsyncPushSender, SendError};
use redis::{PushInfo, PushKind, Value};
use tokio::sync::mpsc;

use crate::Topic;
use crate::in_process::Hub;

/// The push handler of one subscriber connection (one generation of `PubSubTask`).
pub(super) struct PushRouter {
    hub: Arc<Hub>,
    disconnects: mpsc::UnboundedSender<u64>,
    generation: u64,
    /// Topics that this connection re-subscribes after a reconnect and whose local
    /// subscribers have not been told to resync yet. Filled before SUBSCRIBE is sent and
    /// emptied by the confirmations, so it never holds more than the node's live topics.
    pending_resync: Mutex<HashSet<Topic>>,
}

impl PushRouter {
    /// A handler for connection `generation`, which will restore `resubscribing` (empty for
    /// the first connection: nothing can have been missed before it).
    pub(super) fn new(
        hub: Arc<Hub>,
        disconnects: mpsc::UnboundedSender<u64>,
        generation: u64,
        resubscribing: HashSet<Topic>,
    ) -> Self {
        Self {
            hub,
            disconnects,
            generation,
            pending_resync: Mutex::new(resubscribing),
        }
    }

    fn pending(&self) -> MutexGuard<'_, HashSet<Topic>> {
        // Every critical section is a single set operation, so a poisoned lock is consistent.
        self.pending_resync
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Backstop once every re-SUBSCRIBE is confirmed: a topic whose confirmation push was not
    /// seen still gets its resync hint, later than ideal but never lost.
    pub(super) fn resync_unconfirmed(&self) {
        let unconfirmed = std::mem::take(&mut *self.pending());
        for topic in unconfirmed {
            self.hub.resync(topic.as_str());
        }
    }

    fn confirmed(&self, channel: &str) {
        // Taken out of the lock before touching the Hub, so the two locks never nest.
        let was_pending = self.pending().remove(channel);
        if was_pending {
            self.hub.resync(channel);
        }
    }
}

impl AsyncPushSender for PushRouter {
    fn send(&self, push: PushInfo) -> Result<(), SendError> {
        let mut data = push.data.into_iter();
        match push.kind {
            PushKind::Message => {
                if let (Some(Value::BulkString(channel)), Some(Value::BulkString(payload))) =
                    (data.next(), data.next())
                    && let Ok(channel) = std::str::from_utf8(&channel)
                {
                    self.hub.publish(channel, Bytes::from(payload));
                }
            }
            // Redis confirms each channel of a SUBSCRIBE before sending any of its messages
            // on this connection, and the driver hands pushes over in order: the hint reaches
            // the Hub after the subscription is live and before everything it delivers.
            PushKind::Subscribe => {
                if let Some(Value::BulkString(channel)) = data.next()
                    && let Ok(channel) = std::str::from_utf8(&channel)
                {
                    self.confirmed(channel);
                }
            }
            PushKind::Disconnection => {
                // The task may be gone during shutdown; nothing to do then.
                let _ = self.disconnects.send(self.generation);
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;
    use crate::subscription::Release;
    use crate::{BusItem, Subscription};

    fn push(kind: PushKind, channel: &str, extra: Value) -> PushInfo {
        PushInfo {
            kind,
            data: vec![Value::BulkString(channel.as_bytes().to_vec()), extra],
        }
    }

    fn router_for(topic: &Topic, resubscribing: bool) -> (PushRouter, Subscription) {
        let hub = Arc::new(Hub::new(8));
        let release: Arc<dyn Release> = Arc::new(Hub::new(1));
        let subscription = hub.subscribe(topic, release).expect("subscribe");
        let pending = if resubscribing {
            HashSet::from([topic.clone()])
        } else {
            HashSet::new()
        };
        let (disconnects, _) = mpsc::unbounded_channel();
        (PushRouter::new(hub, disconnects, 2, pending), subscription)
    }

    #[tokio::test]
    async fn a_resubscribed_topic_is_told_to_resync_once_before_its_messages() {
        // Arrange
        let topic = Topic::room(1).expect("valid topic");
        let (router, subscription) = router_for(&topic, true);

        // Act
        let confirm = || push(PushKind::Subscribe, topic.as_str(), Value::Int(1));
        router.send(confirm()).expect("push");
        router.send(confirm()).expect("push");
        let message = Value::BulkString(b"hello".to_vec());
        router
            .send(push(PushKind::Message, topic.as_str(), message))
            .expect("push");
        router.resync_unconfirmed();
        drop(router);

        // Assert
        let items: Vec<BusItem> = subscription.collect().await;
        assert_eq!(
            items,
            [
                BusItem::Lagged { skipped: 0 },
                BusItem::Message(Bytes::from_static(b"hello")),
            ]
        );
    }

    #[tokio::test]
    async fn a_topic_subscribed_for_the_first_time_gets_no_resync() {
        // Arrange
        let topic = Topic::room(2).expect("valid topic");
        let (router, subscription) = router_for(&topic, false);

        // Act
        let confirm = push(PushKind::Subscribe, topic.as_str(), Value::Int(1));
        router.send(confirm).expect("push");
        router.resync_unconfirmed();
        drop(router);

        // Assert
        let items: Vec<BusItem> = subscription.collect().await;
        assert!(items.is_empty(), "{items:?}");
    }

    #[tokio::test]
    async fn an_unconfirmed_resubscription_still_gets_its_resync() {
        // Arrange
        let topic = Topic::room(3).expect("valid topic");
        let (router, subscription) = router_for(&topic, true);

        // Act
        router.resync_unconfirmed();
        drop(router);

        // Assert
        let items: Vec<BusItem> = subscription.collect().await;
        assert_eq!(items, [BusItem::Lagged { skipped: 0 }]);
    }
}
