//! Frames a visitor sends, and what the session does with each (docs/realtime-protocol.md,
//! "Website widget"). Every failure is answered with an `error` frame carrying the frame's
//! `ref` (or `client_id`); the socket stays open.

use std::time::{Duration, Instant};

use axum::extract::ws::Message;
use crm_core::{
    domain::{ChatEvent, RoomId, now},
    service::Changed,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    session::{Session, text},
    wire,
};
use crate::{events, open_lines, ws::frames::FrameError};

const TYPING_INTERVAL: Duration = Duration::from_secs(2);

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum VisitorFrame {
    Auth {
        #[allow(dead_code)]
        token: String,
    },
    Ping {
        id: Option<String>,
    },
    /// Starts the stream: what the visitor has not seen after `after`, then live frames.
    Resume {
        #[serde(rename = "ref")]
        reference: Option<String>,
        after: Option<Cursor>,
    },
    Send {
        client_id: String,
        body: String,
    },
    Typing {},
    Read {
        #[serde(rename = "ref")]
        reference: Option<String>,
        room_id: String,
        seq: i64,
    },
}

/// The last message the visitor has: its room and sequence.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cursor {
    room_id: String,
    seq: i64,
}

fn parse(raw: &str) -> Result<VisitorFrame, FrameError> {
    let value: Value = serde_json::from_str(raw)
        .map_err(|_| FrameError::new("malformed_json", "the frame is not valid JSON"))?;
    serde_json::from_value(value).map_err(|error| {
        let message = error.to_string();
        let code = if message.starts_with("unknown variant") {
            "unknown_frame"
        } else {
            "invalid_frame"
        };
        FrameError::new(code, message)
    })
}

fn invalid(field: &str, message: &str) -> FrameError {
    FrameError {
        field: Some(field.to_owned()),
        ..FrameError::new("validation_failed", format!("{field}: {message}"))
    }
}

fn ack(reference: Option<String>, extra: Value) -> Message {
    let mut frame = json!({"type": "ack", "ref": reference});
    if let (Value::Object(frame), Value::Object(extra)) = (&mut frame, extra) {
        frame.extend(extra);
    }
    text(&frame)
}

impl Session {
    pub(super) async fn on_client(&mut self, raw: &str) -> Vec<Message> {
        let reference = serde_json::from_str::<Value>(raw).ok().and_then(|v| {
            v.get("ref")
                .or_else(|| v.get("client_id"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        let outcome = match parse(raw) {
            Ok(frame) => self.dispatch(frame).await,
            Err(error) => Err(error),
        };
        outcome.unwrap_or_else(|mut error| {
            error.reference = error.reference.or(reference);
            vec![error.into_frame()]
        })
    }

    async fn dispatch(&mut self, frame: VisitorFrame) -> Result<Vec<Message>, FrameError> {
        match frame {
            VisitorFrame::Auth { .. } => Err(FrameError::new(
                "already_authenticated",
                "this connection is already authenticated",
            )),
            VisitorFrame::Ping { id } => Ok(vec![text(&json!({"type": "pong", "id": id}))]),
            VisitorFrame::Resume { reference, after } => self.resume(reference, after).await,
            _ if !self.streaming => Err(FrameError::new(
                "not_resumed",
                "send resume first, to receive what was missed",
            )),
            VisitorFrame::Send { client_id, body } => self.send(client_id, &body).await,
            VisitorFrame::Typing {} => self.typing().await,
            VisitorFrame::Read {
                reference,
                room_id,
                seq,
            } => {
                let room: RoomId = room_id.parse()?;
                let event = self
                    .state
                    .widget
                    .mark_read(&self.visitor, room, seq)
                    .await?;
                let seq = match &event {
                    ChatEvent::ClientRead { seq, .. } => *seq,
                    _ => 0,
                };
                self.publish(event).await;
                Ok(vec![ack(reference, json!({"last_read_seq": seq}))])
            }
        }
    }

    async fn resume(
        &mut self,
        reference: Option<String>,
        after: Option<Cursor>,
    ) -> Result<Vec<Message>, FrameError> {
        if self.streaming {
            return Err(FrameError::new("already_resumed", "the stream has started"));
        }
        let after = match after {
            Some(cursor) => Some((cursor.room_id.parse::<RoomId>()?, cursor.seq.max(0))),
            None => None,
        };
        let rooms = self.state.widget.rooms(&self.visitor).await?;
        let (history, more) = self.state.widget.history(&self.visitor, after).await?;
        // Rooms before the cursor's the client has in full; the rest up to what is sent now.
        let cursor_at = after.and_then(|(room, _)| rooms.iter().position(|(r, _)| *r == room));
        for (index, (room, last_seq)) in rooms.iter().enumerate() {
            let known = match (cursor_at, after) {
                (Some(at), _) if index < at => *last_seq,
                (Some(at), Some((_, seq))) if index == at => seq,
                _ => 0,
            };
            self.delivered.insert(*room, known);
        }
        let mut frames = Vec::with_capacity(history.len() + 1);
        for message in &history {
            let seen = self.delivered.entry(message.room_id).or_insert(0);
            *seen = (*seen).max(message.seq);
            frames.push(text(&wire::message_frame(message)));
        }
        let read = match self.current {
            Some(room) => self.state.widget.operators_read(room).await?,
            None => 0,
        };
        frames.push(text(&json!({
            "type": "resumed",
            "ref": reference,
            "room_id": self.current,
            "operator_read_seq": read,
            "more": more,
        })));
        self.streaming = true;
        Ok(frames)
    }

    /// The visitor's message, through the open-lines inbound pipeline like any channel's.
    async fn send(&mut self, client_id: String, body: &str) -> Result<Vec<Message>, FrameError> {
        if client_id.is_empty() || client_id.chars().count() > connectors::widget::MAX_CLIENT_ID {
            return Err(invalid("client_id", "must be 1 to 64 characters long"));
        }
        if body.trim().is_empty() {
            return Err(invalid("body", "must not be empty"));
        }
        let account = self.channel.account.clone();
        let inbound = connectors::widget::inbound(&account, &self.visitor, &client_id, body, now());
        let (conversation, stored) =
            open_lines::receive_stored(&self.state, &self.channel, &inbound, &[]).await?;
        let duplicate = stored.is_none();
        let message = match stored {
            Some(message) => message,
            None => self
                .state
                .widget
                .received(&inbound.dedup_key)
                .await?
                .ok_or(crm_core::Error::not_found("message"))?,
        };
        let room = conversation.room_id;
        if self.follow(room).await.is_err() {
            tracing::warn!("widget session could not watch its conversation");
        }
        // What came before it is delivered first, so the client never sees a gap.
        let mut frames = self.fill(room, message.seq - 1).await;
        let seen = self.delivered.entry(room).or_insert(0);
        *seen = (*seen).max(message.seq);
        if !duplicate {
            self.echo(&message).await;
        }
        frames.push(ack(
            Some(client_id),
            json!({"message": wire::message(&message), "duplicate": duplicate}),
        ));
        Ok(frames)
    }

    /// The visitor's other tabs show what this one sent.
    async fn echo(&self, message: &crm_core::domain::Message) {
        let frame = wire::message_frame(message).to_string();
        let payload =
            crate::ws::envelope::encode_message(message.room_id, message.seq, frame.as_bytes());
        let Ok(topic) = realtime::Topic::visitor(self.visitor.id) else {
            return;
        };
        if let Err(error) = self.state.bus.publish(&topic, payload).await {
            tracing::warn!(error.message = %error, "visitor message not echoed to its other tabs");
        }
    }

    async fn typing(&mut self) -> Result<Vec<Message>, FrameError> {
        let Some(room) = self.current else {
            // Nothing to type into yet: the first message opens the conversation.
            return Ok(Vec::new());
        };
        let now = Instant::now();
        if self
            .last_typing
            .is_some_and(|last| now.duration_since(last) < TYPING_INTERVAL)
        {
            return Ok(Vec::new());
        }
        self.last_typing = Some(now);
        let event = self.state.widget.typing(&self.visitor, room).await?;
        self.publish(event).await;
        Ok(Vec::new())
    }

    async fn publish(&self, event: ChatEvent) {
        let changed = Changed {
            value: (),
            events: vec![event],
            notify_users: Vec::new(),
        };
        events::publish(&self.state, &changed).await;
    }
}
