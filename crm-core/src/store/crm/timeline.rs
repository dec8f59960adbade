//! `timeline_entries` and `timeline_links`. An entity's page is a range scan of the links'
//! primary key `(entity_kind, entity_id, occurred_at, entry_id)` read backwards, joined to
//! the entries by id; the visibility of the entity is part of the same statement.

use super::sql::{Scope, Sql, padded};
use crate::{
    Error, Result,
    domain::{
        RoomId, Timestamp,
        crm::{
            EntityKind, EntityRef, NewTimelineEntry, TimelineCursor, TimelineEntry,
            TimelineEntryId, TimelineKind,
        },
    },
    store::{
        Conn,
        rows::{parse_id, parse_opt_id},
    },
};

/// Inserts an entry and links it to each distinct entity it names.
pub(crate) async fn insert(
    conn: &mut Conn,
    id: TimelineEntryId,
    entry: &NewTimelineEntry,
    now: Timestamp,
) -> Result<()> {
    insert_in_room(conn, id, entry, None, now).await
}

/// `insert` for an entry of a conversation (`room`), which `link_room` finds again when the
/// conversation is linked to a deal or lead later.
pub(crate) async fn insert_in_room(
    conn: &mut Conn,
    id: TimelineEntryId,
    entry: &NewTimelineEntry,
    room: Option<RoomId>,
    now: Timestamp,
) -> Result<()> {
    insert_many(conn, &[(id, entry, room)], now).await
}

/// `insert_in_room` for many entries in two statements (entries, then their links).
/// `entries` is never empty.
pub(crate) async fn insert_many(
    conn: &mut Conn,
    entries: &[(TimelineEntryId, &NewTimelineEntry, Option<RoomId>)],
    now: Timestamp,
) -> Result<()> {
    let (entries, links) = insert_many_statements(entries, now);
    entries.execute(&mut *conn).await?;
    if let Some(links) = links {
        links.execute(conn).await?;
    }
    Ok(())
}

/// The statements of `insert_many`: the entries, then their links, if any; the inbound
/// batch runs them as part of its script on SQLite.
pub(crate) fn insert_many_statements(
    entries: &[(TimelineEntryId, &NewTimelineEntry, Option<RoomId>)],
    now: Timestamp,
) -> (Sql, Option<Sql>) {
    let mut sql = Sql::new(
        "insert into timeline_entries (id, kind, author_id, occurred_at, summary, payload, \
         created_at, updated_at, room_id) select * from (values ",
    );
    for index in 0..padded(entries.len()) {
        let row = entries.get(index);
        let entry = row.map(|(_, entry, _)| *entry);
        sql.push(if index > 0 { ", (" } else { "(" })
            .opt_text(row.map(|(id, ..)| id))
            .push(", ")
            .opt_text(entry.map(|e| e.kind.as_str()))
            .push(", ")
            .opt_text(entry.and_then(|e| e.author_id))
            .push(", ")
            .opt_int(entry.map(|e| e.occurred_at.millis()))
            .push(", ")
            .opt_text(entry.map(|e| &e.summary))
            .push(", ")
            .opt_text(entry.map(|e| &e.payload))
            .push(", ")
            .int(now.millis())
            .push(", ")
            .int(now.millis())
            .push(", ")
            .opt_text(row.and_then(|(.., room)| *room))
            .push(")");
    }
    sql.push(") v where column1 is not null");
    let mut rows: Vec<(EntityRef, i64, TimelineEntryId)> = Vec::new();
    for (id, entry, _) in entries {
        // An entry names each entity once, however often its links repeat it.
        let mut seen: Vec<EntityRef> = Vec::with_capacity(entry.links.len());
        for link in &entry.links {
            if !seen.contains(link) {
                seen.push(*link);
                rows.push((*link, entry.occurred_at.millis(), *id));
            }
        }
    }
    if rows.is_empty() {
        return (sql, None);
    }
    let mut links = Sql::new(
        "insert into timeline_links (entity_kind, entity_id, occurred_at, entry_id, created_at, \
         updated_at) select * from (values ",
    );
    for index in 0..padded(rows.len()) {
        let row = rows.get(index);
        links
            .push(if index > 0 { ", (" } else { "(" })
            .opt_text(row.map(|(link, ..)| link.kind.as_str()))
            .push(", ")
            .opt_text(row.map(|(link, ..)| link.id))
            .push(", ")
            .opt_int(row.map(|(_, occurred_at, _)| *occurred_at))
            .push(", ")
            .opt_text(row.map(|(.., entry)| entry))
            .push(", ")
            .int(now.millis())
            .push(", ")
            .int(now.millis())
            .push(")");
    }
    links.push(") v where column1 is not null");
    (sql, Some(links))
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: String,
    kind: String,
    author_id: Option<String>,
    occurred_at: i64,
    summary: String,
    payload: String,
}

impl EntryRow {
    fn into_entry(self) -> Result<TimelineEntry> {
        Ok(TimelineEntry {
            id: parse_id(&self.id)?,
            kind: TimelineKind::parse(&self.kind)?,
            author_id: parse_opt_id(self.author_id.as_deref())?,
            occurred_at: Timestamp::from_millis(self.occurred_at),
            summary: self.summary,
            payload: serde_json::from_str(&self.payload)
                .map_err(|_| Error::Internal("malformed timeline payload in database".into()))?,
        })
    }
}

/// The table holding entities of a kind; each has the `deleted_at`, `responsible_id` and
/// `department_id` columns that visibility reads.
fn table_of(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Contact => "contacts",
        EntityKind::Company => "companies",
        EntityKind::Lead => "leads",
        EntityKind::Deal => "deals",
    }
}

/// Entries linked to `entity`, newest first, strictly older than `cursor`; empty when the
/// entity is deleted or outside the scope.
pub(crate) async fn page(
    conn: &mut Conn,
    scope: &Scope,
    entity: EntityRef,
    cursor: Option<TimelineCursor>,
    limit: i64,
) -> Result<Vec<TimelineEntry>> {
    let table = table_of(entity.kind);
    let mut sql = Sql::new(
        "select e.id, e.kind, e.author_id, e.occurred_at, e.summary, e.payload \
         from timeline_links l join timeline_entries e on e.id = l.entry_id \
         where l.entity_kind = ",
    );
    sql.text(entity.kind.as_str())
        .push(" and l.entity_id = ")
        .text(entity.id)
        .push(" and exists (select 1 from ")
        .push(table)
        .push(" c where c.id = ")
        .text(entity.id)
        .push(" and c.deleted_at is null");
    scope.restrict(&mut sql);
    sql.push(")");
    if let Some(cursor) = cursor {
        sql.push(" and (l.occurred_at, l.entry_id) < (")
            .int(cursor.occurred_at.millis())
            .push(", ")
            .text(cursor.id)
            .push(")");
    }
    sql.push(" order by l.occurred_at desc, l.entry_id desc limit ")
        .int(limit);
    sql.fetch_all::<EntryRow>(conn)
        .await?
        .into_iter()
        .map(EntryRow::into_entry)
        .collect()
}

/// Relinks every entry of `from` to `into` (same kind); an entry already on `into` keeps
/// its one link there. Returns how many entries moved.
pub(crate) async fn move_links(
    conn: &mut Conn,
    from: EntityRef,
    into: EntityRef,
    now: Timestamp,
) -> Result<u64> {
    let moved = sqlx::query(
        "update timeline_links set entity_id = $3, updated_at = $4 \
         where entity_kind = $1 and entity_id = $2 and entry_id not in \
         (select entry_id from timeline_links where entity_kind = $1 and entity_id = $3)",
    )
    .bind(from.kind.as_str())
    .bind(from.id.to_string())
    .bind(into.id.to_string())
    .bind(now.millis())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query("delete from timeline_links where entity_kind = $1 and entity_id = $2")
        .bind(from.kind.as_str())
        .bind(from.id.to_string())
        .execute(&mut *conn)
        .await?;
    debug_assert_eq!(from.kind, into.kind);
    Ok(moved)
}

/// Links every entry of a conversation (`room`) to `entity` as well; entries linked to it
/// already stay as they are. Returns how many were linked.
pub(crate) async fn link_room(
    conn: &mut Conn,
    room: RoomId,
    entity: EntityRef,
    now: Timestamp,
) -> Result<u64> {
    Ok(sqlx::query(
        "insert into timeline_links (entity_kind, entity_id, occurred_at, entry_id, created_at, \
         updated_at) select $2, $3, e.occurred_at, e.id, $4, $4 from timeline_entries e \
         where e.room_id = $1 on conflict do nothing",
    )
    .bind(room.to_string())
    .bind(entity.kind.as_str())
    .bind(entity.id.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?
    .rows_affected())
}

/// Whether `entity` is live and inside the scope.
pub(crate) async fn visible(conn: &mut Conn, scope: &Scope, entity: EntityRef) -> Result<bool> {
    let table = table_of(entity.kind);
    let mut sql = Sql::new("select count(*) from ");
    sql.push(table)
        .push(" c where c.id = ")
        .text(entity.id)
        .push(" and c.deleted_at is null");
    scope.restrict(&mut sql);
    Ok(sql.fetch_scalar(conn).await? > 0)
}
