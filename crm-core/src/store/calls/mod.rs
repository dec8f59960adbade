//! The `calls` and `call_participants` tables, and marking a message as a call summary.
//! Guest links and guest sessions are in `guests`.

pub(crate) mod guests;

use super::{Conn, rows::parse_id, rows::parse_opt_id};
use crate::{
    Result,
    domain::{
        AttachmentId, Call, CallId, CallPerson, MessageId, MessageKind, NewRecording, RoomId,
        Timestamp, UserId,
        crm::{ContactId, DealId, TimelineEntryId},
    },
};

#[derive(sqlx::FromRow)]
struct CallRow {
    id: String,
    room_id: String,
    started_by: Option<String>,
    started_at: i64,
    ended_at: Option<i64>,
    message_id: Option<String>,
    declined_by: Option<String>,
}

macro_rules! call_columns {
    () => {
        "id, room_id, started_by, started_at, ended_at, message_id, declined_by"
    };
}

pub(crate) async fn insert(
    conn: &mut Conn,
    id: CallId,
    room: RoomId,
    started_by: UserId,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into calls (id, room_id, started_by, started_at, created_at, updated_at) \
         values ($1, $2, $3, $4, $4, $4)",
    )
    .bind(id.to_string())
    .bind(room.to_string())
    .bind(started_by.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn get(conn: &mut Conn, id: CallId) -> Result<Option<Call>> {
    let row: Option<CallRow> = sqlx::query_as(concat!(
        "select ",
        call_columns!(),
        " from calls where id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(Some(into_call(conn, row).await?)),
        None => Ok(None),
    }
}

/// The call going on in a room, if any.
pub(crate) async fn live_in_room(conn: &mut Conn, room: RoomId) -> Result<Option<Call>> {
    let row: Option<CallRow> = sqlx::query_as(concat!(
        "select ",
        call_columns!(),
        " from calls where room_id = $1 and ended_at is null"
    ))
    .bind(room.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(Some(into_call(conn, row).await?)),
        None => Ok(None),
    }
}

/// Records that a user joined; joining again keeps the first time.
pub(crate) async fn add_participant(
    conn: &mut Conn,
    call: CallId,
    user: UserId,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into call_participants (call_id, user_id, joined_at, created_at, updated_at) \
         values ($1, $2, $3, $3, $3) on conflict (call_id, user_id) do nothing",
    )
    .bind(call.to_string())
    .bind(user.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends a live call; `false` when it had already ended (another leave got there first).
pub(crate) async fn end(conn: &mut Conn, call: CallId, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "update calls set ended_at = $2, updated_at = $2 where id = $1 and ended_at is null",
    )
    .bind(call.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn set_message(
    conn: &mut Conn,
    call: CallId,
    message: MessageId,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("update calls set message_id = $2, updated_at = $3 where id = $1")
        .bind(call.to_string())
        .bind(message.to_string())
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// Remembers the first member who declined a live call.
pub(crate) async fn set_declined(
    conn: &mut Conn,
    call: CallId,
    user: UserId,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "update calls set declined_by = $2, updated_at = $3 \
         where id = $1 and declined_by is null and ended_at is null",
    )
    .bind(call.to_string())
    .bind(user.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn set_timeline_entry(
    conn: &mut Conn,
    call: CallId,
    entry: TimelineEntryId,
) -> Result<()> {
    sqlx::query("update calls set timeline_entry_id = $2 where id = $1")
        .bind(call.to_string())
        .bind(entry.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The members who took part, with their names, in the order they first joined.
pub(crate) async fn people(conn: &mut Conn, call: CallId) -> Result<Vec<CallPerson>> {
    let users: Vec<(String, String)> = sqlx::query_as(
        "select p.user_id, u.display_name from call_participants p \
         join users u on u.id = p.user_id where p.call_id = $1 order by p.joined_at, p.user_id",
    )
    .bind(call.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut people = users
        .into_iter()
        .map(|(id, name)| {
            Ok(CallPerson {
                user_id: Some(parse_id(&id)?),
                guest_id: None,
                name,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    people.extend(guests::joined(conn, call).await?);
    Ok(people)
}

/// Open deals of a contact: a call with the client concerns each of them.
pub(crate) async fn open_deals_of(conn: &mut Conn, contact: ContactId) -> Result<Vec<DealId>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "select id from deals where contact_id = $1 and deleted_at is null \
         and closed_on is null order by id",
    )
    .bind(contact.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|(id,)| parse_id(id)).collect()
}

/// Turns a stored message into a system message of `kind` with its `meta` object.
pub(crate) async fn mark_system_message(
    conn: &mut Conn,
    message: MessageId,
    kind: MessageKind,
    meta: &serde_json::Value,
) -> Result<()> {
    sqlx::query("update messages set kind = $2, meta = $3 where id = $1")
        .bind(message.to_string())
        .bind(kind.as_str())
        .bind(meta.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

async fn into_call(conn: &mut Conn, row: CallRow) -> Result<Call> {
    let users: Vec<(String,)> = sqlx::query_as(
        "select user_id from call_participants where call_id = $1 order by joined_at, user_id",
    )
    .bind(&row.id)
    .fetch_all(conn)
    .await?;
    Ok(Call {
        id: parse_id(&row.id)?,
        room_id: parse_id(&row.room_id)?,
        started_by: parse_opt_id(row.started_by.as_deref())?,
        started_at: Timestamp::from_millis(row.started_at),
        ended_at: row.ended_at.map(Timestamp::from_millis),
        participants: users
            .iter()
            .map(|(id,)| parse_id(id))
            .collect::<Result<_>>()?,
        message_id: parse_opt_id(row.message_id.as_deref())?,
        declined_by: parse_opt_id(row.declined_by.as_deref())?,
    })
}

/// Records one recorded track of a call, its file already stored as `attachment`.
pub(crate) async fn insert_recording(
    conn: &mut Conn,
    call: CallId,
    attachment: AttachmentId,
    recording: &NewRecording,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into call_recordings (id, call_id, attachment_id, user_id, guest_id, \
         display_name, kind, frames, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(call.to_string())
    .bind(attachment.to_string())
    .bind(recording.person.user_id.map(|id| id.to_string()))
    .bind(recording.person.guest_id.map(|id| id.to_string()))
    .bind(recording.person.name.as_str())
    .bind(recording.kind)
    .bind(recording.frames)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}
