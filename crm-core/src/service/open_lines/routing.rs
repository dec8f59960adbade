//! Routing queued conversations to operators. The caller says who is available (presence
//! lives outside crm-core); each operator's open conversations are counted against the
//! line's maximum. Assignment is a conditional update, so two nodes routing at once never
//! give one conversation to two operators.

use std::collections::HashSet;

use super::{
    OpenLines,
    journal::{self, Happened},
};
use crate::{
    Error, Result,
    domain::{
        ChatEvent, Conversation, ConversationStatus, Distribution, Line, LineId, Role, RoomId,
        Timestamp, User, UserId, now,
    },
    store::{Conn, conversations, lines, room_store},
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
        for (room, passed_over) in queue {
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
            // The operator who let the SLA run out gets it back only when nobody else can.
            let operator = candidates
                .iter()
                .find(|(user, _)| Some(*user) != passed_over)
                .or(candidates.first())
                .map(|(user, _)| *user);
            let Some(operator) = operator else {
                break;
            };
            let now = now();
            let Some(events) = give(&mut tx, &config, room, operator, None, now).await? else {
                continue;
            };
            lines::touch_operator(&mut tx, line, operator, now).await?;
            tx.commit().await?;
            assignments.push(Assignment {
                room_id: room,
                operator,
                events,
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
        let line = lines::get_line(&mut tx, conversation.line_id)
            .await?
            .ok_or(Error::not_found("line"))?;
        let Some(events) = give(&mut tx, &line, room, actor.id, Some(actor.id), now).await? else {
            return Err(Error::Conflict {
                constraint: "conversation".into(),
                message: "someone took it first".into(),
            });
        };
        lines::touch_operator(&mut tx, conversation.line_id, actor.id, now).await?;
        tx.commit().await?;
        Ok(Assignment {
            room_id: room,
            operator: actor.id,
            events,
        })
    }

    /// Conversations the caller may see: admins and supervisors all of them, operators the
    /// queues of their lines and what is assigned to them. Assigned ones exclude the snoozed,
    /// which `snoozed` lists instead; `label` narrows to one label. At most 200.
    pub async fn conversations(
        &self,
        actor: &User,
        status: ConversationStatus,
        snoozed: bool,
        label: Option<&str>,
    ) -> Result<Vec<Conversation>> {
        let everyone = matches!(actor.role, Role::Admin | Role::Supervisor);
        let status = match status {
            ConversationStatus::Queued => "queued",
            ConversationStatus::Assigned => "assigned",
            ConversationStatus::Closed => "closed",
        };
        let mut conn = self.store.acquire().await?;
        let filter = conversations::ListFilter {
            status,
            snoozed,
            user: (!everyone).then_some(actor.id),
            label,
            limit: 200,
        };
        conversations::list(&mut conn, &filter).await
    }

    pub async fn line_operators(&self, line: LineId) -> Result<Vec<UserId>> {
        let mut conn = self.store.acquire().await?;
        lines::operators(&mut conn, line).await
    }

    /// Who watches a line's conversations live: its operators and supervisors.
    pub async fn line_watchers(&self, line: LineId) -> Result<Vec<UserId>> {
        let mut conn = self.store.acquire().await?;
        let mut watchers = lines::operators(&mut conn, line).await?;
        watchers.extend(lines::supervisors(&mut conn, line).await?);
        Ok(watchers)
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

/// Assigns a queued conversation inside `tx` (SLA started, operator made a member, the
/// contact's timeline told); `None` when someone else took it first.
async fn give(
    tx: &mut Conn,
    line: &Line,
    room: RoomId,
    operator: UserId,
    actor: Option<UserId>,
    now: Timestamp,
) -> Result<Option<Vec<ChatEvent>>> {
    if !conversations::assign(tx, room, operator, sla_due(line, now), now).await? {
        return Ok(None);
    }
    // A reopened conversation may come back to the operator who had it.
    if !room_store::is_member(tx, room, operator).await? {
        room_store::add_member(tx, room, operator, "member", now).await?;
    }
    let conversation = conversations::get(tx, room)
        .await?
        .ok_or(Error::not_found("conversation"))?;
    journal::event(
        tx,
        &conversation,
        Happened::Assigned,
        actor,
        serde_json::json!({"operator_id": operator}),
        now,
    )
    .await?;
    let assigned = room_store::get(tx, room)
        .await?
        .ok_or(Error::not_found("room"))?;
    Ok(Some(vec![
        ChatEvent::RoomCreated { room: assigned },
        ChatEvent::MemberJoined {
            room_id: room,
            user_id: operator,
        },
        ChatEvent::ConversationUpdated { conversation },
    ]))
}

/// When an assignment made now breaches the line's SLA, if it has one.
pub(super) fn sla_due(line: &Line, now: Timestamp) -> Option<Timestamp> {
    (line.sla_seconds > 0).then(|| now.plus_seconds(line.sla_seconds))
}

impl OpenLines {
    /// Closes a conversation: its operator, or an admin or supervisor. A new client message
    /// afterwards reopens it within the line's reopen window, or opens a new one.
    pub async fn close(&self, actor: &User, room: RoomId) -> Result<Vec<ChatEvent>> {
        let now = now();
        let mut tx = self.store.begin().await?;
        let conversation = conversations::get(&mut tx, room)
            .await?
            .ok_or(Error::not_found("conversation"))?;
        let line = lines::get_line(&mut tx, conversation.line_id)
            .await?
            .ok_or(Error::not_found("line"))?;
        let may = conversation.assignee_id == Some(actor.id)
            || matches!(actor.role, Role::Admin | Role::Supervisor)
            || line.supervisors.contains(&actor.id);
        if !may {
            return Err(Error::Forbidden(
                "only the conversation's operator may close it".into(),
            ));
        }
        let Some(events) = close_in(&mut tx, &line, room, Some(actor.id), now).await? else {
            return Err(Error::Conflict {
                constraint: "conversation".into(),
                message: "the conversation is already closed".into(),
            });
        };
        tx.commit().await?;
        Ok(events)
    }
}

/// Closes inside `tx`, asking the client for a rating when the line does; `None` when it
/// was closed already.
pub(super) async fn close_in(
    tx: &mut Conn,
    line: &Line,
    room: RoomId,
    actor: Option<UserId>,
    now: Timestamp,
) -> Result<Option<Vec<ChatEvent>>> {
    let request = line.rating_mode.request_text();
    if !conversations::close(tx, room, request.is_some(), now).await? {
        return Ok(None);
    }
    let closed = conversations::get(tx, room)
        .await?
        .ok_or(Error::not_found("conversation"))?;
    journal::event(
        tx,
        &closed,
        Happened::Closed,
        actor,
        serde_json::json!({}),
        now,
    )
    .await?;
    let mut events = vec![ChatEvent::ConversationUpdated {
        conversation: closed.clone(),
    }];
    if let Some(text) = request {
        let message = journal::auto_message(tx, &closed, text, now).await?;
        events.push(ChatEvent::MessageCreated { message });
    }
    Ok(Some(events))
}
