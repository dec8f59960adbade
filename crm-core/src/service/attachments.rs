//! Attachments: recording an upload once its bytes are in the media store, deciding who may
//! download it, and checking the attachments of a message being sent. The bytes themselves
//! are the gateway's business (through `media`); this module only sees their hash and size.

use super::Rooms;
use crate::{
    Error, Result, Store,
    domain::{Attachment, AttachmentId, AttachmentRef, NewAttachment, User, now},
    store::{Conn, attachment_store},
};

/// Most attachments one message may carry.
const MAX_PER_MESSAGE: usize = 10;

#[derive(Clone)]
pub struct Attachments {
    store: Store,
}

impl Attachments {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Whether the caller may upload at all. Checked before the bytes are accepted, so a
    /// refused upload leaves nothing in the media store.
    pub fn authorize_upload(&self, actor: &User) -> Result<()> {
        if actor.role.can_write() {
            Ok(())
        } else {
            Err(Error::Forbidden("viewers cannot upload files".into()))
        }
    }

    /// Records an upload for the caller after its bytes were stored under `new.sha256`.
    #[tracing::instrument(skip_all, fields(user.id = %actor.id), err(level = "warn"))]
    pub async fn record(&self, actor: &User, new: NewAttachment) -> Result<Attachment> {
        self.authorize_upload(actor)?;
        let id = AttachmentId::new();
        let mut tx = self.store.begin().await?;
        attachment_store::insert(&mut tx, id, Some(actor.id), &new, now()).await?;
        let attachment = attachment_store::get(&mut tx, id)
            .await?
            .ok_or(Error::not_found("attachment"))?;
        tx.commit().await?;
        Ok(attachment)
    }

    /// The attachment, if the caller may download it: its uploader may, and so may anyone
    /// who may read a room with a message that references it (members, or anyone for a
    /// public channel). Everyone else gets `NotFound`, as if it did not exist.
    #[tracing::instrument(skip_all, fields(attachment.id = %id), err(level = "debug"))]
    pub async fn get_for_download(&self, actor: &User, id: AttachmentId) -> Result<Attachment> {
        let mut conn = self.store.acquire().await?;
        let attachment = attachment_store::get(&mut conn, id)
            .await?
            .ok_or(Error::not_found("attachment"))?;
        if attachment.uploader_id == Some(actor.id) {
            return Ok(attachment);
        }
        for room in attachment_store::rooms_referencing(&mut conn, id).await? {
            if Rooms::can_read(&mut conn, room, actor).await? {
                return Ok(attachment);
            }
        }
        Err(Error::not_found("attachment"))
    }
}

/// The references a message from `actor` will carry, in the order given, repeats dropped.
/// Each id must name an attachment the sender uploaded; any other id, existing or not, is
/// rejected alike so that guessing reveals nothing.
pub(super) async fn for_message(
    conn: &mut Conn,
    actor: &User,
    ids: &[AttachmentId],
) -> Result<Vec<AttachmentRef>> {
    let mut references: Vec<AttachmentRef> = Vec::with_capacity(ids.len());
    for id in ids {
        if references.iter().any(|r| r.id == *id) {
            continue;
        }
        if references.len() == MAX_PER_MESSAGE {
            return Err(Error::validation(
                "attachments",
                format!("a message carries at most {MAX_PER_MESSAGE} attachments"),
            ));
        }
        let attachment = attachment_store::get(conn, *id)
            .await?
            .filter(|a| a.uploader_id == Some(actor.id))
            .ok_or_else(|| {
                Error::validation("attachments", format!("{id} is not an upload of yours"))
            })?;
        references.push(attachment.reference());
    }
    Ok(references)
}
