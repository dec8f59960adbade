//! The `pins` table: messages pinned in a room.

use super::{
    Conn,
    rows::{MessageRow, message_columns},
};
use crate::{
    Result,
    domain::{Message, MessageId, RoomId, Timestamp, UserId},
};

/// Pins a message; returns false when it already was.
pub(crate) async fn pin(
    conn: &mut Conn,
    room: RoomId,
    message: MessageId,
    by: UserId,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "insert into pins (room_id, message_id, pinned_by, created_at, updated_at) values ($1, $2, $3, $4, $4) \
         on conflict do nothing",
    )
    .bind(room.to_string())
    .bind(message.to_string())
    .bind(by.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn unpin(conn: &mut Conn, room: RoomId, message: MessageId) -> Result<bool> {
    let done = sqlx::query("delete from pins where room_id = $1 and message_id = $2")
        .bind(room.to_string())
        .bind(message.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The pinned messages of a room, most recently pinned first.
pub(crate) async fn list(conn: &mut Conn, room: RoomId) -> Result<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "select ",
        message_columns!(),
        " from messages where id in (select message_id from pins where room_id = $1) \
         and deleted_at is null order by (select created_at from pins p where p.message_id = messages.id) desc"
    ))
    .bind(room.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Message::try_from).collect()
}
