//! A synthetic call participant: a str0m peer on its own loopback UDP socket that publishes
//! one video track of synthetic frames (the SFU forwards payloads without decoding them), or
//! only watches, and counts the frames it receives from everyone else.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use str0m::{
    Candidate, Event, IceConnectionState, Input, Output, Rtc,
    change::{SdpAnswer, SdpOffer, SdpPendingOffer},
    media::{Direction, MediaKind, MediaTime, Mid},
    net::{Protocol, Receive},
};
use tokio::net::UdpSocket;

use super::window::{HEADER, Window, received};

/// Frames a peer has sent and received, and whether its connection to the SFU is up.
#[derive(Default)]
pub struct Counters {
    pub frames_sent: AtomicU64,
    pub connected: std::sync::atomic::AtomicBool,
    /// Received tracks that have delivered at least one frame: the window opens only once
    /// every peer receives every published stream, so renegotiation still in progress is
    /// not counted as loss.
    pub streams: AtomicUsize,
    /// The last ICE connection state (`IceConnectionState as u8`), for a peer that never
    /// connects.
    ice: AtomicU8,
    /// Frames received whose index lies in their publisher's window (`Window`), each once.
    pub window_received: AtomicU64,
    /// Frames that arrived again or after a later one of the same stream (retransmissions):
    /// not counted as received.
    pub late: AtomicU64,
}

impl Counters {
    pub fn ice_state(&self) -> &'static str {
        match self.ice.load(Ordering::Relaxed) {
            0 => "new",
            1 => "checking",
            2 => "connected",
            3 => "completed",
            _ => "disconnected",
        }
    }
}

/// Most datagrams read in one wake-up of a peer.
const RECEIVE_BATCH: usize = 32;

/// What a peer sends: `fps` frames of `bytes` each as publisher number `index`, or nothing
/// (a participant with its camera off, who still receives everyone who publishes).
#[derive(Clone, Copy)]
pub struct Publish {
    pub index: u32,
    pub fps: u32,
    pub bytes: usize,
}

pub struct Peer {
    rtc: Arc<Mutex<Rtc>>,
    pending: Option<SdpPendingOffer>,
    pub counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Peer {
    /// A peer that publishes as `publish` says once connected, and its offer.
    pub async fn start(
        publish: Option<Publish>,
        window: Arc<Window>,
    ) -> anyhow::Result<(Self, String)> {
        let socket = bind()?;
        let local = socket.local_addr()?;
        let mut rtc = Rtc::builder().build(Instant::now());
        rtc.add_local_candidate(Candidate::host(local, "udp")?);
        let mut change = rtc.sdp_api();
        // A viewer still needs an m-line for an offer; receive-only, as a browser with its
        // camera off offers one, so the SFU has no track of it to forward.
        let direction = match publish {
            Some(_) => Direction::SendOnly,
            None => Direction::RecvOnly,
        };
        let mid = change.add_media(MediaKind::Video, direction, None, None, None);
        let (offer, pending) = change.apply().context("no offer")?;
        let rtc = Arc::new(Mutex::new(rtc));
        let counters = Arc::new(Counters::default());
        let sender = publish.map(|publish| Sender {
            mid,
            every: Duration::from_secs(1) / publish.fps.max(1),
            index: publish.index,
            frame: vec![0x5a; publish.bytes.max(HEADER)],
            next: Instant::now(),
            clock: 0,
        });
        let task = tokio::spawn(drive(
            rtc.clone(),
            socket,
            local,
            counters.clone(),
            sender,
            window,
        ));
        let peer = Self {
            rtc,
            pending: Some(pending),
            counters,
            task,
        };
        Ok((peer, offer.to_sdp_string()))
    }

    pub fn accept_answer(&mut self, sdp: &str) -> anyhow::Result<()> {
        let answer = SdpAnswer::from_sdp_string(sdp)?;
        let pending = self.pending.take().context("no offer outstanding")?;
        let mut rtc = self.lock();
        rtc.sdp_api().accept_answer(pending, answer)?;
        rtc.handle_input(Input::Timeout(Instant::now()))?;
        Ok(())
    }

    pub fn answer(&mut self, sdp: &str) -> anyhow::Result<String> {
        let offer = SdpOffer::from_sdp_string(sdp)?;
        let mut rtc = self.lock();
        let answer = rtc.sdp_api().accept_offer(offer)?;
        rtc.handle_input(Input::Timeout(Instant::now()))?;
        Ok(answer.to_sdp_string())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Rtc> {
        self.rtc
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A loopback UDP socket whose receive buffer holds a burst from every other participant.
fn bind() -> anyhow::Result<UdpSocket> {
    let socket = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )?;
    let _ = socket.set_recv_buffer_size(4 * 1024 * 1024);
    socket.set_nonblocking(true)?;
    let address: SocketAddr = ([127, 0, 0, 1], 0).into();
    socket.bind(&address.into()).context("binding UDP")?;
    Ok(UdpSocket::from_std(socket.into())?)
}

struct Sender {
    mid: Mid,
    every: Duration,
    index: u32,
    frame: Vec<u8>,
    next: Instant,
    clock: u64,
}

impl Sender {
    /// Writes the frames that are due; a real encoder would produce one every `every`.
    fn send_due(&mut self, rtc: &mut Rtc, counters: &Counters, now: Instant) {
        while self.next <= now {
            self.next += self.every;
            self.clock += 90_000 / 30;
            let Some(writer) = rtc.writer(self.mid) else {
                return;
            };
            let Some(pt) = writer.payload_params().next().map(|p| p.pt()) else {
                return;
            };
            let time = MediaTime::from_90khz(self.clock);
            let sent = counters.frames_sent.load(Ordering::Relaxed);
            self.frame[..4].copy_from_slice(&self.index.to_le_bytes());
            self.frame[4..HEADER].copy_from_slice(&sent.to_le_bytes());
            if writer.write(pt, now, time, self.frame.clone()).is_ok() {
                counters.frames_sent.store(sent + 1, Ordering::Relaxed);
            }
        }
    }
}

async fn drive(
    rtc: Arc<Mutex<Rtc>>,
    socket: UdpSocket,
    local: SocketAddr,
    counters: Arc<Counters>,
    mut sender: Option<Sender>,
    window: Arc<Window>,
) {
    let mut buffer = vec![0u8; 2048];
    let mut receiving: Vec<Mid> = Vec::new();
    // The highest frame index seen from each publisher.
    let mut last: Vec<Option<u64>> = Vec::new();
    loop {
        let next = {
            let mut rtc = rtc
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            if let Some(sender) = &mut sender {
                if counters.connected.load(Ordering::Relaxed) {
                    sender.send_due(&mut rtc, &counters, now);
                } else {
                    sender.next = now;
                }
            }
            loop {
                match rtc.poll_output() {
                    Ok(Output::Timeout(at)) => break at,
                    Ok(Output::Transmit(t)) => {
                        let _ = socket.try_send_to(&t.contents, t.destination);
                    }
                    Ok(Output::Event(Event::IceConnectionStateChange(state))) => {
                        let code = match state {
                            IceConnectionState::New => 0,
                            IceConnectionState::Checking => 1,
                            IceConnectionState::Connected => 2,
                            IceConnectionState::Completed => 3,
                            IceConnectionState::Disconnected => 4,
                        };
                        counters.ice.store(code, Ordering::Relaxed);
                    }
                    Ok(Output::Event(Event::Connected)) => {
                        counters.connected.store(true, Ordering::Relaxed);
                    }
                    Ok(Output::Event(Event::MediaData(data))) => {
                        if !receiving.contains(&data.mid) {
                            receiving.push(data.mid);
                            counters.streams.store(receiving.len(), Ordering::Relaxed);
                        }
                        received(&data.data, &mut last, &window, &counters);
                    }
                    Ok(Output::Event(_)) => {}
                    Err(_) => return,
                }
            }
        };
        let due = match &sender {
            Some(sender) if counters.connected.load(Ordering::Relaxed) => next.min(sender.next),
            _ => next,
        };
        let wait = due
            .saturating_duration_since(Instant::now())
            .clamp(Duration::from_micros(500), Duration::from_millis(50));
        tokio::select! {
            received = socket.recv_from(&mut buffer) => {
                let Ok(first) = received else { return };
                let mut rtc = rtc.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                // Datagrams already waiting are read before polling, saving a wake-up and a
                // poll for each.
                let (mut next, mut read) = (Some(first), 0);
                while let Some((length, source)) = next.take() {
                    read += 1;
                    if let Ok(contents) = buffer[..length].try_into() {
                        let input = Input::Receive(Instant::now(), Receive { proto: Protocol::Udp, source, destination: local, contents });
                        if rtc.handle_input(input).is_err() {
                            return;
                        }
                    }
                    if read < RECEIVE_BATCH {
                        next = socket.try_recv_from(&mut buffer).ok();
                    }
                }
            }
            () = tokio::time::sleep(wait) => {}
        }
        let mut rtc = rtc
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if rtc.handle_input(Input::Timeout(Instant::now())).is_err() {
            return;
        }
    }
}
