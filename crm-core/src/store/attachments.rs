//! The `attachments` and `message_attachments` tables: uploads, and which messages (so which
//! rooms) reference them.

use super::{
    Conn,
    rows::{parse_id, parse_opt_id},
};
use crate::{
    Error, Result,
    domain::{
        Attachment, AttachmentId, ContentHash, ContentType, FileName, MessageId, NewAttachment,
        RoomId, Timestamp, UserId,
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
    // None for files clients sent through a provider.
    uploader: Option<UserId>,
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
    .bind(uploader.map(|id| id.to_string()))
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
pub(crate) async fn rooms_referencing(conn: &mut Conn, id: AttachmentId) -> Result<Vec<RoomId>> {
    let rooms: Vec<String> = sqlx::query_scalar(
        "select distinct l.room_id from message_attachments l join messages m on m.id = l.message_id \
         where l.attachment_id = $1 and m.deleted_at is null",
    )
    .bind(id.to_string())
    .fetch_all(conn)
    .await?;
    rooms.iter().map(|room| parse_id(room)).collect()
}

/// Records the attachments a new message references (its `attachments` JSON array).
pub(crate) async fn link_message(
    conn: &mut Conn,
    message: MessageId,
    room: RoomId,
    references: &serde_json::Value,
    now: Timestamp,
) -> Result<()> {
    let ids = references
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["id"].as_str());
    for id in ids {
        sqlx::query(
            "insert into message_attachments (attachment_id, message_id, room_id, created_at, updated_at) \
             values ($1, $2, $3, $4, $4) on conflict do nothing",
        )
        .bind(id)
        .bind(message.to_string())
        .bind(room.to_string())
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
