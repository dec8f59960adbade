//! The `widget_visitors` table, and what a visitor may see of its conversations: its own
//! messages and the replies queued for it in the outbox. Staff messages without an outbox
//! row (private notes, anything internal) never match these queries.

use super::{
    Conn,
    rows::{MessageRow, message_columns, parse_id},
};
use crate::{
    Result,
    domain::{ChannelId, Message, RoomId, Timestamp, Visitor, VisitorDetails, VisitorId},
};

/// Messages of room `$1` the client sees: its own (from the provider, no staff author) and
/// those queued for it in the outbox; deleted ones not.
macro_rules! visible_to_client {
    () => {
        "deleted_at is null and ((author_id is null and external_id is not null) \
         or id in (select message_id from outbox where room_id = $1))"
    };
}

#[derive(sqlx::FromRow)]
struct VisitorRow {
    id: String,
    channel_id: String,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    created_at: i64,
}

impl TryFrom<VisitorRow> for Visitor {
    type Error = crate::Error;

    fn try_from(row: VisitorRow) -> Result<Self> {
        Ok(Visitor {
            id: parse_id(&row.id)?,
            channel_id: parse_id(&row.channel_id)?,
            details: VisitorDetails {
                name: row.name,
                email: row.email,
                phone: row.phone,
            },
            created_at: Timestamp::from_millis(row.created_at),
        })
    }
}

pub(crate) async fn insert_visitor(
    conn: &mut Conn,
    visitor: &Visitor,
    token_hash: &str,
) -> Result<()> {
    sqlx::query(
        "insert into widget_visitors (id, channel_id, token_hash, name, email, phone, last_seen_at, created_at, \
         updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7, $7)",
    )
    .bind(visitor.id.to_string())
    .bind(visitor.channel_id.to_string())
    .bind(token_hash)
    .bind(visitor.details.name.as_deref())
    .bind(visitor.details.email.as_deref())
    .bind(visitor.details.phone.as_deref())
    .bind(visitor.created_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn visitor_by_token(conn: &mut Conn, token_hash: &str) -> Result<Option<Visitor>> {
    let row: Option<VisitorRow> = sqlx::query_as(
        "select id, channel_id, name, email, phone, created_at from widget_visitors where token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.map(Visitor::try_from).transpose()
}

/// Stores newly given details; a field not given keeps what the visitor entered before.
pub(crate) async fn update_details(
    conn: &mut Conn,
    id: VisitorId,
    details: &VisitorDetails,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "update widget_visitors set name = coalesce($2, name), email = coalesce($3, email), \
         phone = coalesce($4, phone), last_seen_at = $5, updated_at = $5 where id = $1",
    )
    .bind(id.to_string())
    .bind(details.name.as_deref())
    .bind(details.email.as_deref())
    .bind(details.phone.as_deref())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The visitor's conversations on its channel, oldest first, with each room's newest
/// sequence number.
pub(crate) async fn rooms(
    conn: &mut Conn,
    channel: ChannelId,
    visitor: VisitorId,
) -> Result<Vec<(RoomId, i64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select c.room_id, r.last_seq from conversations c join rooms r on r.id = c.room_id \
         where c.channel_id = $1 and c.external_chat_id = $2 order by c.queued_at, c.room_id",
    )
    .bind(channel.to_string())
    .bind(visitor.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|(id, last_seq)| Ok((parse_id(id)?, *last_seq)))
        .collect()
}

/// What the client sees of a room with a sequence in `(after, until]`, oldest first.
pub(crate) async fn visible(
    conn: &mut Conn,
    room: RoomId,
    after: i64,
    until: i64,
    limit: i64,
) -> Result<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "select ",
        message_columns!(),
        " from messages where room_id = $1 and seq > $2 and seq <= $3 and ",
        visible_to_client!(),
        " order by seq limit $4"
    ))
    .bind(room.to_string())
    .bind(after)
    .bind(until)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Message::try_from).collect()
}

/// The newest `limit` messages the client sees of a room, oldest first.
pub(crate) async fn newest_visible(
    conn: &mut Conn,
    room: RoomId,
    limit: i64,
) -> Result<Vec<Message>> {
    let rows: Vec<MessageRow> = sqlx::query_as(concat!(
        "select ",
        message_columns!(),
        " from messages where room_id = $1 and ",
        visible_to_client!(),
        " order by seq desc limit $2"
    ))
    .bind(room.to_string())
    .bind(limit)
    .fetch_all(conn)
    .await?;
    let mut messages = rows
        .into_iter()
        .map(Message::try_from)
        .collect::<Result<Vec<_>>>()?;
    messages.reverse();
    Ok(messages)
}

/// The message stored for an inbound delivery key.
pub(crate) async fn received(conn: &mut Conn, dedup_key: &str) -> Result<Option<Message>> {
    let row: Option<MessageRow> = sqlx::query_as(concat!(
        "select ",
        message_columns!(),
        " from messages where id = (select message_id from inbound_receipts where dedup_key = $1)"
    ))
    .bind(dedup_key)
    .fetch_optional(conn)
    .await?;
    row.map(Message::try_from).transpose()
}

/// Moves the client's read position forward (never back); returns where it stands.
pub(crate) async fn client_read(
    conn: &mut Conn,
    room: RoomId,
    seq: i64,
    now: Timestamp,
) -> Result<i64> {
    sqlx::query(
        "update conversations set client_read_seq = $2, updated_at = $3 \
         where room_id = $1 and client_read_seq < $2",
    )
    .bind(room.to_string())
    .bind(seq)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    let (read,): (i64,) =
        sqlx::query_as("select client_read_seq from conversations where room_id = $1")
            .bind(room.to_string())
            .fetch_one(conn)
            .await?;
    Ok(read)
}

/// How far the operators have read a room: the furthest of its members.
pub(crate) async fn operators_read(conn: &mut Conn, room: RoomId) -> Result<i64> {
    let (read,): (Option<i64>,) =
        sqlx::query_as("select max(last_read_seq) from room_members where room_id = $1")
            .bind(room.to_string())
            .fetch_one(conn)
            .await?;
    Ok(read.unwrap_or(0))
}
