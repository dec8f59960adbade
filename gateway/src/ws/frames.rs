//! Frames a client sends, and what the session does with each. Every failure is answered
//! with an `error` frame carrying the frame's `ref`; the socket stays open.

use std::collections::HashMap;

use axum::extract::ws::Message;
use crm_core::domain::{AttachmentId, ChatEvent, MessageBody, MessageId, MessageLinks, RoomId};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{session::Session, text};
use crate::events;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    Auth {
        token: String,
    },
    Ping {
        id: Option<String>,
    },
    Send {
        room_id: String,
        client_id: String,
        /// May be left out (or empty) when the message carries attachments.
        #[serde(default)]
        body: String,
        /// Ids of the sender's uploads to attach.
        #[serde(default)]
        attachments: Vec<String>,
        thread_root_id: Option<String>,
        /// The earlier message of the room this one quotes.
        reply_to_id: Option<String>,
    },
    Edit {
        #[serde(rename = "ref")]
        reference: Option<String>,
        message_id: String,
        body: String,
    },
    Delete {
        #[serde(rename = "ref")]
        reference: Option<String>,
        message_id: String,
    },
    React {
        #[serde(rename = "ref")]
        reference: Option<String>,
        message_id: String,
        emoji: String,
    },
    Unreact {
        #[serde(rename = "ref")]
        reference: Option<String>,
        message_id: String,
        emoji: String,
    },
    Typing {
        room_id: String,
    },
    Read {
        #[serde(rename = "ref")]
        reference: Option<String>,
        room_id: String,
        seq: i64,
    },
    Subscribe {
        #[serde(rename = "ref")]
        reference: Option<String>,
        room_id: String,
    },
    Unsubscribe {
        #[serde(rename = "ref")]
        reference: Option<String>,
        room_id: String,
    },
    /// A CRM screen (the deal board) wants `crm.changed` frames while it is open.
    CrmSubscribe {
        #[serde(rename = "ref")]
        reference: Option<String>,
    },
    CrmUnsubscribe {
        #[serde(rename = "ref")]
        reference: Option<String>,
    },
    /// The client's own activity: `away` when idle, `online` when back.
    Presence {
        status: String,
    },
    Resume {
        #[serde(rename = "ref")]
        reference: Option<String>,
        /// The last sequence the client has seen, per room id.
        rooms: HashMap<String, i64>,
    },
    /// Starts a call in a room (or finds the one going on); members are rung.
    CallStart {
        #[serde(rename = "ref")]
        reference: Option<String>,
        room_id: String,
    },
    /// Joins a call with this connection: `sdp` is the browser's offer.
    CallJoin {
        #[serde(rename = "ref")]
        reference: Option<String>,
        call_id: String,
        sdp: String,
        #[serde(default)]
        audio: Option<bool>,
        #[serde(default)]
        video: Option<bool>,
    },
    /// The browser's answer to a `call.offer`.
    CallAnswer {
        #[serde(rename = "ref")]
        reference: Option<String>,
        call_id: String,
        sdp: String,
    },
    CallLeave {
        #[serde(rename = "ref")]
        reference: Option<String>,
        call_id: String,
    },
    /// Stops the ringing on every device of the user; in a DM it ends the call.
    CallDecline {
        #[serde(rename = "ref")]
        reference: Option<String>,
        call_id: String,
    },
    /// Asks everyone to consent to recording (`on: true`), or turns it off.
    CallRecord {
        #[serde(rename = "ref")]
        reference: Option<String>,
        call_id: String,
        on: bool,
    },
    /// This participant's answer to a recording request.
    CallRecordConsent {
        #[serde(rename = "ref")]
        reference: Option<String>,
        call_id: String,
        accept: bool,
    },
    /// How this page shows the others' video, by participant id: `high`, `medium`, `low` or
    /// `off`; the SFU sends the simulcast layer that fits (or no video for `off`).
    CallView {
        #[serde(rename = "ref")]
        reference: Option<String>,
        call_id: String,
        views: std::collections::HashMap<String, String>,
    },
    /// Microphone, camera, screen share switched on or off.
    CallMedia {
        #[serde(rename = "ref")]
        reference: Option<String>,
        call_id: String,
        audio: Option<bool>,
        video: Option<bool>,
        screen: Option<bool>,
    },
}

/// A frame that could not be acted on.
pub struct FrameError {
    pub code: &'static str,
    pub message: String,
    pub reference: Option<String>,
    pub field: Option<String>,
}

impl FrameError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            reference: None,
            field: None,
        }
    }

    pub fn into_frame(self) -> Message {
        let mut frame = json!({"type": "error", "code": self.code, "message": self.message});
        if let Some(reference) = self.reference {
            frame["ref"] = Value::String(reference);
        }
        if let Some(field) = self.field {
            frame["field"] = Value::String(field);
        }
        text(&frame)
    }
}

impl From<crm_core::Error> for FrameError {
    fn from(error: crm_core::Error) -> Self {
        use crm_core::Error as E;
        match error {
            E::NotFound { entity } => Self::new("not_found", format!("{entity} not found")),
            E::Forbidden(message) => Self::new("forbidden", message),
            E::Conflict { message, .. } => Self::new("conflict", message),
            E::Refused { code, message } => Self::new(code, message),
            E::Validation { field, message } => Self {
                field: Some(field.to_string()),
                ..Self::new("validation_failed", format!("{field}: {message}"))
            },
            E::Unauthenticated => Self::new("unauthorized", "the session is no longer valid"),
            other => {
                tracing::error!(error.cause_chain = ?other, error.message = %other, "websocket frame failed");
                Self::new("internal", "internal server error")
            }
        }
    }
}

/// Parses a frame, telling malformed JSON, an unknown type and bad fields apart.
pub fn parse(raw: &str) -> Result<ClientFrame, FrameError> {
    let value: Value = serde_json::from_str(raw)
        .map_err(|_| FrameError::new("malformed_json", "the frame is not valid JSON"))?;
    let reference = value.get("ref").and_then(Value::as_str).map(str::to_owned);
    serde_json::from_value(value).map_err(|error| {
        let message = error.to_string();
        // serde names the accepted types itself: "unknown variant `x`, expected one of …".
        let code = if message.starts_with("unknown variant") {
            "unknown_frame"
        } else {
            "invalid_frame"
        };
        FrameError {
            reference,
            ..FrameError::new(code, message)
        }
    })
}

pub(super) fn id<T: std::str::FromStr<Err = crm_core::Error>>(raw: &str) -> Result<T, FrameError> {
    raw.parse().map_err(FrameError::from)
}

pub(super) fn ack(reference: Option<String>, extra: Value) -> Message {
    let mut frame = json!({"type": "ack", "ref": reference});
    if let (Value::Object(frame), Value::Object(extra)) = (&mut frame, extra) {
        frame.extend(extra);
    }
    text(&frame)
}

impl Session {
    /// Handles one text frame from the client; returns the frames to send back.
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

    async fn dispatch(&mut self, frame: ClientFrame) -> Result<Vec<Message>, FrameError> {
        let state = self.state.clone();
        let user = self.caller.user.clone();
        match frame {
            ClientFrame::Auth { .. } => Err(FrameError::new(
                "already_authenticated",
                "this connection is already authenticated",
            )),
            ClientFrame::Ping { id } => Ok(vec![text(&json!({"type": "pong", "id": id}))]),
            ClientFrame::Send {
                room_id,
                client_id,
                body,
                attachments,
                thread_root_id,
                reply_to_id,
            } => {
                let room: RoomId = id(&room_id)?;
                let links = MessageLinks {
                    thread_root_id: thread_root_id.as_deref().map(id::<MessageId>).transpose()?,
                    reply_to_id: reply_to_id.as_deref().map(id::<MessageId>).transpose()?,
                };
                let changed = state
                    .rooms
                    .send(
                        &user,
                        room,
                        Some(client_id.clone()),
                        MessageBody::parse(&body)?,
                        AttachmentId::parse_list(&attachments)?,
                        links,
                    )
                    .await?;
                events::publish(&state, &changed).await;
                let (message, created) = changed.value;
                Ok(vec![ack(
                    Some(client_id),
                    json!({"message": message, "duplicate": !created}),
                )])
            }
            ClientFrame::Edit {
                reference,
                message_id,
                body,
            } => {
                let changed = state
                    .rooms
                    .edit(&user, id(&message_id)?, MessageBody::parse(&body)?)
                    .await?;
                events::publish(&state, &changed).await;
                Ok(vec![ack(reference, json!({"message": changed.value}))])
            }
            ClientFrame::Delete {
                reference,
                message_id,
            } => {
                let changed = state.rooms.delete(&user, id(&message_id)?).await?;
                events::publish(&state, &changed).await;
                Ok(vec![ack(reference, json!({}))])
            }
            ClientFrame::React {
                reference,
                message_id,
                emoji,
            } => {
                let changed = state
                    .rooms
                    .react(&user, id(&message_id)?, &emoji, true)
                    .await?;
                events::publish(&state, &changed).await;
                Ok(vec![ack(reference, json!({}))])
            }
            ClientFrame::Unreact {
                reference,
                message_id,
                emoji,
            } => {
                let changed = state
                    .rooms
                    .react(&user, id(&message_id)?, &emoji, false)
                    .await?;
                events::publish(&state, &changed).await;
                Ok(vec![ack(reference, json!({}))])
            }
            ClientFrame::Typing { room_id } => {
                let room: RoomId = id(&room_id)?;
                if !self.is_member(room) {
                    return Err(FrameError::new("not_found", "room not found"));
                }
                if self.typing_allowed(room) {
                    let event = ChatEvent::Typing {
                        room_id: room,
                        user_id: user.id,
                        expires_in_ms: 6_000,
                    };
                    let changed = crm_core::service::Changed {
                        value: (),
                        events: vec![event],
                        notify_users: Vec::new(),
                    };
                    events::publish(&state, &changed).await;
                }
                Ok(Vec::new())
            }
            ClientFrame::Read {
                reference,
                room_id,
                seq,
            } => {
                let changed = state.rooms.mark_read(&user, id(&room_id)?, seq).await?;
                events::publish(&state, &changed).await;
                Ok(vec![ack(
                    reference,
                    json!({"last_read_seq": changed.value}),
                )])
            }
            ClientFrame::Subscribe { reference, room_id } => {
                let room: RoomId = id(&room_id)?;
                let found = state.rooms.get(&user, room).await?;
                self.watch(room, found.last_seq)
                    .await
                    .map_err(|_| FrameError::new("unavailable", "the event bus is unavailable"))?;
                Ok(vec![ack(
                    reference,
                    json!({"room_id": room, "last_seq": found.last_seq}),
                )])
            }
            ClientFrame::Unsubscribe { reference, room_id } => {
                let room: RoomId = id(&room_id)?;
                if self.is_member(room) {
                    return Err(FrameError::new(
                        "forbidden",
                        "members receive their rooms; leave the room instead",
                    ));
                }
                self.unwatch(room);
                Ok(vec![ack(reference, json!({"room_id": room}))])
            }
            ClientFrame::CrmSubscribe { reference } => {
                self.watch_crm()
                    .await
                    .map_err(|_| FrameError::new("unavailable", "the event bus is unavailable"))?;
                Ok(vec![ack(reference, json!({"crm": true}))])
            }
            ClientFrame::CrmUnsubscribe { reference } => {
                self.unwatch_crm();
                Ok(vec![ack(reference, json!({"crm": false}))])
            }
            ClientFrame::Presence { status } => {
                let away = match status.as_str() {
                    "away" => true,
                    "online" => false,
                    _ => {
                        return Err(FrameError {
                            field: Some("status".into()),
                            ..FrameError::new("validation_failed", "status must be online or away")
                        });
                    }
                };
                let connection = self.connection_id.clone();
                state
                    .presence
                    .set_away(&user.id.to_string(), &connection, away)
                    .await
                    .map_err(|_| FrameError::new("unavailable", "presence is unavailable"))?;
                Ok(Vec::new())
            }
            frame @ (ClientFrame::CallStart { .. }
            | ClientFrame::CallJoin { .. }
            | ClientFrame::CallAnswer { .. }
            | ClientFrame::CallLeave { .. }
            | ClientFrame::CallDecline { .. }
            | ClientFrame::CallMedia { .. }
            | ClientFrame::CallView { .. }
            | ClientFrame::CallRecord { .. }
            | ClientFrame::CallRecordConsent { .. }) => Box::pin(self.on_call(frame)).await,
            ClientFrame::Resume { reference, rooms } => {
                let mut parsed = Vec::with_capacity(rooms.len());
                for (room, seq) in rooms {
                    parsed.push((id::<RoomId>(&room)?, seq));
                }
                self.resume(reference, parsed).await
            }
        }
    }
}
