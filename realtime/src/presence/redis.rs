//! Presence shared by every gateway node through Redis. This module owns the key layout, the
//! Lua script (`presence.lua`) that changes and settles a user atomically, and the sweeper
//! lock. It publishes changes through the `Bus` it is given and never subscribes.
//!
//! Keys, under a prefix (`presence:` unless set with [`RedisPresence::with_key_prefix`]):
//! - `{prefix}conn:{user}`: sorted set of `{connection}|active` / `{connection}|away`, each
//!   scored by its expiry (server time, ms);
//! - `{prefix}users`: sorted set of users with a live connection, scored by their earliest
//!   expiry, which is what the sweeper scans;
//! - `{prefix}status:{user}`: the last published status (absent means offline);
//! - `{prefix}sweeper`: the lock (`SET NX PX`) that lets one node per period sweep.
//!
//! Every key expires by itself, so an abandoned prefix leaves nothing behind. The sweep
//! touches keys it derives from user ids, so this needs a single Redis, not Redis Cluster
//! (as does the bus).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, ErrorKind, FromRedisValue, ServerErrorKind};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, instrument};

use super::{Presence, PresenceStatus, clamp_ttl, publish_change, sweep_every, sweep_period};
use crate::{Bus, BusError};

const SCRIPT: &str = include_str!("presence.lua");
/// Each connection attempt, and each command, gives up after this long.
const TIMEOUT: Duration = Duration::from_secs(2);
/// Users settled per script call, so one sweep never blocks Redis for long.
const SWEEP_BATCH: usize = 200;
/// Batches per sweep; whatever is left waits for the next period.
const SWEEP_MAX_BATCHES: usize = 50;
const DEFAULT_KEY_PREFIX: &str = "presence:";

/// Presence for a cluster of gateway nodes sharing one Redis; changes are published on the
/// bus given (normally the Redis bus, so every node's sessions see them).
pub struct RedisPresence {
    conn: ConnectionManager,
    bus: Arc<dyn Bus>,
    ttl: Duration,
    prefix: String,
    /// SHA1 of [`SCRIPT`], as returned by `SCRIPT LOAD`.
    script_sha: String,
    /// Written into the sweeper lock, so operators can see which node holds it.
    node: String,
}

impl RedisPresence {
    /// Connects to Redis and loads the presence script. Connections expire `ttl` after their
    /// last refresh (clamped to between 20 ms and a day); every node must use the same TTL.
    ///
    /// # Errors
    /// [`BusError::Unavailable`] for a malformed URL or an unreachable Redis.
    #[instrument(skip_all, err(level = "warn"))]
    pub async fn connect(url: &str, bus: Arc<dyn Bus>, ttl: Duration) -> Result<Self, BusError> {
        let client = Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(3)
            .set_max_delay(Duration::from_secs(1));
        let mut conn = ConnectionManager::new_with_config(client, config).await?;
        let script_sha = redis::cmd("SCRIPT")
            .arg("LOAD")
            .arg(SCRIPT)
            .query_async::<String>(&mut conn)
            .await?;
        let node = node_id();
        info!(presence.node = %node, "connected Redis presence");
        Ok(Self {
            conn,
            bus,
            ttl: clamp_ttl(ttl),
            prefix: DEFAULT_KEY_PREFIX.to_owned(),
            script_sha,
            node,
        })
    }

    /// Puts every key under `prefix` instead of `presence:`. Nodes that should see one
    /// another's connections must share it; tests use a unique one each.
    #[must_use]
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, kind: &str, user: &str) -> String {
        format!("{}{kind}:{user}", self.prefix)
    }

    fn users_key(&self) -> String {
        format!("{}users", self.prefix)
    }

    fn ttl_ms(&self) -> String {
        self.ttl.as_millis().to_string()
    }

    /// Runs the script by SHA, loading it again if Redis lost it (restart, `SCRIPT FLUSH`).
    async fn eval<T: FromRedisValue>(&self, keys: &[String], args: &[&str]) -> Result<T, BusError> {
        let call = |command: &str, script: &str| {
            let mut cmd = redis::cmd(command);
            cmd.arg(script).arg(keys.len()).arg(keys).arg(args);
            cmd
        };
        let mut conn = self.conn.clone();
        match call("EVALSHA", &self.script_sha)
            .query_async(&mut conn)
            .await
        {
            Err(e) if e.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
                Ok(call("EVAL", SCRIPT).query_async(&mut conn).await?)
            }
            result => Ok(result?),
        }
    }

    /// Runs one per-connection operation of the script and publishes the change, if any.
    async fn update(
        &self,
        op: &str,
        user: &str,
        connection: &str,
    ) -> Result<PresenceStatus, BusError> {
        let keys = [
            self.key("conn", user),
            self.key("status", user),
            self.users_key(),
        ];
        let (status, changed): (String, u8) = self
            .eval(&keys, &[op, &self.ttl_ms(), user, connection])
            .await?;
        let status = parse_status(&status)?;
        if changed == 1 {
            publish_change(&*self.bus, user, status).await?;
        }
        Ok(status)
    }

    /// Sweeps expired connections if no other node did during this period.
    async fn sweep(&self) -> Result<(), BusError> {
        let period_ms = sweep_period(self.ttl).as_millis().max(1).to_string();
        let mut conn = self.conn.clone();
        let acquired: Option<String> = redis::cmd("SET")
            .arg(format!("{}sweeper", self.prefix))
            .arg(&self.node)
            .arg("NX")
            .arg("PX")
            .arg(period_ms)
            .query_async(&mut conn)
            .await?;
        if acquired.is_none() {
            return Ok(());
        }
        let (keys, batch, ttl_ms) = ([self.users_key()], SWEEP_BATCH.to_string(), self.ttl_ms());
        for _ in 0..SWEEP_MAX_BATCHES {
            let (settled, changes): (usize, Vec<String>) = self
                .eval(&keys, &["sweep", &ttl_ms, &self.prefix, &batch])
                .await?;
            for change in changes.chunks_exact(2) {
                if let [user, status] = change {
                    debug!(user.id = %user, presence.status = %status, "presence expired");
                    publish_change(&*self.bus, user, parse_status(status)?).await?;
                }
            }
            if settled < SWEEP_BATCH {
                break;
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Presence for RedisPresence {
    #[instrument(skip_all, fields(user.id = %user), err(level = "warn"))]
    async fn connect(&self, user: &str, connection: &str) -> Result<PresenceStatus, BusError> {
        self.update("active", user, connection).await
    }

    #[instrument(skip_all, fields(user.id = %user, away), err(level = "warn"))]
    async fn set_away(
        &self,
        user: &str,
        connection: &str,
        away: bool,
    ) -> Result<PresenceStatus, BusError> {
        let op = if away { "away" } else { "active" };
        self.update(op, user, connection).await
    }

    #[instrument(skip_all, fields(user.id = %user), err(level = "warn"))]
    async fn heartbeat(&self, user: &str, connection: &str) -> Result<(), BusError> {
        self.update("heartbeat", user, connection).await.map(drop)
    }

    #[instrument(skip_all, fields(user.id = %user), err(level = "warn"))]
    async fn disconnect(&self, user: &str, connection: &str) -> Result<PresenceStatus, BusError> {
        self.update("disconnect", user, connection).await
    }

    #[instrument(skip_all, fields(users = users.len()), err(level = "warn"))]
    async fn statuses(&self, users: &[&str]) -> Result<Vec<PresenceStatus>, BusError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = users.iter().map(|user| self.key("status", user)).collect();
        let mut conn = self.conn.clone();
        let stored: Vec<Option<String>> =
            redis::cmd("MGET").arg(&keys).query_async(&mut conn).await?;
        stored
            .iter()
            .map(|status| {
                status
                    .as_deref()
                    .map_or(Ok(PresenceStatus::Offline), parse_status)
            })
            .collect()
    }

    async fn run_sweeper(self: Arc<Self>, shutdown: CancellationToken) {
        sweep_every(sweep_period(self.ttl), shutdown, || self.sweep()).await;
    }
}

/// A status read back from Redis; anything else means the keys were written by something
/// other than this module.
fn parse_status(raw: &str) -> Result<PresenceStatus, BusError> {
    PresenceStatus::from_wire(raw).ok_or_else(|| {
        BusError::Unavailable(format!("unexpected presence status {raw:?} in Redis").into())
    })
}

/// `{pid}-{nanos}-{n}`: distinct per presence instance, for the sweeper lock's value.
fn node_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{nanos:x}-{n}", std::process::id())
}
