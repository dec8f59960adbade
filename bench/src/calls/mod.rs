//! `bench calls`: one call through the real server's SFU with synthetic participants. The
//! first `publishers` of them each publish one video stream (`fps` frames of `frame_bytes`);
//! everyone receives every published stream but their own. Signaling is the ordinary
//! websocket protocol (call_start, call_join, call.offer → call_answer). Measured over a
//! window once every peer is connected and receiving every stream: frames delivered against
//! frames sent × (participants − 1) (loss), and the server process's CPU time, giving
//! forwarded video streams per core. The synthetic peers run in this process, so they compete
//! with the server for the machine's cores; the figures are for the server alone only in CPU
//! time, and the UDP buffer drops and this process's CPU are reported to show when the peers
//! rather than the server were short of CPU.

mod peer;
mod signal;
mod window;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use futures_util::SinkExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::{api, conn::Dialer, server::Server, stats};

/// How long after the window closes its last frames may still arrive.
const DRAIN: Duration = Duration::from_secs(1);

pub struct CallsParams {
    pub participants: usize,
    /// How many participants publish video (the first ones to join).
    pub publishers: usize,
    pub fps: u32,
    pub frame_bytes: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// How long after the last join every peer may take to be connected and receiving.
    pub connect_timeout: Duration,
}

pub struct CallsResult {
    pub forwarded_streams: usize,
    pub frames_expected: u64,
    pub frames_received: u64,
    pub server_cores: f64,
    /// This process (the synthetic peers) over the window.
    pub bench_cores: f64,
    /// The whole machine, busy, over the window.
    pub machine_cores: f64,
    /// From the first join until every peer received every published stream.
    pub setup: Duration,
    /// Renegotiation offers the peers answered while the call came up.
    pub offers: u64,
    /// The smallest share of its expected frames any one participant received.
    pub worst_receiver: f64,
    /// The smallest share of one publisher's frames that reached the others: loss on the
    /// way into the SFU shows here, loss on the way out in `worst_receiver`.
    pub worst_publisher: f64,
    /// Frames received again or out of order (retransmissions), not counted as received.
    pub late: u64,
    /// UDP datagrams the kernel dropped over the window for a full receive buffer, on the
    /// server's socket and on the peers' sockets.
    pub server_drops: u64,
    pub peer_drops: u64,
    pub load_before: String,
}

impl CallsResult {
    pub const HEADER: &str = "| participants | publishers | forwarded video streams | frame rate, size | frames forwarded / expected | loss | worst receiver / publisher | server CPU (cores) | streams per core | server CPU per stream (ms/s) | bench / machine CPU (cores) | UDP drops, SFU socket / peer sockets | call up in (offers answered) | load before |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";

    pub fn row(&self, params: &CallsParams) -> String {
        let loss = 1.0 - self.frames_received as f64 / self.frames_expected.max(1) as f64;
        let per_core = self.forwarded_streams as f64 / self.server_cores.max(1e-9);
        format!(
            "| {} | {} | {} | {} fps, {} B | {} / {} | {:.2} % | {:.1} / {:.1} % | {:.2} | {:.0} | {:.2} | {:.2} / {:.2} | {} / {} | {:.1} s ({}) | {} |\n",
            params.participants,
            params.publishers,
            self.forwarded_streams,
            params.fps,
            params.frame_bytes,
            self.frames_received,
            self.frames_expected,
            loss * 100.0,
            self.worst_receiver * 100.0,
            self.worst_publisher * 100.0,
            self.server_cores,
            per_core,
            self.server_cores * 1000.0 / self.forwarded_streams.max(1) as f64,
            self.bench_cores,
            self.machine_cores,
            self.server_drops,
            self.peer_drops,
            self.setup.as_secs_f64(),
            self.offers,
            self.load_before,
        )
    }
}

struct Joined {
    counters: Arc<peer::Counters>,
    /// Published streams this participant receives: everyone's but its own.
    expected_streams: usize,
    task: tokio::task::JoinHandle<()>,
}

pub async fn run(
    server: &Server,
    sources: usize,
    params: &CallsParams,
) -> anyhow::Result<CallsResult> {
    let cast = api::cast(server, params.participants).await?;
    let dialer = Dialer::new(server, sources);
    let mut first = dialer.open(cast.token(0)).await?;
    first
        .send(Message::text(
            json!({"type": "call_start", "ref": "start", "room_id": cast.room}).to_string(),
        ))
        .await?;
    let started = signal::next_reply(&mut first, "start").await?;
    let call = started["call"]["id"]
        .as_str()
        .context("no call id")?
        .to_owned();
    let window = window::Window::new(params.publishers);
    let offers = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let mut first = Some(first);
    let mut joined: Vec<Joined> = Vec::new();
    let setup_started = Instant::now();
    // One join at a time, each after the previous one's answer: the SFU renegotiates every
    // participant already in the call when a publisher joins, and a viewer joining gets
    // every published track in its first offer, so publishers go first.
    for i in 0..params.participants {
        let mut ws = match first.take() {
            Some(ws) => ws,
            None => dialer.open(cast.token(i)).await?,
        };
        let publishes = i < params.publishers;
        let publish = publishes.then_some(peer::Publish {
            index: i as u32,
            fps: params.fps,
            bytes: params.frame_bytes,
        });
        let (mut peer, offer) = peer::Peer::start(publish, window.clone()).await?;
        signal::join(&mut ws, &mut peer, &call, offer)
            .await
            .with_context(|| format!("participant {i} joining"))?;
        let counters = peer.counters.clone();
        let task = tokio::spawn(signal::answer_offers(
            ws,
            peer,
            call.clone(),
            offers.clone(),
            failures.clone(),
        ));
        joined.push(Joined {
            counters,
            expected_streams: params.publishers - usize::from(publishes),
            task,
        });
    }
    let joins_took = setup_started.elapsed();
    let ready = |j: &Joined| {
        j.counters.connected.load(Ordering::Relaxed)
            && j.counters.streams.load(Ordering::Relaxed) >= j.expected_streams
    };
    let deadline = Instant::now() + params.connect_timeout;
    while !joined.iter().all(ready) {
        if Instant::now() > deadline {
            let connected = joined
                .iter()
                .filter(|j| j.counters.connected.load(Ordering::Relaxed))
                .count();
            let receiving = joined.iter().filter(|j| ready(j)).count();
            for (i, j) in joined.iter().enumerate().filter(|(_, j)| !ready(j)) {
                eprintln!(
                    "participant {i}: ICE {}, connected {}, receiving {} of {} streams",
                    j.counters.ice_state(),
                    j.counters.connected.load(Ordering::Relaxed),
                    j.counters.streams.load(Ordering::Relaxed),
                    j.expected_streams,
                );
            }
            if let Some(pid) = server.pid {
                eprintln!(
                    "UDP drops so far: SFU socket {}, peer sockets {}",
                    stats::udp_socket_drops(pid)?,
                    stats::udp_socket_drops(std::process::id())?,
                );
            }
            bail!(
                "the call did not come up: {} participants joined in {:.1} s; {:.1} s later \
                 {connected} were connected to the SFU and {receiving} received every published \
                 stream; {} offers answered, {} refused, unanswerable or dropped",
                joined.len(),
                joins_took.as_secs_f64(),
                params.connect_timeout.as_secs_f64(),
                offers.load(Ordering::Relaxed),
                failures.load(Ordering::Relaxed),
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let setup = setup_started.elapsed();
    let offers = offers.load(Ordering::Relaxed);
    tokio::time::sleep(params.warmup).await;
    let pid = server.pid.context("the server's process id is unknown")?;
    let publishers = &joined[..params.publishers];
    // The window's bounds and the frames it expects come from the same readings.
    let mark = |end: bool| -> Vec<u64> {
        let next: Vec<u64> = publishers
            .iter()
            .map(|j| j.counters.frames_sent.load(Ordering::Relaxed))
            .collect();
        for (p, frame) in next.iter().enumerate() {
            window.set(p, *frame, end);
        }
        next
    };
    let load_before = stats::load_average()?;
    let cpu_before = stats::cpu_seconds(pid)?;
    let bench_before = stats::cpu_seconds(std::process::id())?;
    let machine_before = stats::machine_busy_seconds()?;
    let drops_before = (
        stats::udp_socket_drops(pid)?,
        stats::udp_socket_drops(std::process::id())?,
    );
    let late_before: u64 = joined
        .iter()
        .map(|j| j.counters.late.load(Ordering::Relaxed))
        .sum();
    let starts = mark(false);
    let started_at = Instant::now();
    tokio::time::sleep(params.duration).await;
    let ends = mark(true);
    let cpu_after = stats::cpu_seconds(pid)?;
    let bench_after = stats::cpu_seconds(std::process::id())?;
    let machine_after = stats::machine_busy_seconds()?;
    let drops_after = (
        stats::udp_socket_drops(pid)?,
        stats::udp_socket_drops(std::process::id())?,
    );
    let elapsed = started_at.elapsed().as_secs_f64();
    // Frames of the window still on their way arrive now; later ones are outside it.
    tokio::time::sleep(DRAIN).await;
    let late_after: u64 = joined
        .iter()
        .map(|j| j.counters.late.load(Ordering::Relaxed))
        .sum();
    for j in &joined {
        j.task.abort();
    }
    let sent: Vec<u64> = starts.iter().zip(&ends).map(|(s, e)| e - s).collect();
    let total_sent: u64 = sent.iter().sum();
    let others = params.participants.saturating_sub(1);
    let worst_receiver = joined
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let own = sent.get(i).copied().unwrap_or(0);
            let expected = total_sent - own;
            j.counters.window_received.load(Ordering::Relaxed) as f64 / expected.max(1) as f64
        })
        .fold(f64::INFINITY, f64::min);
    let worst_publisher = sent
        .iter()
        .zip(&window.received)
        .map(|(sent, received)| {
            received.load(Ordering::Relaxed) as f64 / (sent * others as u64).max(1) as f64
        })
        .fold(f64::INFINITY, f64::min);
    Ok(CallsResult {
        forwarded_streams: params.publishers * others,
        frames_expected: total_sent * others as u64,
        frames_received: joined
            .iter()
            .map(|j| j.counters.window_received.load(Ordering::Relaxed))
            .sum(),
        worst_receiver,
        worst_publisher,
        late: late_after - late_before,
        server_cores: (cpu_after - cpu_before) / elapsed,
        bench_cores: (bench_after - bench_before) / elapsed,
        machine_cores: (machine_after - machine_before) / elapsed,
        setup,
        offers,
        server_drops: drops_after.0.saturating_sub(drops_before.0),
        peer_drops: drops_after.1.saturating_sub(drops_before.1),
        load_before,
    })
}
