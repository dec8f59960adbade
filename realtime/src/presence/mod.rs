//! User presence across tabs, devices and gateway nodes. This module owns the presence
//! contract (`Presence`), the aggregate rule (online while any live connection is active,
//! away while every live one is away, offline when none is live), connection expiry and the
//! change events published on `presence:{tenant}`. It does not know about sockets, sessions
//! or who may see whose presence: the gateway calls it and forwards the events.
//!
//! Events are deltas from the last *published* status, and `statuses` reports that same
//! published status, so a client that loads `statuses` and then applies events stays
//! consistent. Concurrent changes of one user on two nodes (or two tasks) are recorded in a
//! single order, but their events are published after the fact and may reach subscribers in
//! the other order; a client resyncs with `statuses` after a bus lag hint.

mod in_process;
mod redis;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::time::{MissedTickBehavior, interval};
use tokio_util::sync::CancellationToken;

pub use self::in_process::InProcessPresence;
pub use self::redis::RedisPresence;
use crate::{Bus, BusError, Topic};

/// How long a connection stays live without a heartbeat unless configured otherwise. Callers
/// heartbeat every third of the TTL.
pub const DEFAULT_PRESENCE_TTL: Duration = Duration::from_secs(60);

/// The tenant whose topic (`presence:default`) carries every change until tenants exist.
pub const PRESENCE_TENANT: &str = "default";

/// Shortest and longest TTL accepted; others are clamped, so the sweeper period is never zero
/// and Redis expiries never overflow.
const MIN_TTL: Duration = Duration::from_millis(20);
const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// A user's aggregate status over all of their live connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresenceStatus {
    /// At least one live connection is active.
    Online,
    /// Every live connection reported its client idle.
    Away,
    /// No live connection.
    Offline,
}

impl PresenceStatus {
    /// `"online"`, `"away"` or `"offline"`, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }

    /// The inverse of [`Self::as_str`].
    pub(crate) fn from_wire(raw: &str) -> Option<Self> {
        [Self::Online, Self::Away, Self::Offline]
            .into_iter()
            .find(|status| status.as_str() == raw)
    }

    /// The aggregate of live connections, given whether each one is away.
    pub(crate) fn aggregate(away: impl IntoIterator<Item = bool>) -> Self {
        let mut status = Self::Offline;
        for away in away {
            if !away {
                return Self::Online;
            }
            status = Self::Away;
        }
        status
    }
}

impl std::fmt::Display for PresenceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The change event published on `presence:{tenant}`:
/// `{"type":"presence","user_id":"…","status":"online|away|offline"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "presence")]
pub struct PresenceEvent {
    /// Whose aggregate status changed.
    pub user_id: String,
    /// The new aggregate status.
    pub status: PresenceStatus,
}

/// Tracks users' connections and publishes each change of their aggregate status once.
///
/// Every connection expires one TTL after it was registered or last refreshed (by any call
/// naming it); [`Presence::run_sweeper`] turns expiries into change events, so a crashed node
/// cannot leave its users online. Calls are idempotent per connection.
///
/// Errors: [`BusError::Unavailable`] when Redis cannot be reached, [`BusError::Closed`] when
/// the bus is closed. An error from a call that changed the status may come after the change
/// was recorded but before its event was published.
#[async_trait::async_trait]
pub trait Presence: Send + Sync + 'static {
    /// Registers a live, active connection (or marks a known one active again). Returns the
    /// user's status afterwards.
    async fn connect(&self, user: &str, connection: &str) -> Result<PresenceStatus, BusError>;

    /// Marks the connection away (client idle) or active again, registering it if unknown,
    /// and refreshes its expiry. Returns the user's status afterwards.
    async fn set_away(
        &self,
        user: &str,
        connection: &str,
        away: bool,
    ) -> Result<PresenceStatus, BusError>;

    /// Refreshes the connection's expiry. An unknown (for instance already expired)
    /// connection is registered again as active, since its socket is evidently alive.
    async fn heartbeat(&self, user: &str, connection: &str) -> Result<(), BusError>;

    /// Removes the connection. Returns the user's status afterwards.
    async fn disconnect(&self, user: &str, connection: &str) -> Result<PresenceStatus, BusError>;

    /// The last published status of each user, in order; unknown users are offline.
    async fn statuses(&self, users: &[&str]) -> Result<Vec<PresenceStatus>, BusError>;

    /// Runs the expiry sweeper until `shutdown` is cancelled. A sweep in progress finishes
    /// first, so no recorded change loses its event (STYLE 51). Sweep errors are logged and
    /// retried on the next tick.
    async fn run_sweeper(self: Arc<Self>, shutdown: CancellationToken);
}

/// Builds the presence tracker matching the bus: shared through Redis when `redis_url` is
/// set, otherwise in-process. Changes are published on `bus`.
///
/// # Errors
/// [`BusError::Unavailable`] when a Redis URL is given but Redis cannot be reached.
pub async fn presence(
    redis_url: Option<&str>,
    bus: Arc<dyn Bus>,
    ttl: Duration,
) -> Result<Arc<dyn Presence>, BusError> {
    let presence: Arc<dyn Presence> = match redis_url {
        Some(url) => Arc::new(RedisPresence::connect(url, bus, ttl).await?),
        None => Arc::new(InProcessPresence::new(bus, ttl)),
    };
    tracing::info!(presence.ttl_ms = ttl.as_millis(), "presence ready");
    Ok(presence)
}

/// The TTL actually used for a configured one.
fn clamp_ttl(ttl: Duration) -> Duration {
    ttl.clamp(MIN_TTL, MAX_TTL)
}

/// How often the sweeper runs: often enough that an expiry is reported within about a
/// quarter TTL of happening.
fn sweep_period(ttl: Duration) -> Duration {
    ttl / 4
}

/// Publishes one change on the tenant's presence topic.
async fn publish_change(bus: &dyn Bus, user: &str, status: PresenceStatus) -> Result<(), BusError> {
    let event = PresenceEvent {
        user_id: user.to_owned(),
        status,
    };
    // Serialising a struct of a string and a unit variant cannot fail; mapped for the type.
    let payload = serde_json::to_vec(&event).map_err(|e| BusError::Unavailable(Box::new(e)))?;
    bus.publish(&Topic::presence(PRESENCE_TENANT)?, Bytes::from(payload))
        .await?;
    Ok(())
}

/// Runs `sweep` every `period` until `shutdown` is cancelled, never interrupting a sweep.
async fn sweep_every<F, Fut>(period: Duration, shutdown: CancellationToken, mut sweep: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), BusError>>,
{
    let mut ticks = interval(period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            _ = ticks.tick() => {}
        }
        if let Err(e) = sweep().await {
            tracing::warn!(error.cause_chain = ?e, error.message = %e, "presence sweep failed");
        }
    }
    tracing::debug!("presence sweeper stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aggregate_is_online_if_any_is_active_away_if_all_are_away_else_offline() {
        assert_eq!(PresenceStatus::aggregate([]), PresenceStatus::Offline);
        assert_eq!(
            PresenceStatus::aggregate([true, true]),
            PresenceStatus::Away
        );
        assert_eq!(
            PresenceStatus::aggregate([true, false]),
            PresenceStatus::Online
        );
    }

    #[test]
    fn events_serialise_to_the_documented_json() {
        let event = PresenceEvent {
            user_id: "u\"1".into(),
            status: PresenceStatus::Away,
        };
        assert_eq!(
            serde_json::to_string(&event).ok().as_deref(),
            Some(r#"{"type":"presence","user_id":"u\"1","status":"away"}"#)
        );
        for status in [
            PresenceStatus::Online,
            PresenceStatus::Away,
            PresenceStatus::Offline,
        ] {
            assert_eq!(PresenceStatus::from_wire(status.as_str()), Some(status));
        }
    }
}
