//! Single-node presence: every connection of every user in one map behind a `std` mutex. It
//! owns the connection table and the last published status per user; it never holds the lock
//! across a publish, and it knows nothing of other nodes (use `RedisPresence` for those).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Presence, PresenceStatus, clamp_ttl, publish_change, sweep_every, sweep_period};
use crate::{Bus, BusError};

/// Presence for a single gateway node, publishing changes on `bus`.
///
/// Invariant: a user has an entry only while their published status is not offline; the
/// sweeper prunes expired connections and users who went offline.
pub struct InProcessPresence {
    bus: Arc<dyn Bus>,
    ttl: Duration,
    users: Mutex<HashMap<String, UserPresence>>,
}

/// One user's live connections and the status last published for them.
struct UserPresence {
    connections: HashMap<String, Connection>,
    published: PresenceStatus,
}

struct Connection {
    away: bool,
    expires_at: Instant,
}

/// What a call does to the named connection.
#[derive(Clone, Copy)]
enum Change {
    /// Register or refresh it; `Some(away)` sets its state, `None` keeps it (active if new).
    Refresh(Option<bool>),
    Remove,
}

impl UserPresence {
    /// Drops expired connections and records the new aggregate; returns it and whether it
    /// differs from the last published one.
    fn settle(&mut self, now: Instant) -> (PresenceStatus, bool) {
        self.connections.retain(|_, c| c.expires_at > now);
        let status = PresenceStatus::aggregate(self.connections.values().map(|c| c.away));
        let changed = status != self.published;
        self.published = status;
        (status, changed)
    }
}

impl InProcessPresence {
    /// Tracks presence locally with connections expiring `ttl` after their last refresh
    /// (clamped to between 20 ms and a day).
    pub fn new(bus: Arc<dyn Bus>, ttl: Duration) -> Self {
        Self {
            bus,
            ttl: clamp_ttl(ttl),
            users: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, UserPresence>> {
        // Every critical section leaves the map consistent before anything can panic, so a
        // poisoned lock is safe to keep using.
        self.users.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `change` and settles the user; returns the status and whether it changed.
    fn apply(&self, user: &str, connection: &str, change: Change) -> (PresenceStatus, bool) {
        let now = Instant::now();
        let mut users = self.lock();
        if matches!(change, Change::Remove) && !users.contains_key(user) {
            return (PresenceStatus::Offline, false);
        }
        let entry = users
            .entry(user.to_owned())
            .or_insert_with(|| UserPresence {
                connections: HashMap::new(),
                published: PresenceStatus::Offline,
            });
        match change {
            Change::Refresh(away) => {
                let expires_at = now + self.ttl;
                let slot = entry
                    .connections
                    .entry(connection.to_owned())
                    .or_insert(Connection {
                        away: false,
                        expires_at,
                    });
                slot.expires_at = expires_at;
                if let Some(away) = away {
                    slot.away = away;
                }
            }
            Change::Remove => {
                entry.connections.remove(connection);
            }
        }
        let settled = entry.settle(now);
        if settled.0 == PresenceStatus::Offline {
            users.remove(user);
        }
        settled
    }

    /// Applies `change`, then publishes the new status if it changed.
    async fn update(
        &self,
        user: &str,
        connection: &str,
        change: Change,
    ) -> Result<PresenceStatus, BusError> {
        let (status, changed) = self.apply(user, connection, change);
        if changed {
            publish_change(&*self.bus, user, status).await?;
        }
        Ok(status)
    }

    /// Settles every user, then publishes the changes found.
    async fn sweep(&self) -> Result<(), BusError> {
        let now = Instant::now();
        let changes: Vec<(String, PresenceStatus)> = {
            let mut users = self.lock();
            let mut changes = Vec::new();
            users.retain(|user, entry| {
                let (status, changed) = entry.settle(now);
                if changed {
                    changes.push((user.clone(), status));
                }
                status != PresenceStatus::Offline
            });
            changes
        };
        for (user, status) in changes {
            publish_change(&*self.bus, &user, status).await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Presence for InProcessPresence {
    async fn connect(&self, user: &str, connection: &str) -> Result<PresenceStatus, BusError> {
        self.update(user, connection, Change::Refresh(Some(false)))
            .await
    }

    async fn set_away(
        &self,
        user: &str,
        connection: &str,
        away: bool,
    ) -> Result<PresenceStatus, BusError> {
        self.update(user, connection, Change::Refresh(Some(away)))
            .await
    }

    async fn heartbeat(&self, user: &str, connection: &str) -> Result<(), BusError> {
        self.update(user, connection, Change::Refresh(None))
            .await
            .map(drop)
    }

    async fn disconnect(&self, user: &str, connection: &str) -> Result<PresenceStatus, BusError> {
        self.update(user, connection, Change::Remove).await
    }

    async fn statuses(&self, users: &[&str]) -> Result<Vec<PresenceStatus>, BusError> {
        let table = self.lock();
        Ok(users
            .iter()
            .map(|user| {
                table
                    .get(*user)
                    .map_or(PresenceStatus::Offline, |entry| entry.published)
            })
            .collect())
    }

    async fn run_sweeper(self: Arc<Self>, shutdown: CancellationToken) {
        sweep_every(sweep_period(self.ttl), shutdown, || self.sweep()).await;
    }
}
