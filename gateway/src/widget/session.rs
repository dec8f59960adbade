//! One visitor's connection. It receives two topics: the visitor's own (`visitor:{id}`:
//! replies from the outbox worker, and its own messages from its other tabs) and the room
//! of its newest conversation, from which only the operators' typing, read position and the
//! conversation's status are passed on — never the room's messages, which may include what
//! the client must not see. Messages are delivered in room-sequence order without gaps or
//! repeats: one at or below what was delivered is dropped; one further ahead is preceded by
//! the visible messages in between, read from the database.

use std::{collections::HashMap, time::Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use bytes::Bytes;
use crm_core::domain::{Channel, RoomId, Visitor};
use futures_util::{SinkExt, StreamExt};
use realtime::{BusError, BusItem, Subscription, Topic};
use serde_json::{Value, json};
use tokio_stream::StreamMap;

use super::{socket::Authenticated, wire};
use crate::{
    state::AppState,
    ws::{envelope, frames::FrameError},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Source {
    Visitor,
    Room(RoomId),
}

pub(super) struct Session {
    pub state: AppState,
    pub visitor: Visitor,
    pub channel: Channel,
    topics: StreamMap<Source, Subscription>,
    /// Highest sequence delivered (or known to the client) per conversation room.
    pub delivered: HashMap<RoomId, i64>,
    /// The newest conversation: the one typing and read apply to, and whose room is watched.
    pub current: Option<RoomId>,
    /// Messages flow only after the client's `resume`, so history comes first.
    pub streaming: bool,
    pub last_typing: Option<Instant>,
}

pub(super) async fn run(state: AppState, socket: WebSocket, caller: Authenticated) {
    let (mut sink, mut stream) = socket.split();
    let mut session = Session {
        state: state.clone(),
        visitor: caller.visitor,
        channel: caller.channel,
        topics: StreamMap::new(),
        delivered: HashMap::new(),
        current: None,
        streaming: false,
        last_typing: None,
    };
    let hello = match session.start().await {
        Ok(hello) => hello,
        Err(error) => {
            tracing::warn!(error.message = %error, "widget session could not start");
            let _ = sink.send(close(close_code::AGAIN, "try again later")).await;
            return;
        }
    };
    if sink.send(text(&hello)).await.is_err() {
        return;
    }
    let shutdown = state.shutdown.clone().cancelled_owned();
    tokio::pin!(shutdown);
    loop {
        let frames = tokio::select! {
            () = &mut shutdown => {
                let _ = sink.send(close(close_code::AWAY, "server shutting down")).await;
                break;
            }
            Some((source, item)) = session.topics.next(), if session.streaming => {
                Box::pin(session.on_bus(source, item)).await
            }
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(frame))) => Box::pin(session.on_client(&frame)).await,
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => Vec::new(),
            },
        };
        for frame in frames {
            if sink.feed(frame).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
}

impl Session {
    /// Subscribes before anything is read, so that every later message arrives either from
    /// the database (history) or from the bus.
    async fn start(&mut self) -> Result<Value, StartError> {
        let topic = Topic::visitor(self.visitor.id)?;
        self.topics
            .insert(Source::Visitor, self.state.bus.subscribe(&topic).await?);
        if let Some((room, _)) = self.state.widget.rooms(&self.visitor).await?.last() {
            self.follow(*room).await?;
        }
        Ok(json!({
            "type": "hello",
            "protocol": 1,
            "visitor": wire::visitor(&self.visitor),
            "room_id": self.current,
        }))
    }

    /// Makes `room` the current conversation and watches it for operators' typing and reads.
    pub async fn follow(&mut self, room: RoomId) -> Result<(), BusError> {
        if self.current == Some(room) {
            return Ok(());
        }
        if let Some(old) = self.current.take() {
            self.topics.remove(&Source::Room(old));
        }
        let subscription = self.state.bus.subscribe(&Topic::room(room)?).await?;
        self.topics.insert(Source::Room(room), subscription);
        self.current = Some(room);
        Ok(())
    }

    async fn on_bus(&mut self, source: Source, item: BusItem) -> Vec<Message> {
        let payload = match item {
            BusItem::Message(payload) => payload,
            // Missed replies are read back from the database; missed typing is stale anyway.
            BusItem::Lagged { .. } => {
                return match (source, self.current) {
                    (Source::Visitor, Some(room)) => self.fill(room, i64::MAX).await,
                    _ => Vec::new(),
                };
            }
        };
        let Some((header, json)) = envelope::decode(&payload) else {
            return Vec::new();
        };
        match (source, header.kind, header.room_id) {
            (Source::Visitor, envelope::Kind::MessageCreated, Some(room)) => {
                self.message(room, header.seq, &json).await
            }
            (Source::Room(room), envelope::Kind::Other, _) => {
                operator_activity(room, &json).iter().map(text).collect()
            }
            _ => Vec::new(),
        }
    }

    /// A message published for this visitor, delivered in order.
    async fn message(&mut self, room: RoomId, seq: i64, json: &Bytes) -> Vec<Message> {
        if self.current != Some(room) && self.follow(room).await.is_err() {
            tracing::warn!("widget session could not watch its new conversation");
        }
        let delivered = self.delivered.get(&room).copied().unwrap_or(0);
        if seq <= delivered {
            return Vec::new();
        }
        let mut frames = self.fill(room, seq - 1).await;
        if let Ok(frame) = Utf8Bytes::try_from(json.clone()) {
            frames.push(Message::Text(frame));
        }
        self.delivered.insert(room, seq);
        frames
    }

    /// The visible messages of a room after what was delivered, up to `until`.
    pub async fn fill(&mut self, room: RoomId, until: i64) -> Vec<Message> {
        let delivered = self.delivered.get(&room).copied().unwrap_or(0);
        if until <= delivered {
            return Vec::new();
        }
        match self.state.widget.visible(room, delivered, until).await {
            Ok(missed) => {
                if let Some(last) = missed.last() {
                    self.delivered.insert(room, last.seq.max(delivered));
                }
                missed
                    .iter()
                    .map(|m| text(&wire::message_frame(m)))
                    .collect()
            }
            Err(error) => vec![FrameError::from(error).into_frame()],
        }
    }
}

/// The operators' side of the current conversation, as the visitor sees it.
fn operator_activity(room: RoomId, json: &Bytes) -> Option<Value> {
    let event: Value = serde_json::from_slice(json).ok()?;
    match event["type"].as_str()? {
        "typing" => Some(
            json!({"type": "typing", "room_id": room, "expires_in_ms": event["expires_in_ms"]}),
        ),
        "read" => Some(json!({"type": "read", "room_id": room, "seq": event["seq"]})),
        "conversation.updated" => Some(json!({
            "type": "conversation",
            "room_id": room,
            "status": event["conversation"]["status"],
        })),
        _ => None,
    }
}

pub(super) fn text(value: &Value) -> Message {
    Message::Text(Utf8Bytes::from(value.to_string()))
}

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }))
}

#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] crm_core::Error),
}
