//! The subscriber side of the bus: the `Subscription` stream handed to callers and the
//! `BusItem`s it yields. It owns turning broadcast lag and the bus's resync deliveries into an
//! explicit resync hint and releasing the topic when dropped; it does not know which bus
//! created it.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use crate::Topic;
use crate::in_process::Delivery;

/// One item received on a [`Subscription`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BusItem {
    /// A published payload, delivered as-is.
    Message(Bytes),
    /// Messages were lost for this subscriber and it must resync from history; newer
    /// messages follow. Sent when the subscriber fell behind its buffer (`skipped` > 0), and
    /// with `skipped: 0` when the node's Redis subscriber connection was restored after an
    /// outage, during which an unknown number of messages may have been published.
    Lagged {
        /// How many messages this subscriber missed; 0 when the count is unknown.
        skipped: u64,
    },
}

/// Called when a subscription is dropped, after its receiver is gone, so the bus can prune
/// the topic (and, for Redis, unsubscribe). Must not block.
pub(crate) trait Release: Send + Sync + 'static {
    fn release(&self, topic: &Topic);
}

/// A live subscription to one topic: a `Stream` of [`BusItem`]s.
///
/// Each subscriber has its own bounded buffer; one that falls behind gets
/// [`BusItem::Lagged`] and then the newest messages, so a slow reader never grows memory nor
/// slows anyone else. A transport outage (Redis) is reported the same way once the
/// subscription is live again, before any newer message. The stream ends when the bus is closed. Dropping it releases the topic.
pub struct Subscription {
    // Field order matters: the receiver must be dropped before the guard runs, so the bus
    // sees the topic's true receiver count when releasing it.
    stream: BroadcastStream<Delivery>,
    guard: ReleaseGuard,
    fanout: usize,
}

struct ReleaseGuard {
    topic: Topic,
    release: Arc<dyn Release>,
}

impl Drop for ReleaseGuard {
    fn drop(&mut self) {
        self.release.release(&self.topic);
    }
}

impl Subscription {
    pub(crate) fn new(
        topic: Topic,
        receiver: tokio::sync::broadcast::Receiver<Delivery>,
        release: Arc<dyn Release>,
    ) -> Self {
        Self {
            stream: BroadcastStream::new(receiver),
            guard: ReleaseGuard { topic, release },
            fanout: 0,
        }
    }

    /// How many subscribers on this node the last message received here was sent to: a
    /// reader can tell a channel's fan-out to thousands of connections from a conversation
    /// between two, and batch its writes for the first only.
    pub fn fanout(&self) -> usize {
        self.fanout
    }

    /// The topic this subscription listens to (handy as a `StreamMap` key).
    pub fn topic(&self) -> &Topic {
        &self.guard.topic
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("topic", &self.guard.topic)
            .finish_non_exhaustive()
    }
}

impl Stream for Subscription {
    type Item = BusItem;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<BusItem>> {
        let this = &mut *self;
        Pin::new(&mut this.stream).poll_next(cx).map(|item| {
            item.map(|received| match received {
                Ok(Delivery::Message(payload, fanout)) => {
                    this.fanout = fanout;
                    BusItem::Message(payload)
                }
                Ok(Delivery::Resync) => BusItem::Lagged { skipped: 0 },
                Err(BroadcastStreamRecvError::Lagged(skipped)) => BusItem::Lagged { skipped },
            })
        })
    }
}

// The gateway holds subscriptions in per-connection tasks and `StreamMap`s.
const _: () = {
    const fn assert_send_unpin<T: Send + Unpin + 'static>() {}
    assert_send_unpin::<Subscription>();
};
