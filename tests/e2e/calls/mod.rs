//! Calls end to end over the websocket, on SQLite and PostgreSQL: ringing, joining with a
//! real SDP offer (made by a str0m peer standing in for a browser), the SFU's renegotiation,
//! leaving and the summary message; and bad signaling input.

mod bad_input;
mod dm;
mod guests;
mod recording;
mod signaling;
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
    media::{Direction, Frequency, MediaKind, MediaTime, Mid},
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
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Peer {
    /// A peer and the offer it joins with.
    pub async fn publishing() -> (Self, String) {
        Self::start(false).await
    }

    /// A peer that, once connected, sends Opus packets every 20 ms and a VP8 keyframe every
    /// 100 ms (synthetic payloads: the SFU forwards and records without decoding).
    pub async fn sending_media() -> (Self, String) {
        Self::start(true).await
    }

    async fn start(send: bool) -> (Self, String) {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut rtc = Rtc::builder().build(Instant::now());
        rtc.add_local_candidate(Candidate::host(socket.local_addr().unwrap(), "udp").unwrap());
        let mut change = rtc.sdp_api();
        let audio = change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        let video = change.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
        let (offer, pending) = change.apply().unwrap();
        let sdp = offer.to_sdp_string();
        let rtc = Arc::new(Mutex::new(rtc));
        let stop = CancellationToken::new();
        let media = send.then_some((audio, video));
        tokio::spawn(drive(rtc.clone(), socket, stop.clone(), media));
        let peer = Self {
            rtc,
            pending: Some(pending),
            stop,
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
    let mut frame = vec![0x50, 0x1a, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00];
    frame.extend(std::iter::repeat_n(0x5a, 600));
    frame
}

/// Writes the next synthetic audio and video frames that are due.
fn send_due(rtc: &mut Rtc, mids: (Mid, Mid), sent: &mut (u64, u64), since: Instant) {
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
        if let Some(writer) = rtc.writer(mids.1) {
            let _ = writer.write(pt, Instant::now(), time, synthetic_keyframe());
        }
        sent.1 += 1;
    }
}

/// The peer's network loop: datagrams in, timers, datagrams out, and (when `media` names
/// the audio and video mids) synthetic media once connected.
async fn drive(
    rtc: Arc<Mutex<Rtc>>,
    socket: UdpSocket,
    stop: CancellationToken,
    media: Option<(Mid, Mid)>,
) {
    let local: SocketAddr = socket.local_addr().unwrap();
    let mut buffer = vec![0u8; 2048];
    let mut connected: Option<Instant> = None;
    let mut sent = (0u64, 0u64);
    loop {
        let next = {
            let mut rtc = rtc.lock().unwrap();
            if let (Some(mids), Some(since)) = (media, connected) {
                send_due(&mut rtc, mids, &mut sent, since);
            }
            loop {
                match rtc.poll_output() {
                    Ok(Output::Timeout(at)) => break at,
                    Ok(Output::Transmit(t)) => {
                        let _ = socket.try_send_to(&t.contents, t.destination);
                    }
                    Ok(Output::Event(Event::Connected)) => connected = Some(Instant::now()),
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
