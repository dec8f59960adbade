//! The steps of taking part in a call that members (`ws::calls`) and guests (`ws::guest`)
//! share: connecting a connection's media to the SFU, answering its renegotiation, switching
//! media, leaving. Who may do them is checked by the caller before any step runs.

use std::collections::HashMap;

use crm_core::domain::{Call, CallId};
use media::sfu::{ParticipantKey, Quality};
use serde_json::Value;
use tokio::sync::mpsc;

use super::{MediaChange, Snapshot, announce, hub::Who};
use crate::{state::AppState, ws::frames::FrameError};

fn not_in_call() -> FrameError {
    FrameError::new("not_in_call", "this connection is not in the call")
}

/// Registers the connection in the call and hands its offer to the SFU; returns its
/// participant key and the SDP answer. The caller records the participation, then calls
/// `joined` (or `abort` when recording fails).
pub async fn connect(
    state: &AppState,
    call: &Call,
    who: Who,
    sdp: &str,
    media: MediaChange,
    signals: mpsc::UnboundedSender<Value>,
) -> Result<(ParticipantKey, String), FrameError> {
    let participant = uuid::Uuid::now_v7();
    // Registered before the SFU sees the offer: the SFU's first renegotiation offer (the
    // others' tracks) must find this connection.
    state.call_hub.add(call, participant, who, media, signals);
    match state.sfu.join(call.id.as_uuid(), participant, sdp).await {
        Ok(answer) => Ok((participant, answer)),
        Err(error) => {
            state.call_hub.remove(participant);
            Err(error.into())
        }
    }
}

/// Undoes `connect` for a participation that could not be recorded.
pub fn abort(state: &AppState, participant: ParticipantKey) {
    state.sfu.leave(participant);
    state.call_hub.remove(participant);
}

/// Tells everyone the call's new line-up; returns it for the joining connection's ack.
pub async fn joined(state: &AppState, call: CallId) -> Result<Snapshot, FrameError> {
    let snapshot = state
        .call_hub
        .snapshot(call)
        .ok_or_else(|| FrameError::new("call_ended", "the call has ended"))?;
    announce(state, &snapshot).await;
    Ok(snapshot)
}

/// How `participant` shows the others' video (`call_view`): every entry is checked before
/// any is applied, so a bad one changes nothing.
pub async fn set_views(
    state: &AppState,
    call: CallId,
    participant: ParticipantKey,
    views: &HashMap<String, String>,
) -> Result<(), FrameError> {
    let invalid = |message: String| FrameError {
        field: Some("views".into()),
        ..FrameError::new("validation_failed", message)
    };
    let mut parsed = Vec::with_capacity(views.len());
    for (publisher, quality) in views {
        let quality: Quality = quality.parse().map_err(|()| {
            invalid(format!(
                "views: {quality:?} is not one of high, medium, low, off"
            ))
        })?;
        let publisher = publisher
            .parse::<ParticipantKey>()
            .ok()
            .filter(|p| *p != participant && state.call_hub.contains(call, *p))
            .ok_or_else(|| {
                invalid(format!(
                    "views: {publisher} is not another participant of this call"
                ))
            })?;
        parsed.push((publisher, quality));
    }
    for (publisher, quality) in parsed {
        state
            .sfu
            .set_quality(participant, publisher, quality)
            .await?;
    }
    Ok(())
}

/// Switches a participant's microphone, camera or screen share and tells everyone.
pub async fn set_media(
    state: &AppState,
    call: CallId,
    participant: ParticipantKey,
    change: MediaChange,
) -> Result<(), FrameError> {
    let snapshot = state
        .call_hub
        .set_media(call, participant, change)
        .ok_or_else(not_in_call)?;
    announce(state, &snapshot).await;
    Ok(())
}
