//! Storing what a client sends: deduplicated by the provider's delivery key, into the open
//! conversation for that chat (or a new one, queued on the channel's line), message and
//! conversation state in one transaction. The webhook answers the provider after this
//! returns, so nothing acknowledged is lost.

use super::{OpenLines, arrival, journal};
use crate::{
    Error, Result,
    domain::{
        AttachmentId, Channel, ChatEvent, Conversation, InboundMessage, Message, MessageBody,
        NewAttachment, NewMessage, RoomId, now,
    },
    service::rooms::append,
    store::{attachment_store, conversations, lines, message_store},
};

/// What storing an inbound message did.
pub struct Received {
    pub conversation: Conversation,
    /// None when the provider delivered this one before.
    pub message: Option<Message>,
    /// True when the client's message opened a new conversation.
    pub opened: bool,
    pub events: Vec<ChatEvent>,
}

impl OpenLines {
    pub async fn receive(&self, channel: &Channel, inbound: &InboundMessage) -> Result<Received> {
        self.receive_with_files(channel, inbound, &[]).await
    }

    /// `receive` for a message whose attachments the gateway fetched into the media store:
    /// `files[i]` is the stored copy of `inbound.attachments[i]`, `None` where fetching
    /// failed (that attachment keeps the provider's reference).
    pub async fn receive_with_files(
        &self,
        channel: &Channel,
        inbound: &InboundMessage,
        files: &[Option<NewAttachment>],
    ) -> Result<Received> {
        let line = channel.line_id.ok_or_else(|| {
            Error::validation("line_id", "the channel is not connected to a line")
        })?;
        let contact = self.client_contact(channel.kind, &inbound.sender).await?;
        let now = now();
        let mut tx = self.store.begin().await?;
        if let Some(stored) = conversations::receipt(&mut tx, &inbound.dedup_key).await? {
            let room = message_store::get(&mut tx, stored)
                .await?
                .ok_or(Error::not_found("message"))?
                .room_id;
            let conversation = conversations::get(&mut tx, room)
                .await?
                .ok_or(Error::not_found("conversation"))?;
            return Ok(Received {
                conversation,
                message: None,
                opened: false,
                events: Vec::new(),
            });
        }
        let existing = conversations::find_open(&mut tx, channel.id, &inbound.chat_id).await?;
        let mut events = Vec::new();
        let (room_id, opened) = match &existing {
            Some(conversation) => (conversation.room_id, false),
            None => {
                let config = lines::get_line(&mut tx, line)
                    .await?
                    .ok_or(Error::not_found("line"))?;
                let landing =
                    arrival::land(&mut tx, channel, &config, inbound, contact, now).await?;
                events.extend(landing.events);
                (landing.room_id, landing.opened)
            }
        };
        let body = MessageBody::parse(&inbound.text)?;
        let message = if inbound.edited {
            match conversations::message_by_external(&mut tx, room_id, &inbound.message_id).await? {
                Some(id) => {
                    message_store::set_body(&mut tx, id, body.as_str(), now).await?;
                    let edited = message_store::get(&mut tx, id)
                        .await?
                        .ok_or(Error::not_found("message"))?;
                    events.push(ChatEvent::MessageEdited {
                        message: edited.clone(),
                    });
                    edited
                }
                None => {
                    append_client_message(&mut tx, room_id, inbound, files, body, &mut events, now)
                        .await?
                }
            }
        } else {
            append_client_message(&mut tx, room_id, inbound, files, body, &mut events, now).await?
        };
        conversations::record_receipt(&mut tx, &inbound.dedup_key, message.id, now).await?;
        let linked = conversations::client_wrote(&mut tx, room_id, now).await?;
        // What `client_wrote` changed of an open conversation is only its snooze; a new one
        // is read back as landing made it.
        let (mut conversation, was_snoozed) = match existing {
            Some(mut conversation) => {
                let was_snoozed = conversation.snoozed_until.take().is_some();
                (conversation, was_snoozed)
            }
            None => (
                conversations::get(&mut tx, room_id)
                    .await?
                    .ok_or(Error::not_found("conversation"))?,
                false,
            ),
        };
        conversation.deal_id = linked.deal_id;
        conversation.lead_id = linked.lead_id;
        if !inbound.edited {
            journal::message_of(&mut tx, Some(contact), linked, &conversation, &message, now)
                .await?;
        }
        if was_snoozed {
            // The client wrote: the snoozed conversation is back in the operator's list.
            events.push(ChatEvent::ConversationUpdated {
                conversation: conversation.clone(),
            });
        }
        tx.commit().await?;
        Ok(Received {
            conversation,
            message: Some(message),
            opened,
            events,
        })
    }
}

async fn append_client_message(
    tx: &mut crate::store::Conn,
    room_id: RoomId,
    inbound: &InboundMessage,
    files: &[Option<NewAttachment>],
    body: MessageBody,
    events: &mut Vec<ChatEvent>,
    now: crate::domain::Timestamp,
) -> Result<Message> {
    let attachments = attachments_json(tx, inbound, files, now).await?;
    // A reply to a message we never stored (older than the conversation, say) stays plain.
    let reply_to_id = match inbound.reply_to.as_deref() {
        Some(external) => conversations::message_by_external(tx, room_id, external).await?,
        None => None,
    };
    let new = NewMessage {
        room_id,
        author_id: None,
        client_id: None,
        body,
        attachments,
        thread_root_id: None,
        reply_to_id,
    };
    let mut message = append(tx, &new, now).await?;
    conversations::mark_external(
        tx,
        message.id,
        &inbound.message_id,
        &inbound.sender.display_name,
    )
    .await?;
    message.external_id = Some(inbound.message_id.clone());
    message.sender_name = Some(inbound.sender.display_name.clone());
    events.push(ChatEvent::MessageCreated {
        message: message.clone(),
    });
    Ok(message)
}

/// What the message carries: references to the stored files, and the provider's reference
/// for any that could not be fetched.
async fn attachments_json(
    tx: &mut crate::store::Conn,
    inbound: &InboundMessage,
    files: &[Option<NewAttachment>],
    now: crate::domain::Timestamp,
) -> Result<serde_json::Value> {
    let mut items = Vec::with_capacity(inbound.attachments.len());
    for (index, provided) in inbound.attachments.iter().enumerate() {
        let item = match files.get(index).and_then(Option::as_ref) {
            Some(file) => {
                let id = AttachmentId::new();
                attachment_store::insert(tx, id, None, file, now).await?;
                let stored = attachment_store::get(tx, id)
                    .await?
                    .ok_or(Error::not_found("attachment"))?;
                serde_json::to_value(stored.reference())
            }
            None => serde_json::to_value(provided),
        };
        items.push(
            item.map_err(|e| Error::Internal(format!("attachment not encodable: {e}").into()))?,
        );
    }
    Ok(serde_json::Value::Array(items))
}
