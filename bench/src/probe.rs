//! What receiving connections record. A message body carries `bench:<phase>:<µs>:` — the
//! phase it belongs to and the time it was *scheduled* to be sent, in microseconds on the
//! load generator's clock — so send-to-receive latency is measured on the receiver without
//! coordinated omission: a sender that falls behind does not hide the delay.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    conn::{Frame, Ws, classify},
    server::Kind,
    stats::Histogram,
};

/// Microseconds since the benchmark started, shared by senders and receivers.
#[derive(Clone, Copy)]
pub struct Clock(Instant);

impl Clock {
    pub fn new() -> Self {
        Self(Instant::now())
    }

    pub fn now(&self) -> u64 {
        self.0.elapsed().as_micros() as u64
    }

    pub fn at(&self, micros: u64) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.0 + Duration::from_micros(micros))
    }
}

/// One measured load level: messages scheduled in `[start, end)` are measured.
#[derive(Default)]
pub struct Phase {
    start: AtomicU64,
    end: AtomicU64,
    /// Send-to-receive latency of each delivery of a message scheduled in the window.
    pub latency: Histogram,
    /// Deliveries (of any phase) that arrived within the window: the throughput.
    pub arrived: AtomicU64,
    /// Messages scheduled and sent within the window.
    pub sent: AtomicU64,
}

impl Phase {
    pub fn set_window(&self, start: u64, end: u64) {
        self.start.store(start, Ordering::Relaxed);
        self.end.store(end, Ordering::Relaxed);
    }

    pub fn contains(&self, micros: u64) -> bool {
        micros >= self.start.load(Ordering::Relaxed) && micros < self.end.load(Ordering::Relaxed)
    }
}

/// Everything the connections of one scenario record into.
pub struct Probe {
    pub clock: Clock,
    pub phases: Vec<Phase>,
    current: AtomicUsize,
    pub resyncs: AtomicU64,
    pub errors: AtomicU64,
}

impl Probe {
    pub fn new(clock: Clock, phases: usize) -> Arc<Self> {
        Arc::new(Self {
            clock,
            phases: (0..phases).map(|_| Phase::default()).collect(),
            current: AtomicUsize::new(0),
            resyncs: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        })
    }

    pub fn start_phase(&self, index: usize) {
        self.current.store(index, Ordering::Relaxed);
    }

    /// Records one delivery of a benchmark message (the text after `bench:`).
    fn delivered(&self, rest: &str) {
        let now = self.clock.now();
        let mut fields = rest.splitn(3, ':');
        let (Some(Ok(phase)), Some(Ok(sent))) = (
            fields.next().map(str::parse::<usize>),
            fields.next().map(str::parse::<u64>),
        ) else {
            return;
        };
        if let Some(phase) = self.phases.get(phase)
            && phase.contains(sent)
        {
            phase.latency.record(now.saturating_sub(sent));
        }
        if let Some(current) = self.phases.get(self.current.load(Ordering::Relaxed))
            && current.contains(now)
        {
            current.arrived.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Handles one frame: counts resyncs and errors, and deliveries when `measure` is set.
    /// Returns the reply to send, if any (an Engine.IO pong).
    pub fn on_frame(&self, kind: Kind, text: &str, measure: bool) -> Option<Message> {
        match classify(kind, text) {
            Frame::Bench(rest) if measure => self.delivered(rest),
            Frame::Ping => return Some(Message::text("3")),
            Frame::Resync => {
                self.resyncs.fetch_add(1, Ordering::Relaxed);
            }
            Frame::Error => {
                self.errors.fetch_add(1, Ordering::Relaxed);
            }
            Frame::Bench(_) | Frame::Other => {}
        }
        None
    }
}

/// A receiving connection: reads until the socket ends, measuring deliveries and answering
/// pings. Idle connections run it too, so they stay alive as a real client would.
pub async fn receive(kind: Kind, mut ws: Ws, probe: Arc<Probe>) {
    while let Some(Ok(frame)) = ws.next().await {
        if let Message::Text(text) = frame
            && let Some(reply) = probe.on_frame(kind, &text, true)
            && ws.send(reply).await.is_err()
        {
            break;
        }
    }
}
