//! Many clients' messages stored in one transaction with a handful of statements, whatever
//! the batch's size: the path most inbound traffic takes (a plain text message in a
//! conversation that is already open). Each message is stored exactly as `receive` would
//! store it (receipt, message, conversation state, timeline entry); a message the batch
//! cannot take that way — a first message, an edit, a file, a reply, a repeat delivery,
//! a snoozed conversation, an unknown sender — is left to `receive`, one at a time.

use std::collections::HashSet;

use sqlx::{Any, pool::PoolConnection};

use super::{OpenLines, inbound::Received, journal};
use crate::service::rooms::as_stored;
use crate::{
    Error, Result,
    domain::{
        Channel, ChatEvent, InboundMessage, Message, MessageBody, MessageId, NewMessage, RoomId,
        crm::{NewTimelineEntry, TimelineEntryId},
        now,
    },
    store::{
        Backend, Conn,
        client_batch::{self, BatchConn, ClientRow, Found, Wanted, Written},
        conversation_links::Linked,
        sqlite_native::NativeConn,
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
        match self.store.backend() {
            // In process, reads and writes cost no round trips: everything under the write
            // lock, in one transaction.
            Backend::Sqlite => {
                let mut tx = self.store.begin_on(conn).await?;
                let answers = self
                    .store_batch(&mut BatchConn::Pooled(&mut tx), batch)
                    .await?;
                tx.commit().await?;
                Ok(answers)
            }
            // A statement reads what the batch needs to know; then the writes, a statement
            // per chunk, atomic by itself. A conversation closed between the two is no
            // different from one closed just after the batch.
            Backend::Postgres => self.store_batch(&mut BatchConn::Pooled(conn), batch).await,
        }
    }

    /// `receive_batch_on` for SQLite's writer connection: the same transaction, run from
    /// the caller's thread.
    async fn receive_batch_native(
        &self,
        conn: &NativeConn,
        batch: &[BatchItem<'_>],
    ) -> Result<Vec<Option<Received>>> {
        let _turn = self.store.turn_to_write().await?;
        conn.begin()?;
        let stored = self.store_batch(&mut BatchConn::Native(conn), batch).await;
        let committed = stored.and_then(|answers| conn.commit().map(|()| answers));
        if committed.is_err() {
            conn.rollback()?;
        }
        committed
    }

    async fn store_batch(
        &self,
        conn: &mut BatchConn<'_>,
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
        let wanted: Vec<Wanted> = taken
            .iter()
            .map(|(index, _)| {
                let item = &batch[*index];
                Wanted {
                    dedup_key: &item.message.dedup_key,
                    channel: item.channel.kind,
                    sender: &item.message.sender.id,
                    channel_id: item.channel.id,
                    chat: &item.message.chat_id,
                }
            })
            .collect();
        let mut found = client_batch::read(conn, &wanted).await?;
        // A snoozed conversation comes back to the operator's list, an event `receive` makes.
        let mut stored = Vec::with_capacity(taken.len());
        for (index, body) in taken {
            let Some(Found {
                contact: Some(contact),
                conversation,
            }) = found.remove(&batch[index].message.dedup_key)
            else {
                continue;
            };
            if conversation.snoozed_until.is_none() {
                stored.push((index, contact, conversation, body));
            }
        }
        if stored.is_empty() {
            return Ok(answers);
        }

        let mut messages: Vec<Message> = stored
            .iter()
            .map(|(index, _, conversation, body)| {
                client_message(batch[*index].message, conversation.room_id, body, now)
            })
            .collect();
        // The entries' links to the conversation's deal and lead are the write's to find.
        let entries: Vec<NewTimelineEntry> = stored
            .iter()
            .zip(&messages)
            .map(|((_, contact, ..), message)| {
                journal::message_entry(Some(*contact), Linked::default(), message, now)
                    .ok_or_else(|| Error::Internal("a client message without an entry".into()))
            })
            .collect::<Result<_>>()?;
        let rows: Vec<ClientRow> = stored
            .iter()
            .zip(&messages)
            .zip(&entries)
            .map(|(((index, ..), message), entry)| ClientRow {
                id: message.id,
                room_id: message.room_id,
                body: &message.body,
                external_id: message.external_id.as_deref().unwrap_or_default(),
                sender_name: message.sender_name.as_deref().unwrap_or_default(),
                dedup_key: &batch[*index].message.dedup_key,
                entry_id: TimelineEntryId::new(),
                entry,
            })
            .collect();
        let chunks = client_batch::statement_chunks(rows.iter().map(|row| row.body.len()));
        // SQLite is inside its transaction already (`receive_batch_on`).
        let in_transaction = self.store.backend() == Backend::Sqlite;
        let Written { seqs, linked } = match conn {
            BatchConn::Pooled(pooled) if !in_transaction && chunks.len() > 1 => {
                // Several statements: one transaction keeps the batch whole or absent.
                let mut tx = self.store.begin_on(pooled).await?;
                let written =
                    client_batch::write(&mut BatchConn::Pooled(&mut tx), &rows, &chunks, now)
                        .await?;
                tx.commit().await?;
                written
            }
            conn => client_batch::write(conn, &rows, &chunks, now).await?,
        };
        for (message, seq) in messages.iter_mut().zip(seqs) {
            message.seq = seq;
        }

        for ((index, _, mut conversation, _), message) in stored.into_iter().zip(messages) {
            let links: Linked = linked
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

/// `OpenLines::receive_batch` for one long-lived caller, on a connection it keeps: on a
/// SQLite file one of its own, which the caller's thread drives (`sqlite_native`), so a
/// caller on SQLite should have a thread to itself; otherwise a pooled one
/// (`Store::dedicated`).
pub struct InboundWriter {
    lines: OpenLines,
    conn: Option<WriterConn>,
}

enum WriterConn {
    Pooled(PoolConnection<Any>),
    Native(NativeConn),
}

impl InboundWriter {
    pub async fn receive_batch(
        &mut self,
        batch: &[BatchItem<'_>],
    ) -> Result<Vec<Option<Received>>> {
        let conn = match &mut self.conn {
            Some(conn) => conn,
            None => {
                let conn = match self.lines.store.native_writer() {
                    Some(native) => WriterConn::Native(native?),
                    None => WriterConn::Pooled(self.lines.store.dedicated().await?),
                };
                self.conn.insert(conn)
            }
        };
        let stored = match conn {
            WriterConn::Pooled(conn) => self.lines.receive_batch_on(conn, batch).await,
            WriterConn::Native(conn) => self.lines.receive_batch_native(conn, batch).await,
        };
        if stored.is_err() {
            // The connection may be what failed; the next batch starts on a fresh one.
            self.conn = None;
        }
        stored
    }
}

/// The message as `receive` would return it after storing it, but for its sequence, which
/// the write takes.
fn client_message(
    inbound: &InboundMessage,
    room_id: RoomId,
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
    let mut message = as_stored(&new, MessageId::new(), 0, now);
    message.external_id = Some(inbound.message_id.clone());
    message.sender_name = Some(inbound.sender.display_name.clone());
    message
}
