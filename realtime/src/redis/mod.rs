//! Multi-node bus over Redis pub/sub. This module owns the publisher connection and the
//! handle to the node's subscriber task (`pubsub_task`); local fan-out is delegated to the
//! in-process `Hub`, so each topic costs one Redis subscription per node however many local
//! sessions listen. Redis is a transport only: nothing is stored there.

mod pubsub_task;
mod pushes;

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, IntoConnectionInfo, ProtocolVersion};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, instrument, warn};

use self::pubsub_task::{CONNECT_TIMEOUT, Command, PubSubTask, RESPONSE_TIMEOUT};
use crate::in_process::Hub;
use crate::subscription::Release;
use crate::{Bus, BusError, BusKind, Subscription, Topic};

/// The multi-node bus: `PUBLISH` goes through Redis to every subscribed node, and each node
/// fans out to its local subscribers.
///
/// Requires Redis 6 or later (the subscriber connection speaks RESP3). Messages published
/// while this node's subscriber connection is down are not delivered to it; the connection
/// and all its subscriptions come back by themselves, and every local subscriber of a
/// restored topic then receives [`crate::BusItem::Lagged`] `{ skipped: 0 }` before any newer
/// message, so it knows to resync from history.
pub struct RedisBus {
    /// Reconnects by itself; used for PUBLISH and PING.
    publisher: ConnectionManager,
    hub: Arc<Hub>,
    release: Arc<dyn Release>,
    commands: mpsc::UnboundedSender<Command>,
    client_name: String,
    connected: Arc<AtomicBool>,
    shutdown: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl RedisBus {
    /// Connects the publisher and this node's subscriber connection, then starts the
    /// subscriber task. Fails fast (within a few seconds) if Redis is unreachable.
    ///
    /// `capacity_per_topic` bounds each local subscriber's buffer, as for
    /// [`crate::InProcessBus::new`].
    ///
    /// # Errors
    /// [`BusError::Unavailable`] for a malformed URL or an unreachable Redis.
    #[instrument(skip_all, err(level = "warn"))]
    pub async fn connect(url: &str, capacity_per_topic: usize) -> Result<Self, BusError> {
        let info = url.into_connection_info()?;
        let resp3 = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        let subscriber_client = Client::open(info.clone().set_redis_settings(resp3))?;
        let publisher_client = Client::open(info)?;

        let hub = Arc::new(Hub::new(capacity_per_topic));
        let client_name = unique_client_name();
        let connected = Arc::new(AtomicBool::new(false));
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let task = PubSubTask::connect(
            subscriber_client,
            client_name.clone(),
            Arc::clone(&hub),
            commands_rx,
            Arc::clone(&connected),
        )
        .await?;

        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(3)
            .set_max_delay(Duration::from_secs(1));
        let publisher = ConnectionManager::new_with_config(publisher_client, config).await?;

        let shutdown = CancellationToken::new();
        let handle = tokio::spawn(task.run(shutdown.clone()));
        info!(bus.client_name = %client_name, "connected the Redis event bus");
        Ok(Self {
            publisher,
            release: Arc::new(RedisRelease {
                hub: Arc::clone(&hub),
                commands: commands.clone(),
            }),
            hub,
            commands,
            client_name,
            connected,
            shutdown,
            task: Mutex::new(Some(handle)),
        })
    }

    /// The `CLIENT SETNAME` of this node's subscriber connection (`switchboard-bus-…`),
    /// unique per `RedisBus`, kept across reconnects. Lets operators and tests find the
    /// connection in `CLIENT LIST`.
    pub fn pubsub_client_name(&self) -> &str {
        &self.client_name
    }

    fn ensure_open(&self) -> Result<(), BusError> {
        if self.shutdown.is_cancelled() {
            Err(BusError::Closed)
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl Bus for RedisBus {
    async fn publish(&self, topic: &Topic, payload: Bytes) -> Result<usize, BusError> {
        self.ensure_open()?;
        let mut publisher = self.publisher.clone();
        let receivers = redis::cmd("PUBLISH")
            .arg(topic.as_str())
            .arg(payload.as_ref())
            .query_async::<usize>(&mut publisher)
            .await?;
        Ok(receivers)
    }

    #[instrument(skip_all, fields(topic = %topic), err(level = "warn"))]
    async fn subscribe(&self, topic: &Topic) -> Result<Subscription, BusError> {
        self.ensure_open()?;
        // Register locally first so nothing Redis delivers after SUBSCRIBE is missed.
        let subscription = self.hub.subscribe(topic, Arc::clone(&self.release))?;
        let (reply, confirmed) = oneshot::channel();
        self.commands
            .send(Command::Subscribe {
                topic: topic.clone(),
                reply,
            })
            .map_err(|_| BusError::Closed)?;
        confirmed.await.map_err(|_| BusError::Closed)??;
        Ok(subscription)
    }

    async fn ping(&self) -> Result<(), BusError> {
        self.ensure_open()?;
        if !self.connected.load(Ordering::Acquire) {
            return Err(BusError::Unavailable(
                "the Redis subscriber connection is down; reconnecting".into(),
            ));
        }
        let mut publisher = self.publisher.clone();
        redis::cmd("PING")
            .query_async::<()>(&mut publisher)
            .await
            .map_err(BusError::from)
    }

    fn kind(&self) -> BusKind {
        BusKind::Redis
    }

    async fn close(&self) {
        self.shutdown.cancel();
        let handle = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle
            && let Err(e) = handle.await
        {
            warn!(error.cause_chain = ?e, error.message = %e, "the Redis bus task failed");
        }
        self.hub.close();
    }
}

impl Drop for RedisBus {
    fn drop(&mut self) {
        // Stops the subscriber task even if `close` was never called.
        self.shutdown.cancel();
    }
}

/// Prunes the local topic and, when it became empty, asks the task to UNSUBSCRIBE.
struct RedisRelease {
    hub: Arc<Hub>,
    commands: mpsc::UnboundedSender<Command>,
}

impl Release for RedisRelease {
    fn release(&self, topic: &Topic) {
        if self.hub.prune(topic.as_str()) {
            // Fails only once the task has stopped, when there is nothing left to release.
            let _ = self.commands.send(Command::Release(topic.clone()));
        }
    }
}

/// `switchboard-bus-<16 hex digits>`, distinct per bus instance and process.
fn unique_client_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    format!("switchboard-bus-{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connecting_to_an_unreachable_redis_fails_fast() {
        // Arrange: nothing listens on port 1.
        let started = std::time::Instant::now();

        // Act
        let result = RedisBus::connect("redis://127.0.0.1:1", 8).await;

        // Assert
        assert!(matches!(result, Err(BusError::Unavailable(_))));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn client_names_are_unique_per_bus() {
        assert_ne!(unique_client_name(), unique_client_name());
        assert!(unique_client_name().starts_with("switchboard-bus-"));
    }
}
