//! The `attachments` table, and the lookup of the rooms whose messages reference one.

use super::{
    Conn,
    rows::{parse_id, parse_opt_id},
};
use crate::{
    Error, Result,
    domain::{
        Attachment, AttachmentId, ContentHash, ContentType, FileName, NewAttachment, RoomId,
        Timestamp, UserId,
    },
};

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: String,
    uploader_id: Option<String>,
    sha256: String,
    size_bytes: i64,
    content_type: String,
    file_name: String,
    created_at: i64,
}

impl TryFrom<AttachmentRow> for Attachment {
    type Error = Error;

    fn try_from(row: AttachmentRow) -> Result<Self> {
        let malformed =
            |what: &str| Error::Internal(format!("malformed {what} in database").into());
        Ok(Attachment {
            id: parse_id(&row.id)?,
            uploader_id: parse_opt_id(row.uploader_id.as_deref())?,
            sha256: ContentHash::parse(&row.sha256).map_err(|_| malformed("sha256"))?,
            size_bytes: u64::try_from(row.size_bytes).map_err(|_| malformed("size"))?,
            content_type: ContentType::parse(&row.content_type)
                .map_err(|_| malformed("content type"))?,
            file_name: FileName::parse(&row.file_name).map_err(|_| malformed("file name"))?,
            created_at: Timestamp::from_millis(row.created_at),
        })
    }
}

pub(crate) async fn insert(
    conn: &mut Conn,
    id: AttachmentId,
    uploader: UserId,
    new: &NewAttachment,
    now: Timestamp,
) -> Result<()> {
    let size = i64::try_from(new.size_bytes)
        .map_err(|_| Error::validation("size_bytes", "is too large"))?;
    sqlx::query(
        "insert into attachments (id, uploader_id, sha256, size_bytes, content_type, file_name, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id.to_string())
    .bind(uploader.to_string())
    .bind(new.sha256.as_str())
    .bind(size)
    .bind(new.content_type.as_str())
    .bind(new.file_name.as_str())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn get(conn: &mut Conn, id: AttachmentId) -> Result<Option<Attachment>> {
    let row: Option<AttachmentRow> = sqlx::query_as(
        "select id, uploader_id, sha256, size_bytes, content_type, file_name, created_at \
         from attachments where id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(Attachment::try_from).transpose()
}

/// The rooms with a message (not deleted) that references the attachment, each once.
///
/// `messages.attachments` is JSON text written compactly by `serde_json`, so a reference
/// contains `"id":"<uuid>"` exactly; a file name cannot forge that text because its quotes are
/// escaped. Each match is still parsed and checked before its room counts. The `like` scans
/// `messages`; a link table written in the message's transaction would make it an index lookup.
pub(crate) async fn rooms_referencing(conn: &mut Conn, id: AttachmentId) -> Result<Vec<RoomId>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "select room_id, attachments from messages \
         where deleted_at is null and attachments like $1",
    )
    .bind(format!("%\"id\":\"{id}\"%"))
    .fetch_all(conn)
    .await?;
    let wanted = id.to_string();
    let mut rooms = Vec::new();
    for (room, attachments) in rows {
        let references = serde_json::from_str::<serde_json::Value>(&attachments)
            .map_err(|_| Error::Internal("malformed attachments in database".into()))?;
        let referenced = references
            .as_array()
            .is_some_and(|list| list.iter().any(|item| item["id"].as_str() == Some(&wanted)));
        let room: RoomId = parse_id(&room)?;
        if referenced && !rooms.contains(&room) {
            rooms.push(room);
        }
    }
    Ok(rooms)
}
