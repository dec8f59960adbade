//! The conversations' timers (SLA, auto-close, snooze) and the state changes they and the
//! operators' actions make. A timer is claimed by an update conditional on its own value, so
//! with several nodes polling, exactly one acts on each due row.

use super::{Conn, rows::parse_id};
use crate::{
    Result,
    domain::{LineId, RoomId, Timestamp, UserId},
};

/// A conversation timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    Sla,
    AutoClose,
    Snooze,
}

impl Timer {
    fn column(self) -> &'static str {
        match self {
            Timer::Sla => "sla_due_at",
            Timer::AutoClose => "auto_close_at",
            Timer::Snooze => "snoozed_until",
        }
    }
}

/// Rows whose timer is due, with the due time to claim them by (the timer's index).
pub(crate) async fn due(
    conn: &mut Conn,
    timer: Timer,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<(RoomId, i64)>> {
    let column = timer.column();
    let sql = sqlx::AssertSqlSafe(format!(
        "select room_id, {column} from conversations where {column} <= $1 order by {column} limit $2"
    ));
    let rows: Vec<(String, i64)> = sqlx::query_as(sql)
        .bind(now.millis())
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|(id, at)| Ok((parse_id(id)?, *at)))
        .collect()
}

/// Takes an SLA breach: the conversation returns to the queue (keeping its place), the
/// operator who let it run out passed over. False when another node took it or the
/// operator answered meanwhile.
pub(crate) async fn claim_sla(
    conn: &mut Conn,
    room: RoomId,
    due: i64,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "update conversations set status = 'queued', passed_over_id = assignee_id, assignee_id = null, \
         assigned_at = null, sla_due_at = null, updated_at = $3 \
         where room_id = $1 and sla_due_at = $2 and status = 'assigned'",
    )
    .bind(room.to_string())
    .bind(due)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Takes a due auto-close or snooze wake-up by clearing the timer; false when another node
/// took it or the client wrote meanwhile.
pub(crate) async fn claim(
    conn: &mut Conn,
    timer: Timer,
    room: RoomId,
    due: i64,
    now: Timestamp,
) -> Result<bool> {
    let column = timer.column();
    let sql = sqlx::AssertSqlSafe(format!(
        "update conversations set {column} = null, updated_at = $3 where room_id = $1 and {column} = $2"
    ));
    let done = sqlx::query(sql)
        .bind(room.to_string())
        .bind(due)
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn snooze(
    conn: &mut Conn,
    room: RoomId,
    until: Timestamp,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "update conversations set snoozed_until = $2, updated_at = $3 where room_id = $1 and status = 'assigned'",
    )
    .bind(room.to_string())
    .bind(until.millis())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives an open conversation to another operator (assign, transfer); its SLA restarts.
pub(crate) async fn reassign(
    conn: &mut Conn,
    room: RoomId,
    to: UserId,
    sla_due: Option<Timestamp>,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "update conversations set status = 'assigned', assignee_id = $2, assigned_at = $3, sla_due_at = $4, \
         passed_over_id = null, snoozed_until = null, updated_at = $3 where room_id = $1 and status <> 'closed'",
    )
    .bind(room.to_string())
    .bind(to.to_string())
    .bind(now.millis())
    .bind(sla_due.map(Timestamp::millis))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves an open conversation to another line's queue.
pub(crate) async fn move_to_line(
    conn: &mut Conn,
    room: RoomId,
    line: LineId,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "update conversations set line_id = $2, status = 'queued', assignee_id = null, assigned_at = null, \
         sla_due_at = null, passed_over_id = null, snoozed_until = null, queued_at = $3, updated_at = $3 \
         where room_id = $1 and status <> 'closed'",
    )
    .bind(room.to_string())
    .bind(line.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Reopens a closed conversation into its line's queue, conditional on the close it saw.
pub(crate) async fn reopen(
    conn: &mut Conn,
    room: RoomId,
    closed_at: Timestamp,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "update conversations set status = 'queued', assignee_id = null, assigned_at = null, closed_at = null, \
         resolution_ms = null, rating_requested_at = null, queued_at = $3, updated_at = $3 \
         where room_id = $1 and status = 'closed' and closed_at = $2",
    )
    .bind(room.to_string())
    .bind(closed_at.millis())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The chat's most recently closed conversation, with whether it awaits a rating.
pub(crate) async fn last_closed(
    conn: &mut Conn,
    channel: crate::domain::ChannelId,
    chat: &str,
) -> Result<Option<(RoomId, bool)>> {
    let row: Option<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "select room_id, rating_requested_at, rating from conversations \
         where channel_id = $1 and external_chat_id = $2 and status = 'closed' order by closed_at desc limit 1",
    )
    .bind(channel.to_string())
    .bind(chat)
    .fetch_optional(conn)
    .await?;
    row.map(|(id, requested, rating)| Ok((parse_id(&id)?, requested.is_some() && rating.is_none())))
        .transpose()
}

/// Stores the client's rating once; false when it was rated already.
pub(crate) async fn rate(
    conn: &mut Conn,
    room: RoomId,
    rating: i64,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "update conversations set rating = $2, updated_at = $3 where room_id = $1 and rating is null",
    )
    .bind(room.to_string())
    .bind(rating)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn set_contact(
    conn: &mut Conn,
    room: RoomId,
    contact: crate::domain::crm::ContactId,
) -> Result<()> {
    sqlx::query("update conversations set contact_id = $2 where room_id = $1")
        .bind(room.to_string())
        .bind(contact.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn labels_of(conn: &mut Conn, room: RoomId) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "select label from conversation_labels where room_id = $1 order by label",
    )
    .bind(room.to_string())
    .fetch_all(conn)
    .await?)
}

/// Adds or removes a label; false when that changed nothing.
pub(crate) async fn set_label(
    conn: &mut Conn,
    room: RoomId,
    label: &str,
    on: bool,
    now: Timestamp,
) -> Result<bool> {
    let done = if on {
        sqlx::query(
            "insert into conversation_labels (room_id, label, created_at, updated_at) values ($1, $2, $3, $3) \
             on conflict do nothing",
        )
        .bind(room.to_string())
        .bind(label)
        .bind(now.millis())
        .execute(conn)
        .await?
    } else {
        sqlx::query("delete from conversation_labels where room_id = $1 and label = $2")
            .bind(room.to_string())
            .bind(label)
            .execute(conn)
            .await?
    };
    Ok(done.rows_affected() == 1)
}
