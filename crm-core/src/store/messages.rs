//! The `messages` table.

use super::{
    Conn,
    crm::sql::{Sql, padded},
    rows::{MessageRow, message_columns, parse_id},
};
use crate::{
    Result,
    domain::{Message, MessageId, NewMessage, ReactionGroup, RoomId, Timestamp, UserId},
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
         reply_to_id, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(id.to_string())
    .bind(new.room_id.to_string())
    .bind(seq)
    .bind(new.client_id.as_deref())
    .bind(new.author_id.map(|id| id.to_string()))
    .bind(new.body.as_str())
    .bind(new.attachments.to_string())
    .bind(new.thread_root_id.map(|id| id.to_string()))
    .bind(new.reply_to_id.map(|id| id.to_string()))
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
    room: RoomId,
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

/// One page of a room's history in ascending order: after a sequence number (oldest first
/// from there), before one (the newest below it), or the newest messages.
pub(crate) async fn page(
    conn: &mut Conn,
    room: RoomId,
    before: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Message>> {
    let rows: Vec<MessageRow> = match (before, after) {
        (_, Some(after)) => {
            sqlx::query_as(concat!(
                "select ",
                message_columns!(),
                " from messages where room_id = $1 and seq > $2 order by seq limit $3"
            ))
            .bind(room.to_string())
            .bind(after)
            .bind(limit)
            .fetch_all(conn)
            .await?
        }
        (before, None) => {
            let mut rows: Vec<MessageRow> = sqlx::query_as(concat!(
                "select ",
                message_columns!(),
                " from messages where room_id = $1 and seq < $2 order by seq desc limit $3"
            ))
            .bind(room.to_string())
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(conn)
            .await?;
            rows.reverse();
            rows
        }
    };
    rows.into_iter().map(Message::try_from).collect()
}

/// Counts one more reply on a thread's root message.
pub(crate) async fn count_reply(conn: &mut Conn, root: MessageId, now: Timestamp) -> Result<()> {
    sqlx::query(
        "update messages set reply_count = reply_count + 1, last_reply_at = $2 where id = $1",
    )
    .bind(root.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The replies of a thread, oldest first.
pub(crate) async fn thread(conn: &mut Conn, root: MessageId, limit: i64) -> Result<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "select ",
        message_columns!(),
        " from messages where thread_root_id = $1 order by seq limit $2"
    ))
    .bind(root.to_string())
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Message::try_from).collect()
}

pub(crate) async fn set_body(
    conn: &mut Conn,
    id: MessageId,
    body: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("update messages set body = $2, edited_at = $3, updated_at = $3 where id = $1")
        .bind(id.to_string())
        .bind(body)
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletion keeps the row (and its sequence number) so history has no holes; the content goes.
pub(crate) async fn mark_deleted(conn: &mut Conn, id: MessageId, now: Timestamp) -> Result<()> {
    sqlx::query("update messages set body = '', attachments = '[]', deleted_at = $2, updated_at = $2 where id = $1")
        .bind(id.to_string())
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    sqlx::query("delete from reactions where message_id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds or removes one reaction; returns whether anything changed.
pub(crate) async fn set_reaction(
    conn: &mut Conn,
    message: MessageId,
    user: UserId,
    emoji: &str,
    add: bool,
    now: Timestamp,
) -> Result<bool> {
    let done = if add {
        sqlx::query(
            "insert into reactions (message_id, user_id, emoji, created_at, updated_at) values ($1, $2, $3, $4, $4) \
             on conflict do nothing",
        )
        .bind(message.to_string())
        .bind(user.to_string())
        .bind(emoji)
        .bind(now.millis())
        .execute(conn)
        .await?
    } else {
        sqlx::query("delete from reactions where message_id = $1 and user_id = $2 and emoji = $3")
            .bind(message.to_string())
            .bind(user.to_string())
            .bind(emoji)
            .execute(conn)
            .await?
    };
    Ok(done.rows_affected() == 1)
}

/// Fills in the reactions of a page of messages from one room with one query.
pub(crate) async fn attach_reactions(conn: &mut Conn, messages: &mut [Message]) -> Result<()> {
    let (Some(first), Some(last)) = (messages.first(), messages.last()) else {
        return Ok(());
    };
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "select r.message_id, r.emoji, r.user_id from reactions r join messages m on m.id = r.message_id \
         where m.room_id = $1 and m.seq between $2 and $3 order by r.created_at, r.user_id",
    )
    .bind(first.room_id.to_string())
    .bind(first.seq)
    .bind(last.seq)
    .fetch_all(conn)
    .await?;
    for (message_id, emoji, user_id) in rows {
        let (message_id, user_id): (MessageId, UserId) =
            (parse_id(&message_id)?, parse_id(&user_id)?);
        let Some(message) = messages.iter_mut().find(|m| m.id == message_id) else {
            continue;
        };
        match message
            .reactions
            .iter_mut()
            .find(|group| group.emoji == emoji)
        {
            Some(group) => group.user_ids.push(user_id),
            None => message.reactions.push(ReactionGroup {
                emoji,
                user_ids: vec![user_id],
            }),
        }
    }
    Ok(())
}

/// Marks a stored message as a note or an automatic message.
pub(crate) async fn set_kind(
    conn: &mut Conn,
    id: MessageId,
    kind: crate::domain::MessageKind,
) -> Result<()> {
    sqlx::query("update messages set kind = $2 where id = $1")
        .bind(id.to_string())
        .bind(kind.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// A client's plain text message, for `insert_client_messages`.
pub(crate) struct ClientMessage<'a> {
    pub id: MessageId,
    pub room_id: RoomId,
    pub seq: i64,
    pub body: &'a str,
    pub external_id: &'a str,
    pub sender_name: &'a str,
}

/// Inserts clients' plain text messages (no attachments, threads or replies) in one
/// statement, with the provider's id and the client's name that `insert` leaves to
/// `mark_external`. `messages` is never empty.
pub(crate) fn insert_client_messages(messages: &[ClientMessage<'_>], now: Timestamp) -> Sql {
    let mut sql = Sql::new(
        "insert into messages (id, room_id, seq, body, attachments, external_id, sender_name, \
         created_at, updated_at) select * from (values ",
    );
    for index in 0..padded(messages.len()) {
        let message = messages.get(index);
        sql.push(if index > 0 { ", (" } else { "(" })
            .opt_text(message.map(|m| m.id))
            .push(", ")
            .opt_text(message.map(|m| m.room_id))
            .push(", ")
            .opt_int(message.map(|m| m.seq))
            .push(", ")
            .opt_text(message.map(|m| m.body))
            .push(", '[]', ")
            .opt_text(message.map(|m| m.external_id))
            .push(", ")
            .opt_text(message.map(|m| m.sender_name))
            .push(", ")
            .int(now.millis())
            .push(", ")
            .int(now.millis())
            .push(")");
    }
    sql.push(") v where column1 is not null");
    sql
}
