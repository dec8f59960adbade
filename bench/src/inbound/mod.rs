//! Open lines inbound: Telegram webhook → operator websocket. A client's update POSTed to
//! `/webhooks/telegram/{channel}` is stored, routed to the conversation's operator and
//! pushed to the operator's connection as `message.created`; this scenario measures that
//! path's latency at fixed rates and finds the highest rate the server sustains, on the
//! embedded SQLite and on PostgreSQL.

mod cpu;
mod http1;
mod load;
pub mod report;
mod setup;

use std::{
    path::{Path, PathBuf},
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use anyhow::Context;
use clap::ValueEnum;

use crate::{
    conn::Dialer,
    inbound::{
        load::Poster,
        setup::{Emulator, ScratchDatabase},
    },
    probe::{Clock, Probe, receive},
    server::{Kind, Server},
    stats::memory,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Database {
    Sqlite,
    Postgres,
}

impl Database {
    pub fn name(self) -> &'static str {
        match self {
            Database::Sqlite => "SQLite",
            Database::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone, Debug)]
pub struct InboundParams {
    pub switchboard_bin: PathBuf,
    /// tests/peers, where the Telegram emulator lives.
    pub peers: PathBuf,
    pub databases: Vec<Database>,
    pub rates: Vec<f64>,
    pub duration: Duration,
    pub warmup: Duration,
    pub drain: Duration,
    pub chats: usize,
    pub connections: usize,
    pub repeat: usize,
}

/// One rate step of one run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Step {
    pub offered: f64,
    /// POSTs scheduled per second in the measured window.
    pub posted_per_sec: f64,
    /// `message.created` frames of these updates reaching the operator per second in the window.
    pub delivered_per_sec: f64,
    /// Messages of the window that reached the operator by the end of the drain.
    pub delivered_fraction: f64,
    pub http_errors: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub cores: cpu::Cores,
    pub server_rss: u64,
}

/// The highest-rate test a step must pass to count as sustained.
pub const ACHIEVED_SHARE: f64 = 0.97;
pub const SUSTAINED_P99_MS: f64 = 1_000.0;

impl Step {
    pub fn sustained(&self) -> bool {
        self.delivered_per_sec >= ACHIEVED_SHARE * self.offered
            && self.http_errors == 0
            && self.p99_ms < SUSTAINED_P99_MS
    }
}

pub struct Run {
    pub database: Database,
    pub steps: Vec<Step>,
}

pub async fn run(params: &InboundParams) -> anyhow::Result<Vec<Run>> {
    let emulator = Emulator::start(&params.peers).await?;
    let mut runs = Vec::new();
    for repetition in 1..=params.repeat.max(1) {
        for &database in &params.databases {
            eprintln!(
                "[{repetition}/{}] inbound on {}",
                params.repeat,
                database.name()
            );
            let scratch = match database {
                Database::Sqlite => None,
                Database::Postgres => Some(ScratchDatabase::create().await?),
            };
            let url = scratch.as_ref().map(ScratchDatabase::url);
            let result = match Server::switchboard(&params.switchboard_bin, url.as_deref()).await {
                Ok(server) => {
                    let db = scratch.as_ref().map(|s| s.name.as_str());
                    let result = on_server(&server, &emulator, db, params).await;
                    server.stop().await;
                    result
                }
                Err(error) => Err(error),
            };
            if let Some(scratch) = scratch {
                scratch.drop_now().await;
            }
            runs.push(Run {
                database,
                steps: result?,
            });
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
    Ok(runs)
}

async fn on_server(
    server: &Server,
    emulator: &Emulator,
    database: Option<&str>,
    params: &InboundParams,
) -> anyhow::Result<Vec<Step>> {
    let line = setup::open_line(server, emulator, params.chats.max(1)).await?;
    let dialer = Dialer::new(server, 1);
    let mut operator = dialer.open(Some(&line.operator_token)).await?;
    let clock = Clock::new();
    let probe = Probe::new(clock, params.rates.len());
    let poster = Arc::new(
        Poster::new(
            line.webhook,
            params.connections,
            params.chats,
            params.rates.len(),
            clock,
        )
        .await?,
    );
    let warming = std::time::Instant::now();
    poster.warm_up(&mut operator).await?;
    // Every chat's first message at once (32 in flight): how fast a burst of new clients
    // is stored, routed and announced.
    eprintln!(
        "  {} conversations opened and assigned to the operator in {:.2} s",
        params.chats,
        warming.elapsed().as_secs_f64()
    );
    let receiver = tokio::spawn(receive(Kind::Switchboard, operator, probe.clone()));
    let mut steps = Vec::new();
    for (index, &rate) in params.rates.iter().enumerate() {
        let step = phase(server, database, &poster, &probe, params, index, rate).await?;
        eprintln!(
            "  {:>10} {rate:>6.0}/s: delivered {:>7.0}/s ({:.1} %), errors {}, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.1} ms; cores: server {:.2}, PostgreSQL {:.2}, bench {:.2}, others {:.2}; RSS {:.0} MiB",
            database.map_or("SQLite", |_| "PostgreSQL"),
            step.delivered_per_sec,
            step.delivered_fraction * 100.0,
            step.http_errors,
            step.p50_ms,
            step.p90_ms,
            step.p99_ms,
            step.max_ms,
            step.cores.server,
            step.cores.postgres,
            step.cores.bench,
            step.cores.others,
            step.server_rss as f64 / 1_048_576.0
        );
        steps.push(step);
        if !step.sustained() {
            eprintln!("  not sustained at {rate}/s; higher rates skipped");
            break;
        }
    }
    receiver.abort();
    Ok(steps)
}

async fn phase(
    server: &Server,
    database: Option<&str>,
    poster: &Arc<Poster>,
    probe: &Arc<Probe>,
    params: &InboundParams,
    index: usize,
    rate: f64,
) -> anyhow::Result<Step> {
    let clock = probe.clock;
    let start = clock.now() + 100_000;
    let window = start + params.warmup.as_micros() as u64;
    let end = window + params.duration.as_micros() as u64;
    let current = probe.phases.get(index).context("no such phase")?;
    current.set_window(window, end);
    probe.start_phase(index);
    let schedule = {
        let (poster, probe) = (poster.clone(), probe.clone());
        tokio::spawn(async move { poster.schedule(&probe, index, rate, start, end).await })
    };
    tokio::time::sleep_until(clock.at(window)).await;
    let before = cpu::snapshot(server.pid, database);
    tokio::time::sleep_until(clock.at(end)).await;
    let after = cpu::snapshot(server.pid, database);
    let server_rss = server
        .pid
        .and_then(|pid| memory(pid).ok())
        .map_or(0, |m| m.rss);
    schedule.await.context("the scheduler failed")?;
    tokio::time::sleep(params.drain).await;
    poster.settle(Duration::from_secs(30)).await;

    let seconds = params.duration.as_secs_f64();
    let sent = current.sent.load(Ordering::Relaxed);
    let ms = |micros: u64| micros as f64 / 1000.0;
    Ok(Step {
        offered: rate,
        posted_per_sec: sent as f64 / seconds,
        delivered_per_sec: current.arrived.load(Ordering::Relaxed) as f64 / seconds,
        delivered_fraction: current.latency.count() as f64 / sent.max(1) as f64,
        http_errors: poster
            .errors
            .get(index)
            .map_or(0, |e| e.load(Ordering::Relaxed)),
        p50_ms: ms(current.latency.quantile(0.50)),
        p90_ms: ms(current.latency.quantile(0.90)),
        p99_ms: ms(current.latency.quantile(0.99)),
        max_ms: ms(current.latency.max()),
        cores: before.until(&after, seconds),
        server_rss,
    })
}

/// tests/peers of this workspace.
pub fn default_peers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/peers")
}
