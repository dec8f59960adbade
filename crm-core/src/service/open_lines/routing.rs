//! Routing queued conversations to operators. The caller says who is available (presence
//! lives outside crm-core); each operator's open conversations are counted against the
//! line's maximum. Assignment is a conditional update, so two nodes routing at once never
//! give one conversation to two operators.

use std::collections::HashSet;

use super::OpenLines;
use crate::{
    Error, Result,
    domain::{
        ChatEvent, Conversation, ConversationStatus, Distribution, LineId, Role, RoomId, User,
        UserId, now,
    },
    store::{conversations, lines, room_store},
};

/// A conversation given to an operator, with the events that announce it.
pub struct Assignment {
    pub room_id: RoomId,
    pub operator: UserId,
    pub events: Vec<ChatEvent>,
}

impl OpenLines {
    /// Assigns as many queued conversations of a line as available operators can take.
    pub async fn distribute(
        &self,
        line: LineId,
        available: &HashSet<UserId>,
    ) -> Result<Vec<Assignment>> {
        let mut conn = self.store.acquire().await?;
        let Some(config) = lines::get_line(&mut conn, line).await? else {
            return Ok(Vec::new());
        };
        if config.distribution == Distribution::OfferAll {
            return Ok(Vec::new());
        }
        let queue = conversations::queued(&mut conn, line).await?;
        drop(conn);
        let mut assignments = Vec::new();
        for room in queue {
            let mut tx = self.store.begin().await?;
            let mut candidates: Vec<(UserId, i64)> = lines::operator_loads(&mut tx, line)
                .await?
                .into_iter()
                .filter(|(user, load)| {
                    available.contains(user) && *load < config.max_open_per_operator
                })
                .collect();
            if config.distribution == Distribution::LeastBusy {
                // Stable: among equals the longest idle (the store's order) wins.
                candidates.sort_by_key(|(_, load)| *load);
            }
            let Some((operator, _)) = candidates.first().copied() else {
                break;
            };
            let now = now();
            if !conversations::assign(&mut tx, room, operator, now).await? {
                continue;
            }
            room_store::add_member(&mut tx, room, operator, "member", now).await?;
            lines::touch_operator(&mut tx, line, operator, now).await?;
            let assigned = room_store::get(&mut tx, room)
                .await?
                .ok_or(Error::not_found("room"))?;
            tx.commit().await?;
            assignments.push(Assignment {
                room_id: room,
                operator,
                events: vec![
                    ChatEvent::RoomCreated { room: assigned },
                    ChatEvent::MemberJoined {
                        room_id: room,
                        user_id: operator,
                    },
                ],
            });
        }
        Ok(assignments)
    }

    /// An operator takes a queued conversation of a line they serve (offer-to-all lines).
    pub async fn take(&self, actor: &User, room: RoomId) -> Result<Assignment> {
        let now = now();
        let mut tx = self.store.begin().await?;
        let conversation = conversations::get(&mut tx, room)
            .await?
            .ok_or(Error::not_found("conversation"))?;
        if !lines::lines_of(&mut tx, actor.id)
            .await?
            .contains(&conversation.line_id)
        {
            return Err(Error::not_found("conversation"));
        }
        if !conversations::assign(&mut tx, room, actor.id, now).await? {
            return Err(Error::Conflict {
                constraint: "conversation".into(),
                message: "someone took it first".into(),
            });
        }
        room_store::add_member(&mut tx, room, actor.id, "member", now).await?;
        lines::touch_operator(&mut tx, conversation.line_id, actor.id, now).await?;
        let assigned = room_store::get(&mut tx, room)
            .await?
            .ok_or(Error::not_found("room"))?;
        tx.commit().await?;
        Ok(Assignment {
            room_id: room,
            operator: actor.id,
            events: vec![
                ChatEvent::RoomCreated { room: assigned },
                ChatEvent::MemberJoined {
                    room_id: room,
                    user_id: actor.id,
                },
            ],
        })
    }

    /// Conversations in a status the caller may see: admins and supervisors all of them,
    /// operators the queues of their lines and what is assigned to them. At most 200.
    pub async fn conversations(
        &self,
        actor: &User,
        status: ConversationStatus,
    ) -> Result<Vec<Conversation>> {
        let everyone = matches!(actor.role, Role::Admin | Role::Supervisor);
        let status = match status {
            ConversationStatus::Queued => "queued",
            ConversationStatus::Assigned => "assigned",
            ConversationStatus::Closed => "closed",
        };
        let mut conn = self.store.acquire().await?;
        conversations::list(&mut conn, status, (!everyone).then_some(actor.id), 200).await
    }

    pub async fn line_operators(&self, line: LineId) -> Result<Vec<UserId>> {
        let mut conn = self.store.acquire().await?;
        lines::operators(&mut conn, line).await
    }

    pub async fn lines_with_queue(&self) -> Result<Vec<LineId>> {
        let mut conn = self.store.acquire().await?;
        conversations::lines_with_queue(&mut conn).await
    }

    /// The lines an operator serves, for routing when they come online.
    pub async fn lines_of(&self, user: UserId) -> Result<Vec<LineId>> {
        let mut conn = self.store.acquire().await?;
        lines::lines_of(&mut conn, user).await
    }
}

impl OpenLines {
    /// Closes a conversation: its operator, or an admin or supervisor. A new client message
    /// afterwards opens a new conversation.
    pub async fn close(&self, actor: &User, room: RoomId) -> Result<ChatEvent> {
        let now = now();
        let mut tx = self.store.begin().await?;
        let conversation = conversations::get(&mut tx, room)
            .await?
            .ok_or(Error::not_found("conversation"))?;
        let may = conversation.assignee_id == Some(actor.id)
            || matches!(actor.role, Role::Admin | Role::Supervisor);
        if !may {
            return Err(Error::Forbidden(
                "only the conversation's operator may close it".into(),
            ));
        }
        if !conversations::close(&mut tx, room, now).await? {
            return Err(Error::Conflict {
                constraint: "conversation".into(),
                message: "the conversation is already closed".into(),
            });
        }
        let closed = conversations::get(&mut tx, room)
            .await?
            .ok_or(Error::not_found("conversation"))?;
        tx.commit().await?;
        Ok(ChatEvent::ConversationUpdated {
            conversation: closed,
        })
    }
}
