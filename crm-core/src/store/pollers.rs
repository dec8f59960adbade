//! The `channel_pollers` table: a lease per long-polled channel, so that exactly one node
//! polls each bot, and the offset it has stored up to.

use super::Conn;
use crate::{
    Result,
    domain::{ChannelId, Timestamp},
};

/// Takes or renews the lease for `holder`. Returns the offset to poll from when the lease is
/// `holder`'s now, `None` while another node's lease is still running.
pub(crate) async fn claim(
    conn: &mut Conn,
    channel: ChannelId,
    holder: &str,
    lease_until: Timestamp,
    now: Timestamp,
) -> Result<Option<i64>> {
    let taken = sqlx::query(
        "insert into channel_pollers (channel_id, holder, lease_until, created_at, updated_at) \
         values ($1, $2, $3, $4, $4) \
         on conflict (channel_id) do update set holder = excluded.holder, \
         lease_until = excluded.lease_until, updated_at = excluded.updated_at \
         where channel_pollers.holder = excluded.holder or channel_pollers.lease_until < $4",
    )
    .bind(channel.to_string())
    .bind(holder)
    .bind(lease_until.millis())
    .bind(now.millis())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if taken == 0 {
        return Ok(None);
    }
    let offset: i64 =
        sqlx::query_scalar("select next_offset from channel_pollers where channel_id = $1")
            .bind(channel.to_string())
            .fetch_one(conn)
            .await?;
    Ok(Some(offset))
}

/// Records a poll by the lease holder: the offset everything below which is stored, and the
/// error if the poll failed. Returns false when the lease is no longer `holder`'s.
pub(crate) async fn record_poll(
    conn: &mut Conn,
    channel: ChannelId,
    holder: &str,
    next_offset: i64,
    error: Option<&str>,
    now: Timestamp,
) -> Result<bool> {
    let updated = sqlx::query(
        "update channel_pollers set next_offset = $3, last_polled_at = $4, last_error = $5, \
         updated_at = $4 where channel_id = $1 and holder = $2",
    )
    .bind(channel.to_string())
    .bind(holder)
    .bind(next_offset)
    .bind(now.millis())
    .bind(error)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// Gives the lease up (on shutdown), so another node takes over at once.
pub(crate) async fn release(conn: &mut Conn, channel: ChannelId, holder: &str) -> Result<()> {
    sqlx::query("update channel_pollers set lease_until = 0 where channel_id = $1 and holder = $2")
        .bind(channel.to_string())
        .bind(holder)
        .execute(conn)
        .await?;
    Ok(())
}

/// What an admin sees about a polled channel.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PollerState {
    pub holder: String,
    pub lease_until: Timestamp,
    pub last_polled_at: Option<Timestamp>,
    pub last_error: Option<String>,
}

pub(crate) async fn state(conn: &mut Conn, channel: ChannelId) -> Result<Option<PollerState>> {
    let row: Option<(String, i64, Option<i64>, Option<String>)> = sqlx::query_as(
        "select holder, lease_until, last_polled_at, last_error from channel_pollers where channel_id = $1",
    )
    .bind(channel.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(
        |(holder, lease_until, last_polled_at, last_error)| PollerState {
            holder,
            lease_until: Timestamp::from_millis(lease_until),
            last_polled_at: last_polled_at.map(Timestamp::from_millis),
            last_error,
        },
    ))
}
