//! Many clients' messages stored in one transaction with a handful of statements, whatever
//! the batch's size: the path most inbound traffic takes (a plain text message in a
//! conversation that is already open). Each message is stored exactly as `receive` would
//! store it (receipt, message, conversation state, timeline entry); a message the batch
//! cannot take that way — a first message, an edit, a file, a reply, a repeat delivery,
//! a snoozed conversation, an unknown sender — is left to `receive`, one at a time.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::{Any, pool::PoolConnection};

use super::{OpenLines, inbound::Received, journal};
use crate::service::rooms::as_stored;
use crate::{
    Error, Result,
    domain::{
        Channel, ChannelId, ChannelKind, ChatEvent, Conversation, InboundMessage, Message,
        MessageBody, MessageId, NewMessage, RoomId, crm::TimelineEntryId, now,
    },
    store::{
        Conn, conversations, crm::identities, crm::timeline as timeline_store, message_store,
        room_store,
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
        let mut conn = self.store.acquire().await?;
        self.receive_batch_on(&mut conn, batch).await
    }

    /// A writer that stores batches on a connection of its own (`Store::dedicated`).
    pub fn inbound_writer(&self) -> InboundWriter {
        InboundWriter {
            lines: self.clone(),
            conn: None,
        }
    }

    async fn receive_batch_on(
        &self,
        conn: &mut Conn,
        batch: &[BatchItem<'_>],
    ) -> Result<Vec<Option<Received>>> {
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
        let mut tx = self.store.begin_on(conn).await?;
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

        // Sorted, so every writer (one per node) locks the rooms it shares with another in
        // the same order and two batches never deadlock.
        let mut counts: BTreeMap<RoomId, i64> = BTreeMap::new();
        for (_, _, _, conversation) in &stored {
            *counts.entry(conversation.room_id).or_default() += 1;
        }
        let counts: Vec<(RoomId, i64)> = counts.into_iter().collect();
        // Each room's messages take the sequences ending at its new last one, in batch order.
        let mut next: HashMap<RoomId, i64> = room_store::take_seqs(&mut tx, &counts, now)
            .await?
            .into_iter()
            .filter_map(|(room, last)| {
                let at = counts
                    .binary_search_by_key(&room, |(counted, _)| *counted)
                    .ok()?;
                Some((room, last - counts[at].1 + 1))
            })
            .collect();
        let mut messages: Vec<Message> = Vec::with_capacity(stored.len());
        for (index, body, _, conversation) in &stored {
            let room = conversation.room_id;
            let Some(seq) = next.get_mut(&room) else {
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
        let chunks = statement_chunks(&messages);
        for chunk in &chunks {
            message_store::insert_client_messages(&mut tx, &rows[chunk.clone()], now).await?;
        }
        let receipts: Vec<(&str, MessageId)> = stored
            .iter()
            .zip(&messages)
            .map(|((index, ..), message)| (batch[*index].message.dedup_key.as_str(), message.id))
            .collect();
        for chunk in &chunks {
            conversations::record_receipts(&mut tx, &receipts[chunk.clone()], now).await?;
        }
        let rooms: Vec<RoomId> = counts.iter().map(|(room, _)| *room).collect();
        let linked = conversations::clients_wrote(&mut tx, &rooms, now).await?;
        let entries: Vec<_> = stored
            .iter()
            .zip(&messages)
            .map(|((_, _, contact, conversation), message)| {
                let room = conversation.room_id;
                let links = linked.get(&room).copied().unwrap_or_default();
                journal::message_entry(Some(*contact), links, message, now)
                    .map(|entry| (TimelineEntryId::new(), entry, room))
            })
            .collect();
        for chunk in &chunks {
            let entries: Vec<_> = entries[chunk.clone()]
                .iter()
                .flatten()
                .map(|(id, entry, room)| (*id, entry, Some(*room)))
                .collect();
            if !entries.is_empty() {
                timeline_store::insert_many(&mut tx, &entries, now).await?;
            }
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

/// Most text (message bodies, which the timeline entry repeats) and most messages per
/// multi-row statement.
const CHUNK_TEXT: usize = 16 * 1024;
const CHUNK_MESSAGES: usize = 64;

/// Splits a batch into runs of messages whose multi-row statements stay small: well inside
/// the engines' placeholder limits, and, on PostgreSQL, one TCP segment each (64 KiB on
/// loopback), so a statement never depends on how the socket handles a partial segment
/// (sqlx 0.9.0 left Nagle's algorithm on: 40 ms per larger statement; see vendor/).
fn statement_chunks(messages: &[Message]) -> Vec<std::ops::Range<usize>> {
    let mut chunks = Vec::new();
    let (mut start, mut text) = (0, 0);
    for (index, message) in messages.iter().enumerate() {
        if index > start
            && (text + message.body.len() > CHUNK_TEXT || index - start == CHUNK_MESSAGES)
        {
            chunks.push(start..index);
            (start, text) = (index, 0);
        }
        text += message.body.len();
    }
    if start < messages.len() {
        chunks.push(start..messages.len());
    }
    chunks
}

/// `OpenLines::receive_batch` for one long-lived caller, on a connection it keeps.
pub struct InboundWriter {
    lines: OpenLines,
    conn: Option<PoolConnection<Any>>,
}

impl InboundWriter {
    pub async fn receive_batch(
        &mut self,
        batch: &[BatchItem<'_>],
    ) -> Result<Vec<Option<Received>>> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => self.conn.insert(self.lines.store.dedicated().await?),
        };
        let stored = self.lines.receive_batch_on(conn, batch).await;
        if stored.is_err() {
            // The connection may be what failed; the next batch starts on a fresh one.
            self.conn = None;
        }
        stored
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
    let new = NewMessage {
        room_id,
        author_id: None,
        client_id: None,
        body: body.clone(),
        attachments: serde_json::Value::Array(Vec::new()),
        thread_root_id: None,
        reply_to_id: None,
    };
    let mut message = as_stored(&new, MessageId::new(), seq, now);
    message.external_id = Some(inbound.message_id.clone());
    message.sender_name = Some(inbound.sender.display_name.clone());
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(bodies: &[usize]) -> Vec<Message> {
        let inbound = InboundMessage {
            channel: ChannelKind::Telegram,
            account: "1".into(),
            chat_id: "1".into(),
            chat_kind: crate::domain::ChatKind::Private,
            chat_title: None,
            message_id: "1".into(),
            dedup_key: "1".into(),
            sender: crate::domain::ExternalSender {
                id: "1".into(),
                display_name: "A".into(),
                username: None,
                phone: None,
                email: None,
            },
            text: String::new(),
            attachments: Vec::new(),
            reply_to: None,
            sent_at: now(),
            edited: false,
        };
        bodies
            .iter()
            .map(|length| {
                let body = MessageBody::parse(&"x".repeat(*length)).unwrap();
                client_message(&inbound, RoomId::new(), 1, &body, now())
            })
            .collect()
    }

    #[test]
    fn a_batch_is_cut_by_count_and_by_text_and_every_message_is_in_one_chunk() {
        assert_eq!(
            statement_chunks(&messages(&[10; 130])),
            [0..64, 64..128, 128..130]
        );
        assert_eq!(statement_chunks(&messages(&[4000; 9])), [0..4, 4..8, 8..9]);
        assert_eq!(statement_chunks(&messages(&[])), []);
    }
}
