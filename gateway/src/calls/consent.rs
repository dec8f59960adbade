//! The consent state of a call's recording, kept with the call in the `CallHub`: who asked,
//! who accepted, who has yet to answer, and what an answer leads to. The edges that act on
//! it (SFU, files, announcements) are in `recording`.

use std::collections::HashMap;

use media::sfu::ParticipantKey;
use serde::Serialize;

use super::hub::{Snapshot, Who};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingState {
    #[default]
    Off,
    /// Someone asked; waiting for everyone's consent.
    Asking,
    On,
}

/// Recording with consent: nothing is written until every participant has accepted; one
/// decline cancels the request. Someone who joins while it is on is asked too, and their
/// media is written only once they accept (a decline stops the recording).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Recording {
    pub state: RecordingState,
    pub requested_by: Option<ParticipantKey>,
    /// Who accepted (while asking) or whose media is written (while on).
    pub consented: Vec<ParticipantKey>,
    /// Who has not answered yet.
    pub pending: Vec<ParticipantKey>,
    /// Files of earlier recordings in this call, stored when the call ends.
    #[serde(skip)]
    pub files: Vec<media::recording::RecordedFile>,
    /// Who each recorded participant is, for naming the files once they have left.
    #[serde(skip)]
    pub owners: HashMap<ParticipantKey, Who>,
}

/// Remembers who the participants whose media starts being written are.
pub(super) fn note_owners(live: &mut Snapshot, outcome: &ConsentOutcome) {
    let keys: &[ParticipantKey] = match outcome {
        ConsentOutcome::Start(keys) => keys,
        ConsentOutcome::Include(key) => std::slice::from_ref(key),
        _ => &[],
    };
    for key in keys {
        if let Some(p) = live.participants.iter().find(|p| p.participant_id == *key) {
            let who = Who {
                user_id: p.user_id,
                guest_id: p.guest_id,
                display_name: p.display_name.clone(),
            };
            live.recording.owners.insert(*key, who);
        }
    }
}

/// What an answer to the consent question leads to.
#[derive(Debug, PartialEq, Eq)]
pub enum ConsentOutcome {
    /// Others have yet to answer.
    Waiting,
    /// Everyone accepted: start writing these participants' media.
    Start(Vec<ParticipantKey>),
    /// A participant who joined while recording accepted: write their media too.
    Include(ParticipantKey),
    /// Someone declined a request: nothing was written.
    Cancelled,
    /// Someone who joined later declined: the recording stops.
    Stop,
}

impl Recording {
    /// Moves from asking to on when nobody is left to answer.
    pub(super) fn settle(&mut self) -> ConsentOutcome {
        if self.state == RecordingState::Asking && self.pending.is_empty() {
            if self.consented.is_empty() {
                self.state = RecordingState::Off;
                self.requested_by = None;
                return ConsentOutcome::Cancelled;
            }
            self.state = RecordingState::On;
            return ConsentOutcome::Start(self.consented.clone());
        }
        ConsentOutcome::Waiting
    }

    pub(super) fn off(&mut self) {
        self.state = RecordingState::Off;
        self.requested_by = None;
        self.consented.clear();
        self.pending.clear();
    }
}
