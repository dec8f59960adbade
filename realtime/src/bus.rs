//! The `Bus` contract every event-bus implementation fulfils, and its error type. This module
//! owns the semantics (delivery counts, subscription liveness, lag signalling); it holds no
//! state and does no I/O itself.

use bytes::Bytes;

use crate::{Subscription, Topic};

/// Boxed source of a backend failure, so the public API does not leak backend types.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A topic-based publish/subscribe bus carrying opaque payloads between publishers and the
/// websocket sessions of this node (in-process) or of every node (Redis).
///
/// Delivery is at-most-once: a subscriber sees messages published after its `subscribe`
/// returned, in publish order per publisher, and is told (`BusItem::Lagged`) when it may have
/// missed some, whether it fell behind or the transport (Redis) was down; the hint comes
/// before any newer message. Nothing is persisted; callers resync from history after a lag.
#[async_trait::async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Publishes `payload` on `topic`.
    ///
    /// Returns how many subscribers received it: local subscribers for the in-process bus;
    /// the Redis `PUBLISH` receiver count (the number of subscribed nodes) for Redis.
    async fn publish(&self, topic: &Topic, payload: Bytes) -> Result<usize, BusError>;

    /// Subscribes to `topic`.
    ///
    /// Resolves only once the subscription is live (for Redis: after `SUBSCRIBE` is
    /// confirmed), so a publish issued after it returns is never missed. Dropping the
    /// returned [`Subscription`] releases the topic.
    async fn subscribe(&self, topic: &Topic) -> Result<Subscription, BusError>;

    /// Readiness probe for `/readyz`: the in-process bus is always ready; Redis sends `PING`
    /// and also reports the subscriber connection being down.
    async fn ping(&self) -> Result<(), BusError>;

    /// Which implementation this is, for logs and readiness output.
    fn kind(&self) -> BusKind;

    /// Stops background tasks and ends every open subscription's stream. Idempotent; after
    /// it, `publish` and `subscribe` fail with [`BusError::Closed`].
    async fn close(&self);
}

/// The bus implementations, as named in configuration and readiness output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BusKind {
    /// Single-node, in-memory fan-out.
    InProcess,
    /// Multi-node fan-out through Redis pub/sub.
    Redis,
}

impl BusKind {
    /// `"in-process"` or `"redis"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProcess => "in-process",
            Self::Redis => "redis",
        }
    }
}

impl std::fmt::Display for BusKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors callers of the bus branch on.
#[derive(thiserror::Error, Debug)]
pub enum BusError {
    /// The topic name breaks the [`Topic`] rules; a client error, never retried.
    #[error("invalid topic {topic:?}: {reason}")]
    InvalidTopic {
        /// The offending name, cut to 64 characters.
        topic: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// The backend (Redis) cannot be reached or refused the command; retry later.
    #[error("event bus backend is unavailable")]
    Unavailable(#[source] BoxError),
    /// The bus was closed (shutdown); stop using it.
    #[error("event bus is closed")]
    Closed,
}

impl From<redis::RedisError> for BusError {
    fn from(e: redis::RedisError) -> Self {
        Self::Unavailable(Box::new(e))
    }
}
