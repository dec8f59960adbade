//! What a conversation leaves behind in the CRM and for the client, written inside the
//! caller's transaction: timeline entries (messages and conversation events) of the contact
//! and of the deal and lead the conversation is linked to, each marked with its room so a
//! later link finds them, and automatic messages to the client (queued in the outbox, so
//! each is sent once).

use serde_json::json;

use crate::{
    Result,
    domain::{
        Conversation, Message, MessageBody, MessageKind, NewMessage, Timestamp, UserId,
        crm::{ContactId, EntityRef, NewTimelineEntry, TimelineEntryId, TimelineKind, summarize},
    },
    service::rooms::{append_unsent, queue_for_client},
    store::{Conn, conversation_links::Linked, crm::timeline as timeline_store, message_store},
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
    DealLinked,
    DealUnlinked,
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
            Happened::DealLinked => "deal_linked",
            Happened::DealUnlinked => "deal_unlinked",
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
            Happened::DealLinked => "Conversation linked to deal",
            Happened::DealUnlinked => "Conversation unlinked from deal",
        }
    }
}

/// Records a conversation event on the timelines of its contact and of what it is linked
/// to (`conversation` read after the change); `details` join the payload.
pub(crate) async fn event(
    tx: &mut Conn,
    conversation: &Conversation,
    happened: Happened,
    author: Option<UserId>,
    details: serde_json::Value,
    now: Timestamp,
) -> Result<()> {
    event_on(
        tx,
        conversation,
        Linked::of(conversation),
        happened,
        author,
        details,
        now,
    )
    .await
}

/// `event` linked to `linked` rather than to what the conversation is linked to now (an
/// unlinking is recorded on the deal it leaves).
pub(crate) async fn event_on(
    tx: &mut Conn,
    conversation: &Conversation,
    linked: Linked,
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
    let entry = NewTimelineEntry {
        kind: TimelineKind::ConversationEvent,
        author_id: author,
        occurred_at: now,
        summary: happened.summary().to_owned(),
        payload,
        links: links(contact, linked),
    };
    insert(tx, conversation, &entry, now).await
}

/// Records a message to or from the client on the timelines of the conversation's contact
/// and of what it is linked to.
pub(crate) async fn message(
    tx: &mut Conn,
    conversation: &Conversation,
    message: &Message,
    now: Timestamp,
) -> Result<()> {
    let linked = Linked::of(conversation);
    message_of(
        tx,
        conversation.contact_id,
        linked,
        conversation,
        message,
        now,
    )
    .await
}

/// `message` with the contact (a group chat's other members are contacts of their own) and
/// the links read under the conversation's row lock by the caller.
pub(crate) async fn message_of(
    tx: &mut Conn,
    contact: Option<ContactId>,
    linked: Linked,
    conversation: &Conversation,
    message: &Message,
    now: Timestamp,
) -> Result<()> {
    match message_entry(contact, linked, message, now) {
        Some(entry) => insert(tx, conversation, &entry, now).await,
        None => Ok(()),
    }
}

/// The timeline entry `message_of` writes; none without a contact.
pub(crate) fn message_entry(
    contact: Option<ContactId>,
    linked: Linked,
    message: &Message,
    now: Timestamp,
) -> Option<NewTimelineEntry> {
    let contact = contact?;
    let direction = if message.author_id.is_some() || message.kind == MessageKind::Auto {
        "outbound"
    } else {
        "inbound"
    };
    let payload = json!({
        "direction": direction,
        "room_id": message.room_id,
        "message_id": message.id,
        "text": message.body,
    });
    Some(NewTimelineEntry {
        kind: TimelineKind::Message,
        author_id: message.author_id,
        occurred_at: now,
        summary: summarize(&message.body),
        payload,
        links: links(contact, linked),
    })
}

fn links(contact: ContactId, linked: Linked) -> Vec<EntityRef> {
    std::iter::once(EntityRef::contact(contact))
        .chain(linked.refs())
        .collect()
}

async fn insert(
    tx: &mut Conn,
    conversation: &Conversation,
    entry: &NewTimelineEntry,
    now: Timestamp,
) -> Result<()> {
    let id = TimelineEntryId::new();
    timeline_store::insert_in_room(tx, id, entry, Some(conversation.room_id), now).await
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
