//! Moving a conversation between operators and lines inside the caller's transaction:
//! room membership follows the assignee, the SLA restarts, the contact's timeline records it.

use serde_json::json;

use super::{
    actions::{ConversationChange, watchers},
    journal::{self, Happened},
    routing::sla_due,
};
use crate::{
    Error, Result,
    domain::{ChatEvent, Conversation, Line, MessageBody, Timestamp, User, UserId},
    store::{Conn, conversation_timers, conversations, room_store},
};

/// Gives an open conversation to `operator`: membership moves, the SLA restarts.
#[allow(clippy::too_many_arguments)]
pub(super) async fn hand_over(
    tx: &mut Conn,
    actor: &User,
    conversation: &Conversation,
    line: &Line,
    operator: UserId,
    happened: Happened,
    note: Option<String>,
    now: Timestamp,
) -> Result<ConversationChange> {
    let room = conversation.room_id;
    conversation_timers::reassign(tx, room, operator, sla_due(line, now), now).await?;
    let mut notify_users = vec![operator];
    if !room_store::is_member(tx, room, operator).await? {
        room_store::add_member(tx, room, operator, "member", now).await?;
    }
    let assigned = room_store::get(tx, room)
        .await?
        .ok_or(Error::not_found("room"))?;
    // Every event reaches both operators, so the one leaving hears of their leaving last:
    // a `room.created` after it would put the room back in their list.
    let mut events = vec![
        ChatEvent::RoomCreated { room: assigned },
        ChatEvent::MemberJoined {
            room_id: room,
            user_id: operator,
        },
    ];
    if let Some(previous) = conversation.assignee_id.filter(|id| *id != operator) {
        room_store::remove_member(tx, room, previous).await?;
        events.push(ChatEvent::MemberLeft {
            room_id: room,
            user_id: previous,
        });
        notify_users.push(previous);
    }
    let after = conversations::get(tx, room)
        .await?
        .ok_or(Error::not_found("conversation"))?;
    let details = json!({"from_operator_id": conversation.assignee_id, "operator_id": operator, "note": note});
    journal::event(tx, &after, happened, Some(actor.id), details, now).await?;
    events.push(ChatEvent::ConversationUpdated {
        conversation: after,
    });
    Ok(ConversationChange {
        events,
        notify_users,
        watchers: watchers(line),
        route: None,
    })
}

pub(super) async fn move_to_line(
    tx: &mut Conn,
    actor: &User,
    conversation: &Conversation,
    from: &Line,
    to: &Line,
    note: Option<&MessageBody>,
    now: Timestamp,
) -> Result<ConversationChange> {
    let room = conversation.room_id;
    conversation_timers::move_to_line(tx, room, to.id, now).await?;
    let mut events = Vec::new();
    let mut notify_users = Vec::new();
    if let Some(previous) = conversation.assignee_id {
        room_store::remove_member(tx, room, previous).await?;
        events.push(ChatEvent::MemberLeft {
            room_id: room,
            user_id: previous,
        });
        notify_users.push(previous);
    }
    let after = conversations::get(tx, room)
        .await?
        .ok_or(Error::not_found("conversation"))?;
    let details = json!({"from_line_id": from.id, "to_line_id": to.id, "note": note.map(MessageBody::as_str)});
    journal::event(
        tx,
        &after,
        Happened::Transferred,
        Some(actor.id),
        details,
        now,
    )
    .await?;
    events.push(ChatEvent::ConversationUpdated {
        conversation: after,
    });
    let mut watchers = watchers(from);
    watchers.extend(self::watchers(to));
    watchers.sort_unstable();
    watchers.dedup();
    Ok(ConversationChange {
        events,
        notify_users,
        watchers,
        route: Some(to.id),
    })
}
