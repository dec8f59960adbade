//! One participant: its `Rtc`, the tracks it publishes (owned with `Arc`) and the tracks of
//! others it receives (held as `Weak`, so a publisher leaving ends them), and the SDP
//! renegotiation that adds and removes those received tracks.

use std::{
    net::SocketAddr,
    sync::{Arc, Weak},
    time::{Duration, Instant},
};

use str0m::{
    Candidate, Event, IceConnectionState, Input, Output, Rtc,
    change::{SdpAnswer, SdpOffer, SdpPendingOffer},
    media::{Direction, KeyframeRequest, KeyframeRequestKind, MediaData, MediaKind, Mid, Rid},
};

use super::{CallKey, ParticipantKey, SfuError};

/// At most one keyframe request per published track in this interval: every new subscriber
/// and every lost packet asks for one, and a keyframe is many times larger than a delta frame.
pub(super) const KEYFRAME_INTERVAL: Duration = Duration::from_millis(500);

/// A track a participant publishes.
#[derive(Debug)]
pub(super) struct TrackIn {
    pub origin: ParticipantKey,
    pub mid: Mid,
    pub kind: MediaKind,
}

#[derive(Debug)]
struct TrackInEntry {
    track: Arc<TrackIn>,
    last_keyframe_request: Option<Instant>,
}

/// Another participant's track, sent to this participant.
#[derive(Debug)]
struct TrackOut {
    track: Weak<TrackIn>,
    state: TrackOutState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrackOutState {
    /// Waiting for the next offer to add it.
    ToOpen,
    Negotiating(Mid),
    Open(Mid),
    /// Its publisher left: the next offer stops the m-line.
    ToStop(Mid),
    NegotiatingStop(Mid),
}

impl TrackOut {
    fn mid(&self) -> Option<Mid> {
        match self.state {
            TrackOutState::ToOpen => None,
            TrackOutState::Negotiating(m)
            | TrackOutState::Open(m)
            | TrackOutState::ToStop(m)
            | TrackOutState::NegotiatingStop(m) => Some(m),
        }
    }
}

/// What one participant's output asks the run loop to do.
// Returned by value once per poll, never stored: the size of `MediaData` costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(super) enum Outcome {
    Nothing,
    Timeout(Instant),
    Transmit(SocketAddr, Vec<u8>),
    /// The participant started publishing a track: offer it to the rest of the call.
    TrackOpen(Weak<TrackIn>),
    Media(MediaData),
    /// A subscriber (or the SFU itself) needs a keyframe of `origin`'s track `mid`.
    KeyframeRequest {
        origin: ParticipantKey,
        mid: Mid,
        kind: KeyframeRequestKind,
        rid: Option<Rid>,
    },
    /// An offer for the signaling side to deliver.
    Offer(String),
}

pub(super) struct Participant {
    pub key: ParticipantKey,
    pub call: CallKey,
    pub rtc: Rtc,
    pub timeout: Instant,
    pending: Option<SdpPendingOffer>,
    tracks_in: Vec<TrackInEntry>,
    tracks_out: Vec<TrackOut>,
    /// The simulcast layer forwarded to this participant, for keyframe requests.
    chosen_rid: Option<Rid>,
    /// Newly opened outgoing tracks whose publishers must send a keyframe.
    need_keyframe: Vec<Weak<TrackIn>>,
}

impl Participant {
    /// Creates the participant's `Rtc` with the shared socket as its only candidate and
    /// answers its offer.
    pub fn accept(
        call: CallKey,
        key: ParticipantKey,
        address: SocketAddr,
        offer: SdpOffer,
        now: Instant,
    ) -> Result<(Self, SdpAnswer), SfuError> {
        let mut rtc = Rtc::builder().build(now);
        let candidate = Candidate::host(address, "udp")
            .map_err(|error| SfuError::InvalidSdp(format!("host candidate: {error}")))?;
        rtc.add_local_candidate(candidate);
        let answer = rtc
            .sdp_api()
            .accept_offer(offer)
            .map_err(|error| SfuError::InvalidSdp(error.to_string()))?;
        let participant = Self {
            key,
            call,
            rtc,
            timeout: now,
            pending: None,
            tracks_in: Vec::new(),
            tracks_out: Vec::new(),
            chosen_rid: None,
            need_keyframe: Vec::new(),
        };
        Ok((participant, answer))
    }

    /// The tracks this participant publishes, for a participant who joins later.
    pub fn published(&self) -> impl Iterator<Item = Weak<TrackIn>> + '_ {
        self.tracks_in.iter().map(|t| Arc::downgrade(&t.track))
    }

    pub fn handle_input(&mut self, input: Input) {
        if !self.rtc.is_alive() {
            return;
        }
        if let Err(error) = self.rtc.handle_input(input) {
            tracing::debug!(participant = %self.key, error.message = %error, "participant disconnected");
            self.rtc.disconnect();
        }
    }

    /// The next thing this participant's `Rtc` wants done.
    pub fn poll(&mut self) -> Outcome {
        if !self.rtc.is_alive() {
            return Outcome::Timeout(self.timeout);
        }
        if let Some(track) = self.need_keyframe.pop() {
            if let Some(track) = track.upgrade() {
                return Outcome::KeyframeRequest {
                    origin: track.origin,
                    mid: track.mid,
                    kind: KeyframeRequestKind::Pli,
                    rid: self.chosen_rid,
                };
            }
            return Outcome::Nothing;
        }
        if let Some(offer) = self.negotiate_if_needed() {
            return Outcome::Offer(offer);
        }
        match self.rtc.poll_output() {
            Ok(Output::Timeout(at)) => {
                self.timeout = at;
                Outcome::Timeout(at)
            }
            Ok(Output::Transmit(transmit)) => {
                Outcome::Transmit(transmit.destination, transmit.contents.into())
            }
            Ok(Output::Event(event)) => self.on_event(event),
            Err(error) => {
                tracing::debug!(participant = %self.key, error.message = %error, "participant failed");
                self.rtc.disconnect();
                Outcome::Nothing
            }
        }
    }

    fn on_event(&mut self, event: Event) -> Outcome {
        match event {
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                self.rtc.disconnect();
                Outcome::Nothing
            }
            Event::MediaAdded(added)
                if matches!(added.direction, Direction::RecvOnly | Direction::SendRecv) =>
            {
                let track = Arc::new(TrackIn {
                    origin: self.key,
                    mid: added.mid,
                    kind: added.kind,
                });
                let weak = Arc::downgrade(&track);
                self.tracks_in.push(TrackInEntry {
                    track,
                    last_keyframe_request: None,
                });
                Outcome::TrackOpen(weak)
            }
            Event::MediaData(data) => {
                if !data.contiguous {
                    self.request_keyframe(data.mid, data.rid, KeyframeRequestKind::Fir);
                }
                Outcome::Media(data)
            }
            Event::KeyframeRequest(request) => self.keyframe_wanted(request),
            _ => Outcome::Nothing,
        }
    }

    /// A subscriber's request for a keyframe of a track it receives: find the publisher.
    fn keyframe_wanted(&self, request: KeyframeRequest) -> Outcome {
        let Some(track) = self
            .tracks_out
            .iter()
            .find(|t| t.mid() == Some(request.mid))
            .and_then(|t| t.track.upgrade())
        else {
            return Outcome::Nothing;
        };
        Outcome::KeyframeRequest {
            origin: track.origin,
            mid: track.mid,
            kind: request.kind,
            rid: self.chosen_rid,
        }
    }

    /// Asks this participant's browser for a keyframe of its track `mid`, throttled.
    pub fn request_keyframe(&mut self, mid: Mid, rid: Option<Rid>, kind: KeyframeRequestKind) {
        let Some(entry) = self.tracks_in.iter_mut().find(|t| t.track.mid == mid) else {
            return;
        };
        if entry.track.kind != MediaKind::Video {
            return;
        }
        let now = Instant::now();
        if entry
            .last_keyframe_request
            .is_some_and(|at| now.duration_since(at) < KEYFRAME_INTERVAL)
        {
            return;
        }
        let Some(mut writer) = self.rtc.writer(mid) else {
            return;
        };
        // Fails when the rid names no layer the browser sends; the next request retries.
        if writer.request_keyframe(rid, kind).is_ok() {
            entry.last_keyframe_request = Some(now);
        }
    }

    /// Another participant of the call published a track.
    pub fn track_opened(&mut self, track: Weak<TrackIn>) {
        self.tracks_out.push(TrackOut {
            track,
            state: TrackOutState::ToOpen,
        });
    }

    /// Writes another participant's media to the matching outgoing track.
    pub fn forward(&mut self, origin: ParticipantKey, data: &MediaData) {
        let Some(mid) = self
            .tracks_out
            .iter()
            .find(|out| {
                matches!(out.state, TrackOutState::Open(_))
                    && out
                        .track
                        .upgrade()
                        .is_some_and(|t| t.origin == origin && t.mid == data.mid)
            })
            .and_then(TrackOut::mid)
        else {
            return;
        };
        // Simulcast: without layer selection the highest layer ("h") is forwarded; a browser
        // that sends no simulcast has no rid.
        if data.rid.is_some() && data.rid != Some("h".into()) {
            return;
        }
        self.chosen_rid = data.rid;
        let Some(writer) = self.rtc.writer(mid) else {
            return;
        };
        let Some(pt) = writer.match_params(data.params) else {
            return;
        };
        if let Err(error) = writer.write(pt, data.network_time, data.time, data.data.clone()) {
            tracing::debug!(participant = %self.key, error.message = %error, "forwarding failed");
            self.rtc.disconnect();
        }
    }

    /// Builds an offer when tracks wait to be added or stopped and no offer is outstanding.
    fn negotiate_if_needed(&mut self) -> Option<String> {
        if self.pending.is_some() {
            return None;
        }
        for track in &mut self.tracks_out {
            if let TrackOutState::Open(mid) = track.state
                && track.track.upgrade().is_none()
            {
                track.state = TrackOutState::ToStop(mid);
            }
        }
        // A publisher who left before its track was offered needs no m-line at all.
        self.tracks_out
            .retain(|t| !(t.state == TrackOutState::ToOpen && t.track.upgrade().is_none()));
        let mut change = self.rtc.sdp_api();
        for track in &mut self.tracks_out {
            match track.state {
                TrackOutState::ToOpen => {
                    if let Some(origin) = track.track.upgrade() {
                        let mid = change.add_media(
                            origin.kind,
                            Direction::SendOnly,
                            Some(origin.origin.to_string()),
                            Some(format!("{}-{}", origin.origin, origin.mid)),
                            None,
                        );
                        track.state = TrackOutState::Negotiating(mid);
                    }
                }
                TrackOutState::ToStop(mid) => {
                    change.stop_media(mid);
                    track.state = TrackOutState::NegotiatingStop(mid);
                }
                _ => {}
            }
        }
        let (offer, pending) = change.apply()?;
        self.pending = Some(pending);
        Some(offer.to_sdp_string())
    }

    /// The browser's answer to the latest offer: the offered tracks open, stopped ones go.
    pub fn accept_answer(&mut self, answer: SdpAnswer) -> Result<(), SfuError> {
        let pending = self.pending.take().ok_or(SfuError::NoPendingOffer)?;
        if let Err(error) = self.rtc.sdp_api().accept_answer(pending, answer) {
            // The offer is void: its tracks go back to waiting for the next one.
            for track in &mut self.tracks_out {
                match track.state {
                    TrackOutState::Negotiating(_) => track.state = TrackOutState::ToOpen,
                    TrackOutState::NegotiatingStop(mid) => track.state = TrackOutState::ToStop(mid),
                    _ => {}
                }
            }
            return Err(SfuError::InvalidSdp(error.to_string()));
        }
        for track in &mut self.tracks_out {
            if let TrackOutState::Negotiating(mid) = track.state {
                track.state = TrackOutState::Open(mid);
                // The new subscriber can decode nothing until the publisher's next keyframe.
                self.need_keyframe.push(track.track.clone());
            }
        }
        self.tracks_out
            .retain(|t| !matches!(t.state, TrackOutState::NegotiatingStop(_)));
        Ok(())
    }
}
