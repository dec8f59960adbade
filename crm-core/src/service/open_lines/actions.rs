//! What operators and supervisors do with a conversation besides answering: assign,
//! transfer (to an operator or another line, with a note), private notes, labels and
//! snooze. Each change is one transaction with its timeline entry.

use serde_json::json;

use super::{
    OpenLines,
    handover::{hand_over, move_to_line},
    journal::Happened,
};
use crate::{
    Error, Result,
    domain::{
        ChatEvent, Conversation, ConversationStatus, Line, LineId, MessageBody, MessageKind,
        NewMessage, Role, RoomId, Timestamp, User, UserId, now,
    },
    service::rooms::append_unsent,
    store::{Conn, conversation_timers, conversations, lines, message_store},
};

/// Longest snooze accepted.
const MAX_SNOOZE_SECS: i64 = 30 * 24 * 3600;

/// What an action changed, for the gateway to publish: room events go to the room and to
/// `notify_users` (whose room list changed); conversation events go to the `watchers` of
/// the line(s); `route` names a line whose queue grew.
pub struct ConversationChange {
    pub events: Vec<ChatEvent>,
    pub notify_users: Vec<UserId>,
    pub watchers: Vec<UserId>,
    pub route: Option<LineId>,
}

/// Where a transfer sends the conversation.
#[derive(Clone, Copy, Debug)]
pub enum TransferTarget {
    Operator(UserId),
    Line(LineId),
}

/// Admins, supervisors by role, and the line's own supervisors lead it.
fn leads(actor: &User, line: &Line) -> bool {
    matches!(actor.role, Role::Admin | Role::Supervisor) || line.supervisors.contains(&actor.id)
}

pub(super) fn handles(actor: &User, conversation: &Conversation, line: &Line) -> bool {
    conversation.assignee_id == Some(actor.id) || leads(actor, line)
}

fn sees(actor: &User, conversation: &Conversation, line: &Line) -> bool {
    handles(actor, conversation, line) || line.operators.contains(&actor.id)
}

pub(super) fn watchers(line: &Line) -> Vec<UserId> {
    [line.operators.clone(), line.supervisors.clone()].concat()
}

pub(super) async fn load(
    tx: &mut Conn,
    actor: &User,
    room: RoomId,
) -> Result<(Conversation, Line)> {
    let conversation = conversations::get(tx, room)
        .await?
        .ok_or(Error::not_found("conversation"))?;
    let line = lines::get_line(tx, conversation.line_id)
        .await?
        .ok_or(Error::not_found("line"))?;
    if !sees(actor, &conversation, &line) {
        return Err(Error::not_found("conversation"));
    }
    Ok((conversation, line))
}

fn require_open(conversation: &Conversation) -> Result<()> {
    if conversation.status == ConversationStatus::Closed {
        return Err(Error::Conflict {
            constraint: "conversation".into(),
            message: "the conversation is closed".into(),
        });
    }
    Ok(())
}

fn require_operator(line: &Line, operator: UserId) -> Result<()> {
    if line.operators.contains(&operator) {
        Ok(())
    } else {
        Err(Error::validation(
            "operator_id",
            format!("{operator} is not an operator of this line"),
        ))
    }
}

impl OpenLines {
    /// A lead gives a conversation to one of the line's operators.
    pub async fn assign(
        &self,
        actor: &User,
        room: RoomId,
        operator: UserId,
    ) -> Result<ConversationChange> {
        let now = now();
        let mut tx = self.store.begin().await?;
        let (conversation, line) = load(&mut tx, actor, room).await?;
        if !leads(actor, &line) {
            return Err(Error::Forbidden(
                "only the line's supervisors and admins assign conversations".into(),
            ));
        }
        require_open(&conversation)?;
        require_operator(&line, operator)?;
        let change = hand_over(
            &mut tx,
            actor,
            &conversation,
            &line,
            operator,
            Happened::Assigned,
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(change)
    }

    /// The conversation's operator (or a lead) passes it on, optionally with a note that
    /// stays in the room for the next operator.
    pub async fn transfer(
        &self,
        actor: &User,
        room: RoomId,
        target: TransferTarget,
        note: Option<&str>,
    ) -> Result<ConversationChange> {
        let note = note.map(str::trim).filter(|note| !note.is_empty());
        let note = note.map(MessageBody::parse).transpose()?;
        let now = now();
        let mut tx = self.store.begin().await?;
        let (conversation, line) = load(&mut tx, actor, room).await?;
        if !handles(actor, &conversation, &line) {
            return Err(Error::Forbidden(
                "only the conversation's operator or a supervisor may transfer it".into(),
            ));
        }
        require_open(&conversation)?;
        let mut change = match target {
            TransferTarget::Operator(operator) => {
                require_operator(&line, operator)?;
                let details = note.as_ref().map(|note| note.as_str().to_owned());
                hand_over(
                    &mut tx,
                    actor,
                    &conversation,
                    &line,
                    operator,
                    Happened::Transferred,
                    details,
                    now,
                )
                .await?
            }
            TransferTarget::Line(target) => {
                let to = lines::get_line(&mut tx, target)
                    .await?
                    .ok_or_else(|| Error::validation("line_id", "no such line"))?;
                if to.id == line.id {
                    return Err(Error::validation(
                        "line_id",
                        "the conversation is on this line already",
                    ));
                }
                move_to_line(
                    &mut tx,
                    actor,
                    &conversation,
                    &line,
                    &to,
                    note.as_ref(),
                    now,
                )
                .await?
            }
        };
        if let Some(note) = note {
            let stored = store_note(&mut tx, actor, room, note, now).await?;
            change
                .events
                .insert(0, ChatEvent::MessageCreated { message: stored });
        }
        tx.commit().await?;
        Ok(change)
    }

    /// A private note in the conversation: operators see it, the client never does (it is
    /// not queued for any provider).
    pub async fn note(&self, actor: &User, room: RoomId, body: &str) -> Result<ConversationChange> {
        let body = MessageBody::parse(body.trim())?;
        if body.as_str().is_empty() {
            return Err(Error::validation("body", "must not be empty"));
        }
        let now = now();
        let mut tx = self.store.begin().await?;
        let (_, line) = load(&mut tx, actor, room).await?;
        let message = store_note(&mut tx, actor, room, body, now).await?;
        tx.commit().await?;
        Ok(ConversationChange {
            events: vec![ChatEvent::MessageCreated { message }],
            notify_users: Vec::new(),
            watchers: watchers(&line),
            route: None,
        })
    }

    /// Adds (`on`) or removes a label.
    pub async fn label(
        &self,
        actor: &User,
        room: RoomId,
        label: &str,
        on: bool,
    ) -> Result<ConversationChange> {
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 40 {
            return Err(Error::validation(
                "label",
                "must be 1 to 40 characters long",
            ));
        }
        let now = now();
        let mut tx = self.store.begin().await?;
        let (_, line) = load(&mut tx, actor, room).await?;
        conversation_timers::set_label(&mut tx, room, label, on, now).await?;
        let conversation = conversations::get(&mut tx, room)
            .await?
            .ok_or(Error::not_found("conversation"))?;
        tx.commit().await?;
        Ok(updated(conversation, &line))
    }

    /// Takes an assigned conversation out of the operator's list until `until`; it comes
    /// back then, or as soon as the client writes.
    pub async fn snooze(
        &self,
        actor: &User,
        room: RoomId,
        until: Timestamp,
    ) -> Result<ConversationChange> {
        let now = now();
        if until <= now || until.millis() - now.millis() > MAX_SNOOZE_SECS * 1000 {
            return Err(Error::validation(
                "until",
                "must be in the future, at most 30 days ahead",
            ));
        }
        let mut tx = self.store.begin().await?;
        let (conversation, line) = load(&mut tx, actor, room).await?;
        if !handles(actor, &conversation, &line) {
            return Err(Error::Forbidden(
                "only the conversation's operator or a supervisor may snooze it".into(),
            ));
        }
        if !conversation_timers::snooze(&mut tx, room, until, now).await? {
            return Err(Error::Conflict {
                constraint: "conversation".into(),
                message: "only an assigned conversation can be snoozed".into(),
            });
        }
        let conversation = conversations::get(&mut tx, room)
            .await?
            .ok_or(Error::not_found("conversation"))?;
        tx.commit().await?;
        Ok(updated(conversation, &line))
    }
}

pub(super) fn updated(conversation: Conversation, line: &Line) -> ConversationChange {
    ConversationChange {
        events: vec![ChatEvent::ConversationUpdated { conversation }],
        notify_users: Vec::new(),
        watchers: watchers(line),
        route: None,
    }
}

async fn store_note(
    tx: &mut Conn,
    actor: &User,
    room: RoomId,
    body: MessageBody,
    now: Timestamp,
) -> Result<crate::domain::Message> {
    let new = NewMessage {
        room_id: room,
        author_id: Some(actor.id),
        client_id: None,
        body,
        attachments: json!([]),
        thread_root_id: None,
        reply_to_id: None,
    };
    let stored = append_unsent(tx, &new, now).await?;
    message_store::set_kind(tx, stored.id, MessageKind::Note).await?;
    message_store::get(tx, stored.id)
        .await?
        .ok_or(Error::not_found("message"))
}
