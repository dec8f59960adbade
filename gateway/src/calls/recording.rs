//! Recording with consent, at the edges where it changes: someone asks (`request`), each
//! participant answers (`answer`), someone stops it (`stop`), the call ends (`collect`). The
//! SFU writes only the media of participants who accepted, and only once everyone has; the
//! files go to a folder under `media.dir` and, when the call ends, into the media store as
//! attachments of the call's summary message. Every change is announced to the room as
//! `call.recording` (docs/realtime-protocol.md, "Recording").

use std::path::PathBuf;

use crm_core::domain::{CallId, CallPerson, ContentType, FileName, NewAttachment, NewRecording};
use media::{
    recording::{RecordedFile, TrackKind},
    sfu::ParticipantKey,
};
use serde_json::json;

use super::{
    announce,
    hub::{ConsentOutcome, Recording, Snapshot},
    publish,
};
use crate::{state::AppState, ws::frames::FrameError};

/// Where a call's files are written while it is recorded.
fn folder(state: &AppState, call: CallId) -> PathBuf {
    state
        .settings
        .media
        .dir
        .join("recording")
        .join(call.to_string())
}

fn refused(code: &'static str) -> FrameError {
    match code {
        "recording_busy" => FrameError::new(
            "recording_busy",
            "recording is already on or being asked for",
        ),
        "no_consent_asked" => FrameError::new(
            "no_consent_asked",
            "this connection has not been asked to consent to recording",
        ),
        _ => FrameError::new("not_in_call", "this connection is not in the call"),
    }
}

async fn tell(state: &AppState, snapshot: &Snapshot, event: &str, by: ParticipantKey) {
    let frame = json!({
        "type": "call.recording",
        "call_id": snapshot.id,
        "room_id": snapshot.room_id,
        "event": event,
        "by": by,
        "recording": snapshot.recording,
    });
    publish(state, snapshot.room_id, &frame).await;
    announce(state, snapshot).await;
}

/// A participant asks to record; everyone else is asked to consent.
pub async fn request(
    state: &AppState,
    call: CallId,
    participant: ParticipantKey,
) -> Result<(), FrameError> {
    let (snapshot, outcome) = state
        .call_hub
        .request_recording(call, participant)
        .map_err(refused)?;
    apply(state, call, &outcome)?;
    let event = if matches!(outcome, ConsentOutcome::Start(_)) {
        "started"
    } else {
        "asked"
    };
    tell(state, &snapshot, event, participant).await;
    Ok(())
}

/// A participant accepts or declines.
pub async fn answer(
    state: &AppState,
    call: CallId,
    participant: ParticipantKey,
    accept: bool,
) -> Result<(), FrameError> {
    let (snapshot, outcome) = state
        .call_hub
        .consent(call, participant, accept)
        .map_err(refused)?;
    if outcome == ConsentOutcome::Stop {
        finish(state, call).await;
    }
    apply(state, call, &outcome)?;
    let event = match outcome {
        ConsentOutcome::Waiting | ConsentOutcome::Include(_) => "accepted",
        ConsentOutcome::Start(_) => "started",
        ConsentOutcome::Cancelled => "declined",
        ConsentOutcome::Stop => "stopped",
    };
    tell(state, &snapshot, event, participant).await;
    Ok(())
}

/// Anyone in the call turns recording off (or withdraws the request).
pub async fn stop(
    state: &AppState,
    call: CallId,
    participant: ParticipantKey,
) -> Result<(), FrameError> {
    let (snapshot, was_on) = state
        .call_hub
        .stop_recording(call)
        .ok_or_else(|| refused("not_in_call"))?;
    if was_on {
        finish(state, call).await;
    }
    tell(state, &snapshot, "stopped", participant).await;
    Ok(())
}

/// After a leave completed everyone's consent: start, and tell the room.
pub async fn started_by_leaving(state: &AppState, snapshot: &Snapshot, outcome: &ConsentOutcome) {
    if let ConsentOutcome::Start(_) = outcome
        && apply(state, snapshot.id, outcome).is_ok()
        && let Some(by) = snapshot.recording.requested_by
    {
        tell(state, snapshot, "started", by).await;
    }
}

/// Tells the SFU whose media to write now.
fn apply(state: &AppState, call: CallId, outcome: &ConsentOutcome) -> Result<(), FrameError> {
    let keys: &[ParticipantKey] = match outcome {
        ConsentOutcome::Start(keys) => keys,
        ConsentOutcome::Include(key) => std::slice::from_ref(key),
        _ => return Ok(()),
    };
    let dir = folder(state, call);
    std::fs::create_dir_all(&dir).map_err(|error| {
        tracing::error!(call.id = %call, error.message = %error, "recording folder not created");
        FrameError::new("unavailable", "recording is not available")
    })?;
    for key in keys {
        state.sfu.record(call.as_uuid(), *key, dir.clone())?;
    }
    Ok(())
}

/// A stopped recording: its files wait in the call until it ends.
async fn finish(state: &AppState, call: CallId) {
    let files = state
        .sfu
        .stop_recording(call.as_uuid())
        .await
        .unwrap_or_default();
    state.call_hub.keep_files(call, files);
}

/// At the end of a call: every file recorded in it, moved into the media store, with who
/// it belongs to. Files that cannot be stored are logged and left out.
pub async fn collect(state: &AppState, call: CallId, recording: Recording) -> Vec<NewRecording> {
    let mut files = recording.files;
    files.extend(
        state
            .sfu
            .stop_recording(call.as_uuid())
            .await
            .unwrap_or_default(),
    );
    let mut stored = Vec::with_capacity(files.len());
    for file in files {
        let person = match recording.owners.get(&file.participant) {
            Some(who) => CallPerson {
                user_id: who.user_id,
                guest_id: who.guest_id,
                name: who.display_name.clone(),
            },
            None => continue,
        };
        match store_file(state, &file, &person.name).await {
            Ok(attachment) => stored.push(NewRecording {
                person,
                kind: file.kind.as_str(),
                frames: i64::try_from(file.frames).unwrap_or(i64::MAX),
                file: attachment,
            }),
            Err(error) => {
                tracing::error!(call.id = %call, error.message = %error, "a recording could not be stored");
            }
        }
    }
    let _ = tokio::fs::remove_dir_all(folder(state, call)).await;
    stored
}

async fn store_file(
    state: &AppState,
    file: &RecordedFile,
    name: &str,
) -> Result<NewAttachment, String> {
    let bytes = tokio::fs::read(&file.path)
        .await
        .map_err(|error| error.to_string())?;
    let saved = state
        .blobs
        .put_bytes(bytes.into())
        .await
        .map_err(|error| error.to_string())?;
    let _ = tokio::fs::remove_file(&file.path).await;
    let extension = match file.kind {
        TrackKind::Audio => "ogg",
        TrackKind::Video => "ivf",
    };
    Ok(NewAttachment {
        sha256: saved.key,
        size_bytes: saved.size,
        content_type: ContentType::parse(file.kind.content_type()).map_err(|e| e.to_string())?,
        file_name: FileName::parse(&format!(
            "recording {name} {}.{extension}",
            file.kind.as_str()
        ))
        .map_err(|e| e.to_string())?,
    })
}
