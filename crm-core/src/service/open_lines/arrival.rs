//! Where a client's message lands when the chat has no open conversation: a rating of the
//! conversation that just closed, a reopening within the line's window, or a new queued
//! conversation with the line's greeting (or off-hours message). Also the client's contact,
//! and the lead or deal the line creates for a new client (`new_client`).

use super::{
    OpenLines,
    journal::{self, Happened},
    new_client,
};
use crate::{
    Error, Result,
    domain::{
        Channel, ChannelKind, ChatEvent, Conversation, ExternalSender, InboundMessage, Line,
        NewRoom, RoomId, RoomKind, Timestamp,
        crm::{ContactId, NewContact, NewIdentity},
    },
    store::{Conn, conversation_timers, conversations, room_store},
};

/// What the client's message becomes.
pub(super) struct Landing {
    pub room_id: RoomId,
    pub opened: bool,
    pub events: Vec<ChatEvent>,
}

impl OpenLines {
    /// The contact holding the sender's channel identity, created on first contact under
    /// the name the provider gives. Runs before the message's transaction: a contact created
    /// for a message that then fails to store is found again on the provider's retry.
    pub(super) async fn client_contact(
        &self,
        channel: ChannelKind,
        sender: &ExternalSender,
    ) -> Result<ContactId> {
        if let Some(found) = self
            .contacts
            .contact_id_by_identity(channel, &sender.id)
            .await?
        {
            return Ok(found);
        }
        let name = sender.display_name.trim();
        let new = NewContact {
            first_name: (!name.is_empty()).then(|| name.chars().take(100).collect()),
            last_name: None,
            middle_name: None,
            position: None,
            company_id: None,
            address: None,
            source: Some(channel.as_str().to_owned()),
            responsible_id: None,
            custom: serde_json::json!({}),
            phones: Vec::new(),
            emails: Vec::new(),
            identities: vec![NewIdentity {
                channel,
                external_id: sender.id.clone(),
            }],
        };
        match self.contacts.create(None, new).await {
            Ok(contact) => Ok(contact.id),
            // Another delivery from the same person created it a moment ago.
            Err(Error::Conflict { .. }) => self
                .contacts
                .contact_id_by_identity(channel, &sender.id)
                .await?
                .ok_or(Error::not_found("contact")),
            Err(error) => Err(error),
        }
    }
}

pub(super) async fn land(
    tx: &mut Conn,
    channel: &Channel,
    line: &Line,
    inbound: &InboundMessage,
    contact: ContactId,
    now: Timestamp,
) -> Result<Landing> {
    if let Some((room, awaits_rating)) =
        conversation_timers::last_closed(tx, channel.id, &inbound.chat_id).await?
    {
        let closed = conversations::get(tx, room)
            .await?
            .ok_or(Error::not_found("conversation"))?;
        if let Some(rating) = awaits_rating
            .then(|| line.rating_mode.read(&inbound.text))
            .flatten()
            && conversation_timers::rate(tx, room, rating, now).await?
        {
            let rated = refreshed(tx, room).await?;
            journal::event(
                tx,
                &rated,
                Happened::Rated,
                None,
                serde_json::json!({"rating": rating}),
                now,
            )
            .await?;
            return Ok(Landing {
                room_id: room,
                opened: false,
                events: vec![ChatEvent::ConversationUpdated {
                    conversation: rated,
                }],
            });
        }
        let window = line.reopen_minutes * 60_000;
        if let Some(closed_at) = closed.closed_at
            && window > 0
            && now.millis() - closed_at.millis() <= window
            && conversation_timers::reopen(tx, room, closed_at, now).await?
        {
            let reopened = refreshed(tx, room).await?;
            journal::event(
                tx,
                &reopened,
                Happened::Reopened,
                None,
                serde_json::json!({}),
                now,
            )
            .await?;
            return Ok(Landing {
                room_id: room,
                opened: false,
                events: vec![ChatEvent::ConversationUpdated {
                    conversation: reopened,
                }],
            });
        }
    }
    let room_id = open_conversation(tx, channel, line, inbound, contact, now).await?;
    let opened = refreshed(tx, room_id).await?;
    journal::event(
        tx,
        &opened,
        Happened::Opened,
        None,
        serde_json::json!({"channel": channel.kind}),
        now,
    )
    .await?;
    // The line's operators and supervisors see it wait in the queue, live.
    let mut events = vec![ChatEvent::ConversationUpdated {
        conversation: opened.clone(),
    }];
    if let Some(text) = line.welcome(now) {
        let message = journal::auto_message(tx, &opened, text, now).await?;
        events.push(ChatEvent::MessageCreated { message });
    }
    Ok(Landing {
        room_id,
        opened: true,
        events,
    })
}

async fn refreshed(tx: &mut Conn, room: RoomId) -> Result<Conversation> {
    conversations::get(tx, room)
        .await?
        .ok_or(Error::not_found("conversation"))
}

async fn open_conversation(
    tx: &mut Conn,
    channel: &Channel,
    line: &Line,
    inbound: &InboundMessage,
    contact: ContactId,
    now: Timestamp,
) -> Result<RoomId> {
    let room_id = RoomId::new();
    let name = inbound
        .chat_title
        .clone()
        .unwrap_or_else(|| inbound.sender.display_name.clone());
    let room = NewRoom {
        kind: RoomKind::OpenLine,
        name: Some(name.chars().take(80).collect()),
        topic: None,
        is_private: true,
        created_by: None,
        members: Vec::new(),
    };
    room_store::insert(tx, room_id, &room, now).await?;
    let new = conversations::NewConversation {
        room_id,
        line_id: line.id,
        channel_id: channel.id,
        external_chat_id: &inbound.chat_id,
        client_name: Some(&inbound.sender.display_name),
    };
    conversations::insert(tx, &new, now).await?;
    conversation_timers::set_contact(tx, room_id, contact).await?;
    new_client::start_record(tx, channel, line, inbound, contact, room_id, now).await?;
    Ok(room_id)
}
