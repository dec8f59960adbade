//! What staff do with messages: send (idempotently), edit and delete their own, react,
//! mark read, and page through history.

use super::{Rooms, access::Access, membership::Changed};
use crate::{
    Error, Result,
    domain::{
        AttachmentId, ChatEvent, Message, MessageBody, MessageId, MessageLinks, NewMessage, RoomId,
        User, now, parse_emoji,
    },
    service::attachments,
    store::{Conn, message_store, room_store},
};

/// Longest client idempotency key accepted.
const MAX_CLIENT_ID: usize = 64;

impl Rooms {
    /// Sends a message as the caller. Returns the stored message and whether this call stored
    /// it (a resend with the same `client_id` returns the first one and publishes nothing).
    ///
    /// `attachments` are ids of the caller's own uploads; the message stores a reference to
    /// each (id, file name, type, size). With attachments the body may be empty. `links` may
    /// put it in a thread and make it quote an earlier message; both must be of this room.
    pub async fn send(
        &self,
        actor: &User,
        room: RoomId,
        client_id: Option<String>,
        body: MessageBody,
        attachments: Vec<AttachmentId>,
        links: MessageLinks,
    ) -> Result<Changed<(Message, bool)>> {
        let MessageLinks {
            thread_root_id,
            reply_to_id,
        } = links;
        if client_id
            .as_ref()
            .is_some_and(|id| id.is_empty() || id.len() > MAX_CLIENT_ID)
        {
            return Err(Error::validation("client_id", "must be 1 to 64 bytes long"));
        }
        if body.as_str().trim().is_empty() && attachments.is_empty() {
            return Err(Error::validation("body", "must not be empty"));
        }
        let references = {
            let mut conn = self.store.acquire().await?;
            let access = Access::load(&mut conn, room, actor).await?;
            access.require_write(actor)?;
            for (field, linked) in [
                ("thread_root_id", thread_root_id),
                ("reply_to_id", reply_to_id),
            ] {
                let Some(linked) = linked else { continue };
                let target = message_store::get(&mut conn, linked).await?;
                if target.is_none_or(|target| target.room_id != room) {
                    return Err(Error::validation(field, "no such message in this room"));
                }
            }
            attachments::for_message(&mut conn, actor, &attachments).await?
        };
        let attachments = serde_json::to_value(references)
            .map_err(|_| Error::Internal("attachment references did not serialize".into()))?;
        let new = NewMessage {
            room_id: room,
            author_id: Some(actor.id),
            client_id,
            body,
            attachments,
            thread_root_id,
            reply_to_id,
        };
        let (message, created) = self.post(new).await?;
        let mut events = Vec::new();
        if created {
            events.push(ChatEvent::MessageCreated {
                message: message.clone(),
            });
            if let Some(root) = thread_root_id {
                let mut conn = self.store.acquire().await?;
                if let Some(root) = message_store::get(&mut conn, root).await? {
                    events.push(ChatEvent::ThreadUpdated {
                        room_id: room,
                        message_id: root.id,
                        reply_count: root.reply_count,
                    });
                }
            }
        }
        Ok(Changed {
            value: (message, created),
            events,
            notify_users: Vec::new(),
        })
    }

    /// Replaces the text of the caller's own message.
    pub async fn edit(
        &self,
        actor: &User,
        message: MessageId,
        body: MessageBody,
    ) -> Result<Changed<Message>> {
        if body.as_str().trim().is_empty() {
            return Err(Error::validation("body", "must not be empty"));
        }
        let mut tx = self.store.begin().await?;
        self.own_message(&mut tx, actor, message).await?;
        message_store::set_body(&mut tx, message, body.as_str(), now()).await?;
        let edited = message_store::get(&mut tx, message)
            .await?
            .ok_or(Error::not_found("message"))?;
        tx.commit().await?;
        Ok(Changed {
            events: vec![ChatEvent::MessageEdited {
                message: edited.clone(),
            }],
            value: edited,
            notify_users: Vec::new(),
        })
    }

    /// Deletes the caller's own message (admins may delete any); its sequence number stays.
    pub async fn delete(&self, actor: &User, message: MessageId) -> Result<Changed<()>> {
        let mut tx = self.store.begin().await?;
        let existing = self.own_message(&mut tx, actor, message).await?;
        message_store::mark_deleted(&mut tx, message, now()).await?;
        tx.commit().await?;
        let event = ChatEvent::MessageDeleted {
            room_id: existing.room_id,
            message_id: message,
            seq: existing.seq,
        };
        Ok(Changed {
            value: (),
            events: vec![event],
            notify_users: Vec::new(),
        })
    }

    /// Adds or removes the caller's reaction. Repeating an add or a remove changes nothing.
    pub async fn react(
        &self,
        actor: &User,
        message: MessageId,
        emoji: &str,
        add: bool,
    ) -> Result<Changed<()>> {
        let emoji = parse_emoji(emoji)?;
        let mut tx = self.store.begin().await?;
        let target = message_store::get(&mut tx, message)
            .await?
            .ok_or(Error::not_found("message"))?;
        let access = Access::load(&mut tx, target.room_id, actor)
            .await
            .map_err(|_| Error::not_found("message"))?;
        access.require_write(actor)?;
        if target.deleted_at.is_some() {
            return Err(Error::Forbidden("the message was deleted".into()));
        }
        let changed =
            message_store::set_reaction(&mut tx, message, actor.id, &emoji, add, now()).await?;
        tx.commit().await?;
        let events = if changed {
            vec![ChatEvent::Reaction {
                room_id: target.room_id,
                message_id: message,
                user_id: actor.id,
                emoji,
                added: add,
            }]
        } else {
            Vec::new()
        };
        Ok(Changed {
            value: (),
            events,
            notify_users: Vec::new(),
        })
    }

    /// Records that the caller has read the room up to `seq` (clamped to the newest message).
    pub async fn mark_read(&self, actor: &User, room: RoomId, seq: i64) -> Result<Changed<i64>> {
        let mut tx = self.store.begin().await?;
        let access = Access::load(&mut tx, room, actor).await?;
        if !access.member {
            return Err(Error::Forbidden("only members have a read position".into()));
        }
        let seq = seq.clamp(0, access.room.last_seq);
        let moved = room_store::advance_read(&mut tx, room, actor.id, seq, now()).await?;
        tx.commit().await?;
        let events = if moved {
            vec![ChatEvent::Read {
                room_id: room,
                user_id: actor.id,
                seq,
            }]
        } else {
            Vec::new()
        };
        Ok(Changed {
            value: seq,
            events,
            notify_users: Vec::new(),
        })
    }

    /// A page of history, oldest first, with reactions: after `after`, before `before`, or the
    /// newest. At most 200 messages.
    pub async fn history(
        &self,
        actor: &User,
        room: RoomId,
        before: Option<i64>,
        after: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Message>> {
        let mut conn = self.store.acquire().await?;
        Access::load(&mut conn, room, actor).await?;
        let mut page =
            message_store::page(&mut conn, room, before, after, limit.clamp(1, 200)).await?;
        message_store::attach_reactions(&mut conn, &mut page).await?;
        Ok(page)
    }

    /// Whether `actor` may read `room`, by the same rule as every room action (`access`).
    /// For other use cases that follow a room's visibility, such as attachment downloads.
    pub(crate) async fn can_read(conn: &mut Conn, room: RoomId, actor: &User) -> Result<bool> {
        match Access::load(conn, room, actor).await {
            Ok(_) => Ok(true),
            Err(Error::NotFound { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    async fn own_message(
        &self,
        conn: &mut Conn,
        actor: &User,
        message: MessageId,
    ) -> Result<Message> {
        let existing = message_store::get(conn, message)
            .await?
            .ok_or(Error::not_found("message"))?;
        let access = Access::load(conn, existing.room_id, actor)
            .await
            .map_err(|_| Error::not_found("message"))?;
        if existing.author_id != Some(actor.id) && actor.role != crate::domain::Role::Admin {
            return Err(Error::Forbidden(
                "only the author may change a message".into(),
            ));
        }
        if existing.deleted_at.is_some() {
            return Err(Error::Forbidden("the message was deleted".into()));
        }
        if access.room.archived_at.is_some() {
            return Err(Error::Forbidden("the room is archived".into()));
        }
        Ok(existing)
    }
}
