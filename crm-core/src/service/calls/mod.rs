//! Calls in rooms: who may start and join one (the room's members), at most one live call per
//! room, and the summary message an ended call leaves in the room's history. Live media and
//! connections are not here: the gateway runs them and calls `join`/`end` at the edges.
//! An ended call in an open-line conversation also lands on the contact's timeline
//! (`timeline`); guests join by link (`guests`).

mod guests;
mod timeline;

pub use guests::{GUEST_TOKEN_PREFIX, GuestLinkCreated, GuestSession};

use crate::{
    Error, Result, Store,
    domain::{
        AttachmentId, Call, CallId, CallOutcome, CallRecording, CallSummary, ChatEvent,
        MessageBody, MessageKind, NewMessage, NewRecording, RoomId, User, now,
    },
    service::rooms::{Changed, append},
    store::{Conn, attachment_store, calls as call_store, message_store, room_store},
};

#[derive(Clone)]
pub struct Calls {
    store: Store,
}

impl Calls {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Starts a call in a room, or returns the one already going on there (`false`).
    pub async fn start(&self, actor: &User, room: RoomId) -> Result<(Call, bool)> {
        let mut tx = self.store.begin().await?;
        require_member(&mut tx, room, actor).await?;
        if let Some(live) = call_store::live_in_room(&mut tx, room).await? {
            return Ok((live, false));
        }
        let id = CallId::new();
        match call_store::insert(&mut tx, id, room, actor.id, now()).await {
            Ok(()) => {}
            // Someone else started one a moment ago: that is the room's call.
            Err(Error::Conflict { .. }) => {
                drop(tx);
                let mut conn = self.store.acquire().await?;
                return call_store::live_in_room(&mut conn, room)
                    .await?
                    .map(|call| (call, false))
                    .ok_or(Error::not_found("call"));
            }
            Err(error) => return Err(error),
        }
        let call = call_store::get(&mut tx, id)
            .await?
            .ok_or(Error::not_found("call"))?;
        tx.commit().await?;
        Ok((call, true))
    }

    /// The call going on in a room, for a member of the room.
    pub async fn live(&self, actor: &User, room: RoomId) -> Result<Option<Call>> {
        let mut conn = self.store.acquire().await?;
        require_member(&mut conn, room, actor).await?;
        call_store::live_in_room(&mut conn, room).await
    }

    /// Records the caller as a participant of a live call in a room they are a member of.
    pub async fn join(&self, actor: &User, call: CallId) -> Result<Call> {
        let mut tx = self.store.begin().await?;
        let found = call_store::get(&mut tx, call)
            .await?
            .ok_or(Error::not_found("call"))?;
        require_member(&mut tx, found.room_id, actor).await?;
        if found.ended_at.is_some() {
            return Err(Error::Conflict {
                constraint: "call_ended".into(),
                message: "the call has ended".into(),
            });
        }
        call_store::add_participant(&mut tx, call, actor.id, now()).await?;
        let joined = call_store::get(&mut tx, call)
            .await?
            .ok_or(Error::not_found("call"))?;
        tx.commit().await?;
        Ok(joined)
    }

    /// A member declines the ringing of a live call; the first decline is kept, so a call
    /// nobody answered ends as `declined` rather than `missed`.
    pub async fn decline(&self, actor: &User, call: CallId) -> Result<Call> {
        let mut tx = self.store.begin().await?;
        let found = call_store::get(&mut tx, call)
            .await?
            .ok_or(Error::not_found("call"))?;
        require_member(&mut tx, found.room_id, actor).await?;
        if found.ended_at.is_some() {
            return Err(Error::Conflict {
                constraint: "call_ended".into(),
                message: "the call has ended".into(),
            });
        }
        call_store::set_declined(&mut tx, call, actor.id, now()).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// A call as stored, without access checks: for the node that runs it.
    pub async fn get(&self, call: CallId) -> Result<Call> {
        let mut conn = self.store.acquire().await?;
        call_store::get(&mut conn, call)
            .await?
            .ok_or(Error::not_found("call"))
    }

    /// Ends a call and writes its summary into the room as a `call` message, with the
    /// recorded tracks (files already in the media store) as its attachments. `None` when
    /// the call had already ended.
    pub async fn end(
        &self,
        call: CallId,
        recorded: Vec<NewRecording>,
    ) -> Result<Option<Changed<Call>>> {
        let now = now();
        let mut tx = self.store.begin().await?;
        if !call_store::end(&mut tx, call, now).await? {
            return Ok(None);
        }
        let mut files = Vec::with_capacity(recorded.len());
        let mut recordings = Vec::with_capacity(recorded.len());
        for track in &recorded {
            let id = AttachmentId::new();
            attachment_store::insert(&mut tx, id, None, &track.file, now).await?;
            call_store::insert_recording(&mut tx, call, id, track, now).await?;
            let stored = attachment_store::get(&mut tx, id)
                .await?
                .ok_or(Error::not_found("attachment"))?;
            files.push(stored.reference());
            recordings.push(CallRecording {
                attachment_id: id,
                kind: track.kind.to_owned(),
                person: track.person.clone(),
                frames: track.frames,
                size_bytes: stored.size_bytes,
            });
        }
        let ended = call_store::get(&mut tx, call)
            .await?
            .ok_or(Error::not_found("call"))?;
        let people = call_store::people(&mut tx, call).await?;
        let summary = CallSummary {
            call_id: ended.id,
            started_by: ended.started_by,
            started_at_ms: ended.started_at.millis(),
            ended_at_ms: now.millis(),
            duration_ms: now.millis() - ended.started_at.millis(),
            participants: timeline::members(&people),
            guests: timeline::guests(&people),
            outcome: CallOutcome::of(people.len(), ended.declined_by.is_some()),
            recordings,
        };
        let new = NewMessage {
            room_id: ended.room_id,
            author_id: None,
            client_id: None,
            body: MessageBody::parse(&summary.text())?,
            attachments: serde_json::to_value(&files)
                .map_err(|_| Error::Internal("attachments did not serialize".into()))?,
            thread_root_id: None,
            reply_to_id: None,
        };
        let message = append(&mut tx, &new, now).await?;
        let meta = serde_json::to_value(&summary)
            .map_err(|_| Error::Internal("call summary did not serialize".into()))?;
        call_store::mark_system_message(&mut tx, message.id, MessageKind::Call, &meta).await?;
        call_store::set_message(&mut tx, call, message.id, now).await?;
        if let Some(entry) =
            timeline::record(&mut tx, ended.room_id, &summary, &people, message.id, now).await?
        {
            call_store::set_timeline_entry(&mut tx, call, entry).await?;
        }
        let message = message_store::get(&mut tx, message.id)
            .await?
            .ok_or(Error::not_found("message"))?;
        let ended = call_store::get(&mut tx, call)
            .await?
            .ok_or(Error::not_found("call"))?;
        tx.commit().await?;
        Ok(Some(Changed {
            value: ended,
            events: vec![ChatEvent::MessageCreated { message }],
            notify_users: Vec::new(),
        }))
    }
}

/// Calls belong to a room's members: others learn nothing (a room they cannot read is not
/// found) or are refused (a public channel they have not joined).
async fn require_member(conn: &mut Conn, room: RoomId, actor: &User) -> Result<()> {
    let found = room_store::get(conn, room)
        .await?
        .ok_or(Error::not_found("room"))?;
    if room_store::is_member(conn, room, actor.id).await? {
        if found.archived_at.is_some() {
            return Err(Error::Forbidden("the room is archived".into()));
        }
        return Ok(());
    }
    let public = found.kind == crate::domain::RoomKind::Channel && !found.is_private;
    if public {
        Err(Error::Forbidden(
            "only members of the room may start or join its calls".into(),
        ))
    } else {
        Err(Error::not_found("room"))
    }
}
