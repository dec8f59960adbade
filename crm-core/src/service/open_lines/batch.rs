//! Many clients' messages stored in one transaction with a handful of statements, whatever
//! the batch's size: the path most inbound traffic takes (a plain text message in a
//! conversation that is already open). Each message is stored exactly as `receive` would
//! store it (receipt, message, conversation state, timeline entry); a message the batch
//! cannot take that way — a first message, an edit, a file, a reply, a repeat delivery,
//! a snoozed conversation, an unknown sender — is left to `receive`, one at a time.

use std::collections::{HashMap, HashSet};

use super::{OpenLines, inbound::Received, journal};
use crate::{
    Error, Result,
    domain::{
        Channel, ChannelId, ChannelKind, ChatEvent, Conversation, InboundMessage, Message,
        MessageBody, MessageId, MessageKind, RoomId, crm::TimelineEntryId, now,
    },
    store::{
        conversations, crm::identities, crm::timeline as timeline_store, message_store, room_store,
    },
};

/// One client message for `receive_batch`.
pub struct BatchItem<'a> {
    pub channel: &'a Channel,
    pub message: &'a InboundMessage,
}

/// True when a message may go through `receive_batch` at all: new plain text.
pub fn is_plain(message: &InboundMessage) -> bool {
    !message.edited && message.attachments.is_empty() && message.reply_to.is_none()
}

impl OpenLines {
    /// Stores what it can of `batch` in one transaction. The answer has one entry per
    /// message: what storing it did, or `None` for a message left to `receive`. An error
    /// stores nothing of the batch.
    pub async fn receive_batch(&self, batch: &[BatchItem<'_>]) -> Result<Vec<Option<Received>>> {
        let mut answers: Vec<Option<Received>> = batch.iter().map(|_| None).collect();
        let mut taken: Vec<(usize, MessageBody)> = Vec::with_capacity(batch.len());
        let mut keys = HashSet::with_capacity(batch.len());
        for (index, item) in batch.iter().enumerate() {
            let plain = is_plain(item.message) && item.channel.line_id.is_some();
            // A second delivery of the same update in one batch is the one-by-one path's
            // to recognise, after this batch stored the first.
            if !plain || !keys.insert(item.message.dedup_key.as_str()) {
                continue;
            }
            if let Ok(body) = MessageBody::parse(&item.message.text) {
                taken.push((index, body));
            }
        }
        if taken.is_empty() {
            return Ok(answers);
        }
        let now = now();
        let mut tx = self.store.begin().await?;
        let keys: Vec<&str> = taken
            .iter()
            .map(|(index, _)| batch[*index].message.dedup_key.as_str())
            .collect();
        let known = conversations::known_receipts(&mut tx, &keys).await?;
        taken.retain(|(index, _)| !known.contains(&batch[*index].message.dedup_key));

        let mut senders: HashMap<ChannelKind, Vec<&str>> = HashMap::new();
        let mut chats: HashMap<ChannelId, Vec<&str>> = HashMap::new();
        for (index, _) in &taken {
            let item = &batch[*index];
            senders
                .entry(item.channel.kind)
                .or_default()
                .push(item.message.sender.id.as_str());
            chats
                .entry(item.channel.id)
                .or_default()
                .push(item.message.chat_id.as_str());
        }
        let mut contacts = HashMap::new();
        for (kind, ids) in senders {
            for (external, contact) in
                identities::live_contacts_by_identities(&mut tx, kind, &ids).await?
            {
                contacts.insert((kind, external), contact);
            }
        }
        let mut open: HashMap<(ChannelId, String), Conversation> = HashMap::new();
        for (channel, ids) in chats {
            for conversation in conversations::open_in_chats(&mut tx, channel, &ids).await? {
                open.insert(
                    (channel, conversation.external_chat_id.clone()),
                    conversation,
                );
            }
        }
        // A snoozed conversation comes back to the operator's list, an event `receive` makes.
        let mut stored = Vec::with_capacity(taken.len());
        for (index, body) in taken {
            let item = &batch[index];
            let contact = contacts.get(&(item.channel.kind, item.message.sender.id.clone()));
            let conversation = open.get(&(item.channel.id, item.message.chat_id.clone()));
            if let (Some(contact), Some(conversation)) = (contact, conversation)
                && conversation.snoozed_until.is_none()
            {
                stored.push((index, body, *contact, conversation.clone()));
            }
        }
        if stored.is_empty() {
            return Ok(answers);
        }

        let mut counts: Vec<(RoomId, i64)> = Vec::new();
        for (_, _, _, conversation) in &stored {
            let room = conversation.room_id;
            match counts.iter_mut().find(|(counted, _)| *counted == room) {
                Some((_, count)) => *count += 1,
                None => counts.push((room, 1)),
            }
        }
        let last: HashMap<RoomId, i64> = room_store::take_seqs(&mut tx, &counts, now)
            .await?
            .into_iter()
            .collect();
        let mut next: HashMap<RoomId, i64> = counts
            .iter()
            .map(|(room, count)| (*room, last.get(room).copied().unwrap_or(0) - count + 1))
            .collect();
        let mut messages: Vec<Message> = Vec::with_capacity(stored.len());
        for (index, body, _, conversation) in &stored {
            let room = conversation.room_id;
            let Some(seq) = next.get_mut(&room).filter(|_| last.contains_key(&room)) else {
                return Err(Error::not_found("room"));
            };
            messages.push(client_message(batch[*index].message, room, *seq, body, now));
            *seq += 1;
        }
        let rows: Vec<message_store::ClientMessage> = messages
            .iter()
            .map(|message| message_store::ClientMessage {
                id: message.id,
                room_id: message.room_id,
                seq: message.seq,
                body: &message.body,
                external_id: message.external_id.as_deref().unwrap_or_default(),
                sender_name: message.sender_name.as_deref().unwrap_or_default(),
            })
            .collect();
        message_store::insert_client_messages(&mut tx, &rows, now).await?;
        let receipts: Vec<(&str, MessageId)> = stored
            .iter()
            .zip(&messages)
            .map(|((index, ..), message)| (batch[*index].message.dedup_key.as_str(), message.id))
            .collect();
        conversations::record_receipts(&mut tx, &receipts, now).await?;
        let rooms: Vec<RoomId> = counts.iter().map(|(room, _)| *room).collect();
        let linked = conversations::clients_wrote(&mut tx, &rooms, now).await?;
        let entries: Vec<_> = stored
            .iter()
            .zip(&messages)
            .filter_map(|((_, _, contact, conversation), message)| {
                let room = conversation.room_id;
                let links = linked.get(&room).copied().unwrap_or_default();
                journal::message_entry(Some(*contact), links, message, now)
                    .map(|entry| (TimelineEntryId::new(), entry, room))
            })
            .collect();
        if !entries.is_empty() {
            timeline_store::insert_many_in_rooms(&mut tx, &entries, now).await?;
        }
        tx.commit().await?;

        for ((index, _, _, mut conversation), message) in stored.into_iter().zip(messages) {
            let links = linked
                .get(&conversation.room_id)
                .copied()
                .unwrap_or_default();
            conversation.deal_id = links.deal_id;
            conversation.lead_id = links.lead_id;
            answers[index] = Some(Received {
                conversation,
                message: Some(message.clone()),
                opened: false,
                events: vec![ChatEvent::MessageCreated { message }],
            });
        }
        Ok(answers)
    }
}

/// The message as `receive` would return it after storing it.
fn client_message(
    inbound: &InboundMessage,
    room_id: RoomId,
    seq: i64,
    body: &MessageBody,
    now: crate::domain::Timestamp,
) -> Message {
    Message {
        id: MessageId::new(),
        room_id,
        seq,
        client_id: None,
        author_id: None,
        body: body.as_str().to_owned(),
        attachments: serde_json::Value::Array(Vec::new()),
        thread_root_id: None,
        reply_to_id: None,
        reply_count: 0,
        last_reply_at: None,
        delivery_status: None,
        delivery_error: None,
        external_id: Some(inbound.message_id.clone()),
        sender_name: Some(inbound.sender.display_name.clone()),
        kind: MessageKind::Message,
        edited_at: None,
        deleted_at: None,
        created_at: now,
        meta: None,
        reactions: Vec::new(),
    }
}
