//! Calls end to end over the websocket, on SQLite and PostgreSQL: ringing, joining with a
//! real SDP offer (made by a str0m peer standing in for a browser), the SFU's renegotiation,
//! leaving and the summary message; and bad signaling input.

mod bad_input;
mod dm;
mod guests;
mod recording;
mod signaling;
mod simulcast;
mod timeline;

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use str0m::{
    Candidate, Event, Input, Output, Rtc,
    change::{SdpAnswer, SdpOffer, SdpPendingOffer},
    format::Codec,
    media::{Direction, Frequency, MediaKind, MediaTime, Mid, Simulcast, SimulcastLayer},
    net::{Protocol, Receive},
};
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;

use crate::support::chat::ChatClient;

/// A WebRTC peer that publishes audio and video over a real UDP socket on loopback, as a
/// browser joining a call does. A task drives its ICE and DTLS with the SFU; the SFU offers a
/// participant's tracks to the others only once its connection is up.
pub struct Peer {
    rtc: Arc<Mutex<Rtc>>,
    pending: Option<SdpPendingOffer>,
    stop: CancellationToken,
    received: Received,
}

/// Sizes of the frames a peer received, video and audio apart, in arrival order.
#[derive(Clone, Default)]
pub struct Received(Arc<Mutex<(Vec<usize>, Vec<usize>)>>);

impl Received {
    pub fn video(&self) -> Vec<usize> {
        self.0.lock().unwrap().0.clone()
    }

    pub fn audio_count(&self) -> usize {
        self.0.lock().unwrap().1.len()
    }
}

/// What a peer sends once connected.
#[derive(Clone, Copy)]
enum Sending {
    Nothing,
    Plain,
    /// Three simulcast layers of the same video.
    Simulcast,
}

/// The simulcast layers a simulcast peer sends, smallest first: its rid, the picture size its
/// keyframes state, and the frame size. The names follow no order on purpose ("h" is the
/// middle one, as some clients call the half-size layer).
pub const LAYERS: [(&str, (u16, u16), usize); 3] = [
    ("q", (160, 120), 300),
    ("h", (320, 240), 900),
    ("f", (640, 480), 2500),
];

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Peer {
    /// A peer and the offer it joins with.
    pub async fn publishing() -> (Self, String) {
        Self::start(Sending::Nothing).await
    }

    /// A peer that, once connected, sends Opus packets every 20 ms and a VP8 keyframe every
    /// 100 ms (synthetic payloads: the SFU forwards and records without decoding).
    pub async fn sending_media() -> (Self, String) {
        Self::start(Sending::Plain).await
    }

    /// Like `sending_media`, with the video in the three simulcast `LAYERS`.
    pub async fn sending_simulcast() -> (Self, String) {
        Self::start(Sending::Simulcast).await
    }

    /// What this peer has received from the others.
    pub fn received(&self) -> Received {
        self.received.clone()
    }

    async fn start(sending: Sending) -> (Self, String) {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut rtc = Rtc::builder().build(Instant::now());
        rtc.add_local_candidate(Candidate::host(socket.local_addr().unwrap(), "udp").unwrap());
        let mut change = rtc.sdp_api();
        let audio = change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        let simulcast = matches!(sending, Sending::Simulcast).then(|| Simulcast {
            send: LAYERS
                .iter()
                .map(|(rid, _, _)| SimulcastLayer::new(rid))
                .collect(),
            recv: Vec::new(),
        });
        let video = change.add_media(MediaKind::Video, Direction::SendOnly, None, None, simulcast);
        let (offer, pending) = change.apply().unwrap();
        let sdp = offer.to_sdp_string();
        let rtc = Arc::new(Mutex::new(rtc));
        let stop = CancellationToken::new();
        let received = Received::default();
        tokio::spawn(drive(
            rtc.clone(),
            socket,
            stop.clone(),
            (sending, audio, video),
            received.clone(),
        ));
        let peer = Self {
            rtc,
            pending: Some(pending),
            stop,
            received,
        };
        (peer, sdp)
    }

    pub fn accept_answer(&mut self, sdp: &str) {
        let answer = SdpAnswer::from_sdp_string(sdp).unwrap();
        let mut rtc = self.rtc.lock().unwrap();
        rtc.sdp_api()
            .accept_answer(self.pending.take().unwrap(), answer)
            .unwrap();
        rtc.handle_input(Input::Timeout(Instant::now())).unwrap();
    }

    /// Answers an offer from the SFU.
    pub fn answer(&mut self, sdp: &str) -> String {
        let offer = SdpOffer::from_sdp_string(sdp).unwrap();
        let mut rtc = self.rtc.lock().unwrap();
        let answer = rtc.sdp_api().accept_offer(offer).unwrap();
        rtc.handle_input(Input::Timeout(Instant::now())).unwrap();
        answer.to_sdp_string()
    }
}

/// A VP8 keyframe as far as its header goes (RFC 6386 §9.1: 320×240), then filler.
fn synthetic_keyframe() -> Vec<u8> {
    sized_keyframe((320, 240), 610)
}

/// A VP8 keyframe header stating `width` × `height`, filled up to `bytes`.
fn sized_keyframe((width, height): (u16, u16), bytes: usize) -> Vec<u8> {
    let mut frame = vec![0x50, 0x1a, 0x00, 0x9d, 0x01, 0x2a];
    frame.extend(width.to_le_bytes());
    frame.extend(height.to_le_bytes());
    frame.resize(bytes, 0x5a);
    frame
}

/// Writes the next synthetic audio and video frames that are due.
fn send_due(
    rtc: &mut Rtc,
    mids: (Mid, Mid),
    simulcast: bool,
    sent: &mut (u64, u64),
    since: Instant,
) {
    let elapsed = since.elapsed().as_millis() as u64;
    let pt_of = |rtc: &mut Rtc, mid: Mid, codec: Codec| {
        rtc.writer(mid).and_then(|w| {
            w.payload_params()
                .find(|p| p.spec().codec == codec)
                .map(|p| p.pt())
        })
    };
    while sent.0 * 20 <= elapsed {
        let Some(pt) = pt_of(rtc, mids.0, Codec::Opus) else {
            break;
        };
        let time = MediaTime::new(sent.0 * 960, Frequency::FORTY_EIGHT_KHZ);
        // TOC 0x78: a hybrid full-band 20 ms frame, one per packet; the rest is filler.
        let packet: Vec<u8> = std::iter::once(0x78).chain([0x11; 40]).collect();
        if let Some(writer) = rtc.writer(mids.0) {
            let _ = writer.write(pt, Instant::now(), time, packet);
        }
        sent.0 += 1;
    }
    while sent.1 * 100 <= elapsed {
        let Some(pt) = pt_of(rtc, mids.1, Codec::Vp8) else {
            break;
        };
        let time = MediaTime::new(sent.1 * 9000, Frequency::NINETY_KHZ);
        if simulcast {
            for (rid, size, bytes) in LAYERS {
                if let Some(writer) = rtc.writer(mids.1) {
                    let frame = sized_keyframe(size, bytes);
                    let _ = writer
                        .rid(rid.into())
                        .write(pt, Instant::now(), time, frame);
                }
            }
        } else if let Some(writer) = rtc.writer(mids.1) {
            let _ = writer.write(pt, Instant::now(), time, synthetic_keyframe());
        }
        sent.1 += 1;
    }
}

/// The peer's network loop: datagrams in, timers, datagrams out, synthetic media once
/// connected (as `sending` says, on the audio and video mids), and what arrives noted down.
async fn drive(
    rtc: Arc<Mutex<Rtc>>,
    socket: UdpSocket,
    stop: CancellationToken,
    (sending, audio, video): (Sending, Mid, Mid),
    received: Received,
) {
    let local: SocketAddr = socket.local_addr().unwrap();
    let mut buffer = vec![0u8; 2048];
    let mut connected: Option<Instant> = None;
    let mut sent = (0u64, 0u64);
    loop {
        let next = {
            let mut rtc = rtc.lock().unwrap();
            if let Some(since) = connected
                && !matches!(sending, Sending::Nothing)
            {
                let simulcast = matches!(sending, Sending::Simulcast);
                send_due(&mut rtc, (audio, video), simulcast, &mut sent, since);
            }
            loop {
                match rtc.poll_output() {
                    Ok(Output::Timeout(at)) => break at,
                    Ok(Output::Transmit(t)) => {
                        let _ = socket.try_send_to(&t.contents, t.destination);
                    }
                    Ok(Output::Event(Event::Connected)) => connected = Some(Instant::now()),
                    Ok(Output::Event(Event::MediaData(data))) => {
                        let mut seen = received.0.lock().unwrap();
                        if data.params.spec().codec.is_audio() {
                            seen.1.push(data.data.len());
                        } else {
                            seen.0.push(data.data.len());
                        }
                    }
                    Ok(Output::Event(_)) => {}
                    Err(_) => return,
                }
            }
        };
        let wait = next
            .saturating_duration_since(Instant::now())
            .clamp(Duration::from_millis(1), Duration::from_millis(10));
        tokio::select! {
            () = stop.cancelled() => return,
            received = socket.recv_from(&mut buffer) => {
                let Ok((length, source)) = received else { return };
                let Ok(contents) = buffer[..length].try_into() else { continue };
                let input = Input::Receive(Instant::now(), Receive { proto: Protocol::Udp, source, destination: local, contents });
                if rtc.lock().unwrap().handle_input(input).is_err() {
                    return;
                }
            }
            () = tokio::time::sleep(wait) => {}
        }
        if rtc
            .lock()
            .unwrap()
            .handle_input(Input::Timeout(Instant::now()))
            .is_err()
        {
            return;
        }
    }
}

/// Sends a frame with a `ref` and returns its ack (or panics with the error frame).
pub async fn request(client: &mut ChatClient, mut frame: Value, reference: &str) -> Value {
    frame["ref"] = json!(reference);
    client.send(frame).await;
    let reply = client
        .next_matching(|f| f["ref"] == reference && (f["type"] == "ack" || f["type"] == "error"))
        .await;
    assert_eq!(reply["type"], "ack", "{reference}: {reply}");
    reply
}

/// Sends a frame with a `ref` and returns the error frame it gets.
pub async fn refused(client: &mut ChatClient, mut frame: Value, reference: &str) -> Value {
    frame["ref"] = json!(reference);
    client.send(frame).await;
    let reply = client
        .next_matching(|f| f["ref"] == reference && (f["type"] == "ack" || f["type"] == "error"))
        .await;
    assert_eq!(reply["type"], "error", "{reference}: {reply}");
    assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
    reply
}

/// Starts a call in `room` and joins it with a fresh publishing peer.
pub async fn start_and_join(client: &mut ChatClient, room: &str) -> (String, Peer, Value) {
    let started = request(
        client,
        json!({"type": "call_start", "room_id": room}),
        "start",
    )
    .await;
    let call = started["call"]["id"].as_str().unwrap().to_owned();
    let (mut peer, offer) = Peer::publishing().await;
    let joined = request(
        client,
        json!({"type": "call_join", "call_id": call, "sdp": offer}),
        "join",
    )
    .await;
    peer.accept_answer(joined["sdp"].as_str().unwrap());
    (call, peer, joined)
}
