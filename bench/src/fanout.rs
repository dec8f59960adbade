//! Channel fanout: `C` connections of `M` member users receive every message that a few
//! sender connections post to the channel at `K` messages/s in total (open loop, on a fixed
//! schedule). Several rates run on the same connections, one phase each, so the highest
//! rate still meeting the latency target is found in one run.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use futures_util::{SinkExt, StreamExt};
use tokio::{sync::watch, task::JoinSet};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    api::Cast,
    conn::{Dialer, Ws, send_frame},
    probe::{Clock, Probe, receive},
    server::{Kind, Server, nonce},
    stats::{cpu_seconds, machine_busy_seconds},
};

#[derive(Clone, Debug)]
pub struct FanoutParams {
    pub connections: usize,
    pub senders: usize,
    /// Messages per second, one phase per rate, in order.
    pub rates: Vec<f64>,
    pub warmup: Duration,
    pub duration: Duration,
    /// Time after a phase for late deliveries to arrive before it is read.
    pub drain: Duration,
    pub concurrency: usize,
    /// Stop climbing once a phase delivers less than this fraction of what was offered…
    pub give_up_below: f64,
    /// … or its p99 latency exceeds this: the server is saturated, the peak is measured.
    pub give_up_above_ms: f64,
    /// Bytes of padding in every message body.
    pub padding: usize,
    /// A phase during which other processes kept more cores than this busy is measured
    /// again, up to `retries` times: the machine is shared and noisy.
    pub max_other_cores: f64,
    pub retries: usize,
}

/// The outcome of one phase.
#[derive(Clone, Copy, Debug, Default)]
pub struct Step {
    /// Messages actually sent per second during the window.
    pub sent_per_sec: f64,
    /// Deliveries to receiving connections per second during the window.
    pub deliveries_per_sec: f64,
    /// Deliveries of messages sent in the window, of those expected, after the drain.
    pub delivered_fraction: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// CPU cores in use during the window (CPU seconds per second).
    pub server_cores: f64,
    pub client_cores: f64,
    /// Cores busy with anything else on the machine (other tenants, builds): noise.
    pub other_cores: f64,
    /// Switchboard `resync` frames (a subscriber fell behind and lost events).
    pub resyncs: u64,
    /// Switchboard `error` frames answering the senders.
    pub errors: u64,
}

impl Step {
    /// Deliveries per second for each core the server kept busy.
    pub fn per_server_core(&self) -> f64 {
        if self.server_cores > 0.0 {
            self.deliveries_per_sec / self.server_cores
        } else {
            0.0
        }
    }
}

/// The senders' schedule for one phase: a sender's `k`-th message is due at
/// `start + (k + stagger)·interval`, its stagger spreading the senders over one interval.
#[derive(Clone, Copy, Debug, Default)]
struct Plan {
    phase: usize,
    start: u64,
    stop: u64,
    interval: f64,
    active: bool,
}

impl Plan {
    fn due(&self, k: f64) -> Option<u64> {
        let at = self.start + (k * self.interval) as u64;
        (self.active && at < self.stop).then_some(at)
    }
}

pub async fn run(
    server: &Server,
    cast: &Cast,
    dialer: &Dialer,
    params: &FanoutParams,
) -> anyhow::Result<Vec<Step>> {
    let kind = server.kind;
    let probe = Probe::new(Clock::new(), params.rates.len() * (params.retries + 1));
    let receivers = dialer
        .open_many(params.connections, params.concurrency, |i| cast.token(i))
        .await?;
    let senders = dialer
        .open_many(params.senders, params.concurrency, |_| {
            cast.sender.as_deref()
        })
        .await?;
    let mut tasks = JoinSet::new();
    for ws in receivers {
        tasks.spawn(receive(kind, ws, probe.clone()));
    }
    let (plans, plan) = watch::channel(Plan::default());
    let run_tag = nonce() % 1_000_000_000;
    for (index, ws) in senders.into_iter().enumerate() {
        let sender = Sender {
            kind,
            room: cast.room.clone(),
            tag: format!("r{run_tag}s{index}"),
            stagger: index as f64 / params.senders.max(1) as f64,
            padding: "x".repeat(params.padding),
            probe: probe.clone(),
        };
        tasks.spawn(sender.run(ws, plan.clone()));
    }

    let mut steps = Vec::new();
    let mut index = 0;
    for &rate in &params.rates {
        let mut step = phase(server, &probe, &plans, params, index, rate).await?;
        index += 1;
        for _ in 0..params.retries {
            if step.other_cores <= params.max_other_cores {
                break;
            }
            eprintln!(
                "  {:>11} {rate:>6.0} msg/s: other processes kept {:.2} cores busy; measuring again",
                kind.name(),
                step.other_cores
            );
            step = phase(server, &probe, &plans, params, index, rate).await?;
            index += 1;
        }
        eprintln!(
            "  {:>11} {rate:>6.0} msg/s: {:>10.0} deliveries/s, p50 {:.1} ms, p99 {:.1} ms, delivered {:.1}%, cores: server {:.2}, load generator {:.2}, others {:.2}",
            kind.name(),
            step.deliveries_per_sec,
            step.p50_ms,
            step.p99_ms,
            step.delivered_fraction * 100.0,
            step.server_cores,
            step.client_cores,
            step.other_cores
        );
        steps.push(step);
        if step.delivered_fraction < params.give_up_below || step.p99_ms > params.give_up_above_ms {
            break;
        }
    }
    tasks.shutdown().await;
    Ok(steps)
}

async fn phase(
    server: &Server,
    probe: &Arc<Probe>,
    plans: &watch::Sender<Plan>,
    params: &FanoutParams,
    index: usize,
    rate: f64,
) -> anyhow::Result<Step> {
    let clock = probe.clock;
    let start = clock.now() + 100_000;
    let window = start + params.warmup.as_micros() as u64;
    let end = window + params.duration.as_micros() as u64;
    let current = probe
        .phases
        .get(index)
        .ok_or_else(|| anyhow::anyhow!("no phase {index}"))?;
    current.set_window(window, end);
    probe.start_phase(index);
    let senders = params.senders.max(1) as f64;
    let interval = 1e6 * senders / rate.max(0.001);
    plans.send_modify(|plan| {
        *plan = Plan {
            phase: index,
            start,
            stop: end,
            interval,
            active: true,
        }
    });
    let me = std::process::id();
    tokio::time::sleep_until(clock.at(window)).await;
    let server_cpu = server.pid.map(cpu_seconds).transpose()?;
    let client_cpu = cpu_seconds(me)?;
    let machine_cpu = machine_busy_seconds()?;
    tokio::time::sleep_until(clock.at(end)).await;
    let server_cpu = match (server.pid, server_cpu) {
        (Some(pid), Some(before)) => cpu_seconds(pid)? - before,
        _ => 0.0,
    };
    let client_cpu = cpu_seconds(me)? - client_cpu;
    let machine_cpu = machine_busy_seconds()? - machine_cpu;
    plans.send_modify(|plan| plan.active = false);
    tokio::time::sleep(params.drain).await;

    let seconds = params.duration.as_secs_f64();
    let sent = current.sent.load(Ordering::Relaxed);
    let expected = (sent * params.connections as u64).max(1);
    let ms = |micros: u64| micros as f64 / 1000.0;
    Ok(Step {
        sent_per_sec: sent as f64 / seconds,
        deliveries_per_sec: current.arrived.load(Ordering::Relaxed) as f64 / seconds,
        delivered_fraction: current.latency.count() as f64 / expected as f64,
        p50_ms: ms(current.latency.quantile(0.50)),
        p99_ms: ms(current.latency.quantile(0.99)),
        max_ms: ms(current.latency.max()),
        server_cores: server_cpu / seconds,
        client_cores: client_cpu / seconds,
        other_cores: (machine_cpu - server_cpu - client_cpu).max(0.0) / seconds,
        resyncs: probe.resyncs.swap(0, Ordering::Relaxed),
        errors: probe.errors.swap(0, Ordering::Relaxed),
    })
}

/// One sending connection. It also receives the broadcasts (it is a member) but does not
/// count them, and it answers Engine.IO pings.
struct Sender {
    kind: Kind,
    room: String,
    tag: String,
    stagger: f64,
    padding: String,
    probe: Arc<Probe>,
}

impl Sender {
    async fn run(self, mut ws: Ws, mut plans: watch::Receiver<Plan>) {
        let mut plan = Plan::default();
        let (mut k, mut sent) = (0u64, 0u64);
        let far = self.probe.clock.now() + 86_400_000_000;
        loop {
            let wake = plan.due(k as f64 + self.stagger).unwrap_or(far);
            tokio::select! {
                changed = plans.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let next = *plans.borrow_and_update();
                    if next.phase != plan.phase || !plan.active {
                        k = 0;
                    }
                    plan = next;
                }
                frame = ws.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(reply) = self.probe.on_frame(self.kind, &text, false)
                            && ws.send(reply).await.is_err()
                        {
                            break;
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => break,
                },
                () = tokio::time::sleep_until(self.probe.clock.at(wake)) => {
                    let now = self.probe.clock.now();
                    let phase = self.probe.phases.get(plan.phase);
                    while let Some(due) = plan.due(k as f64 + self.stagger).filter(|due| *due <= now) {
                        let body = format!("bench:{}:{due}:{}", plan.phase, self.padding);
                        let client_id = format!("{}m{sent}", self.tag);
                        if ws.feed(send_frame(self.kind, &self.room, &client_id, &body)).await.is_err() {
                            return;
                        }
                        if let Some(phase) = phase.filter(|p| p.contains(due)) {
                            phase.sent.fetch_add(1, Ordering::Relaxed);
                        }
                        k += 1;
                        sent += 1;
                    }
                    if ws.flush().await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}
