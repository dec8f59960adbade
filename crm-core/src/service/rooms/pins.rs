//! Pinned messages (any member who may write pins or unpins; everyone who reads sees them)
//! and threads (a root message with its replies).

use super::{Rooms, access::Access, membership::Changed};
use crate::{
    Error, Result,
    domain::{ChatEvent, Message, MessageId, RoomId, User, now},
    store::{message_store, pins},
};

impl Rooms {
    pub async fn set_pinned(
        &self,
        actor: &User,
        room: RoomId,
        message: MessageId,
        pinned: bool,
    ) -> Result<Changed<()>> {
        let mut tx = self.store.begin().await?;
        let access = Access::load(&mut tx, room, actor).await?;
        access.require_write(actor)?;
        let target = message_store::get(&mut tx, message).await?;
        if target
            .as_ref()
            .is_none_or(|m| m.room_id != room || m.deleted_at.is_some())
        {
            return Err(Error::not_found("message"));
        }
        let changed = if pinned {
            pins::pin(&mut tx, room, message, actor.id, now()).await?
        } else {
            pins::unpin(&mut tx, room, message).await?
        };
        tx.commit().await?;
        let events = if changed {
            vec![ChatEvent::Pin {
                room_id: room,
                message_id: message,
                user_id: actor.id,
                pinned,
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

    pub async fn pinned(&self, actor: &User, room: RoomId) -> Result<Vec<Message>> {
        let mut conn = self.store.acquire().await?;
        Access::load(&mut conn, room, actor).await?;
        pins::list(&mut conn, room).await
    }
}

impl Rooms {
    /// A thread: its root message and the replies, oldest first (at most 500).
    pub async fn thread(&self, actor: &User, root: MessageId) -> Result<(Message, Vec<Message>)> {
        let mut conn = self.store.acquire().await?;
        let root_message = message_store::get(&mut conn, root)
            .await?
            .ok_or(Error::not_found("message"))?;
        Access::load(&mut conn, root_message.room_id, actor)
            .await
            .map_err(|_| Error::not_found("message"))?;
        let replies = message_store::thread(&mut conn, root, 500).await?;
        Ok((root_message, replies))
    }
}
