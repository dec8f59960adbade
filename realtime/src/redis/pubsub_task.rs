//! The node's single Redis subscriber connection and the background task that owns it.
//!
//! The task keeps one RESP3 connection `SUBSCRIBE`d to every topic that has local
//! subscribers, hands incoming messages to the local `Hub` (which fans them out, see
//! `pushes`), and `UNSUBSCRIBE`s a topic once its last local subscriber is gone. When the
//! connection is lost it reconnects with capped exponential backoff and re-subscribes every
//! live topic, so no process restart is needed. Messages published meanwhile are lost for
//! this node, so each re-subscribed topic's local subscribers are then sent a resync hint
//! ahead of any newer message. It never publishes and never blocks the connection driver.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, RedisResult};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior, interval, sleep_until};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::pushes::PushRouter;
use crate::in_process::Hub;
use crate::{BusError, Topic};

/// Each connection attempt gives up after this long.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Each command (SUBSCRIBE, PING, ...) gives up after this long.
pub(super) const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// A silent half-open TCP connection is detected by this PING period.
const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(10);
/// Channels per SUBSCRIBE when restoring subscriptions after a reconnect.
const RESUBSCRIBE_BATCH: usize = 500;

/// Requests from `RedisBus` (and from dropped subscriptions) to the task.
pub(super) enum Command {
    /// Make sure Redis delivers `topic` to this node; answered once `SUBSCRIBE` is confirmed.
    Subscribe {
        topic: Topic,
        reply: oneshot::Sender<Result<(), BusError>>,
    },
    /// The last local subscriber of `topic` may be gone: unsubscribe if it still is.
    Release(Topic),
}

pub(super) struct PubSubTask {
    /// Configured for RESP3, which allows SUBSCRIBE, CLIENT SETNAME and PING on one connection.
    client: Client,
    client_name: String,
    hub: Arc<Hub>,
    commands: mpsc::UnboundedReceiver<Command>,
    disconnects_tx: mpsc::UnboundedSender<u64>,
    /// Generations of connections that reported a disconnection.
    disconnects: mpsc::UnboundedReceiver<u64>,
    conn: Option<MultiplexedConnection>,
    /// Bumped per connection attempt, so stale disconnection notices are ignored.
    generation: u64,
    /// Topics this node is (or, while disconnected, should be) subscribed to.
    topics: HashSet<Topic>,
    connected: Arc<AtomicBool>,
    backoff: Duration,
    retry_at: Instant,
}

impl PubSubTask {
    /// Opens the subscriber connection once, so a bad URL or a down Redis fails at start.
    pub(super) async fn connect(
        client: Client,
        client_name: String,
        hub: Arc<Hub>,
        commands: mpsc::UnboundedReceiver<Command>,
        connected: Arc<AtomicBool>,
    ) -> RedisResult<Self> {
        let (disconnects_tx, disconnects) = mpsc::unbounded_channel();
        let mut task = Self {
            client,
            client_name,
            hub,
            commands,
            disconnects_tx,
            disconnects,
            conn: None,
            generation: 0,
            topics: HashSet::new(),
            connected,
            backoff: MIN_BACKOFF,
            retry_at: Instant::now(),
        };
        task.open().await?;
        Ok(task)
    }

    /// Serves commands and keeps the connection alive until `shutdown`, then ends every
    /// local subscription stream.
    pub(super) async fn run(mut self, shutdown: CancellationToken) {
        let mut health = interval(HEALTH_CHECK_EVERY);
        health.set_missed_tick_behavior(MissedTickBehavior::Delay);
        health.reset();
        loop {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                Some(generation) = self.disconnects.recv() => {
                    if generation == self.generation && self.conn.is_some() {
                        self.lost(&"connection closed by the server or the network");
                    }
                }
                command = self.commands.recv() => match command {
                    Some(command) => self.handle(command).await,
                    None => break,
                },
                _ = health.tick(), if self.conn.is_some() => self.health_check().await,
                () = sleep_until(self.retry_at), if self.conn.is_none() => {
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = self.reconnect() => {}
                    }
                }
            }
        }
        self.connected.store(false, Ordering::Release);
        self.hub.close();
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Subscribe { topic, reply } => {
                let result = self.subscribe(topic).await;
                // The caller may have given up waiting; its dropped subscription sends a
                // Release that undoes this SUBSCRIBE.
                let _ = reply.send(result);
            }
            Command::Release(topic) => self.release(topic).await,
        }
    }

    async fn subscribe(&mut self, topic: Topic) -> Result<(), BusError> {
        let Some(conn) = self.conn.as_mut() else {
            return Err(BusError::Unavailable(
                "the Redis subscriber connection is down; reconnecting".into(),
            ));
        };
        if self.topics.contains(&topic) {
            return Ok(());
        }
        match conn.subscribe(topic.as_str()).await {
            Ok(()) => {
                self.topics.insert(topic);
                Ok(())
            }
            Err(e) => {
                warn!(bus.client_name = %self.client_name, %topic,
                    error.cause_chain = ?e, error.message = %e, "Redis SUBSCRIBE failed");
                Err(e.into())
            }
        }
    }

    async fn release(&mut self, topic: Topic) {
        if self.hub.subscriber_count(topic.as_str()) > 0 || !self.topics.remove(&topic) {
            return;
        }
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        if let Err(e) = conn.unsubscribe(topic.as_str()).await {
            // Harmless: messages for a topic without local subscribers are discarded, and a
            // reconnect will not restore it.
            warn!(bus.client_name = %self.client_name, %topic,
                error.cause_chain = ?e, error.message = %e, "Redis UNSUBSCRIBE failed");
        }
    }

    async fn health_check(&mut self) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        if let Err(e) = redis::cmd("PING").query_async::<()>(conn).await {
            self.lost(&e);
        }
    }

    /// Forgets the dead connection and schedules the first reconnect attempt.
    fn lost(&mut self, cause: &dyn std::fmt::Display) {
        self.conn = None;
        self.connected.store(false, Ordering::Release);
        self.backoff = MIN_BACKOFF;
        self.retry_at = Instant::now() + self.backoff;
        warn!(bus.client_name = %self.client_name, bus.topics = self.topics.len(),
            error.message = %cause, "lost the Redis subscriber connection; reconnecting");
    }

    async fn reconnect(&mut self) {
        match self.open().await {
            Ok(()) => {
                self.backoff = MIN_BACKOFF;
                info!(bus.client_name = %self.client_name, bus.topics = self.topics.len(),
                    "Redis subscriber connection restored; subscribers told to resync");
            }
            Err(e) => {
                self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                self.retry_at = Instant::now() + self.backoff;
                warn!(bus.client_name = %self.client_name, retry_in = ?self.backoff,
                    error.cause_chain = ?e, error.message = %e,
                    "reconnecting the Redis subscriber connection failed");
            }
        }
    }

    /// Opens a connection, names it, and subscribes it to every live topic, whose local
    /// subscribers are told to resync (they may have missed messages since the last
    /// connection dropped). An attempt that fails part-way may already have told some of
    /// them; the next attempt tells them again, covering the messages lost in between.
    async fn open(&mut self) -> RedisResult<()> {
        self.generation += 1;
        let router = Arc::new(PushRouter::new(
            Arc::clone(&self.hub),
            self.disconnects_tx.clone(),
            self.generation,
            self.topics.clone(),
        ));
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_push_sender(Arc::clone(&router));
        let mut conn = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        redis::cmd("CLIENT")
            .arg("SETNAME")
            .arg(&self.client_name)
            .query_async::<()>(&mut conn)
            .await?;
        let topics: Vec<&str> = self.topics.iter().map(Topic::as_str).collect();
        for batch in topics.chunks(RESUBSCRIBE_BATCH) {
            conn.subscribe(batch).await?;
        }
        router.resync_unconfirmed();
        self.conn = Some(conn);
        self.connected.store(true, Ordering::Release);
        Ok(())
    }
}
