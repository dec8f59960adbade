//! Active speaker detection from the audio level browsers put in every audio packet's RTP
//! header (RFC 6464, no decoding needed): a peak-hold loudness per participant that decays
//! through the pauses between words, and per call the loudest one above a floor, re-decided a
//! few times a second with some hysteresis so the highlight does not flicker between two
//! people talking at once.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use super::{CallKey, ParticipantKey};

/// How often each call's speaker is re-decided.
const DECIDE_EVERY: Duration = Duration::from_millis(300);
/// Quieter than this (in dB above -127 dBov) counts as silence: -60 dBov, about the level of
/// background noise; speech is usually -20 to -40 dBov.
const FLOOR: f32 = 67.0;
/// A new speaker must be this much louder than the current one (dB) to take over.
const MARGIN: f32 = 3.0;
/// A participant whose audio stopped arriving this long ago is silent.
const STALE: Duration = Duration::from_millis(1000);
/// How fast the held peak falls per packet (about 50 packets a second: 10 dB a second), so a
/// speaker stays audible through the short pauses of speech.
const DECAY: f32 = 0.2;

struct Level {
    call: CallKey,
    loudness: f32,
    heard_at: Instant,
}

#[derive(Default)]
pub(super) struct Speakers {
    levels: HashMap<ParticipantKey, Level>,
    current: HashMap<CallKey, ParticipantKey>,
    decided_at: Option<Instant>,
}

impl Speakers {
    /// One audio packet's level, in -dBov as carried (0 loudest, -127 silence).
    pub fn heard(&mut self, call: CallKey, participant: ParticipantKey, level: i8, now: Instant) {
        let loudness = f32::from(level.clamp(-127, 0)) + 127.0;
        let entry = self.levels.entry(participant).or_insert(Level {
            call,
            loudness,
            heard_at: now,
        });
        entry.loudness = loudness.max(entry.loudness - DECAY);
        entry.heard_at = now;
    }

    pub fn forget(&mut self, participant: ParticipantKey) {
        self.levels.remove(&participant);
        self.current.retain(|_, speaker| *speaker != participant);
    }

    /// The calls whose active speaker changed since the last decision.
    pub fn decide(&mut self, now: Instant) -> Vec<(CallKey, ParticipantKey)> {
        if self
            .decided_at
            .is_some_and(|at| now.duration_since(at) < DECIDE_EVERY)
        {
            return Vec::new();
        }
        self.decided_at = Some(now);
        let audible =
            |level: &Level| now.duration_since(level.heard_at) < STALE && level.loudness >= FLOOR;
        let mut loudest: HashMap<CallKey, (ParticipantKey, f32)> = HashMap::new();
        for (participant, level) in &self.levels {
            if !audible(level) {
                continue;
            }
            let best = loudest
                .entry(level.call)
                .or_insert((*participant, level.loudness));
            if level.loudness > best.1 {
                *best = (*participant, level.loudness);
            }
        }
        let mut changed = Vec::new();
        for (call, (candidate, loudness)) in loudest {
            let current = self.current.get(&call).copied();
            let current_loudness = current
                .and_then(|p| self.levels.get(&p))
                .filter(|level| audible(level))
                .map(|level| level.loudness);
            let takes_over = match (current, current_loudness) {
                (Some(speaker), _) if speaker == candidate => false,
                (_, Some(held)) => loudness > held + MARGIN,
                _ => true,
            };
            if takes_over {
                self.current.insert(call, candidate);
                changed.push((call, candidate));
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn speak(speakers: &mut Speakers, call: CallKey, who: ParticipantKey, level: i8, at: Instant) {
        for _ in 0..50 {
            speakers.heard(call, who, level, at);
        }
    }

    #[test]
    fn the_loudest_participant_becomes_the_speaker_and_keeps_it_against_a_close_rival() {
        let mut speakers = Speakers::default();
        let (call, anna, boris) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let start = Instant::now();
        speak(&mut speakers, call, anna, -20, start);
        speak(&mut speakers, call, boris, -40, start);
        assert_eq!(speakers.decide(start), vec![(call, anna)]);
        // Boris gets a little louder than Anna, but not by the margin: no change.
        let later = start + DECIDE_EVERY;
        speak(&mut speakers, call, boris, -19, later);
        speak(&mut speakers, call, anna, -20, later);
        assert_eq!(speakers.decide(later), vec![]);
        // Anna falls silent: Boris takes over.
        let silent = later + DECIDE_EVERY;
        speak(&mut speakers, call, anna, -127, silent);
        speak(&mut speakers, call, boris, -19, silent);
        assert_eq!(speakers.decide(silent), vec![(call, boris)]);
    }

    #[test]
    fn silence_names_nobody_and_decisions_are_spaced() {
        let mut speakers = Speakers::default();
        let (call, anna) = (Uuid::now_v7(), Uuid::now_v7());
        let start = Instant::now();
        speak(&mut speakers, call, anna, -90, start);
        assert_eq!(speakers.decide(start), vec![]);
        speak(&mut speakers, call, anna, -10, start);
        assert_eq!(speakers.decide(start + Duration::from_millis(10)), vec![]);
        assert_eq!(speakers.decide(start + DECIDE_EVERY), vec![(call, anna)]);
    }
}
