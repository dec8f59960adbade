//! Every participant on this SFU, which datagram belongs to whom, and what one participant's
//! output means for the others of its call: a new track to offer, media to forward, a
//! keyframe to ask its publisher for. An explicit `Propagated` queue, fanned out to everyone
//! in the call except the origin, keeps each participant's `Rtc` borrowed one at a time.

use std::{
    collections::{HashMap, VecDeque},
    net::SocketAddr,
    sync::Weak,
    time::Instant,
};

use str0m::{
    Input,
    change::{SdpAnswer, SdpOffer},
    media::{KeyframeRequestKind, MediaData, Mid, Rid},
    net::{Protocol, Receive},
};

use crate::recording::{ParticipantRecorder, RecordedFile};

use super::{
    CallKey, ParticipantKey, SfuError, SfuEvent, Transports,
    layers::{Frame, Layers, Quality},
    participant::{Outcome, Participant, TrackIn},
    speaker::Speakers,
};

// Media packets dominate the queue; boxing them would add an allocation per packet.
#[allow(clippy::large_enum_variant)]
enum Propagated {
    TrackOpen {
        call: CallKey,
        origin: ParticipantKey,
        track: Weak<TrackIn>,
    },
    Media {
        call: CallKey,
        origin: ParticipantKey,
        data: MediaData,
        frame: Frame,
        layers: Layers,
    },
    Keyframe {
        origin: ParticipantKey,
        mid: Mid,
        kind: KeyframeRequestKind,
        rid: Option<Rid>,
    },
}

/// Somewhere to put outgoing datagrams and events; the run loop's sockets and channel.
pub(super) trait Sink {
    fn transmit(&mut self, proto: Protocol, destination: SocketAddr, contents: &[u8]);
    fn event(&mut self, event: SfuEvent);
}

#[derive(Default)]
pub(super) struct Participants {
    all: HashMap<ParticipantKey, Participant>,
    /// Remote addresses already matched to a participant; unknown ones are offered to each
    /// `Rtc` in turn (its ICE ufrag recognises the first STUN request).
    by_address: HashMap<SocketAddr, ParticipantKey>,
    queue: VecDeque<Propagated>,
    speakers: Speakers,
    /// Participants whose media is being written, by call.
    recorders: HashMap<ParticipantKey, (CallKey, ParticipantRecorder)>,
    /// Files of participants who left while their call was recorded, until it stops.
    recorded: HashMap<CallKey, Vec<RecordedFile>>,
    transports: Transports,
}

impl Participants {
    pub fn new(transports: Transports) -> Self {
        Self {
            transports,
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn join(
        &mut self,
        call: CallKey,
        key: ParticipantKey,
        address: SocketAddr,
        offer: SdpOffer,
        now: Instant,
    ) -> Result<SdpAnswer, SfuError> {
        // Joining again from the same connection replaces the old peer connection.
        self.leave(key);
        let (mut participant, answer) =
            Participant::accept(call, key, address, self.transports, offer, now)?;
        for other in self.all.values().filter(|p| p.call == call) {
            for track in other.published() {
                participant.track_opened(track);
            }
        }
        // An SDP change alone does not make an idle `Rtc` report events: a timeout input
        // does, so the offered tracks open now rather than at the first datagram.
        participant.handle_input(Input::Timeout(now));
        self.all.insert(key, participant);
        Ok(answer)
    }

    pub fn answer(
        &mut self,
        key: ParticipantKey,
        answer: SdpAnswer,
        now: Instant,
    ) -> Result<(), SfuError> {
        let participant = self.all.get_mut(&key).ok_or(SfuError::UnknownParticipant)?;
        participant.accept_answer(answer)?;
        participant.handle_input(Input::Timeout(now));
        Ok(())
    }

    /// Starts recording a participant of `call` (again: keeps the running recording).
    pub fn record(&mut self, call: CallKey, key: ParticipantKey, dir: &std::path::Path) {
        if self.all.get(&key).is_some_and(|p| p.call == call) {
            self.recorders
                .entry(key)
                .or_insert_with(|| (call, ParticipantRecorder::new(key, dir)));
        }
    }

    pub fn stop_recording(&mut self, call: CallKey) -> Vec<RecordedFile> {
        let mut files = self.recorded.remove(&call).unwrap_or_default();
        let keys: Vec<ParticipantKey> = self
            .recorders
            .iter()
            .filter(|(_, (of, _))| *of == call)
            .map(|(key, _)| *key)
            .collect();
        for key in keys {
            if let Some((_, recorder)) = self.recorders.remove(&key) {
                files.extend(recorder.finish());
            }
        }
        files
    }

    /// How `subscriber` shows `publisher`'s video (simulcast layer selection).
    pub fn set_quality(
        &mut self,
        subscriber: ParticipantKey,
        publisher: ParticipantKey,
        quality: Quality,
    ) -> Result<(), SfuError> {
        let participant = self
            .all
            .get_mut(&subscriber)
            .ok_or(SfuError::UnknownParticipant)?;
        participant.set_quality(publisher, quality);
        Ok(())
    }

    pub fn leave(&mut self, key: ParticipantKey) -> bool {
        if let Some((call, recorder)) = self.recorders.remove(&key) {
            self.recorded
                .entry(call)
                .or_default()
                .extend(recorder.finish());
        }
        self.by_address.retain(|_, owner| *owner != key);
        self.speakers.forget(key);
        let Some(left) = self.all.remove(&key) else {
            return false;
        };
        for other in self.all.values_mut().filter(|p| p.call == left.call) {
            other.publisher_left(key);
        }
        true
    }

    /// Hands a datagram to the participant it belongs to; drops it when none claims it.
    pub fn receive(
        &mut self,
        proto: Protocol,
        source: SocketAddr,
        destination: SocketAddr,
        bytes: &[u8],
        now: Instant,
    ) {
        let Ok(contents) = bytes.try_into() else {
            return;
        };
        let input = Input::Receive(
            now,
            Receive {
                proto,
                source,
                destination,
                contents,
            },
        );
        let known = self
            .by_address
            .get(&source)
            .filter(|key| self.all.get(*key).is_some_and(|p| p.rtc.accepts(&input)))
            .copied();
        let owner = known.or_else(|| {
            let key = self.all.values().find(|p| p.rtc.accepts(&input))?.key;
            self.by_address.insert(source, key);
            Some(key)
        });
        if let Some(participant) = owner.and_then(|key| self.all.get_mut(&key)) {
            participant.handle_input(input);
        }
    }

    /// Lets time pass for every participant whose timer is due.
    pub fn tick(&mut self, now: Instant) {
        for participant in self.all.values_mut() {
            if participant.timeout <= now {
                participant.handle_input(Input::Timeout(now));
            }
        }
    }

    /// Polls every participant until all are idle, forwarding between them; returns when the
    /// next timer is due.
    pub fn drive(&mut self, sink: &mut impl Sink, now: Instant) -> Instant {
        loop {
            let mut next = now + std::time::Duration::from_millis(100);
            for participant in self.all.values_mut() {
                let due = participant.awake || participant.timeout <= now;
                next = next.min(if due {
                    poll_until_idle(participant, sink, &mut self.queue)
                } else {
                    participant.timeout
                });
            }
            if self.queue.is_empty() {
                self.reap(sink);
                for (call, participant) in self.speakers.decide(now) {
                    sink.event(SfuEvent::ActiveSpeaker { call, participant });
                }
                return next;
            }
            while let Some(item) = self.queue.pop_front() {
                if let Propagated::Media {
                    call, origin, data, ..
                } = &item
                    && let Some(level) = data.ext_vals.audio_level
                {
                    self.speakers.heard(*call, *origin, level, now);
                }
                self.propagate(item);
            }
        }
    }

    /// Removes participants whose connection failed, telling the signaling side.
    fn reap(&mut self, sink: &mut impl Sink) {
        let dead: Vec<ParticipantKey> = self
            .all
            .values()
            .filter(|p| !p.rtc.is_alive())
            .map(|p| p.key)
            .collect();
        for key in dead {
            self.leave(key);
            sink.event(SfuEvent::Gone { participant: key });
        }
    }

    fn propagate(&mut self, item: Propagated) {
        match item {
            Propagated::TrackOpen {
                call,
                origin,
                track,
            } => {
                for other in self.others(call, origin) {
                    other.track_opened(track.clone());
                }
            }
            Propagated::Media {
                call,
                origin,
                data,
                frame,
                layers,
            } => {
                if let Some((_, recorder)) = self.recorders.get_mut(&origin)
                    && let Some(rid) = recorder.write(&data, &frame, &layers)
                    && let Some(publisher) = self.all.get_mut(&origin)
                {
                    publisher.request_keyframe(data.mid, rid, KeyframeRequestKind::Pli);
                }
                for other in self.others(call, origin) {
                    other.forward(origin, &data, &frame, &layers);
                }
            }
            Propagated::Keyframe {
                origin,
                mid,
                kind,
                rid,
            } => {
                if let Some(publisher) = self.all.get_mut(&origin) {
                    publisher.request_keyframe(mid, rid, kind);
                }
            }
        }
    }

    fn others(
        &mut self,
        call: CallKey,
        origin: ParticipantKey,
    ) -> impl Iterator<Item = &mut Participant> {
        self.all
            .values_mut()
            .filter(move |p| p.call == call && p.key != origin)
    }
}

fn poll_until_idle(
    participant: &mut Participant,
    sink: &mut impl Sink,
    queue: &mut VecDeque<Propagated>,
) -> Instant {
    let (call, origin) = (participant.call, participant.key);
    loop {
        match participant.poll() {
            Outcome::Timeout(at) => {
                participant.awake = false;
                return at;
            }
            Outcome::Nothing => {}
            Outcome::Transmit(proto, destination, contents) => {
                sink.transmit(proto, destination, &contents);
            }
            Outcome::Offer(sdp) => sink.event(SfuEvent::Offer {
                participant: origin,
                sdp,
            }),
            Outcome::TrackOpen(track) => queue.push_back(Propagated::TrackOpen {
                call,
                origin,
                track,
            }),
            Outcome::Media(data, frame, layers) => queue.push_back(Propagated::Media {
                call,
                origin,
                data,
                frame,
                layers,
            }),
            Outcome::KeyframeRequest {
                origin,
                mid,
                kind,
                rid,
            } => queue.push_back(Propagated::Keyframe {
                origin,
                mid,
                kind,
                rid,
            }),
        }
    }
}
