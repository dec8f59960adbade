//! Call signaling frames (docs/realtime-protocol.md, "Calls"). Access to a call comes from
//! the room (`Calls` service); being *in* a call is per connection (`CallHub`), so answering,
//! switching media or leaving a call this connection has not joined is refused, and nothing
//! about the call changes on a refused frame.

use axum::extract::ws::Message;
use crm_core::domain::{CallId, RoomId, now};
use media::sfu::SfuError;
use serde_json::json;

use super::{
    frames::{ClientFrame, FrameError, ack, id},
    session::Session,
};
use crate::calls::{self, MediaChange, Who, signaling};

/// A live call (in the database) that nobody on this node is connected to, older than this,
/// is left over from a restart or a client that never joined: starting a call ends it first.
const STALE_CALL_MS: i64 = 60_000;

impl From<SfuError> for FrameError {
    fn from(error: SfuError) -> Self {
        match error {
            SfuError::InvalidSdp(reason) => FrameError {
                field: Some("sdp".into()),
                ..FrameError::new("invalid_sdp", format!("sdp: {reason}"))
            },
            SfuError::NoPendingOffer => {
                FrameError::new("no_pending_offer", "there is no offer to answer")
            }
            SfuError::UnknownParticipant => {
                FrameError::new("not_in_call", "this connection is not in the call")
            }
            SfuError::Stopped => FrameError::new("unavailable", "the media server is not running"),
        }
    }
}

/// A call that is still going on, in a room the caller is a member of.
async fn live_call(
    state: &crate::state::AppState,
    user: &crm_core::domain::User,
    call: CallId,
) -> Result<crm_core::domain::Call, FrameError> {
    let found = state.calls.get(call).await?;
    state
        .calls
        .live(user, found.room_id)
        .await?
        .filter(|live| live.id == call)
        .ok_or_else(|| FrameError::new("call_ended", "the call has ended"))
}

fn not_in_call() -> FrameError {
    FrameError::new("not_in_call", "this connection is not in the call")
}

impl Session {
    /// The participant key of this connection in `call`, if it is in it.
    fn participant_in(&self, call: CallId) -> Result<media::sfu::ParticipantKey, FrameError> {
        match self.in_call {
            Some((joined, participant))
                if joined == call && self.state.call_hub.contains(call, participant) =>
            {
                Ok(participant)
            }
            _ => Err(not_in_call()),
        }
    }

    pub(super) async fn on_call(&mut self, frame: ClientFrame) -> Result<Vec<Message>, FrameError> {
        let state = self.state.clone();
        let user = self.caller.user.clone();
        match frame {
            ClientFrame::CallStart { reference, room_id } => {
                let room: RoomId = id(&room_id)?;
                let (mut call, mut created) = state.calls.start(&user, room).await?;
                let stale = !created
                    && state.call_hub.snapshot(call.id).is_none()
                    && now().millis() - call.started_at.millis() > STALE_CALL_MS;
                if stale {
                    calls::end(&state, call.id, room).await;
                    (call, created) = state.calls.start(&user, room).await?;
                }
                if created {
                    let ringing = json!({
                        "type": "call.ringing",
                        "call_id": call.id,
                        "room_id": room,
                        "caller_id": user.id,
                        "caller_name": user.display_name,
                        "started_at": call.started_at,
                    });
                    calls::publish(&state, room, &ringing).await;
                }
                let live = state.call_hub.snapshot(call.id);
                Ok(vec![ack(
                    reference,
                    json!({
                        "call": {"id": call.id, "room_id": room, "started_by": call.started_by,
                                 "started_at": call.started_at,
                                 "participants": live.map(|l| l.participants).unwrap_or_default()},
                        "created": created,
                        "ice_servers": calls::ice_servers(&state.settings.calls),
                    }),
                )])
            }
            ClientFrame::CallJoin {
                reference,
                call_id,
                sdp,
                audio,
                video,
            } => {
                let call: CallId = id(&call_id)?;
                // Every check comes before the media server or the call changes.
                let found = live_call(&state, &user, call).await?;
                if let Some((_, previous)) = self.in_call.take() {
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
                    Who::user(&user),
                    &sdp,
                    media,
                    self.signal_sender(),
                )
                .await?;
                if let Err(error) = state.calls.join(&user, call).await {
                    signaling::abort(&state, participant);
                    return Err(error.into());
                }
                self.in_call = Some((call, participant));
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
                let participant = self.participant_in(id(&call_id)?)?;
                state.sfu.answer(participant, &sdp).await?;
                Ok(vec![ack(reference, json!({}))])
            }
            ClientFrame::CallLeave { reference, call_id } => {
                let call: CallId = id(&call_id)?;
                let participant = self.participant_in(call)?;
                self.in_call = None;
                calls::leave(&state, participant).await;
                Ok(vec![ack(reference, json!({"call_id": call}))])
            }
            ClientFrame::CallDecline { reference, call_id } => {
                let call: CallId = id(&call_id)?;
                let found = live_call(&state, &user, call).await?;
                let room = state.rooms.get(&user, found.room_id).await?;
                state.calls.decline(&user, call).await?;
                let declined = json!({"type": "call.declined", "call_id": call, "room_id": room.id, "user_id": user.id});
                calls::publish(&state, room.id, &declined).await;
                // In a DM the one person rung said no: nobody is left to wait for.
                if room.kind == crm_core::domain::RoomKind::Dm {
                    calls::end(&state, call, room.id).await;
                }
                Ok(vec![ack(reference, json!({"call_id": call}))])
            }
            ClientFrame::CallView {
                reference,
                call_id,
                views,
            } => {
                let call: CallId = id(&call_id)?;
                let participant = self.participant_in(call)?;
                signaling::set_views(&state, call, participant, &views).await?;
                Ok(vec![ack(reference, json!({"call_id": call}))])
            }
            ClientFrame::CallMedia {
                reference,
                call_id,
                audio,
                video,
                screen,
            } => {
                let call: CallId = id(&call_id)?;
                let participant = self.participant_in(call)?;
                let change = MediaChange {
                    audio,
                    video,
                    screen,
                };
                signaling::set_media(&state, call, participant, change).await?;
                Ok(vec![ack(reference, json!({"call_id": call}))])
            }
            ClientFrame::CallRecord {
                reference,
                call_id,
                on,
            } => {
                let call: CallId = id(&call_id)?;
                let participant = self.participant_in(call)?;
                if on {
                    calls::recording::request(&state, call, participant).await?;
                } else {
                    calls::recording::stop(&state, call, participant).await?;
                }
                Ok(vec![ack(reference, json!({"call_id": call}))])
            }
            ClientFrame::CallRecordConsent {
                reference,
                call_id,
                accept,
            } => {
                let call: CallId = id(&call_id)?;
                let participant = self.participant_in(call)?;
                calls::recording::answer(&state, call, participant, accept).await?;
                Ok(vec![ack(reference, json!({"call_id": call}))])
            }
            _ => Err(FrameError::new("unknown_frame", "not a call frame")),
        }
    }
}
