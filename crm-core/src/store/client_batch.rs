//! Reads and writes the inbound batch's client messages (`service::open_lines::batch`):
//! one statement finds what the batch needs to know of them, then each message, its
//! receipt, its room's sequence, its conversation's state and its timeline entry with links
//! are written. PostgreSQL takes a chunk in ONE statement of data-modifying `with` queries: the
//! seven statements SQLite runs cost PostgreSQL a round trip each (0.2–0.5 ms apiece for a
//! ten-message batch, more than the rows themselves), and a statement is atomic by itself,
//! so a batch of one chunk needs no transaction around it either. SQLite runs in process,
//! where a statement per table costs no round trip, inside the caller's transaction.

use std::{
    collections::{BTreeMap, HashMap},
    ops::Range,
};

use super::{
    Backend, Conn, conversation_links,
    conversation_links::Linked,
    conversations::{self, ConversationRow},
    crm::{
        sql::{Sql, padded},
        timeline as timeline_store,
    },
    messages as message_store, rooms as room_store,
    rows::parse_id,
    sqlite_native::NativeConn,
};
use crate::{
    Error, Result,
    domain::{
        ChannelId, ChannelKind, Conversation, MessageId, RoomId, Timestamp,
        crm::{ContactId, EntityKind, NewTimelineEntry, TimelineEntryId},
    },
};

/// The connection a batch runs on.
pub(crate) enum BatchConn<'a> {
    /// A pooled connection (or a transaction on one): PostgreSQL, or SQLite in memory.
    Pooled(&'a mut Conn),
    /// SQLite's writer connection, driven from the caller's thread, in its transaction.
    Native(&'a NativeConn),
}

impl BatchConn<'_> {
    fn backend(&self) -> Backend {
        match self {
            BatchConn::Pooled(conn) => Backend::of(conn),
            BatchConn::Native(_) => Backend::Sqlite,
        }
    }

    /// SQLite: the one row of JSON an aggregate answers.
    async fn fetch_json(&mut self, sql: Sql) -> Result<Option<String>> {
        match self {
            BatchConn::Pooled(conn) => {
                let found: Vec<(String,)> = sql.fetch_all(conn).await?;
                Ok(found.into_iter().next().map(|(json,)| json))
            }
            BatchConn::Native(conn) => conn.fetch_text(sql),
        }
    }

    /// SQLite: runs the statements in order, in the caller's transaction; through sqlx as
    /// one script, one trip to the connection's thread (BENCHMARKS.md "One trip for the
    /// writes"); on the writer's own connection one by one, each prepared once.
    async fn execute_all(&mut self, statements: Vec<Sql>) -> Result<()> {
        match self {
            BatchConn::Pooled(conn) => {
                let mut statements = statements.into_iter();
                if let Some(mut script) = statements.next() {
                    for next in statements {
                        script.followed_by(next);
                    }
                    script.execute(conn).await?;
                }
            }
            BatchConn::Native(conn) => {
                for statement in statements {
                    conn.execute(statement)?;
                }
            }
        }
        Ok(())
    }
}

/// A message the batch may take, as `read` looks it up.
pub(crate) struct Wanted<'a> {
    pub dedup_key: &'a str,
    pub channel: ChannelKind,
    pub sender: &'a str,
    pub channel_id: ChannelId,
    pub chat: &'a str,
}

/// What the batch needs to know of a message it may take.
pub(crate) struct Found {
    /// The sender's live contact.
    pub contact: Option<ContactId>,
    /// The chat's open conversation, labels included.
    pub conversation: Conversation,
}

#[derive(sqlx::FromRow)]
struct FoundRow {
    dedup_key: String,
    found_contact: Option<String>,
    /// A JSON array, unsorted; null without labels.
    found_labels: Option<String>,
    #[sqlx(flatten)]
    conversation: ConversationRow,
}

/// A row of `read`: dedup key, the sender's contact, the labels (unsorted), the conversation.
type Answered = (String, Option<String>, Option<Vec<String>>, ConversationRow);

/// For each of `wanted` that was not received before and whose chat has an open
/// conversation, keyed by its dedup key: that conversation and the sender's contact. One
/// statement for what would be a lookup each (receipt, contact, conversation, labels).
/// Every lookup is a subquery of its own, which PostgreSQL can only answer by probing an
/// index: joined against the list, it hashed the list and scanned every receipt ever
/// stored, or walked every live contact of a database it had no statistics of yet.
///
/// SQLite answers with one row of JSON instead of a row per message: each row crossed from
/// SQLite's thread to the writer's on its own, and waking the writer for it took the core
/// from SQLite's thread, twice per message of every batch (BENCHMARKS.md "The batch's read
/// in one row"). `wanted` is never empty.
pub(crate) async fn read(
    conn: &mut BatchConn<'_>,
    wanted: &[Wanted<'_>],
) -> Result<HashMap<String, Found>> {
    let backend = conn.backend();
    let mut sql = Sql::new(match backend {
        Backend::Postgres => "",
        Backend::Sqlite => {
            // `json()`: the labels' array goes in as an array, not as its text.
            "select json_group_array(json_array(dedup_key, found_contact, json(found_labels), \
             json_array("
        }
    });
    if backend == Backend::Sqlite {
        sql.push(conversations::COLUMNS).push("))) from (");
    }
    sql.push(
        "select v.column1 as dedup_key, (select c.id from contacts c where c.id = \
         (select i.contact_id from contact_identities i where i.channel = v.column2 \
         and i.external_id = v.column3) and c.deleted_at is null) as found_contact, ",
    );
    sql.push(match backend {
        Backend::Postgres => {
            "(select json_agg(l.label)::text from conversation_labels l \
             where l.room_id = conversations.room_id) as found_labels, "
        }
        Backend::Sqlite => {
            "(select json_group_array(l.label) from conversation_labels l \
             where l.room_id = conversations.room_id having count(*) > 0) as found_labels, "
        }
    })
    .push(conversations::COLUMNS)
    .push(" from (values ");
    for index in 0..padded(wanted.len()) {
        let row = wanted.get(index);
        sql.push(if index > 0 { ", (" } else { "(" })
            .opt_text(row.map(|row| row.dedup_key))
            .push(", ")
            .opt_text(row.map(|row| row.channel.as_str()))
            .push(", ")
            .opt_text(row.map(|row| row.sender))
            .push(", ")
            .opt_text(row.map(|row| row.channel_id))
            .push(", ")
            .opt_text(row.map(|row| row.chat))
            .push(")");
    }
    sql.push(
        ") v join conversations on conversations.channel_id = v.column4 \
         and conversations.external_chat_id = v.column5 and conversations.status <> 'closed' \
         where (select 1 from inbound_receipts r where r.dedup_key = v.column1) is null",
    );
    let rows: Vec<Answered> = match conn {
        BatchConn::Pooled(conn) if backend == Backend::Postgres => {
            let rows: Vec<FoundRow> = sql.fetch_all(conn).await?;
            rows.into_iter()
                .map(|row| {
                    let labels = row.found_labels.as_deref().map(serde_json::from_str);
                    let labels = labels.transpose().map_err(|error| {
                        Error::Internal(format!("conversation labels: {error}").into())
                    })?;
                    Ok((row.dedup_key, row.found_contact, labels, row.conversation))
                })
                .collect::<Result<_>>()?
        }
        conn => {
            sql.push(")");
            // An aggregate answers one row, `[]` when nothing matched.
            let found = conn.fetch_json(sql).await?;
            let json = found.as_deref().unwrap_or("[]");
            serde_json::from_str(json).map_err(|error| {
                Error::Internal(format!("the batch's conversations: {error}").into())
            })?
        }
    };
    rows.into_iter()
        .map(|(dedup_key, contact, labels, conversation)| {
            let mut conversation = Conversation::try_from(conversation)?;
            if let Some(mut labels) = labels {
                labels.sort_unstable();
                conversation.labels = labels;
            }
            let contact = contact.as_deref().map(parse_id).transpose()?;
            Ok((
                dedup_key,
                Found {
                    contact,
                    conversation,
                },
            ))
        })
        .collect()
}

/// One client message of the batch, in the order its room's sequences are taken.
pub(crate) struct ClientRow<'a> {
    pub id: MessageId,
    pub room_id: RoomId,
    pub body: &'a str,
    pub external_id: &'a str,
    pub sender_name: &'a str,
    pub dedup_key: &'a str,
    pub entry_id: TimelineEntryId,
    /// The message's timeline entry with the links it has whatever its conversation is
    /// linked to; the write adds the conversation's deal and lead as it finds them.
    pub entry: &'a NewTimelineEntry,
}

/// What writing the rows decided.
pub(crate) struct Written {
    /// Each row's sequence in its room, in the order of the rows.
    pub seqs: Vec<i64>,
    /// What each room's conversation is linked to, read under the row lock the write took
    /// (so a deal linked meanwhile either waited for this write or is on its entries).
    pub linked: HashMap<RoomId, Linked>,
}

/// Most text (message bodies, which the timeline entry repeats) and most messages per
/// multi-row statement.
const CHUNK_TEXT: usize = 64 * 1024;
const CHUNK_MESSAGES: usize = 256;

/// Splits the rows into runs whose multi-row statements stay well inside the engines'
/// placeholder limits. A whole batch (`MAX_BATCH` in the gateway, 256) of short messages is
/// one statement: on PostgreSQL that is one round trip without `begin`/`commit`, where 64
/// per statement made a batch of 130 four round trips with the connection idle in its
/// transaction between them (BENCHMARKS.md "One statement per batch"). Larger statements
/// are safe since sqlx's sockets have Nagle's algorithm off again (see vendor/).
pub(crate) fn statement_chunks(bodies: impl IntoIterator<Item = usize>) -> Vec<Range<usize>> {
    let mut chunks = Vec::new();
    let (mut start, mut text, mut end) = (0, 0, 0);
    for (index, body) in bodies.into_iter().enumerate() {
        if index > start && (text + body > CHUNK_TEXT || index - start == CHUNK_MESSAGES) {
            chunks.push(start..index);
            (start, text) = (index, 0);
        }
        text += body;
        end = index + 1;
    }
    if start < end {
        chunks.push(start..end);
    }
    chunks
}

/// Writes `rows`, a statement (PostgreSQL) or a few (SQLite) per chunk of `chunks`. Each
/// chunk is atomic on PostgreSQL; the caller's transaction makes the whole so.
pub(crate) async fn write(
    conn: &mut BatchConn<'_>,
    rows: &[ClientRow<'_>],
    chunks: &[Range<usize>],
    now: Timestamp,
) -> Result<Written> {
    let mut written = Written {
        seqs: Vec::with_capacity(rows.len()),
        linked: HashMap::new(),
    };
    for chunk in chunks {
        let rows = &rows[chunk.clone()];
        let places = places_in_rooms(rows);
        let mut counts = Counts::new();
        for row in rows {
            *counts.entry(row.room_id).or_default() += 1;
        }
        let (last_seqs, linked) = match &mut *conn {
            BatchConn::Pooled(pooled) if Backend::of(pooled) == Backend::Postgres => {
                write_in_one_statement(pooled, rows, &places, now).await?
            }
            conn => write_table_by_table(conn, rows, &counts, &places, now).await?,
        };
        for (row, place) in rows.iter().zip(&places) {
            written
                .seqs
                .push(seq_of(&last_seqs, &counts, row.room_id, *place)?);
        }
        written.linked.extend(linked);
    }
    Ok(written)
}

/// How many of the rows go to each room; sorted, so writers that share rooms lock them in
/// the same order and never deadlock.
type Counts = BTreeMap<RoomId, i64>;

type LastSeqs = HashMap<RoomId, i64>;

/// A row's sequence: its room's messages take the sequences ending at the room's new last
/// one, in the order of the rows.
fn seq_of(last_seqs: &LastSeqs, counts: &Counts, room: RoomId, place: i64) -> Result<i64> {
    match (last_seqs.get(&room), counts.get(&room)) {
        (Some(last), Some(count)) => Ok(last - count + place),
        _ => Err(Error::not_found("room")),
    }
}

/// Each row's place among the rows of its room, from 1.
fn places_in_rooms(rows: &[ClientRow<'_>]) -> Vec<i64> {
    let mut taken: HashMap<RoomId, i64> = HashMap::new();
    rows.iter()
        .map(|row| {
            let place = taken.entry(row.room_id).or_default();
            *place += 1;
            *place
        })
        .collect()
}

/// Every table in one statement. The receipts reference the messages, so a message the
/// statement could not insert (its room gone) fails the whole statement rather than leaving
/// a receipt, an entry or a sequence without it.
///
/// The order the statement's parts touch rows in is the planner's, so `locked` takes the
/// rooms' row locks first, sorted (`order by … for update` locks in the order it returns),
/// and both updates read it: every writer locks a room before its conversation, as
/// `receive` does, and rooms in one order, so two batches sharing rooms (two nodes) or a
/// batch and a single message never deadlock.
async fn write_in_one_statement(
    conn: &mut Conn,
    rows: &[ClientRow<'_>],
    places: &[i64],
    now: Timestamp,
) -> Result<(LastSeqs, HashMap<RoomId, Linked>)> {
    let mut sql = Sql::new(
        "with m (id, room_id, place, body, external_id, sender_name, dedup_key, entry_id, \
         kind, author_id, occurred_at, summary, payload) as (select * from (values ",
    );
    for index in 0..padded(rows.len()) {
        let row = rows.get(index);
        let entry = row.map(|row| row.entry);
        sql.push(if index > 0 { ", (" } else { "(" })
            .opt_text(row.map(|row| row.id))
            .push(", ")
            .opt_text(row.map(|row| row.room_id))
            .push(", ")
            .opt_int(places.get(index).copied())
            .push(", ")
            .opt_text(row.map(|row| row.body))
            .push(", ")
            .opt_text(row.map(|row| row.external_id))
            .push(", ")
            .opt_text(row.map(|row| row.sender_name))
            .push(", ")
            .opt_text(row.map(|row| row.dedup_key))
            .push(", ")
            .opt_text(row.map(|row| row.entry_id))
            .push(", ")
            .opt_text(entry.map(|entry| entry.kind.as_str()))
            .push(", ")
            .opt_text(entry.and_then(|entry| entry.author_id))
            .push(", ")
            .opt_int(entry.map(|entry| entry.occurred_at.millis()))
            .push(", ")
            .opt_text(entry.map(|entry| &entry.summary))
            .push(", ")
            .opt_text(entry.map(|entry| &entry.payload))
            .push(")");
    }
    sql.push(
        ") v where column1 is not null), \
         counts as (select room_id, count(*) as taken from m group by room_id), \
         locked as (select rooms.id, counts.taken from rooms join counts \
         on counts.room_id = rooms.id order by rooms.id for update of rooms), \
         seqs as (update rooms set last_seq = last_seq + locked.taken, updated_at = ",
    )
    .int(now.millis())
    .push(
        " from locked where rooms.id = locked.id \
         returning rooms.id, rooms.last_seq, locked.taken), \
         wrote as (update conversations set last_client_message_at = ",
    )
    .int(now.millis())
    .push(", auto_close_at = null, snoozed_until = null, updated_at = ")
    .int(now.millis())
    .push(
        " from locked where conversations.room_id = locked.id \
         returning conversations.room_id, conversations.deal_id, conversations.lead_id), \
         new_messages as (insert into messages (id, room_id, seq, body, attachments, \
         external_id, sender_name, created_at, updated_at) \
         select m.id, m.room_id, seqs.last_seq - seqs.taken + m.place, m.body, '[]', \
         m.external_id, m.sender_name, ",
    )
    .int(now.millis())
    .push(", ")
    .int(now.millis())
    .push(
        " from m join seqs on seqs.id = m.room_id), \
         receipts as (insert into inbound_receipts (dedup_key, message_id, created_at, \
         updated_at) select dedup_key, id, ",
    )
    .int(now.millis())
    .push(", ")
    .int(now.millis())
    .push(
        " from m), \
         entries as (insert into timeline_entries (id, kind, author_id, occurred_at, summary, \
         payload, created_at, updated_at, room_id) \
         select entry_id, kind, author_id, occurred_at, summary, payload, ",
    )
    .int(now.millis())
    .push(", ")
    .int(now.millis())
    .push(", room_id from m), links (entity_kind, entity_id, entry_id) as (select * from (values ");
    let fixed: Vec<_> = rows
        .iter()
        .flat_map(|row| row.entry.links.iter().map(|link| (link, row.entry_id)))
        .collect();
    for index in 0..padded(fixed.len()) {
        let link = fixed.get(index);
        sql.push(if index > 0 { ", (" } else { "(" })
            .opt_text(link.map(|(link, _)| link.kind.as_str()))
            .push(", ")
            .opt_text(link.map(|(link, _)| link.id))
            .push(", ")
            .opt_text(link.map(|(_, entry)| entry))
            .push(")");
    }
    sql.push(") v where column1 is not null union all select ")
        .text(EntityKind::Deal.as_str())
        .push(
            ", wrote.deal_id, m.entry_id from m join wrote on wrote.room_id = m.room_id \
             where wrote.deal_id is not null union all select ",
        )
        .text(EntityKind::Lead.as_str())
        .push(
            ", wrote.lead_id, m.entry_id from m join wrote on wrote.room_id = m.room_id \
             where wrote.lead_id is not null), \
             new_links as (insert into timeline_links (entity_kind, entity_id, occurred_at, \
             entry_id, created_at, updated_at) \
             select distinct links.entity_kind, links.entity_id, m.occurred_at, \
             links.entry_id, ",
        )
        .int(now.millis())
        .push(", ")
        .int(now.millis())
        .push(
            " from links join m on m.entry_id = links.entry_id) \
             select seqs.id, seqs.last_seq, wrote.deal_id, wrote.lead_id \
             from seqs left join wrote on wrote.room_id = seqs.id",
        );
    let found: Vec<(String, i64, Option<String>, Option<String>)> = sql.fetch_all(conn).await?;
    let mut last_seqs = HashMap::with_capacity(found.len());
    let mut linked = HashMap::with_capacity(found.len());
    for (room, last, deal, lead) in found {
        let room: RoomId = parse_id(&room)?;
        last_seqs.insert(room, last);
        linked.insert(room, conversation_links::from_row(Some((deal, lead)))?);
    }
    Ok((last_seqs, linked))
}

/// A statement per table, in the caller's transaction, which took SQLite's write lock
/// before anything else (`begin immediate`): what `rooms_before` reads stays true until
/// the updates after it, which therefore return no rows. A statement's rows travel from
/// SQLite's thread to the writer's one at a time, and the writer's thread parked and was
/// woken for most of them: ~150 times per batch of 120 messages, as many as the rooms
/// updated twice and the messages read (BENCHMARKS.md "Rows that do not come back").
/// The writes go together (`BatchConn::execute_all`).
async fn write_table_by_table(
    conn: &mut BatchConn<'_>,
    rows: &[ClientRow<'_>],
    counts: &Counts,
    places: &[i64],
    now: Timestamp,
) -> Result<(LastSeqs, HashMap<RoomId, Linked>)> {
    let rooms: Vec<RoomId> = counts.keys().copied().collect();
    let before = rooms_before(conn, &rooms).await?;
    let sorted: Vec<(RoomId, i64)> = counts.iter().map(|(room, n)| (*room, *n)).collect();
    // The room lists are written with as many rows as the messages, so the script's text
    // depends on the message and link counts alone: sqlx's cache of prepared statements
    // keeps 100 per connection, fewer than the scripts with room counts of their own.
    let mut script = vec![room_store::advance_seqs(&sorted, rows.len(), now)];
    let last_seqs: LastSeqs = counts
        .iter()
        .filter_map(|(room, count)| before.get(room).map(|(last, _)| (*room, last + count)))
        .collect();
    let linked: HashMap<RoomId, Linked> = before
        .into_iter()
        .map(|(room, (_, links))| (room, links))
        .collect();
    let messages = rows
        .iter()
        .zip(places)
        .map(|(row, place)| {
            Ok(message_store::ClientMessage {
                id: row.id,
                room_id: row.room_id,
                seq: seq_of(&last_seqs, counts, row.room_id, *place)?,
                body: row.body,
                external_id: row.external_id,
                sender_name: row.sender_name,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    script.push(message_store::insert_client_messages(&messages, now));
    let receipts: Vec<(&str, MessageId)> = rows.iter().map(|row| (row.dedup_key, row.id)).collect();
    script.push(conversations::record_receipts(&receipts, now));
    script.push(conversations::clients_wrote(&rooms, rows.len(), now));
    let entries: Vec<NewTimelineEntry> = rows
        .iter()
        .map(|row| {
            let mut entry = row.entry.clone();
            let links = linked.get(&row.room_id).copied().unwrap_or_default();
            entry.links.extend(links.refs());
            entry
        })
        .collect();
    let entries: Vec<_> = rows
        .iter()
        .zip(&entries)
        .map(|(row, entry)| (row.entry_id, entry, Some(row.room_id)))
        .collect();
    let (entries, links) = timeline_store::insert_many_statements(&entries, now);
    script.push(entries);
    script.extend(links);
    conn.execute_all(script).await?;
    Ok((last_seqs, linked))
}

/// Each room's last sequence and what its conversation is linked to, as one row of JSON.
async fn rooms_before(
    conn: &mut BatchConn<'_>,
    rooms: &[RoomId],
) -> Result<HashMap<RoomId, (i64, Linked)>> {
    let mut sql = Sql::new(
        "select json_group_array(json_array(r.id, r.last_seq, c.deal_id, c.lead_id)) \
         from rooms r left join conversations c on c.room_id = r.id \
         where r.id in (select column1 from ",
    );
    sql.values(rooms).push(" v)");
    // An aggregate answers one row, `[]` when no room matched.
    let found = conn.fetch_json(sql).await?;
    let json = found.as_deref().unwrap_or("[]");
    let rows: Vec<(String, i64, Option<String>, Option<String>)> = serde_json::from_str(json)
        .map_err(|error| Error::Internal(format!("the batch's rooms: {error}").into()))?;
    rows.into_iter()
        .map(|(room, last, deal, lead)| {
            Ok((
                parse_id(&room)?,
                (last, conversation_links::from_row(Some((deal, lead)))?),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_cut_by_count_and_by_text_and_every_message_is_in_one_chunk() {
        assert_eq!(statement_chunks([10; 600]), [0..256, 256..512, 512..600]);
        assert_eq!(statement_chunks([16_000; 9]), [0..4, 4..8, 8..9]);
        assert_eq!(statement_chunks([]), []);
    }
}
