//! Rooms and messages. `create` and `post` are the primitives (no caller checks) that open
//! lines and the system use; the `membership` and `messages` modules are what staff do,
//! each action checked against who the caller is and what the room allows (`access`).

mod access;
mod membership;
mod mentions;
mod messages;
mod pins;

pub use membership::Changed;

use crate::{
    Error, Result, Store,
    domain::{
        AttachmentId, ConversationStatus, Message, MessageId, MessageKind, NewMessage, NewRoom,
        OutboundFile, OutboundMessage, Room, RoomId, RoomKind, Timestamp, now,
    },
    store::{Conn, attachment_store, conversations, lines, message_store, outbox, room_store},
};

#[derive(Clone)]
pub struct Rooms {
    store: Store,
}

impl Rooms {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Creates a room and its members in one transaction. A DM needs exactly two distinct
    /// members, and a second DM for the same pair is a conflict.
    pub async fn create(&self, new: NewRoom) -> Result<Room> {
        if new.kind == RoomKind::Dm {
            let distinct = new.members.len() == 2 && new.members[0] != new.members[1];
            if !distinct {
                return Err(Error::validation(
                    "members",
                    "a dm has exactly two different members",
                ));
            }
        }
        let id = RoomId::new();
        let now = now();
        let mut tx = self.store.begin().await?;
        room_store::insert(&mut tx, id, &new, now).await?;
        for member in &new.members {
            let role = if Some(*member) == new.created_by {
                "owner"
            } else {
                "member"
            };
            room_store::add_member(&mut tx, id, *member, role, now).await?;
        }
        let room = room_store::get(&mut tx, id)
            .await?
            .ok_or(Error::not_found("room"))?;
        tx.commit().await?;
        Ok(room)
    }

    /// Stores a message with the room's next sequence number. Sending again with the same
    /// client id returns the message stored the first time, and takes no new number.
    pub async fn post(&self, new: NewMessage) -> Result<(Message, bool)> {
        let mut tx = self.store.begin().await?;
        if let Some(existing) = message_store::find_by_client_id(&mut tx, &new).await? {
            return Ok((existing, false));
        }
        if let Some(author) = new.author_id
            && !room_store::is_member(&mut tx, new.room_id, author).await?
        {
            return Err(match room_store::get(&mut tx, new.room_id).await? {
                Some(_) => Error::Forbidden("only members may write in this room".into()),
                None => Error::not_found("room"),
            });
        }
        let now = now();
        match append(&mut tx, &new, now).await {
            Ok(message) => {
                tx.commit().await?;
                Ok((message, true))
            }
            // A concurrent send with the same client id won the race: answer with its message.
            Err(Error::Conflict { .. }) if new.client_id.is_some() => {
                drop(tx);
                let mut conn = self.store.acquire().await?;
                let existing = message_store::find_by_client_id(&mut conn, &new).await?;
                existing
                    .map(|message| (message, false))
                    .ok_or(Error::not_found("message"))
            }
            Err(error) => Err(error),
        }
    }

    /// Messages after a sequence number, oldest first; what a reconnecting client missed.
    pub async fn messages_after(
        &self,
        room: RoomId,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<Message>> {
        let mut conn = self.store.acquire().await?;
        message_store::list_after(&mut conn, room, after_seq, limit.clamp(1, 500)).await
    }
}

/// Appends a message inside the caller's transaction: the room's next sequence number, the
/// thread count, attachment links, and — for a staff message in an open-line conversation —
/// the outbox row that carries it to the client.
pub(crate) async fn append(tx: &mut Conn, new: &NewMessage, now: Timestamp) -> Result<Message> {
    let message = append_unsent(tx, new, now).await?;
    if new.author_id.is_some() {
        forward_to_client(tx, &message, now).await?;
        return message_store::get(tx, message.id)
            .await?
            .ok_or(Error::not_found("message"));
    }
    Ok(message)
}

/// Appends a message that goes to no provider: a client's own, an operator's private note,
/// or an automatic message whose outbox row the caller writes.
pub(crate) async fn append_unsent(
    tx: &mut Conn,
    new: &NewMessage,
    now: Timestamp,
) -> Result<Message> {
    let seq = room_store::next_seq(tx, new.room_id, now)
        .await
        .map_err(|error| match error {
            Error::NotFound { .. } => Error::not_found("room"),
            other => other,
        })?;
    let id = MessageId::new();
    message_store::insert(tx, id, seq, new, now).await?;
    if let Some(root) = new.thread_root_id {
        message_store::count_reply(tx, root, now).await?;
    }
    attachment_store::link_message(tx, id, new.room_id, &new.attachments, now).await?;
    Ok(as_stored(new, id, seq, now))
}

/// The message a new row holds: everything not in `new` is its column default, so nothing
/// needs reading back.
pub(crate) fn as_stored(new: &NewMessage, id: MessageId, seq: i64, now: Timestamp) -> Message {
    Message {
        id,
        room_id: new.room_id,
        seq,
        client_id: new.client_id.clone(),
        author_id: new.author_id,
        body: new.body.as_str().to_owned(),
        attachments: new.attachments.clone(),
        thread_root_id: new.thread_root_id,
        reply_to_id: new.reply_to_id,
        reply_count: 0,
        last_reply_at: None,
        delivery_status: None,
        delivery_error: None,
        external_id: None,
        sender_name: None,
        kind: MessageKind::Message,
        edited_at: None,
        deleted_at: None,
        created_at: now,
        meta: None,
        reactions: Vec::new(),
    }
}

/// The stored files behind a staff message's attachment references, for the provider.
async fn outbound_files(
    tx: &mut Conn,
    references: &serde_json::Value,
) -> Result<Vec<OutboundFile>> {
    let mut files = Vec::new();
    let ids = references
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["id"].as_str()?.parse::<AttachmentId>().ok());
    for id in ids {
        let attachment = attachment_store::get(tx, id)
            .await?
            .ok_or(Error::not_found("attachment"))?;
        files.push(OutboundFile {
            sha256: attachment.sha256.as_str().to_owned(),
            file_name: attachment.file_name.as_str().to_owned(),
            content_type: attachment.content_type.as_str().to_owned(),
        });
    }
    Ok(files)
}

async fn forward_to_client(tx: &mut Conn, message: &Message, now: Timestamp) -> Result<()> {
    let Some(conversation) = conversations::get(tx, message.room_id).await? else {
        return Ok(());
    };
    if conversation.status == ConversationStatus::Closed {
        return Err(Error::Forbidden("the conversation is closed".into()));
    }
    queue_for_client(tx, &conversation, message, now).await?;
    let line = lines::get_line(tx, conversation.line_id)
        .await?
        .ok_or(Error::not_found("line"))?;
    let auto_close =
        (line.auto_close_minutes > 0).then(|| now.plus_seconds(line.auto_close_minutes * 60));
    let linked = conversations::operator_answered(tx, message.room_id, auto_close, now).await?;
    let contact = conversation.contact_id;
    crate::service::open_lines::journal::message_of(
        tx,
        contact,
        linked,
        &conversation,
        message,
        now,
    )
    .await
}

/// Writes the outbox row that carries a message to the conversation's client.
pub(crate) async fn queue_for_client(
    tx: &mut Conn,
    conversation: &crate::domain::Conversation,
    message: &Message,
    now: Timestamp,
) -> Result<()> {
    let channel = lines::get_channel(tx, conversation.channel_id)
        .await?
        .ok_or(Error::not_found("channel"))?;
    let reply_to = match message.reply_to_id {
        Some(quoted) => message_store::get(tx, quoted)
            .await?
            .and_then(|quoted| quoted.external_id),
        None => None,
    };
    let outbound = OutboundMessage {
        chat_id: conversation.external_chat_id.clone(),
        text: message.body.clone(),
        reply_to,
        files: outbound_files(tx, &message.attachments).await?,
    };
    outbox::insert(
        tx,
        message.id,
        message.room_id,
        channel.kind,
        &channel.account,
        &outbound,
        now,
    )
    .await
}
