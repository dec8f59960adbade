//! The `messages` table.

use super::{
    Conn,
    rows::{MessageRow, message_columns},
};
use crate::{
    Result,
    domain::{Message, MessageId, NewMessage, Timestamp},
};

pub(crate) async fn insert(
    conn: &mut Conn,
    id: MessageId,
    seq: i64,
    new: &NewMessage,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into messages (id, room_id, seq, client_id, author_id, body, attachments, thread_root_id, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(id.to_string())
    .bind(new.room_id.to_string())
    .bind(seq)
    .bind(new.client_id.as_deref())
    .bind(new.author_id.map(|id| id.to_string()))
    .bind(new.body.as_str())
    .bind(new.attachments.to_string())
    .bind(new.thread_root_id.map(|id| id.to_string()))
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The message an author already sent with this idempotency key, if any.
pub(crate) async fn find_by_client_id(
    conn: &mut Conn,
    new: &NewMessage,
) -> Result<Option<Message>> {
    let (Some(client_id), Some(author)) = (new.client_id.as_deref(), new.author_id) else {
        return Ok(None);
    };
    let row: Option<MessageRow> = sqlx::query_as(concat!(
        "select ",
        message_columns!(),
        " from messages where room_id = $1 and author_id = $2 and client_id = $3"
    ))
    .bind(new.room_id.to_string())
    .bind(author.to_string())
    .bind(client_id)
    .fetch_optional(conn)
    .await?;
    row.map(Message::try_from).transpose()
}

pub(crate) async fn get(conn: &mut Conn, id: MessageId) -> Result<Option<Message>> {
    let row: Option<MessageRow> = sqlx::query_as(concat!(
        "select ",
        message_columns!(),
        " from messages where id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(Message::try_from).transpose()
}

/// Messages of a room with a sequence number above `after_seq`, oldest first.
pub(crate) async fn list_after(
    conn: &mut Conn,
    room: crate::domain::RoomId,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "select ",
        message_columns!(),
        " from messages where room_id = $1 and seq > $2 order by seq limit $3"
    ))
    .bind(room.to_string())
    .bind(after_seq)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Message::try_from).collect()
}
