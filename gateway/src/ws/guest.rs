//! A guest's connection (docs/realtime-protocol.md, "Guests"): the same socket and frames as
//! a member's, reduced to the one call the guest token reaches. The guest receives only that
//! call's frames from its room's topic — never messages, typing or anything else of the
//! room — and may only join, answer, switch media and leave; every other frame is refused.

use axum::extract::ws::{Message, WebSocket, close_code};
use crm_core::domain::{CallGuest, CallId};
use futures_util::{SinkExt, StreamExt};
use media::sfu::ParticipantKey;
use realtime::{BusItem, Topic};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{
    CLOSE_UNAUTHORIZED, close, envelope,
    frames::{self, ClientFrame, FrameError, ack, id},
    text,
};
use crate::{
    calls::{self, MediaChange, Who, signaling},
    state::AppState,
};

/// Room frames a guest receives: those about calls; which call is checked per frame.
const CALL_FRAMES: &[&str] = &[
    "call.updated",
    "call.ended",
    "call.speaker",
    "call.recording",
];

struct GuestSession {
    state: AppState,
    guest: CallGuest,
    signal_sender: mpsc::UnboundedSender<Value>,
    in_call: Option<ParticipantKey>,
}

pub(super) async fn run(state: AppState, mut socket: WebSocket, token: String) {
    let guest = match admit(&state, &token).await {
        Ok(guest) => guest,
        Err((error, code)) => {
            let _ = socket.send(error.into_frame()).await;
            let _ = socket.send(close(code, "not admitted")).await;
            return;
        }
    };
    let (signal_sender, signals) = mpsc::unbounded_channel();
    let mut session = GuestSession {
        state: state.clone(),
        guest,
        signal_sender,
        in_call: None,
    };
    serve(&mut session, socket, signals).await;
    // Boxed so that its ~5 KB future does not size the connection's state (see `session`).
    if let Some(participant) = session.in_call.take() {
        Box::pin(calls::leave(&state, participant)).await;
    }
}

/// The guest behind a token, while its session lasts and its call goes on. An unknown or
/// expired token closes the socket as unauthorized; an ended call closes it normally.
async fn admit(state: &AppState, token: &str) -> Result<CallGuest, (FrameError, u16)> {
    let guest = state.calls.authenticate_guest(token).await.map_err(|_| {
        (
            FrameError::new(
                "guest_token_invalid",
                "the guest token is invalid or expired; open the link again",
            ),
            CLOSE_UNAUTHORIZED,
        )
    })?;
    match state.calls.guest_call_live(&guest).await {
        Ok(true) => Ok(guest),
        Ok(false) => Err((
            FrameError::new("call_ended", "the call has ended"),
            close_code::NORMAL,
        )),
        Err(error) => Err((error.into(), close_code::AGAIN)),
    }
}

async fn serve(
    session: &mut GuestSession,
    socket: WebSocket,
    mut signals: mpsc::UnboundedReceiver<Value>,
) {
    let state = session.state.clone();
    let (mut sink, mut stream) = socket.split();
    let subscribed = match Topic::room(session.guest.room_id) {
        Ok(topic) => state.bus.subscribe(&topic).await.ok(),
        Err(_) => None,
    };
    let Some(mut room) = subscribed else {
        let _ = sink.send(close(close_code::AGAIN, "try again later")).await;
        return;
    };
    let guest = &session.guest;
    let hello = json!({
        "type": "hello",
        "protocol": 1,
        "guest": {"id": guest.id, "display_name": guest.display_name,
                  "call_id": guest.call_id, "room_id": guest.room_id},
        "rooms": {},
    });
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
            Some(frame) = signals.recv() => vec![text(&frame)],
            Some(item) = room.next() => session.on_bus(item),
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(frame))) => Box::pin(session.on_client(&frame)).await,
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => Vec::new(),
            },
        };
        for frame in frames {
            if sink.send(frame).await.is_err() {
                return;
            }
        }
    }
}

impl GuestSession {
    fn call(&self) -> CallId {
        self.guest.call_id
    }

    /// Passes on the room's frames about this guest's call; drops everything else.
    fn on_bus(&self, item: BusItem) -> Vec<Message> {
        let BusItem::Message(payload) = item else {
            return Vec::new();
        };
        let Some((_, json)) = envelope::decode(&payload) else {
            return Vec::new();
        };
        let Ok(frame) = serde_json::from_slice::<Value>(&json) else {
            return Vec::new();
        };
        let kind = frame["type"].as_str().unwrap_or_default();
        let call = self.call().to_string();
        let about_call = frame["call_id"].as_str() == Some(call.as_str())
            || frame["call"]["id"].as_str() == Some(call.as_str());
        if CALL_FRAMES.contains(&kind) && about_call {
            vec![text(&frame)]
        } else {
            Vec::new()
        }
    }

    async fn on_client(&mut self, raw: &str) -> Vec<Message> {
        let reference = serde_json::from_str::<Value>(raw).ok().and_then(|v| {
            v.get("ref")
                .or_else(|| v.get("client_id"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        let outcome = match frames::parse(raw) {
            Ok(frame) => self.dispatch(frame).await,
            Err(error) => Err(error),
        };
        outcome.unwrap_or_else(|mut error| {
            error.reference = error.reference.or(reference);
            vec![error.into_frame()]
        })
    }

    /// This guest's participant key, when the frame names its call and it has joined.
    fn participant_in(&self, call_id: &str) -> Result<ParticipantKey, FrameError> {
        let call: CallId = id(call_id)?;
        match self.in_call {
            Some(participant)
                if call == self.call() && self.state.call_hub.contains(call, participant) =>
            {
                Ok(participant)
            }
            _ => Err(FrameError::new(
                "not_in_call",
                "this connection is not in the call",
            )),
        }
    }

    async fn dispatch(&mut self, frame: ClientFrame) -> Result<Vec<Message>, FrameError> {
        let state = self.state.clone();
        match frame {
            ClientFrame::Ping { id } => Ok(vec![text(&json!({"type": "pong", "id": id}))]),
            ClientFrame::Resume { reference, .. } => Ok(vec![text(
                &json!({"type": "resumed", "ref": reference, "rooms": {}}),
            )]),
            ClientFrame::Presence { .. } => Ok(Vec::new()),
            ClientFrame::CallJoin {
                reference,
                call_id,
                sdp,
                audio,
                video,
            } => {
                let call: CallId = id(&call_id)?;
                if call != self.call() {
                    return Err(FrameError::new(
                        "forbidden",
                        "a guest may only join the call its link was opened for",
                    ));
                }
                let found = state.calls.get(call).await?;
                if found.ended_at.is_some() {
                    return Err(FrameError::new("call_ended", "the call has ended"));
                }
                if let Some(previous) = self.in_call.take() {
                    calls::leave(&state, previous).await;
                }
                let media = MediaChange {
                    audio,
                    video,
                    screen: Some(false),
                };
                let (participant, answer) = signaling::connect(
                    &state,
                    &found,
                    Who::guest(&self.guest),
                    &sdp,
                    media,
                    self.signal_sender.clone(),
                )
                .await?;
                if let Err(error) = state.calls.guest_joined(self.guest.id).await {
                    signaling::abort(&state, participant);
                    return Err(error.into());
                }
                self.in_call = Some(participant);
                let snapshot = signaling::joined(&state, call).await?;
                Ok(vec![ack(
                    reference,
                    json!({"call": snapshot, "participant_id": participant, "sdp": answer}),
                )])
            }
            ClientFrame::CallAnswer {
                reference,
                call_id,
                sdp,
            } => {
                let participant = self.participant_in(&call_id)?;
                state.sfu.answer(participant, &sdp).await?;
                Ok(vec![ack(reference, json!({}))])
            }
            ClientFrame::CallView {
                reference,
                call_id,
                views,
            } => {
                let participant = self.participant_in(&call_id)?;
                signaling::set_views(&state, self.call(), participant, &views).await?;
                Ok(vec![ack(reference, json!({"call_id": self.call()}))])
            }
            ClientFrame::CallMedia {
                reference,
                call_id,
                audio,
                video,
                screen,
            } => {
                let participant = self.participant_in(&call_id)?;
                let change = MediaChange {
                    audio,
                    video,
                    screen,
                };
                signaling::set_media(&state, self.call(), participant, change).await?;
                Ok(vec![ack(reference, json!({"call_id": self.call()}))])
            }
            ClientFrame::CallLeave { reference, call_id } => {
                let participant = self.participant_in(&call_id)?;
                self.in_call = None;
                calls::leave(&state, participant).await;
                Ok(vec![ack(reference, json!({"call_id": self.call()}))])
            }
            ClientFrame::CallRecord {
                reference,
                call_id,
                on,
            } => {
                let participant = self.participant_in(&call_id)?;
                if on {
                    calls::recording::request(&state, self.call(), participant).await?;
                } else {
                    calls::recording::stop(&state, self.call(), participant).await?;
                }
                Ok(vec![ack(reference, json!({"call_id": self.call()}))])
            }
            ClientFrame::CallRecordConsent {
                reference,
                call_id,
                accept,
            } => {
                let participant = self.participant_in(&call_id)?;
                calls::recording::answer(&state, self.call(), participant, accept).await?;
                Ok(vec![ack(reference, json!({"call_id": self.call()}))])
            }
            _ => Err(FrameError::new(
                "forbidden",
                "a guest may only take part in its call",
            )),
        }
    }
}
