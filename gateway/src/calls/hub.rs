//! The calls running on this node: which connection takes part in which call, with what
//! media on, and where to send that connection's renegotiation offers. A `std` Mutex guards
//! it: every operation is a short map update, never held across an `.await`.

use std::{collections::HashMap, sync::Mutex};

use crm_core::domain::{Call, CallGuestId, CallId, RoomId, Timestamp, UserId, now};
use media::sfu::ParticipantKey;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;

use super::consent::note_owners;
pub use super::consent::{ConsentOutcome, Recording, RecordingState};

/// Who a connection in a call is: a member of the room, or a guest who came by link.
#[derive(Clone, Debug, Serialize)]
pub struct Who {
    pub user_id: Option<UserId>,
    pub guest_id: Option<CallGuestId>,
    /// Participants who are not in each other's directory (guests above all) still see who
    /// is who.
    pub display_name: String,
}

impl Who {
    pub fn user(user: &crm_core::domain::User) -> Self {
        Self {
            user_id: Some(user.id),
            guest_id: None,
            display_name: user.display_name.clone(),
        }
    }

    pub fn guest(guest: &crm_core::domain::CallGuest) -> Self {
        Self {
            user_id: None,
            guest_id: Some(guest.id),
            display_name: guest.display_name.clone(),
        }
    }
}

/// One connection in a call.
#[derive(Clone, Debug, Serialize)]
pub struct Participant {
    pub participant_id: ParticipantKey,
    /// `user_id` for a member, `guest_id` (and `guest: true`) for a guest.
    pub user_id: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest_id: Option<CallGuestId>,
    pub guest: bool,
    pub display_name: String,
    pub audio: bool,
    pub video: bool,
    pub screen: bool,
    pub joined_at: Timestamp,
    /// Frames for this connection alone (the SFU's offers).
    #[serde(skip)]
    pub signals: mpsc::UnboundedSender<Value>,
}

/// What every participant is told about a call.
#[derive(Clone, Debug, Serialize)]
pub struct Snapshot {
    pub id: CallId,
    pub room_id: RoomId,
    pub started_by: Option<UserId>,
    pub started_at: Timestamp,
    pub participants: Vec<Participant>,
    pub recording: Recording,
}

/// A participant left; `snapshot.participants` is who remains. `started` is `Start` when
/// their leaving completed everyone's consent.
pub struct Left {
    pub snapshot: Snapshot,
    pub started: ConsentOutcome,
}

/// Which media a participant has on; `None` leaves one as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct MediaChange {
    pub audio: Option<bool>,
    pub video: Option<bool>,
    pub screen: Option<bool>,
}

#[derive(Default)]
pub struct CallHub {
    calls: Mutex<HashMap<CallId, Snapshot>>,
}

impl CallHub {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<CallId, Snapshot>) -> T) -> T {
        let mut calls = self
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut calls)
    }

    /// Adds a connection to a call (its media as announced); returns the call as it now is.
    pub fn add(
        &self,
        call: &Call,
        participant_id: ParticipantKey,
        who: Who,
        media: MediaChange,
        signals: mpsc::UnboundedSender<Value>,
    ) -> Snapshot {
        self.with(|calls| {
            let live = calls.entry(call.id).or_insert_with(|| Snapshot {
                id: call.id,
                room_id: call.room_id,
                started_by: call.started_by,
                started_at: call.started_at,
                participants: Vec::new(),
                recording: Recording::default(),
            });
            if live.recording.state != RecordingState::Off {
                live.recording.pending.push(participant_id);
            }
            live.participants.push(Participant {
                participant_id,
                user_id: who.user_id,
                guest: who.guest_id.is_some(),
                guest_id: who.guest_id,
                display_name: who.display_name,
                audio: media.audio.unwrap_or(true),
                video: media.video.unwrap_or(true),
                screen: media.screen.unwrap_or(false),
                joined_at: now(),
                signals,
            });
            live.clone()
        })
    }

    /// Removes a connection from whatever call it is in. A call nobody is left in is
    /// forgotten here; the caller ends it.
    pub fn remove(&self, participant: ParticipantKey) -> Option<Left> {
        self.with(|calls| {
            let (id, live) = calls.iter_mut().find(|(_, c)| {
                c.participants
                    .iter()
                    .any(|p| p.participant_id == participant)
            })?;
            let id = *id;
            live.participants
                .retain(|p| p.participant_id != participant);
            live.recording.pending.retain(|p| *p != participant);
            live.recording.consented.retain(|p| *p != participant);
            let started = live.recording.settle();
            note_owners(live, &started);
            let snapshot = live.clone();
            if snapshot.participants.is_empty() {
                calls.remove(&id);
            }
            Some(Left { snapshot, started })
        })
    }

    /// A participant asks to record; every other participant is asked. `Err` names why not.
    pub fn request_recording(
        &self,
        call: CallId,
        participant: ParticipantKey,
    ) -> Result<(Snapshot, ConsentOutcome), &'static str> {
        self.with(|calls| {
            let live = calls.get_mut(&call).ok_or("not_in_call")?;
            if live.recording.state != RecordingState::Off {
                return Err("recording_busy");
            }
            let recording = &mut live.recording;
            recording.state = RecordingState::Asking;
            recording.requested_by = Some(participant);
            recording.consented = vec![participant];
            recording.pending = live
                .participants
                .iter()
                .map(|p| p.participant_id)
                .filter(|p| *p != participant)
                .collect();
            let outcome = live.recording.settle();
            note_owners(live, &outcome);
            Ok((live.clone(), outcome))
        })
    }

    /// A participant's answer to the consent question.
    pub fn consent(
        &self,
        call: CallId,
        participant: ParticipantKey,
        accept: bool,
    ) -> Result<(Snapshot, ConsentOutcome), &'static str> {
        self.with(|calls| {
            let live = calls.get_mut(&call).ok_or("not_in_call")?;
            let recording = &mut live.recording;
            if !recording.pending.contains(&participant) {
                return Err("no_consent_asked");
            }
            recording.pending.retain(|p| *p != participant);
            let outcome = match (recording.state, accept) {
                (RecordingState::Asking, false) => {
                    recording.off();
                    ConsentOutcome::Cancelled
                }
                (_, false) => {
                    recording.off();
                    ConsentOutcome::Stop
                }
                (RecordingState::On, true) => {
                    recording.consented.push(participant);
                    ConsentOutcome::Include(participant)
                }
                (_, true) => {
                    recording.consented.push(participant);
                    recording.settle()
                }
            };
            note_owners(live, &outcome);
            Ok((live.clone(), outcome))
        })
    }

    /// Turns recording off (anyone in the call may); `true` when it was on.
    pub fn stop_recording(&self, call: CallId) -> Option<(Snapshot, bool)> {
        self.with(|calls| {
            let live = calls.get_mut(&call)?;
            let was_on = live.recording.state == RecordingState::On;
            live.recording.off();
            Some((live.clone(), was_on))
        })
    }

    /// Keeps the files of a stopped recording until the call ends.
    pub fn keep_files(&self, call: CallId, files: Vec<media::recording::RecordedFile>) -> bool {
        self.with(|calls| match calls.get_mut(&call) {
            Some(live) => {
                live.recording.files.extend(files);
                true
            }
            None => false,
        })
    }

    /// Forgets a whole call; returns who was still connected and its recording.
    pub fn remove_call(&self, call: CallId) -> (Vec<ParticipantKey>, Recording) {
        self.with(|calls| {
            calls
                .remove(&call)
                .map(|c| {
                    let keys = c.participants.iter().map(|p| p.participant_id).collect();
                    (keys, c.recording)
                })
                .unwrap_or_default()
        })
    }

    /// Whether this connection takes part in this call.
    pub fn contains(&self, call: CallId, participant: ParticipantKey) -> bool {
        self.with(|calls| {
            calls.get(&call).is_some_and(|c| {
                c.participants
                    .iter()
                    .any(|p| p.participant_id == participant)
            })
        })
    }

    pub fn snapshot(&self, call: CallId) -> Option<Snapshot> {
        self.with(|calls| calls.get(&call).cloned())
    }

    pub fn set_media(
        &self,
        call: CallId,
        participant: ParticipantKey,
        change: MediaChange,
    ) -> Option<Snapshot> {
        self.with(|calls| {
            let live = calls.get_mut(&call)?;
            let entry = live
                .participants
                .iter_mut()
                .find(|p| p.participant_id == participant)?;
            entry.audio = change.audio.unwrap_or(entry.audio);
            entry.video = change.video.unwrap_or(entry.video);
            entry.screen = change.screen.unwrap_or(entry.screen);
            Some(live.clone())
        })
    }

    /// Where to send a frame for one connection, and the call it is in.
    pub fn signals(
        &self,
        participant: ParticipantKey,
    ) -> Option<(CallId, mpsc::UnboundedSender<Value>)> {
        self.with(|calls| {
            calls.values().find_map(|c| {
                c.participants
                    .iter()
                    .find(|p| p.participant_id == participant)
                    .map(|p| (c.id, p.signals.clone()))
            })
        })
    }
}
