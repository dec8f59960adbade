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
    net::{Protocol, TcpType},
};

use super::{
    CallKey, ParticipantKey, SfuError, Transports,
    layers::{Frame, LayerStats, Layers, Quality, Selection, Step},
};

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
    layers: LayerStats,
    /// When a keyframe was last asked for, per simulcast layer.
    keyframe_requests: Vec<(Option<Rid>, Instant)>,
}

/// Another participant's track, sent to this participant.
#[derive(Debug)]
struct TrackOut {
    track: Weak<TrackIn>,
    /// The track's publisher and its mid there, copied so forwarding a packet needs no upgrade.
    origin: ParticipantKey,
    origin_mid: Mid,
    kind: MediaKind,
    state: TrackOutState,
    selection: Selection,
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
    Transmit(Protocol, SocketAddr, Vec<u8>),
    /// The participant started publishing a track: offer it to the rest of the call.
    TrackOpen(Weak<TrackIn>),
    /// Media the participant sent, what layer selection needs of it, and the layers its track
    /// is sent in now: worked out once here for every subscriber of the frame.
    Media(MediaData, Frame, Layers),
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
    /// Something reached the `Rtc` (a datagram, a timer, media written to it, a keyframe
    /// request) since it was last polled until idle. Only such participants are polled:
    /// polling all of a large call's participants for every datagram costs more than
    /// forwarding does.
    pub awake: bool,
    /// Tracks were added or their publisher left since the last offer was built.
    renegotiate: bool,
    pending: Option<SdpPendingOffer>,
    tracks_in: Vec<TrackInEntry>,
    tracks_out: Vec<TrackOut>,
    /// How this participant shows each other participant's video (default high).
    qualities: Vec<(ParticipantKey, Quality)>,
    /// Received tracks (and layers) whose publishers must send a keyframe before this
    /// participant can decode them.
    need_keyframe: Vec<(ParticipantKey, Mid, Option<Rid>)>,
}

impl Participant {
    /// Creates the participant's `Rtc` with the shared socket and the TCP listener at the same
    /// address (passive) as its candidates, as `transports` allows, and answers its offer.
    pub fn accept(
        call: CallKey,
        key: ParticipantKey,
        address: SocketAddr,
        transports: Transports,
        offer: SdpOffer,
        now: Instant,
    ) -> Result<(Self, SdpAnswer), SfuError> {
        let mut rtc = Rtc::builder().build(now);
        let candidate_error = |error: str0m::error::IceError| {
            SfuError::InvalidSdp(format!("host candidate: {error}"))
        };
        if transports.udp {
            rtc.add_local_candidate(Candidate::host(address, "udp").map_err(candidate_error)?);
        }
        if transports.tcp {
            let passive = Candidate::builder()
                .tcp()
                .host(address)
                .tcptype(TcpType::Passive)
                .build()
                .map_err(candidate_error)?;
            rtc.add_local_candidate(passive);
        }
        let answer = rtc
            .sdp_api()
            .accept_offer(offer)
            .map_err(|error| SfuError::InvalidSdp(error.to_string()))?;
        let participant = Self {
            key,
            call,
            rtc,
            timeout: now,
            awake: true,
            renegotiate: false,
            pending: None,
            tracks_in: Vec::new(),
            tracks_out: Vec::new(),
            qualities: Vec::new(),
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
        self.awake = true;
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
        if let Some((origin, mid, rid)) = self.need_keyframe.pop() {
            return Outcome::KeyframeRequest {
                origin,
                mid,
                kind: KeyframeRequestKind::Pli,
                rid,
            };
        }
        if let Some(offer) = self.negotiate_if_needed() {
            return Outcome::Offer(offer);
        }
        match self.rtc.poll_output() {
            Ok(Output::Timeout(at)) => {
                self.timeout = at;
                Outcome::Timeout(at)
            }
            Ok(Output::Transmit(transmit)) => Outcome::Transmit(
                transmit.proto,
                transmit.destination,
                transmit.contents.into(),
            ),
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
                    layers: LayerStats::default(),
                    keyframe_requests: Vec::new(),
                });
                Outcome::TrackOpen(weak)
            }
            Event::MediaData(data) => {
                if !data.contiguous {
                    self.request_keyframe(data.mid, data.rid, KeyframeRequestKind::Fir);
                }
                let frame = Frame::of(&data);
                let layers = self
                    .tracks_in
                    .iter_mut()
                    .find(|t| t.track.mid == data.mid)
                    .filter(|t| t.track.kind == MediaKind::Video)
                    .map(|t| t.layers.heard(&frame))
                    .unwrap_or_default();
                Outcome::Media(data, frame, layers)
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
        else {
            return Outcome::Nothing;
        };
        Outcome::KeyframeRequest {
            origin: track.origin,
            mid: track.origin_mid,
            kind: request.kind,
            rid: track.selection.current_layer(),
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
        let last = entry
            .keyframe_requests
            .iter_mut()
            .find(|(of, _)| *of == rid);
        if last
            .as_ref()
            .is_some_and(|(_, at)| now.duration_since(*at) < KEYFRAME_INTERVAL)
        {
            return;
        }
        let Some(mut writer) = self.rtc.writer(mid) else {
            return;
        };
        self.awake = true;
        // Fails when the rid names no layer the browser sends; the next request retries.
        match writer.request_keyframe(rid, kind) {
            Ok(()) => {
                tracing::debug!(participant = %self.key, ?rid, ?kind, "keyframe requested");
                match last {
                    Some((_, at)) => *at = now,
                    None => entry.keyframe_requests.push((rid, now)),
                }
            }
            Err(error) => {
                tracing::debug!(participant = %self.key, ?rid, error.message = %error, "keyframe request failed");
            }
        }
    }

    /// Another participant of the call published a track.
    pub fn track_opened(&mut self, track: Weak<TrackIn>) {
        let Some(published) = track.upgrade() else {
            return;
        };
        let mut selection = Selection::default();
        if let Some((_, quality)) = self.qualities.iter().find(|(p, _)| *p == published.origin) {
            selection.set(*quality);
        }
        self.renegotiate = true;
        self.awake = true;
        self.tracks_out.push(TrackOut {
            origin: published.origin,
            origin_mid: published.mid,
            kind: published.kind,
            track,
            state: TrackOutState::ToOpen,
            selection,
        });
    }

    /// Another participant of the call left: the tracks it published are to be stopped.
    pub fn publisher_left(&mut self, publisher: ParticipantKey) {
        if self.tracks_out.iter().any(|t| t.origin == publisher) {
            self.renegotiate = true;
            self.awake = true;
        }
    }

    /// How this participant shows `publisher`'s video from now on: the simulcast layer it
    /// receives follows, or none at all for `Quality::Off`.
    pub fn set_quality(&mut self, publisher: ParticipantKey, quality: Quality) {
        tracing::debug!(participant = %self.key, %publisher, ?quality, "view changed");
        match self.qualities.iter_mut().find(|(p, _)| *p == publisher) {
            Some((_, known)) => *known = quality,
            None => self.qualities.push((publisher, quality)),
        }
        for track in &mut self.tracks_out {
            if track.origin == publisher && track.kind == MediaKind::Video {
                track.selection.set(quality);
            }
        }
    }

    /// Writes another participant's media to the matching outgoing track: audio as it comes,
    /// video in the simulcast layer this participant's view of the publisher asks for.
    pub fn forward(
        &mut self,
        origin: ParticipantKey,
        data: &MediaData,
        frame: &Frame,
        layers: &Layers,
    ) {
        let Some(track) = self.tracks_out.iter_mut().find(|out| {
            out.origin == origin
                && out.origin_mid == data.mid
                && matches!(out.state, TrackOutState::Open(_))
        }) else {
            return;
        };
        let time = if track.kind == MediaKind::Video {
            match track.selection.step(frame, layers) {
                Step::Forward(time) => time,
                Step::Drop => return,
                Step::DropAskKeyframe(rid) => {
                    tracing::trace!(participant = %self.key, publisher = %origin, ?rid, "waiting for a keyframe of the wanted layer");
                    self.need_keyframe.push((origin, data.mid, rid));
                    return;
                }
                Step::ForwardAskKeyframe(time) => {
                    self.need_keyframe.push((origin, data.mid, None));
                    time
                }
            }
        } else {
            data.time
        };
        let Some(mid) = track.mid() else {
            return;
        };
        self.awake = true;
        let Some(writer) = self.rtc.writer(mid) else {
            return;
        };
        let Some(pt) = writer.match_params(data.params) else {
            return;
        };
        if let Err(error) = writer.write(pt, data.network_time, time, data.data.clone()) {
            tracing::debug!(participant = %self.key, error.message = %error, "forwarding failed");
            self.rtc.disconnect();
        }
    }

    /// Builds an offer when tracks wait to be added or stopped and no offer is outstanding.
    fn negotiate_if_needed(&mut self) -> Option<String> {
        if self.pending.is_some() || !self.renegotiate {
            return None;
        }
        self.renegotiate = false;
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
            self.renegotiate = true;
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
                // The new subscriber can decode nothing until the publisher's next keyframe:
                // its selection asks for one with the first frame it forwards (or drops).
                track.state = TrackOutState::Open(mid);
            }
        }
        self.tracks_out
            .retain(|t| !matches!(t.state, TrackOutState::NegotiatingStop(_)));
        Ok(())
    }
}
