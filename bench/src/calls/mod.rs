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
    /// UDP datagrams the kernel dropped over the window for full receive or send buffers.
    pub drops: stats::UdpDrops,
    pub load_before: String,
}

impl CallsResult {
    pub const HEADER: &str = "| participants | publishers | forwarded video streams | frame rate, size | frames forwarded / expected | loss | server CPU (cores) | streams per core | server CPU per stream (ms/s) | bench / machine CPU (cores) | UDP drops, receive / send buffer | call up in (offers answered) | load before |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|\n";

    pub fn row(&self, params: &CallsParams) -> String {
        let loss = 1.0 - self.frames_received as f64 / self.frames_expected.max(1) as f64;
        let per_core = self.forwarded_streams as f64 / self.server_cores.max(1e-9);
        format!(
            "| {} | {} | {} | {} fps, {} B | {} / {} | {:.2} % | {:.2} | {:.0} | {:.2} | {:.2} / {:.2} | {} / {} | {:.1} s ({}) | {} |\n",
            params.participants,
            params.publishers,
            self.forwarded_streams,
            params.fps,
            params.frame_bytes,
            self.frames_received,
            self.frames_expected,
            loss * 100.0,
            self.server_cores,
            per_core,
            self.server_cores * 1000.0 / self.forwarded_streams.max(1) as f64,
            self.bench_cores,
            self.machine_cores,
            self.drops.receive_buffer,
            self.drops.send_buffer,
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
            fps: params.fps,
            bytes: params.frame_bytes,
        });
        let (mut peer, offer) = peer::Peer::start(publish).await?;
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
            bail!(
                "the call did not come up: {} participants joined in {:.1} s; {:.1} s later \
                 {connected} were connected to the SFU and {receiving} received every published \
                 stream; {} offers answered, {} refused or unanswerable",
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
    let snapshot = |joined: &[Joined]| -> (u64, u64) {
        joined.iter().fold((0, 0), |(sent, received), j| {
            (
                sent + j.counters.frames_sent.load(Ordering::Relaxed),
                received + j.counters.frames_received.load(Ordering::Relaxed),
            )
        })
    };
    let load_before = stats::load_average()?;
    let (sent_before, received_before) = snapshot(&joined);
    let cpu_before = stats::cpu_seconds(pid)?;
    let bench_before = stats::cpu_seconds(std::process::id())?;
    let machine_before = stats::machine_busy_seconds()?;
    let drops_before = stats::udp_drops()?;
    let started_at = Instant::now();
    tokio::time::sleep(params.duration).await;
    // Frames still in flight at either edge of the window roughly cancel out.
    let (sent_after, received_after) = snapshot(&joined);
    let cpu_after = stats::cpu_seconds(pid)?;
    let bench_after = stats::cpu_seconds(std::process::id())?;
    let machine_after = stats::machine_busy_seconds()?;
    let drops_after = stats::udp_drops()?;
    let elapsed = started_at.elapsed().as_secs_f64();
    for j in joined {
        j.task.abort();
    }
    let frames_sent = sent_after - sent_before;
    let others = params.participants.saturating_sub(1);
    Ok(CallsResult {
        forwarded_streams: params.publishers * others,
        frames_expected: frames_sent * others as u64,
        frames_received: received_after - received_before,
        server_cores: (cpu_after - cpu_before) / elapsed,
        bench_cores: (bench_after - bench_before) / elapsed,
        machine_cores: (machine_after - machine_before) / elapsed,
        setup,
        offers,
        drops: stats::UdpDrops {
            receive_buffer: drops_after
                .receive_buffer
                .saturating_sub(drops_before.receive_buffer),
            send_buffer: drops_after
                .send_buffer
                .saturating_sub(drops_before.send_buffer),
        },
        load_before,
    })
}
