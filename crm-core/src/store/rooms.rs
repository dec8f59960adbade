//! The `rooms` and `room_members` tables.

use super::{
    Conn, flag,
    rows::{RoomRow, room_columns},
};
use crate::{
    Result,
    domain::{NewRoom, Room, RoomId, Timestamp, UserId},
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
