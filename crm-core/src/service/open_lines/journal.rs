//! What a conversation leaves behind in the CRM and for the client, written inside the
//! caller's transaction: timeline entries of the contact (messages and conversation events)
//! and automatic messages to the client (queued in the outbox, so each is sent once).

use serde_json::json;

use crate::{
    Result,
    domain::{
        Conversation, Message, MessageBody, MessageKind, NewMessage, Timestamp, UserId,
        crm::{ContactId, EntityRef, NewTimelineEntry, TimelineEntryId, TimelineKind, summarize},
    },
    service::rooms::{append_unsent, queue_for_client},
    store::{Conn, crm::timeline as timeline_store, message_store},
};

/// A conversation event as the contact's timeline names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Happened {
    Opened,
    Assigned,
    Transferred,
    Closed,
    Reopened,
    Rated,
}

impl Happened {
    fn as_str(self) -> &'static str {
        match self {
            Happened::Opened => "opened",
            Happened::Assigned => "assigned",
            Happened::Transferred => "transferred",
            Happened::Closed => "closed",
            Happened::Reopened => "reopened",
            Happened::Rated => "rated",
        }
    }

    fn summary(self) -> &'static str {
        match self {
            Happened::Opened => "Conversation opened",
            Happened::Assigned => "Conversation assigned",
            Happened::Transferred => "Conversation transferred",
            Happened::Closed => "Conversation closed",
            Happened::Reopened => "Conversation reopened",
            Happened::Rated => "Conversation rated",
        }
    }
}

/// Records a conversation event on its contact's timeline; `details` join the payload.
pub(crate) async fn event(
    tx: &mut Conn,
    conversation: &Conversation,
    happened: Happened,
    author: Option<UserId>,
    details: serde_json::Value,
    now: Timestamp,
) -> Result<()> {
    let Some(contact) = conversation.contact_id else {
        return Ok(());
    };
    let mut payload = json!({
        "event": happened.as_str(),
        "room_id": conversation.room_id,
        "line_id": conversation.line_id,
    });
    if let (Some(into), serde_json::Value::Object(extra)) = (payload.as_object_mut(), details) {
        into.extend(extra);
    }
    insert(
        tx,
        contact,
        TimelineKind::ConversationEvent,
        author,
        happened.summary().to_owned(),
        payload,
        now,
    )
    .await
}

/// Records a message to or from the client on the contact's timeline (`contact` overrides
/// the conversation's for a group chat's other members).
pub(crate) async fn message(
    tx: &mut Conn,
    conversation: &Conversation,
    message: &Message,
    now: Timestamp,
) -> Result<()> {
    message_of(tx, conversation.contact_id, conversation, message, now).await
}

pub(crate) async fn message_of(
    tx: &mut Conn,
    contact: Option<ContactId>,
    conversation: &Conversation,
    message: &Message,
    now: Timestamp,
) -> Result<()> {
    let Some(contact) = contact else {
        return Ok(());
    };
    let direction = if message.author_id.is_some() || message.kind == MessageKind::Auto {
        "outbound"
    } else {
        "inbound"
    };
    let payload = json!({
        "direction": direction,
        "room_id": conversation.room_id,
        "message_id": message.id,
        "text": message.body,
    });
    insert(
        tx,
        contact,
        TimelineKind::Message,
        message.author_id,
        summarize(&message.body),
        payload,
        now,
    )
    .await
}

async fn insert(
    tx: &mut Conn,
    contact: ContactId,
    kind: TimelineKind,
    author: Option<UserId>,
    summary: String,
    payload: serde_json::Value,
    now: Timestamp,
) -> Result<()> {
    let entry = NewTimelineEntry {
        kind,
        author_id: author,
        occurred_at: now,
        summary,
        payload,
        links: vec![EntityRef::contact(contact)],
    };
    timeline_store::insert(tx, TimelineEntryId::new(), &entry, now).await
}

/// Sends the client an automatic message (greeting, off-hours, rating request): stored in
/// the room as `auto`, queued in the outbox, and put on the contact's timeline.
pub(crate) async fn auto_message(
    tx: &mut Conn,
    conversation: &Conversation,
    text: &str,
    now: Timestamp,
) -> Result<Message> {
    let new = NewMessage {
        room_id: conversation.room_id,
        author_id: None,
        client_id: None,
        body: MessageBody::parse(text)?,
        attachments: json!([]),
        thread_root_id: None,
        reply_to_id: None,
    };
    let stored = append_unsent(tx, &new, now).await?;
    message_store::set_kind(tx, stored.id, MessageKind::Auto).await?;
    queue_for_client(tx, conversation, &stored, now).await?;
    let sent = message_store::get(tx, stored.id)
        .await?
        .ok_or(crate::Error::not_found("message"))?;
    message(tx, conversation, &sent, now).await?;
    Ok(sent)
}
