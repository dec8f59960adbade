//! The `conversations` and `inbound_receipts` tables.

use super::{
    Conn,
    conversation_links::{self, Linked},
    conversation_timers::labels_of,
    crm::sql::{Sql, padded},
    rows::parse_id,
    rows::parse_opt_id,
};
use crate::{
    Result,
    domain::{
        ChannelId, Conversation, ConversationStatus, LineId, MessageId, RoomId, Timestamp, UserId,
    },
};

/// Also read from a JSON array of `COLUMNS`, in their order (`client_batch::read`).
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct ConversationRow {
    room_id: String,
    line_id: String,
    channel_id: String,
    external_chat_id: String,
    client_name: Option<String>,
    status: String,
    assignee_id: Option<String>,
    queued_at: i64,
    assigned_at: Option<i64>,
    closed_at: Option<i64>,
    contact_id: Option<String>,
    first_response_ms: Option<i64>,
    resolution_ms: Option<i64>,
    rating: Option<i64>,
    snoozed_until: Option<i64>,
    sla_due_at: Option<i64>,
    deal_id: Option<String>,
    lead_id: Option<String>,
}

/// In the order of `ConversationRow`'s fields.
pub(crate) const COLUMNS: &str = "room_id, line_id, channel_id, external_chat_id, client_name, status, assignee_id, queued_at, \
                       assigned_at, closed_at, contact_id, first_response_ms, resolution_ms, rating, snoozed_until, sla_due_at, \
                       deal_id, lead_id";

impl TryFrom<ConversationRow> for Conversation {
    type Error = crate::Error;

    fn try_from(row: ConversationRow) -> Result<Self> {
        Ok(Conversation {
            room_id: parse_id(&row.room_id)?,
            line_id: parse_id(&row.line_id)?,
            channel_id: parse_id(&row.channel_id)?,
            external_chat_id: row.external_chat_id,
            client_name: row.client_name,
            status: ConversationStatus::parse(&row.status)?,
            assignee_id: parse_opt_id(row.assignee_id.as_deref())?,
            queued_at: Timestamp::from_millis(row.queued_at),
            assigned_at: row.assigned_at.map(Timestamp::from_millis),
            closed_at: row.closed_at.map(Timestamp::from_millis),
            contact_id: parse_opt_id(row.contact_id.as_deref())?,
            first_response_ms: row.first_response_ms,
            resolution_ms: row.resolution_ms,
            rating: row.rating,
            snoozed_until: row.snoozed_until.map(Timestamp::from_millis),
            sla_due_at: row.sla_due_at.map(Timestamp::from_millis),
            labels: Vec::new(),
            deal_id: parse_opt_id(row.deal_id.as_deref())?,
            lead_id: parse_opt_id(row.lead_id.as_deref())?,
        })
    }
}

async fn one(
    conn: &mut Conn,
    filter: &'static str,
    binds: &[String],
) -> Result<Option<Conversation>> {
    // Built from this module's constants only.
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from conversations where {filter}"
    ));
    let mut query = sqlx::query_as::<_, ConversationRow>(sql);
    for value in binds {
        query = query.bind(value.clone());
    }
    let Some(row) = query.fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let mut conversation = Conversation::try_from(row)?;
    conversation.labels = labels_of(conn, conversation.room_id).await?;
    Ok(Some(conversation))
}

pub(crate) async fn find_open(
    conn: &mut Conn,
    channel: ChannelId,
    chat: &str,
) -> Result<Option<Conversation>> {
    one(
        conn,
        "channel_id = $1 and external_chat_id = $2 and status <> 'closed'",
        &[channel.to_string(), chat.to_owned()],
    )
    .await
}

pub(crate) async fn get(conn: &mut Conn, room: RoomId) -> Result<Option<Conversation>> {
    one(conn, "room_id = $1", &[room.to_string()]).await
}

pub(crate) struct NewConversation<'a> {
    pub room_id: RoomId,
    pub line_id: LineId,
    pub channel_id: ChannelId,
    pub external_chat_id: &'a str,
    pub client_name: Option<&'a str>,
}

pub(crate) async fn insert(
    conn: &mut Conn,
    new: &NewConversation<'_>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into conversations (room_id, line_id, channel_id, external_chat_id, client_name, queued_at, \
         last_client_message_at, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6, $6, $6)",
    )
    .bind(new.room_id.to_string())
    .bind(new.line_id.to_string())
    .bind(new.channel_id.to_string())
    .bind(new.external_chat_id)
    .bind(new.client_name)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Assigns a queued conversation, its SLA running until `sla_due`; false when someone else
/// took it first.
pub(crate) async fn assign(
    conn: &mut Conn,
    room: RoomId,
    user: UserId,
    sla_due: Option<Timestamp>,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "update conversations set status = 'assigned', assignee_id = $2, assigned_at = $3, sla_due_at = $4, \
         updated_at = $3 where room_id = $1 and status = 'queued'",
    )
    .bind(room.to_string())
    .bind(user.to_string())
    .bind(now.millis())
    .bind(sla_due.map(Timestamp::millis))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Queued conversations of a line, oldest first, each with the operator who let its SLA
/// run out (offered to someone else first).
pub(crate) async fn queued(conn: &mut Conn, line: LineId) -> Result<Vec<(RoomId, Option<UserId>)>> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "select room_id, passed_over_id from conversations where line_id = $1 and status = 'queued' \
         order by queued_at, room_id",
    )
    .bind(line.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|(id, passed)| Ok((parse_id(id)?, parse_opt_id(passed.as_deref())?)))
        .collect()
}

/// The client wrote: auto-close waits for the operator's next answer, and a snoozed
/// conversation wakes up. Returns what the conversation is linked to, read under the row
/// lock this takes (`conversation_links`).
pub(crate) async fn client_wrote(conn: &mut Conn, room: RoomId, now: Timestamp) -> Result<Linked> {
    let row = sqlx::query_as(
        "update conversations set last_client_message_at = $2, auto_close_at = null, snoozed_until = null, \
         updated_at = $2 where room_id = $1 returning deal_id, lead_id",
    )
    .bind(room.to_string())
    .bind(now.millis())
    .fetch_optional(conn)
    .await?;
    conversation_links::from_row(row)
}

/// An operator answered: the first answer fixes the first response time and stops the
/// SLA; each answer restarts the auto-close timer (`auto_close_at`, when the line has one).
/// Returns what the conversation is linked to, as `client_wrote` does.
pub(crate) async fn operator_answered(
    conn: &mut Conn,
    room: RoomId,
    auto_close_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<Linked> {
    let row = sqlx::query_as(
        "update conversations set first_response_ms = coalesce(first_response_ms, $2 - created_at), \
         first_response_at = coalesce(first_response_at, $2), sla_due_at = null, auto_close_at = $3, \
         updated_at = $2 where room_id = $1 returning deal_id, lead_id",
    )
    .bind(room.to_string())
    .bind(now.millis())
    .bind(auto_close_at.map(Timestamp::millis))
    .fetch_optional(conn)
    .await?;
    conversation_links::from_row(row)
}

/// Closes an open conversation, stopping its timers; `rating_requested` records that the
/// client was asked for a rating. False when it was closed already.
pub(crate) async fn close(
    conn: &mut Conn,
    room: RoomId,
    rating_requested: bool,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "update conversations set status = 'closed', closed_at = $2, resolution_ms = $2 - created_at, \
         rating_requested_at = $3, sla_due_at = null, auto_close_at = null, snoozed_until = null, \
         updated_at = $2 where room_id = $1 and status <> 'closed'",
    )
    .bind(room.to_string())
    .bind(now.millis())
    .bind(rating_requested.then_some(now.millis()))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What a conversation list shows.
pub(crate) struct ListFilter<'a> {
    pub status: &'a str,
    /// Assigned ones: the snoozed (true) or the others (false).
    pub snoozed: bool,
    /// Only the conversations on the lines this user serves (queued) or assigned to them.
    pub user: Option<UserId>,
    pub label: Option<&'a str>,
    pub limit: i64,
}

/// Conversations matching the filter, newest first.
pub(crate) async fn list(conn: &mut Conn, filter: &ListFilter<'_>) -> Result<Vec<Conversation>> {
    let snooze = if filter.snoozed {
        "snoozed_until is not null"
    } else {
        "snoozed_until is null"
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from conversations where status = $1 and {snooze} and ($2 is null \
         or (status = 'queued' and line_id in (select line_id from line_operators where user_id = $2)) \
         or assignee_id = $2) and ($4 is null or room_id in \
         (select room_id from conversation_labels where label = $4)) order by queued_at desc limit $3"
    ));
    let rows: Vec<ConversationRow> = sqlx::query_as(sql)
        .bind(filter.status)
        .bind(filter.user.map(|id| id.to_string()))
        .bind(filter.limit)
        .bind(filter.label)
        .fetch_all(&mut *conn)
        .await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in rows {
        let mut conversation = Conversation::try_from(row)?;
        conversation.labels = labels_of(conn, conversation.room_id).await?;
        found.push(conversation);
    }
    Ok(found)
}

/// Lines with at least one queued conversation.
pub(crate) async fn lines_with_queue(conn: &mut Conn) -> Result<Vec<LineId>> {
    let ids: Vec<String> =
        sqlx::query_scalar("select distinct line_id from conversations where status = 'queued'")
            .fetch_all(conn)
            .await?;
    ids.iter().map(|id| parse_id(id)).collect()
}

/// Whether a provider delivery was stored already.
pub(crate) async fn receipt(conn: &mut Conn, dedup_key: &str) -> Result<Option<MessageId>> {
    let found: Option<Option<String>> =
        sqlx::query_scalar("select message_id from inbound_receipts where dedup_key = $1")
            .bind(dedup_key)
            .fetch_optional(conn)
            .await?;
    found.flatten().map(|id| parse_id(&id)).transpose()
}

pub(crate) async fn record_receipt(
    conn: &mut Conn,
    dedup_key: &str,
    message: MessageId,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("insert into inbound_receipts (dedup_key, message_id, created_at, updated_at) values ($1, $2, $3, $3)")
        .bind(dedup_key)
        .bind(message.to_string())
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks a stored message as the client's, with the provider's id and the client's name.
pub(crate) async fn mark_external(
    conn: &mut Conn,
    message: MessageId,
    external_id: &str,
    sender: &str,
) -> Result<()> {
    sqlx::query("update messages set external_id = $2, sender_name = $3 where id = $1")
        .bind(message.to_string())
        .bind(external_id)
        .bind(sender)
        .execute(conn)
        .await?;
    Ok(())
}

/// The stored message a provider id refers to in a room (for replies and edits).
pub(crate) async fn message_by_external(
    conn: &mut Conn,
    room: RoomId,
    external_id: &str,
) -> Result<Option<MessageId>> {
    let id: Option<String> =
        sqlx::query_scalar("select id from messages where room_id = $1 and external_id = $2")
            .bind(room.to_string())
            .bind(external_id)
            .fetch_optional(conn)
            .await?;
    id.map(|id| parse_id(&id)).transpose()
}

/// `record_receipt` for many deliveries in one statement; `receipts` is never empty.
pub(crate) fn record_receipts(receipts: &[(&str, MessageId)], now: Timestamp) -> Sql {
    let mut sql = Sql::new(
        "insert into inbound_receipts (dedup_key, message_id, created_at, updated_at) \
         select * from (values ",
    );
    for index in 0..padded(receipts.len()) {
        let receipt = receipts.get(index);
        sql.push(if index > 0 { ", (" } else { "(" })
            .opt_text(receipt.map(|(key, _)| key))
            .push(", ")
            .opt_text(receipt.map(|(_, message)| message))
            .push(", ")
            .int(now.millis())
            .push(", ")
            .int(now.millis())
            .push(")");
    }
    sql.push(") v where column1 is not null");
    sql
}

/// `client_wrote` for many conversations in one statement. Nothing comes back: the caller
/// read their links under the write lock it still holds. Written with `padded(rows)` rows
/// (see `Sql::values_of`).
pub(crate) fn clients_wrote(rooms: &[RoomId], rows: usize, now: Timestamp) -> Sql {
    let mut sql = Sql::new("update conversations set last_client_message_at = ");
    sql.int(now.millis())
        .push(", auto_close_at = null, snoozed_until = null, updated_at = ")
        .int(now.millis())
        .push(" from ")
        .values_of(rooms, rows)
        .push(" v where room_id = v.column1");
    sql
}
