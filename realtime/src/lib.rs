//! Realtime plumbing for Switchboard: the event bus that carries domain events between
//! gateway nodes and websocket sessions. It owns topics, fan-out, lag signalling and the
//! Redis transport; it knows nothing about HTTP, storage or who may read which topic, and
//! it never persists a message (history lives in the database).
#![forbid(unsafe_code)]

mod bus;
mod in_process;
mod presence;
mod redis;
mod subscription;
mod topic;

use std::sync::Arc;

pub use crate::bus::{BoxError, Bus, BusError, BusKind};
pub use crate::in_process::{InProcessBus, MAX_CAPACITY_PER_TOPIC};
pub use crate::presence::{
    DEFAULT_PRESENCE_TTL, InProcessPresence, PRESENCE_TENANT, Presence, PresenceEvent,
    PresenceStatus, RedisPresence, presence,
};
pub use crate::redis::RedisBus;
pub use crate::subscription::{BusItem, Subscription};
pub use crate::topic::{MAX_TOPIC_LEN, Topic};

/// Builds the bus named by configuration: Redis when `redis_url` is set, otherwise the
/// in-process bus.
///
/// # Errors
/// [`BusError::Unavailable`] when a Redis URL is given but Redis cannot be reached.
pub async fn connect(
    redis_url: Option<&str>,
    capacity_per_topic: usize,
) -> Result<Arc<dyn Bus>, BusError> {
    let bus: Arc<dyn Bus> = match redis_url {
        Some(url) => Arc::new(RedisBus::connect(url, capacity_per_topic).await?),
        None => Arc::new(InProcessBus::new(capacity_per_topic)),
    };
    tracing::info!(bus.kind = %bus.kind(), "event bus ready");
    Ok(bus)
}
