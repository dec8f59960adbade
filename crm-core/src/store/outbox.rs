//! The `outbox` table. Claiming due rows is the one place the engines differ: PostgreSQL
//! lets several workers skip each other's rows (`for update skip locked`); SQLite has one
//! writer at a time, so the claim runs in an immediate transaction and needs no row locks.

use super::{Backend, Conn, rows::parse_id};
use crate::{
    Result,
    domain::{ChannelKind, MessageId, OutboundMessage, RoomId, Timestamp},
};

/// A reply waiting for (or in) delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: String,
    pub message_id: MessageId,
    pub room_id: RoomId,
    pub channel: ChannelKind,
    pub account: String,
    pub message: OutboundMessage,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: String,
    message_id: String,
    room_id: String,
    channel: String,
    account: String,
    payload: String,
    attempts: i64,
}

pub(crate) async fn insert(
    conn: &mut Conn,
    message: MessageId,
    room: RoomId,
    channel: ChannelKind,
    account: &str,
    outbound: &OutboundMessage,
    now: Timestamp,
) -> Result<()> {
    let payload = serde_json::json!({"chat_id": outbound.chat_id, "text": outbound.text, "reply_to": outbound.reply_to, "files": outbound.files});
    sqlx::query(
        "insert into outbox (id, message_id, room_id, channel, account, payload, next_attempt_at, created_at, \
         updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7, $7)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(message.to_string())
    .bind(room.to_string())
    .bind(channel.as_str())
    .bind(account)
    .bind(payload.to_string())
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    sqlx::query("update messages set delivery_status = 'pending' where id = $1")
        .bind(message.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes up to `limit` due rows (pending, or sending with an expired lease) for this worker
/// until `lease_until`.
pub(crate) async fn claim(
    conn: &mut Conn,
    backend: Backend,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
) -> Result<Vec<OutboxItem>> {
    let due = "(status = 'pending' and next_attempt_at <= $1) or (status = 'sending' and lease_until <= $1)";
    let sql = match backend {
        Backend::Postgres => format!(
            "update outbox set status = 'sending', lease_until = $2, attempts = attempts + 1, updated_at = $1 \
             where id in (select id from outbox where {due} order by next_attempt_at limit $3 for update skip locked) \
             returning id, message_id, room_id, channel, account, payload, attempts"
        ),
        Backend::Sqlite => format!(
            "update outbox set status = 'sending', lease_until = $2, attempts = attempts + 1, updated_at = $1 \
             where id in (select id from outbox where {due} order by next_attempt_at limit $3) \
             returning id, message_id, room_id, channel, account, payload, attempts"
        ),
    };
    // The statement is built from the constants above only.
    let rows: Vec<OutboxRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(now.millis())
        .bind(lease_until.millis())
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.into_iter().map(item_of).collect()
}

fn item_of(row: OutboxRow) -> Result<OutboxItem> {
    let payload: serde_json::Value = serde_json::from_str(&row.payload)
        .map_err(|_| crate::Error::Internal("malformed outbox payload".into()))?;
    let text = |key: &str| payload[key].as_str().map(str::to_owned);
    Ok(OutboxItem {
        id: row.id,
        message_id: parse_id(&row.message_id)?,
        room_id: parse_id(&row.room_id)?,
        channel: ChannelKind::parse(&row.channel)?,
        account: row.account,
        message: OutboundMessage {
            chat_id: text("chat_id").unwrap_or_default(),
            text: text("text").unwrap_or_default(),
            reply_to: text("reply_to"),
            // Rows written before files were carried have none.
            files: serde_json::from_value(payload["files"].clone()).unwrap_or_default(),
        },
        attempts: row.attempts,
    })
}

/// The provider accepted the message.
pub(crate) async fn mark_sent(
    conn: &mut Conn,
    item: &OutboxItem,
    external_id: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "update outbox set status = 'sent', external_id = $2, lease_until = null, last_error = null, updated_at = $3 \
         where id = $1",
    )
    .bind(&item.id)
    .bind(external_id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    // The provider's id of our message is how a client's reply to it is recognised.
    sqlx::query("update messages set external_id = $2 where id = $1 and external_id is null")
        .bind(item.message_id.to_string())
        .bind(external_id)
        .execute(&mut *conn)
        .await?;
    set_message_status(conn, item.message_id, "sent", None).await
}

/// Gives the row back for another attempt at `retry_at`.
pub(crate) async fn reschedule(
    conn: &mut Conn,
    item: &OutboxItem,
    error: &str,
    retry_at: Timestamp,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "update outbox set status = 'pending', next_attempt_at = $2, lease_until = null, last_error = $3, \
         updated_at = $4 where id = $1",
    )
    .bind(&item.id)
    .bind(retry_at.millis())
    .bind(error)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The provider refused for good, or the attempts ran out.
pub(crate) async fn mark_failed(
    conn: &mut Conn,
    item: &OutboxItem,
    error: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("update outbox set status = 'failed', lease_until = null, last_error = $2, updated_at = $3 where id = $1")
        .bind(&item.id)
        .bind(error)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    set_message_status(conn, item.message_id, "failed", Some(error)).await
}

async fn set_message_status(
    conn: &mut Conn,
    message: MessageId,
    status: &str,
    error: Option<&str>,
) -> Result<()> {
    sqlx::query("update messages set delivery_status = $2, delivery_error = $3 where id = $1")
        .bind(message.to_string())
        .bind(status)
        .bind(error)
        .execute(conn)
        .await?;
    Ok(())
}

/// When the earliest pending row falls due, so an idle worker knows how long to sleep.
pub(crate) async fn next_due(conn: &mut Conn) -> Result<Option<Timestamp>> {
    let next: Option<i64> = sqlx::query_scalar(
        "select min(case when status = 'pending' then next_attempt_at else lease_until end) from outbox \
         where status in ('pending', 'sending')",
    )
    .fetch_one(conn)
    .await?;
    Ok(next.map(Timestamp::from_millis))
}
