//! Who may read and write a room. A room the caller may not read is reported as not found,
//! so a forged or guessed id reveals nothing.

use crate::{
    Error, Result,
    domain::{Room, RoomId, RoomKind, User},
    store::{Conn, room_store},
};

pub(super) struct Access {
    pub room: Room,
    pub member: bool,
}

impl Access {
    pub async fn load(conn: &mut Conn, room: RoomId, user: &User) -> Result<Self> {
        let found = room_store::get(conn, room)
            .await?
            .ok_or(Error::not_found("room"))?;
        let member = room_store::is_member(conn, room, user.id).await?;
        let access = Self {
            room: found,
            member,
        };
        if !access.can_read() {
            return Err(Error::not_found("room"));
        }
        Ok(access)
    }

    /// Members read their rooms; anyone signed in reads a public channel.
    pub fn can_read(&self) -> bool {
        self.member || self.is_public_channel()
    }

    pub fn is_public_channel(&self) -> bool {
        self.room.kind == RoomKind::Channel && !self.room.is_private
    }

    /// Writing needs membership, a role that writes, and a room that is not archived.
    pub fn require_write(&self, user: &User) -> Result<()> {
        if !self.member {
            return Err(Error::Forbidden(
                "join the room before writing in it".into(),
            ));
        }
        if !user.role.can_write() {
            return Err(Error::Forbidden("viewers cannot write".into()));
        }
        if self.room.archived_at.is_some() {
            return Err(Error::Forbidden("the room is archived".into()));
        }
        Ok(())
    }
}
