//! `task_reminders`: one row per notice to send. Due rows are found through the partial
//! index on `due_at` (unsent rows only) and claimed one by one with a conditional update,
//! so with several nodes polling each notice is sent by exactly one of them.

use crate::{
    Result,
    domain::{
        Timestamp,
        crm::{NoticeKind, ReminderId, ReminderSlot, TaskId},
    },
    store::{Conn, rows::parse_id},
};

/// Replaces the notices of a task with `slots`. With `fresh` (a new deadline) every earlier
/// notice goes, sent or not, so each is sent again for the new deadline; otherwise only the
/// unsent ones are replaced and a slot already sent (same kind and offset) is not repeated.
pub(crate) async fn replace(
    conn: &mut Conn,
    task: TaskId,
    slots: &[ReminderSlot],
    fresh: bool,
    now: Timestamp,
) -> Result<()> {
    let statement = if fresh {
        "delete from task_reminders where task_id = $1"
    } else {
        "delete from task_reminders where task_id = $1 and sent_at is null"
    };
    sqlx::query(statement)
        .bind(task.to_string())
        .execute(&mut *conn)
        .await?;
    let sent: Vec<(String, i64)> =
        sqlx::query_as("select kind, offset_minutes from task_reminders where task_id = $1")
            .bind(task.to_string())
            .fetch_all(&mut *conn)
            .await?;
    for slot in slots {
        if sent
            .iter()
            .any(|(kind, offset)| kind == slot.kind.as_str() && *offset == slot.offset_minutes)
        {
            continue;
        }
        sqlx::query(
            "insert into task_reminders (id, task_id, kind, offset_minutes, due_at, created_at, \
             updated_at) values ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(ReminderId::new().to_string())
        .bind(task.to_string())
        .bind(slot.kind.as_str())
        .bind(slot.offset_minutes)
        .bind(slot.due_at.millis())
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A notice whose time has come.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Due {
    pub id: ReminderId,
    pub task_id: TaskId,
    pub kind: NoticeKind,
    pub offset_minutes: i64,
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: String,
    task_id: String,
    kind: String,
    offset_minutes: i64,
}

/// Up to `limit` unsent notices due at `now`, earliest first.
pub(crate) async fn due(conn: &mut Conn, now: Timestamp, limit: i64) -> Result<Vec<Due>> {
    sqlx::query_as::<_, DueRow>(
        "select id, task_id, kind, offset_minutes from task_reminders \
         where sent_at is null and due_at <= $1 order by due_at limit $2",
    )
    .bind(now.millis())
    .bind(limit)
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|row| {
        Ok(Due {
            id: parse_id(&row.id)?,
            task_id: parse_id(&row.task_id)?,
            kind: NoticeKind::parse(&row.kind).map_err(|_| {
                crate::Error::Internal("malformed reminder kind in database".into())
            })?,
            offset_minutes: row.offset_minutes,
        })
    })
    .collect()
}

/// Marks a notice sent if nobody has yet; true when this caller won it and must send it.
pub(crate) async fn claim(conn: &mut Conn, id: ReminderId, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "update task_reminders set sent_at = $2, updated_at = $2 where id = $1 and sent_at is null",
    )
    .bind(id.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The unsent notices of a task, soonest first: what the worker will still send.
pub(crate) async fn pending(conn: &mut Conn, task: TaskId) -> Result<Vec<ReminderSlot>> {
    #[derive(sqlx::FromRow)]
    struct SlotRow {
        kind: String,
        offset_minutes: i64,
        due_at: i64,
    }
    sqlx::query_as::<_, SlotRow>(
        "select kind, offset_minutes, due_at from task_reminders \
         where task_id = $1 and sent_at is null order by due_at, offset_minutes",
    )
    .bind(task.to_string())
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|row| {
        Ok(ReminderSlot {
            kind: NoticeKind::parse(&row.kind).map_err(|_| {
                crate::Error::Internal("malformed reminder kind in database".into())
            })?,
            offset_minutes: row.offset_minutes,
            due_at: Timestamp::from_millis(row.due_at),
        })
    })
    .collect()
}
