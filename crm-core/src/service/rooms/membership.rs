//! Staff rooms: DMs (one per pair), groups and channels; joining, leaving, inviting, renaming.

use super::{Rooms, access::Access};
use crate::{
    Error, Result,
    domain::{
        ChatEvent, NewRoom, Room, RoomId, RoomKind, RoomName, RoomSummary, User, UserId, now,
    },
    store::{room_store, user_store},
};

/// What a change did, for the caller to publish once it is committed.
pub struct Changed<T> {
    pub value: T,
    pub events: Vec<ChatEvent>,
    /// Users whose room list changed and who must start (or stop) receiving the room.
    pub notify_users: Vec<UserId>,
}

impl Rooms {
    /// Creates a group or a channel owned by the caller, with the given members.
    pub async fn create_room(
        &self,
        actor: &User,
        kind: RoomKind,
        name: RoomName,
        topic: Option<String>,
        is_private: bool,
        members: Vec<UserId>,
    ) -> Result<Changed<Room>> {
        if !matches!(kind, RoomKind::Group | RoomKind::Channel) {
            return Err(Error::validation(
                "kind",
                "must be group or channel; open a dm with /dms",
            ));
        }
        if !actor.role.can_write() {
            return Err(Error::Forbidden("viewers cannot create rooms".into()));
        }
        let topic = topic.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if topic.as_ref().is_some_and(|t| t.chars().count() > 500) {
            return Err(Error::validation(
                "topic",
                "must be at most 500 characters long",
            ));
        }
        let mut all = vec![actor.id];
        for member in members {
            if !all.contains(&member) {
                all.push(member);
            }
        }
        self.check_users_exist(&all).await?;
        let room = self
            .create(NewRoom {
                kind,
                name: Some(name.into_inner()),
                topic,
                is_private: kind == RoomKind::Group || is_private,
                created_by: Some(actor.id),
                members: all.clone(),
            })
            .await?;
        Ok(Changed {
            events: vec![ChatEvent::RoomCreated { room: room.clone() }],
            value: room,
            notify_users: all,
        })
    }

    /// The DM between the caller and another user, created on first use.
    pub async fn open_dm(&self, actor: &User, other: UserId) -> Result<Changed<Room>> {
        if other == actor.id {
            return Err(Error::validation("user_id", "a dm needs another user"));
        }
        self.check_users_exist(&[other]).await?;
        let new = NewRoom {
            kind: RoomKind::Dm,
            name: None,
            topic: None,
            is_private: true,
            created_by: Some(actor.id),
            members: vec![actor.id, other],
        };
        let key = new.dm_key().unwrap_or_default();
        let mut conn = self.store.acquire().await?;
        if let Some(existing) = room_store::find_dm(&mut conn, &key).await? {
            return Ok(Changed {
                value: existing,
                events: Vec::new(),
                notify_users: Vec::new(),
            });
        }
        drop(conn);
        match self.create(new).await {
            Ok(room) => Ok(Changed {
                events: vec![ChatEvent::RoomCreated { room: room.clone() }],
                value: room,
                notify_users: vec![actor.id, other],
            }),
            // Both sides opened it at once: the other request created it.
            Err(Error::Conflict { .. }) => {
                let mut conn = self.store.acquire().await?;
                let room = room_store::find_dm(&mut conn, &key)
                    .await?
                    .ok_or(Error::not_found("room"))?;
                Ok(Changed {
                    value: room,
                    events: Vec::new(),
                    notify_users: Vec::new(),
                })
            }
            Err(other) => Err(other),
        }
    }

    /// The caller's rooms with unread counts.
    pub async fn list(&self, actor: &User) -> Result<Vec<RoomSummary>> {
        let mut conn = self.store.acquire().await?;
        room_store::list_for_user(&mut conn, actor.id).await
    }

    /// Public channels anyone may read and join.
    pub async fn public_channels(&self) -> Result<Vec<Room>> {
        let mut conn = self.store.acquire().await?;
        room_store::public_channels(&mut conn).await
    }

    pub async fn get(&self, actor: &User, room: RoomId) -> Result<Room> {
        let mut conn = self.store.acquire().await?;
        Ok(Access::load(&mut conn, room, actor).await?.room)
    }

    /// The ids of the rooms a user belongs to, for subscribing their connections.
    pub async fn room_ids(&self, user: UserId) -> Result<Vec<RoomId>> {
        let mut conn = self.store.acquire().await?;
        Ok(room_store::list_for_user(&mut conn, user)
            .await?
            .into_iter()
            .map(|summary| summary.room.id)
            .collect())
    }

    pub async fn members(&self, actor: &User, room: RoomId) -> Result<Vec<UserId>> {
        let mut conn = self.store.acquire().await?;
        Access::load(&mut conn, room, actor).await?;
        room_store::member_ids(&mut conn, room).await
    }

    /// Joins a public channel.
    pub async fn join(&self, actor: &User, room: RoomId) -> Result<Changed<Room>> {
        let mut tx = self.store.begin().await?;
        let access = Access::load(&mut tx, room, actor).await?;
        if access.member {
            return Ok(Changed {
                value: access.room,
                events: Vec::new(),
                notify_users: Vec::new(),
            });
        }
        if access.room.archived_at.is_some() {
            return Err(Error::Forbidden("the room is archived".into()));
        }
        room_store::add_member(&mut tx, room, actor.id, "member", now()).await?;
        tx.commit().await?;
        Ok(Changed {
            value: access.room,
            events: vec![ChatEvent::MemberJoined {
                room_id: room,
                user_id: actor.id,
            }],
            notify_users: vec![actor.id],
        })
    }

    /// Adds a user to a group or channel the caller belongs to. DMs stay between two.
    pub async fn invite(&self, actor: &User, room: RoomId, user: UserId) -> Result<Changed<Room>> {
        let mut tx = self.store.begin().await?;
        let access = Access::load(&mut tx, room, actor).await?;
        access.require_write(actor)?;
        if access.room.kind == RoomKind::Dm {
            return Err(Error::Forbidden(
                "a dm has exactly two members; start a group instead".into(),
            ));
        }
        user_store::get(&mut tx, user)
            .await?
            .ok_or_else(|| Error::validation("user_id", "no such user"))?;
        if room_store::is_member(&mut tx, room, user).await? {
            return Ok(Changed {
                value: access.room,
                events: Vec::new(),
                notify_users: Vec::new(),
            });
        }
        room_store::add_member(&mut tx, room, user, "member", now()).await?;
        tx.commit().await?;
        Ok(Changed {
            value: access.room,
            events: vec![ChatEvent::MemberJoined {
                room_id: room,
                user_id: user,
            }],
            notify_users: vec![user],
        })
    }

    pub async fn leave(&self, actor: &User, room: RoomId) -> Result<Changed<()>> {
        let mut tx = self.store.begin().await?;
        let access = Access::load(&mut tx, room, actor).await?;
        if access.room.kind == RoomKind::Dm {
            return Err(Error::Forbidden("a dm cannot be left".into()));
        }
        if !room_store::remove_member(&mut tx, room, actor.id).await? {
            return Err(Error::validation("room", "you are not a member"));
        }
        tx.commit().await?;
        Ok(Changed {
            value: (),
            events: vec![ChatEvent::MemberLeft {
                room_id: room,
                user_id: actor.id,
            }],
            notify_users: vec![actor.id],
        })
    }

    /// Renames, sets the topic of, or archives a group or channel (members only).
    pub async fn update(
        &self,
        actor: &User,
        room: RoomId,
        name: Option<RoomName>,
        topic: Option<String>,
        archived: Option<bool>,
    ) -> Result<Changed<Room>> {
        let mut tx = self.store.begin().await?;
        let access = Access::load(&mut tx, room, actor).await?;
        if !access.member || !actor.role.can_write() {
            return Err(Error::Forbidden("only members may change the room".into()));
        }
        if access.room.kind == RoomKind::Dm {
            return Err(Error::Forbidden("a dm has no name or topic".into()));
        }
        let name = name.map(RoomName::into_inner).or(access.room.name.clone());
        let topic = match topic {
            Some(topic) if topic.trim().is_empty() => None,
            Some(topic) if topic.chars().count() > 500 => {
                return Err(Error::validation(
                    "topic",
                    "must be at most 500 characters long",
                ));
            }
            Some(topic) => Some(topic.trim().to_owned()),
            None => access.room.topic.clone(),
        };
        let now = now();
        let archived_at = match archived {
            Some(true) => Some(
                access
                    .room
                    .archived_at
                    .map_or(now.millis(), |at| at.millis()),
            ),
            Some(false) => None,
            None => access.room.archived_at.map(|at| at.millis()),
        };
        room_store::update(
            &mut tx,
            room,
            name.as_deref(),
            topic.as_deref(),
            archived_at,
            now,
        )
        .await?;
        let updated = room_store::get(&mut tx, room)
            .await?
            .ok_or(Error::not_found("room"))?;
        tx.commit().await?;
        Ok(Changed {
            events: vec![ChatEvent::RoomUpdated {
                room: updated.clone(),
            }],
            value: updated,
            notify_users: Vec::new(),
        })
    }

    async fn check_users_exist(&self, users: &[UserId]) -> Result<()> {
        let mut conn = self.store.acquire().await?;
        for user in users {
            if user_store::get(&mut conn, *user).await?.is_none() {
                return Err(Error::validation(
                    "members",
                    format!("no such user: {user}"),
                ));
            }
        }
        Ok(())
    }
}
