//! One authenticated connection: the topics it receives, and the per-room watermark that
//! makes delivery gap-free and duplicate-free. A `message.created` is forwarded only above
//! the highest sequence already delivered for its room; a jump above it is filled from the
//! database first. A subscriber that fell behind on the bus gets `resync` for that room.

use std::{
    collections::{HashMap, HashSet},
    pin::Pin,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, close_code};
use bytes::Bytes;
use crm_core::domain::{ChatEvent, RoomId};
use futures_util::{FutureExt, SinkExt, Stream, StreamExt};
use realtime::{BusError, BusItem, Subscription, Topic};
use serde_json::json;

use super::{
    close,
    envelope::{self, Kind},
    frames::FrameError,
    text,
    topics::Topics,
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
    topics: Topics,
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
        topics: Topics::default(),
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

async fn serve(session: &mut Session, mut socket: WebSocket) {
    let state = session.state.clone();
    let mut heartbeat = tokio::time::interval(realtime::DEFAULT_PRESENCE_TTL / 3);
    heartbeat.tick().await;
    let hello = match Box::pin(session.start()).await {
        Ok(hello) => hello,
        Err(error) => {
            tracing::warn!(error.message = %error, "websocket session could not start");
            let _ = socket
                .send(close(close_code::AGAIN, "try again later"))
                .await;
            return;
        }
    };
    if socket.send(hello).await.is_err() {
        return;
    }
    let shutdown = state.shutdown.clone().cancelled_owned();
    tokio::pin!(shutdown);
    let mut writes = Writes::new(state.settings.bus.fanout_window());
    // Made on the first hold: most connections never receive a fan-out fast enough to need
    // it, and a timer would add to what every idle connection holds.
    let mut held: Option<Pin<Box<tokio::time::Sleep>>> = None;
    // The socket is read and written from this one task, never split: `split` would put a
    // lock in front of every read and every frame written, for halves that never run
    // concurrently.
    loop {
        // Frames that answer the client, or come from a small conversation, go out at once.
        let mut urgent = false;
        let mut hold_ended = false;
        // The large per-frame work is boxed so the connection's own future stays small:
        // tens of thousands of idle connections each hold one.
        let queued = tokio::select! {
            () = &mut shutdown => {
                let _ = socket.send(close(close_code::AWAY, "server shutting down")).await;
                break;
            }
            () = hold_passed(&mut held), if writes.holding => {
                writes.holding = false;
                hold_ended = true;
                Some(0)
            }
            Some(frame) = next_signal(&mut session.signals) => {
                urgent = true;
                socket.feed(text(&frame)).await.ok().map(|()| 1)
            }
            Some((source, (item, fanout))) = session.topics.next(), if session.streaming && !writes.holding => {
                urgent = fanout < FANOUT;
                relay(session, &mut socket, source, item).await
            }
            _ = heartbeat.tick() => {
                let user = session.caller.user.id.to_string();
                if let Err(error) = Box::pin(state.presence.heartbeat(&user, &session.connection_id)).await {
                    tracing::warn!(error.message = %error, "presence heartbeat failed");
                }
                Some(0)
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(frame))) => {
                    urgent = true;
                    let frames = Box::pin(session.on_client(&frame)).await;
                    queue(&mut socket, frames).await
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => Some(0),
            },
        };
        let Some(mut queued) = queued else { return };
        // Whatever else the bus already has ready joins the frames queued above (unless
        // a fan-out is being held back), and all of it goes out in one write.
        while session.streaming && !writes.holding && queued < MAX_BATCH {
            let Some(Some((source, (item, fanout)))) = session.topics.next().now_or_never() else {
                break;
            };
            urgent |= fanout < FANOUT;
            match relay(session, &mut socket, source, item).await {
                Some(more) => queued += more,
                None => return,
            }
        }
        let now = tokio::time::Instant::now();
        match writes.queued(queued, urgent || queued >= MAX_BATCH, hold_ended, now) {
            Write::Later => {}
            Write::Now => {
                if socket.flush().await.is_err() {
                    return;
                }
                if writes.holding {
                    hold_until(&mut held, writes.last_flush + writes.window);
                }
            }
            Write::At(deadline) => hold_until(&mut held, deadline),
        }
    }
}

fn hold_until(held: &mut Option<Pin<Box<tokio::time::Sleep>>>, deadline: tokio::time::Instant) {
    match held {
        Some(timer) => timer.as_mut().reset(deadline),
        None => *held = Some(Box::pin(tokio::time::sleep_until(deadline))),
    }
}

async fn hold_passed(held: &mut Option<Pin<Box<tokio::time::Sleep>>>) {
    match held {
        Some(timer) => timer.as_mut().await,
        None => std::future::pending().await,
    }
}

/// A bus event sent to at least this many connections of this node is a fan-out (a
/// channel's message, a busy line's), whose writes a busy connection batches (`Writes`);
/// events of smaller rooms (direct messages, small groups) are written at once.
const FANOUT: usize = 32;

/// When this connection's socket is written. Every write is a system call that, for a
/// channel's message to thousands of members, is most of the node's work. A fan-out frame
/// that arrives within `window` of the connection's last write marks the connection busy:
/// the frame waits until the window has passed, and from then on the connection reads the
/// bus only once per window and writes everything that arrived meanwhile at once, until a
/// window passes with nothing new. A connection that receives now and then writes at once,
/// as do answers to the client's own frames and small conversations' frames.
struct Writes {
    window: Duration,
    /// Frames queued on the socket and not yet written.
    pending: usize,
    last_flush: tokio::time::Instant,
    /// Busy: the bus is not read until `last_flush + window`.
    holding: bool,
}

enum Write {
    /// Nothing to write, or a hold already waits for its deadline.
    Later,
    /// Flush the socket; if `holding` is then set, hold until the window passes.
    Now,
    /// Hold what is queued until this time.
    At(tokio::time::Instant),
}

impl Writes {
    fn new(window: Duration) -> Self {
        let now = tokio::time::Instant::now();
        Self {
            window,
            pending: 0,
            // As if the last write were a window ago: the first fan-out goes out at once.
            last_flush: now.checked_sub(window).unwrap_or(now),
            holding: false,
        }
    }

    /// Takes `count` newly queued frames into account and says when to write.
    /// `hold_ended` is set when a hold's deadline has just passed.
    fn queued(
        &mut self,
        count: usize,
        urgent: bool,
        hold_ended: bool,
        now: tokio::time::Instant,
    ) -> Write {
        self.pending += count;
        if self.pending == 0 {
            // Quiet for a whole window: back to writing each frame as it comes.
            return Write::Later;
        }
        if urgent || self.window.is_zero() {
            return self.flush(now, false);
        }
        if hold_ended {
            // Still busy: batch the next window too.
            return self.flush(now, true);
        }
        if self.holding {
            return Write::Later;
        }
        if now >= self.last_flush + self.window {
            return self.flush(now, false);
        }
        self.holding = true;
        Write::At(self.last_flush + self.window)
    }

    fn flush(&mut self, now: tokio::time::Instant, hold: bool) -> Write {
        self.pending = 0;
        self.last_flush = now;
        self.holding = hold;
        Write::Now
    }
}

/// Queues `frames` on the socket without flushing; `None` when the socket is gone.
async fn queue(socket: &mut WebSocket, frames: Vec<Message>) -> Option<usize> {
    let count = frames.len();
    for frame in frames {
        socket.feed(frame).await.ok()?;
    }
    Some(count)
}

/// Queues what one bus item yields for this connection; `None` when the socket is gone.
/// The common item, the next message of a room or a plain event, is routed without
/// allocating; a gap to fill or a room joined needs the database and takes the boxed path.
async fn relay(
    session: &mut Session,
    socket: &mut WebSocket,
    source: Source,
    item: BusItem,
) -> Option<usize> {
    match session.route(source, item) {
        Routed::Drop => Some(0),
        Routed::Forward(frame) => socket.feed(frame).await.ok().map(|()| 1),
        Routed::Gap {
            room,
            after,
            seq,
            json,
        } => {
            let frames = Box::pin(session.fill_gap(room, after, seq, json)).await;
            queue(socket, frames).await
        }
        Routed::Joined { room, json } => {
            let frames = Box::pin(session.joined(room, json)).await;
            queue(socket, frames).await
        }
    }
}

/// What one bus item means for this connection.
enum Routed {
    /// Nothing for it (a message it already has, its own membership change twice, an
    /// unreadable payload).
    Drop,
    Forward(Message),
    /// A message above the next one expected: those after `after` come from the database
    /// first.
    Gap {
        room: RoomId,
        after: i64,
        seq: i64,
        json: Bytes,
    },
    /// This user joined a room: start receiving it.
    Joined {
        room: RoomId,
        json: Bytes,
    },
}

impl Session {
    /// Subscribes to the user's topic and rooms, then reads where each room stands, so that
    /// every later message arrives either from the database or from the bus.
    async fn start(&mut self) -> Result<Message, StartError> {
        let user = self.caller.user.id;
        self.topics.insert(
            Source::User,
            Fanned(self.state.bus.subscribe(&Topic::user(user)?).await?),
        );
        let presence_topic = Topic::presence(realtime::PRESENCE_TENANT)?;
        self.topics.insert(
            Source::Presence,
            Fanned(self.state.bus.subscribe(&presence_topic).await?),
        );
        self.state
            .presence
            .connect(&user.to_string(), &self.connection_id)
            .await?;
        for room in self.state.rooms.room_ids(user).await? {
            self.topics.insert(
                Source::Room(room),
                Fanned(self.state.bus.subscribe(&Topic::room(room)?).await?),
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
                Fanned(self.state.bus.subscribe(&Topic::room(room)?).await?),
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
                .insert(Source::Crm, Fanned(self.state.bus.subscribe(&topic).await?));
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

    /// Decides what one bus item means for this connection. Everything but a gap to fill
    /// from the database and a room joined is decided here, without awaiting anything.
    fn route(&mut self, source: Source, item: BusItem) -> Routed {
        let payload = match item {
            BusItem::Message(payload) => payload,
            BusItem::Lagged { skipped } => {
                return Routed::Forward(match source {
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
                });
            }
        };
        // Presence and CRM events are plain JSON frames, not chat event envelopes.
        if matches!(source, Source::Presence | Source::Crm) {
            return forward(payload);
        }
        let Some((header, json)) = envelope::decode(&payload) else {
            return Routed::Drop;
        };
        let mine = || {
            header
                .subject
                .as_deref()
                .is_some_and(|subject| subject == self.caller.user.id.to_string())
        };
        match (header.kind, header.room_id) {
            (Kind::MessageCreated, Some(room)) => {
                let seq = header.seq;
                let delivered = self.delivered.get(&room).copied().unwrap_or(seq - 1);
                if seq <= delivered {
                    Routed::Drop
                } else if seq == delivered + 1 {
                    self.delivered.insert(room, seq);
                    forward(json)
                } else {
                    Routed::Gap {
                        room,
                        after: delivered,
                        seq,
                        json,
                    }
                }
            }
            (Kind::Joined, Some(room)) if source == Source::User => Routed::Joined { room, json },
            (Kind::Left, Some(room)) if source == Source::User && mine() => {
                self.unwatch(room);
                forward(json)
            }
            // The user topic already carried this user's own membership change.
            (Kind::Joined | Kind::Left, _) if mine() => Routed::Drop,
            _ => forward(json),
        }
    }

    /// Sends the messages of `room` after `after` from the database, then the one with
    /// `seq` that revealed the gap.
    async fn fill_gap(&mut self, room: RoomId, after: i64, seq: i64, json: Bytes) -> Vec<Message> {
        let mut frames = match self.catch_up(room, after, seq - 1).await {
            Ok(missed) => missed,
            Err(error) => {
                return vec![
                    error.into_frame(),
                    text(&json!({"type": "resync", "room_id": room})),
                ];
            }
        };
        self.delivered.insert(room, seq);
        frames.extend(Utf8Bytes::try_from(json).ok().map(Message::Text));
        frames
    }

    /// This user joined `room` (or it was made with them): receive it from where it stands.
    async fn joined(&mut self, room: RoomId, json: Bytes) -> Vec<Message> {
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
        Utf8Bytes::try_from(json)
            .ok()
            .map(Message::Text)
            .into_iter()
            .collect()
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

/// A subscription whose items say how many connections of this node the event went to.
pub(super) struct Fanned(pub(super) Subscription);

impl Stream for Fanned {
    type Item = (BusItem, usize);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let subscription = &mut self.0;
        Pin::new(&mut *subscription)
            .poll_next(cx)
            .map(|item| item.map(|item| (item, subscription.fanout())))
    }
}

fn forward(json: Bytes) -> Routed {
    match Utf8Bytes::try_from(json) {
        Ok(frame) => Routed::Forward(Message::Text(frame)),
        Err(_) => Routed::Drop,
    }
}

#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] crm_core::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_millis(20);

    fn at(start: tokio::time::Instant, millis: u64) -> tokio::time::Instant {
        start + Duration::from_millis(millis)
    }

    /// A connection that last wrote at `start + 100 ms`.
    fn just_written(start: tokio::time::Instant) -> Writes {
        let mut writes = Writes::new(WINDOW);
        assert!(matches!(
            writes.queued(1, false, false, at(start, 100)),
            Write::Now
        ));
        writes
    }

    #[test]
    fn fan_out_frames_further_apart_than_the_window_are_each_written_at_once() {
        let start = tokio::time::Instant::now();
        let mut writes = just_written(start);

        assert!(!writes.holding);
        assert!(matches!(
            writes.queued(1, false, false, at(start, 125)),
            Write::Now
        ));
        assert!(
            !writes.holding,
            "no timer for a connection that is not busy"
        );
    }

    #[test]
    fn a_fan_out_frame_within_the_window_waits_for_its_end() {
        let start = tokio::time::Instant::now();
        let mut writes = just_written(start);

        let decision = writes.queued(1, false, false, at(start, 105));

        assert!(matches!(decision, Write::At(deadline) if deadline == at(start, 120)));
        assert!(writes.holding);
        assert!(matches!(
            writes.queued(2, false, false, at(start, 110)),
            Write::Later
        ));
        assert_eq!(writes.pending, 3);
    }

    #[test]
    fn a_busy_connection_writes_once_per_window_until_a_window_brings_nothing() {
        let start = tokio::time::Instant::now();
        let mut writes = just_written(start);
        let _ = writes.queued(1, false, false, at(start, 105));
        // The hold ends: the loop clears `holding` and counts what the bus had meanwhile.
        writes.holding = false;

        assert!(matches!(
            writes.queued(4, false, true, at(start, 120)),
            Write::Now
        ));
        assert_eq!(writes.pending, 0);
        assert!(writes.holding, "the next window is batched too");

        writes.holding = false;
        assert!(matches!(
            writes.queued(0, false, true, at(start, 140)),
            Write::Later
        ));
        assert!(!writes.holding, "quiet again: the bus is read at once");
    }

    #[test]
    fn an_answer_to_the_client_goes_out_at_once_with_whatever_was_held() {
        let start = tokio::time::Instant::now();
        let mut writes = just_written(start);
        let _ = writes.queued(2, false, false, at(start, 101));

        let decision = writes.queued(1, true, false, at(start, 102));

        assert!(matches!(decision, Write::Now));
        assert_eq!(writes.pending, 0);
        assert!(!writes.holding, "the bus is read again at once");
    }

    #[test]
    fn without_a_window_every_frame_is_written_at_once() {
        let start = tokio::time::Instant::now();
        let mut writes = Writes::new(Duration::ZERO);
        for millis in [0, 1, 2] {
            assert!(matches!(
                writes.queued(1, false, false, at(start, millis)),
                Write::Now
            ));
            assert!(!writes.holding);
        }
    }
}
