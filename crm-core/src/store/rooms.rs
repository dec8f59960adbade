//! The `rooms` and `room_members` tables.

use super::{
    Conn,
    crm::sql::{Sql, padded},
    flag,
    rows::{RoomRow, room_columns},
};
use crate::{
    Result,
    domain::{NewRoom, Room, RoomId, RoomSummary, Timestamp, UserId},
};

pub(crate) async fn insert(
    conn: &mut Conn,
    id: RoomId,
    room: &NewRoom,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into rooms (id, kind, name, topic, is_private, dm_key, created_by, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(id.to_string())
    .bind(room.kind.as_str())
    .bind(room.name.as_deref())
    .bind(room.topic.as_deref())
    .bind(flag(room.is_private))
    .bind(room.dm_key())
    .bind(room.created_by.map(|id| id.to_string()))
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn add_member(
    conn: &mut Conn,
    room: RoomId,
    user: UserId,
    role: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into room_members (room_id, user_id, role, joined_at, created_at, updated_at) \
         values ($1, $2, $3, $4, $4, $4)",
    )
    .bind(room.to_string())
    .bind(user.to_string())
    .bind(role)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn get(conn: &mut Conn, id: RoomId) -> Result<Option<Room>> {
    let row: Option<RoomRow> = sqlx::query_as(concat!(
        "select ",
        room_columns!(),
        " from rooms where id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(Room::try_from).transpose()
}

pub(crate) async fn is_member(conn: &mut Conn, room: RoomId, user: UserId) -> Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("select 1 from room_members where room_id = $1 and user_id = $2")
            .bind(room.to_string())
            .bind(user.to_string())
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

/// Takes the next sequence number of a room. The update locks the room row until the
/// transaction ends, so concurrent senders get consecutive numbers without gaps.
pub(crate) async fn next_seq(conn: &mut Conn, room: RoomId, now: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar("update rooms set last_seq = last_seq + 1, updated_at = $2 where id = $1 returning last_seq")
        .bind(room.to_string())
        .bind(now.millis())
        .fetch_one(conn)
        .await?)
}

/// The rooms a user belongs to with their read position, most recently active first.
pub(crate) async fn list_for_user(conn: &mut Conn, user: UserId) -> Result<Vec<RoomSummary>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        room: RoomRow,
        last_read_seq: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "select r.id, r.kind, r.name, r.topic, r.is_private, r.last_seq, r.created_by, r.archived_at, \
         r.created_at, m.last_read_seq from rooms r join room_members m on m.room_id = r.id \
         where m.user_id = $1 order by r.updated_at desc, r.id",
    )
    .bind(user.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let room = Room::try_from(row.room)?;
            let unread = (room.last_seq - row.last_read_seq).max(0);
            Ok(RoomSummary {
                room,
                last_read_seq: row.last_read_seq,
                unread,
            })
        })
        .collect()
}

pub(crate) async fn find_dm(conn: &mut Conn, dm_key: &str) -> Result<Option<Room>> {
    let row: Option<RoomRow> = sqlx::query_as(concat!(
        "select ",
        room_columns!(),
        " from rooms where dm_key = $1"
    ))
    .bind(dm_key)
    .fetch_optional(conn)
    .await?;
    row.map(Room::try_from).transpose()
}

pub(crate) async fn member_ids(conn: &mut Conn, room: RoomId) -> Result<Vec<UserId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "select user_id from room_members where room_id = $1 order by joined_at, user_id",
    )
    .bind(room.to_string())
    .fetch_all(conn)
    .await?;
    ids.iter().map(|id| super::rows::parse_id(id)).collect()
}

pub(crate) async fn remove_member(conn: &mut Conn, room: RoomId, user: UserId) -> Result<bool> {
    let done = sqlx::query("delete from room_members where room_id = $1 and user_id = $2")
        .bind(room.to_string())
        .bind(user.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a member's read position forward (never back). Returns whether it moved.
pub(crate) async fn advance_read(
    conn: &mut Conn,
    room: RoomId,
    user: UserId,
    seq: i64,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "update room_members set last_read_seq = $3, updated_at = $4 \
         where room_id = $1 and user_id = $2 and last_read_seq < $3",
    )
    .bind(room.to_string())
    .bind(user.to_string())
    .bind(seq)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn update(
    conn: &mut Conn,
    room: RoomId,
    name: Option<&str>,
    topic: Option<&str>,
    archived_at: Option<i64>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "update rooms set name = $2, topic = $3, archived_at = $4, updated_at = $5 where id = $1",
    )
    .bind(room.to_string())
    .bind(name)
    .bind(topic)
    .bind(archived_at)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Public channels that are not archived, by name.
pub(crate) async fn public_channels(conn: &mut Conn) -> Result<Vec<Room>> {
    let rows: Vec<RoomRow> = sqlx::query_as(concat!(
        "select ",
        room_columns!(),
        " from rooms where kind = 'channel' and is_private = 0 and archived_at is null order by name limit 500"
    ))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Room::try_from).collect()
}

/// `next_seq` for several rooms at once: `counts` names each room once with how many
/// messages it takes. Nothing comes back: the caller read the rooms' last sequences under
/// the write lock it still holds, so it knows the new ones. `counts` is never empty; the
/// statement is written with `padded(rows)` rows (see `Sql::values_of`).
pub(crate) fn advance_seqs(counts: &[(RoomId, i64)], rows: usize, now: Timestamp) -> Sql {
    let mut sql = Sql::new("update rooms set last_seq = last_seq + v.column2, updated_at = ");
    sql.int(now.millis()).push(" from (values ");
    // Padded rows (see `padded`) name no room.
    for index in 0..padded(rows.max(counts.len())) {
        let row = counts.get(index);
        sql.push(if index > 0 { ", (" } else { "(" })
            .opt_text(row.map(|(room, _)| room))
            .push(", ")
            .opt_int(row.map(|(_, count)| *count))
            .push(")");
    }
    sql.push(") v where id = v.column1");
    sql
}
