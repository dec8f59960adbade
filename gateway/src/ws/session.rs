//! One authenticated connection: the topics it receives, and the per-room watermark that
//! makes delivery gap-free and duplicate-free. A `message.created` is forwarded only above
//! the highest sequence already delivered for its room; a jump above it is filled from the
//! database first. A subscriber that fell behind on the bus gets `resync` for that room.

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, close_code};
use bytes::Bytes;
use crm_core::domain::{ChatEvent, RoomId};
use futures_util::{FutureExt, SinkExt, StreamExt};
use realtime::{BusError, BusItem, Subscription, Topic};
use serde_json::json;
use tokio_stream::StreamMap;

use super::{
    close,
    envelope::{self, Kind},
    frames::FrameError,
    text,
};
use crate::{http::auth::AuthUser, state::AppState};

/// Most messages sent to fill one gap or one resumed room; beyond it the client is told to
/// resync from history instead.
const MAX_CATCH_UP: i64 = 1_000;
const TYPING_INTERVAL: Duration = Duration::from_secs(2);
/// Most frames written to a socket in one flush.
const MAX_BATCH: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Source {
    User,
    Room(RoomId),
    Presence,
    /// CRM record changes, only while a CRM screen asks for them (`crm_subscribe`).
    Crm,
}

pub(super) struct Session {
    pub state: AppState,
    pub caller: AuthUser,
    /// This connection's name in the presence registry.
    pub connection_id: String,
    topics: StreamMap<Source, Subscription>,
    members_of: HashSet<RoomId>,
    /// Highest message sequence delivered (or known to the client) per received room.
    delivered: HashMap<RoomId, i64>,
    last_typing: HashMap<RoomId, Instant>,
    /// Room events flow only after the client's first `resume`, so that what it missed is
    /// delivered before anything newer and every room's messages arrive in order.
    pub streaming: bool,
    /// Frames for this connection alone (the SFU's offers), made when it joins a call: a
    /// channel allocates its first block of slots up front (about 1 KiB), which tens of
    /// thousands of idle connections would each carry for nothing.
    signals: Option<Signals>,
    /// The call this connection takes part in, and its participant key there.
    pub in_call: Option<(crm_core::domain::CallId, media::sfu::ParticipantKey)>,
}

struct Signals {
    receiver: tokio::sync::mpsc::UnboundedReceiver<serde_json::Value>,
    sender: tokio::sync::mpsc::UnboundedSender<serde_json::Value>,
}

/// The next frame a call sent this connection; never ready before it joined one.
async fn next_signal(signals: &mut Option<Signals>) -> Option<serde_json::Value> {
    match signals {
        Some(signals) => signals.receiver.recv().await,
        None => std::future::pending().await,
    }
}

pub(super) async fn run(state: AppState, socket: WebSocket, caller: AuthUser) {
    let mut session = Session {
        signals: None,
        in_call: None,
        state: state.clone(),
        connection_id: uuid::Uuid::now_v7().to_string(),
        caller,
        topics: StreamMap::new(),
        members_of: HashSet::new(),
        delivered: HashMap::new(),
        last_typing: HashMap::new(),
        streaming: false,
    };
    serve(&mut session, socket).await;
    // What runs once at the end is boxed: inline, its futures (leaving a call is ~5 KB)
    // would size the state of every connection for its whole life.
    if let Some((_, participant)) = session.in_call.take() {
        Box::pin(crate::calls::leave(&state, participant)).await;
    }
    // A connection that ends without reaching here (the process dies) expires by itself.
    let user = session.caller.user.id.to_string();
    if let Err(error) = Box::pin(state.presence.disconnect(&user, &session.connection_id)).await {
        tracing::warn!(error.message = %error, "presence not updated on disconnect");
    }
}

async fn serve(session: &mut Session, socket: WebSocket) {
    let state = session.state.clone();
    let (mut sink, mut stream) = socket.split();
    let mut heartbeat = tokio::time::interval(realtime::DEFAULT_PRESENCE_TTL / 3);
    heartbeat.tick().await;
    let hello = match Box::pin(session.start()).await {
        Ok(hello) => hello,
        Err(error) => {
            tracing::warn!(error.message = %error, "websocket session could not start");
            let _ = sink.send(close(close_code::AGAIN, "try again later")).await;
            return;
        }
    };
    if sink.send(hello).await.is_err() {
        return;
    }
    let shutdown = state.shutdown.clone().cancelled_owned();
    tokio::pin!(shutdown);
    loop {
        // The large per-frame work is boxed so the connection's own future stays small:
        // tens of thousands of idle connections each hold one.
        let frames = tokio::select! {
            () = &mut shutdown => {
                let _ = sink.send(close(close_code::AWAY, "server shutting down")).await;
                break;
            }
            Some(frame) = next_signal(&mut session.signals) => vec![text(&frame)],
            Some((source, item)) = session.topics.next(), if session.streaming => {
                Box::pin(session.on_bus(source, item)).await
            }
            _ = heartbeat.tick() => {
                let user = session.caller.user.id.to_string();
                if let Err(error) = Box::pin(state.presence.heartbeat(&user, &session.connection_id)).await {
                    tracing::warn!(error.message = %error, "presence heartbeat failed");
                }
                Vec::new()
            }
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(frame))) => Box::pin(session.on_client(&frame)).await,
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => Vec::new(),
            },
        };
        // Frames are queued, then whatever else the bus already has ready is added, and the
        // socket is flushed once: one write for a burst instead of one per frame.
        let mut queued = 0;
        for frame in frames {
            if sink.feed(frame).await.is_err() {
                return;
            }
            queued += 1;
        }
        while session.streaming && queued < MAX_BATCH {
            let Some(Some((source, item))) = session.topics.next().now_or_never() else {
                break;
            };
            for frame in Box::pin(session.on_bus(source, item)).await {
                if sink.feed(frame).await.is_err() {
                    return;
                }
                queued += 1;
            }
        }
        if queued > 0 && sink.flush().await.is_err() {
            return;
        }
    }
}

impl Session {
    /// Subscribes to the user's topic and rooms, then reads where each room stands, so that
    /// every later message arrives either from the database or from the bus.
    async fn start(&mut self) -> Result<Message, StartError> {
        let user = self.caller.user.id;
        self.topics.insert(
            Source::User,
            self.state.bus.subscribe(&Topic::user(user)?).await?,
        );
        let presence_topic = Topic::presence(realtime::PRESENCE_TENANT)?;
        self.topics.insert(
            Source::Presence,
            self.state.bus.subscribe(&presence_topic).await?,
        );
        self.state
            .presence
            .connect(&user.to_string(), &self.connection_id)
            .await?;
        for room in self.state.rooms.room_ids(user).await? {
            self.topics.insert(
                Source::Room(room),
                self.state.bus.subscribe(&Topic::room(room)?).await?,
            );
            self.members_of.insert(room);
        }
        let mut positions = serde_json::Map::new();
        for summary in self.state.rooms.list(&self.caller.user).await? {
            self.delivered
                .insert(summary.room.id, summary.room.last_seq);
            positions.insert(summary.room.id.to_string(), json!(summary.room.last_seq));
        }
        Ok(text(&json!({
            "type": "hello",
            "protocol": 1,
            "user_id": user,
            "session_id": self.caller.session_id,
            "rooms": positions,
        })))
    }

    /// The sender a call keeps to reach this connection; the channel is made on first use.
    pub(super) fn signal_sender(
        &mut self,
    ) -> tokio::sync::mpsc::UnboundedSender<serde_json::Value> {
        let signals = self.signals.get_or_insert_with(|| {
            let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
            Signals { receiver, sender }
        });
        signals.sender.clone()
    }

    pub(super) fn is_member(&self, room: RoomId) -> bool {
        self.members_of.contains(&room)
    }

    /// At most one typing event per room every two seconds from one connection.
    pub(super) fn typing_allowed(&mut self, room: RoomId) -> bool {
        let now = Instant::now();
        match self.last_typing.get(&room) {
            Some(last) if now.duration_since(*last) < TYPING_INTERVAL => false,
            _ => {
                self.last_typing.insert(room, now);
                true
            }
        }
    }

    /// Starts receiving a room, with `last_seq` as the position the client is at.
    pub(super) async fn watch(&mut self, room: RoomId, last_seq: i64) -> Result<(), BusError> {
        if !self.topics.contains_key(&Source::Room(room)) {
            self.topics.insert(
                Source::Room(room),
                self.state.bus.subscribe(&Topic::room(room)?).await?,
            );
            self.delivered.insert(room, last_seq);
        }
        Ok(())
    }

    /// Starts receiving CRM record changes (once per connection, however often asked).
    pub(super) async fn watch_crm(&mut self) -> Result<(), BusError> {
        if !self.topics.contains_key(&Source::Crm) {
            let topic = crate::crm_events::topic()?;
            self.topics
                .insert(Source::Crm, self.state.bus.subscribe(&topic).await?);
        }
        Ok(())
    }

    pub(super) fn unwatch_crm(&mut self) {
        self.topics.remove(&Source::Crm);
    }

    pub(super) fn unwatch(&mut self, room: RoomId) {
        self.topics.remove(&Source::Room(room));
        self.delivered.remove(&room);
        self.members_of.remove(&room);
    }

    pub(super) async fn on_bus(&mut self, source: Source, item: BusItem) -> Vec<Message> {
        let payload = match item {
            BusItem::Message(payload) => payload,
            BusItem::Lagged { skipped } => {
                return vec![match source {
                    Source::Room(room) => {
                        text(&json!({"type": "resync", "room_id": room, "skipped": skipped}))
                    }
                    Source::User => text(&json!({"type": "resync", "skipped": skipped})),
                    Source::Presence => {
                        text(&json!({"type": "resync", "presence": true, "skipped": skipped}))
                    }
                    Source::Crm => {
                        text(&json!({"type": "resync", "crm": true, "skipped": skipped}))
                    }
                }];
            }
        };
        // Presence and CRM events are plain JSON frames, not chat event envelopes.
        if matches!(source, Source::Presence | Source::Crm) {
            return forward(payload);
        }
        let Some((header, json)) = envelope::decode(&payload) else {
            return Vec::new();
        };
        let mine = header.subject.as_deref() == Some(self.caller.user.id.to_string().as_str());
        match (header.kind, header.room_id) {
            (Kind::MessageCreated, Some(room)) => {
                self.message_created(room, header.seq, json).await
            }
            (Kind::Joined, Some(room)) if source == Source::User => {
                self.members_of.insert(room);
                let last_seq = self
                    .state
                    .rooms
                    .get(&self.caller.user, room)
                    .await
                    .map(|r| r.last_seq)
                    .unwrap_or(0);
                if self.watch(room, last_seq).await.is_err() {
                    return vec![text(&json!({"type": "resync", "room_id": room}))];
                }
                forward(json)
            }
            (Kind::Left, Some(room)) if source == Source::User && mine => {
                self.unwatch(room);
                forward(json)
            }
            // The user topic already carried this user's own membership change.
            (Kind::Joined | Kind::Left, _) if mine => Vec::new(),
            _ => forward(json),
        }
    }

    async fn message_created(&mut self, room: RoomId, seq: i64, json: Bytes) -> Vec<Message> {
        let delivered = self.delivered.get(&room).copied().unwrap_or(seq - 1);
        if seq <= delivered {
            return Vec::new();
        }
        let mut frames = Vec::new();
        if seq > delivered + 1 {
            match self.catch_up(room, delivered, seq - 1).await {
                Ok(missed) => frames.extend(missed),
                Err(error) => {
                    return vec![
                        error.into_frame(),
                        text(&json!({"type": "resync", "room_id": room})),
                    ];
                }
            }
        }
        self.delivered.insert(room, seq);
        frames.extend(forward(json));
        frames
    }

    /// Messages of a room after `after` up to `until`, as `message.created` frames.
    async fn catch_up(
        &mut self,
        room: RoomId,
        after: i64,
        until: i64,
    ) -> Result<Vec<Message>, FrameError> {
        if until - after > MAX_CATCH_UP {
            self.delivered.insert(room, until);
            return Ok(vec![text(&json!({"type": "resync", "room_id": room}))]);
        }
        let mut frames = Vec::new();
        let mut cursor = after;
        while cursor < until {
            let page = self
                .state
                .rooms
                .history(&self.caller.user, room, None, Some(cursor), 200)
                .await?;
            let Some(last) = page.last() else { break };
            let next = last.seq;
            for message in page.into_iter().filter(|m| m.seq <= until) {
                let event = ChatEvent::MessageCreated { message };
                frames.push(text(&serde_json::to_value(&event).unwrap_or_default()));
            }
            cursor = next;
        }
        self.delivered.insert(
            room,
            until.max(self.delivered.get(&room).copied().unwrap_or(0)),
        );
        Ok(frames)
    }

    /// Sends what the client missed in each room since the sequence it names, then `resumed`.
    pub(super) async fn resume(
        &mut self,
        reference: Option<String>,
        rooms: Vec<(RoomId, i64)>,
    ) -> Result<Vec<Message>, FrameError> {
        let mut frames = Vec::new();
        let mut positions = serde_json::Map::new();
        for (room, seen) in rooms {
            let found = self.state.rooms.get(&self.caller.user, room).await?;
            self.watch(room, found.last_seq)
                .await
                .map_err(|_| FrameError::from(crm_core::Error::Internal("bus".into())))?;
            let delivered = self.delivered.get(&room).copied().unwrap_or(found.last_seq);
            if seen.max(0) < delivered {
                let missed = self.catch_up(room, seen.max(0), delivered).await?;
                frames.extend(missed);
            }
            positions.insert(
                room.to_string(),
                json!(self.delivered.get(&room).copied().unwrap_or(delivered)),
            );
        }
        frames.push(text(
            &json!({"type": "resumed", "ref": reference, "rooms": positions}),
        ));
        self.streaming = true;
        Ok(frames)
    }
}

fn forward(json: Bytes) -> Vec<Message> {
    match Utf8Bytes::try_from(json) {
        Ok(frame) => vec![Message::Text(frame)],
        Err(_) => Vec::new(),
    }
}

#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] crm_core::Error),
}
