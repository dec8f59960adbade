//! Idle connections: the server's user-space memory per connected client. The server's
//! resident memory is read before and after `N` clients connect and start streaming, and
//! the difference is divided by `N`. The load generator's own growth is reported apart.

use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::task::JoinSet;

use crate::{
    api::Cast,
    conn::Dialer,
    probe::{Clock, Probe, receive},
    server::Server,
    stats::{Memory, fd_headroom, memory},
};

/// Descriptors left free on each side for database files, pipes and the like.
const FD_MARGIN: usize = 100;

#[derive(Clone, Copy, Debug)]
pub struct IdleParams {
    pub connections: usize,
    /// Handshakes in flight at once.
    pub concurrency: usize,
    /// Pause before each memory reading, so allocations settle.
    pub settle: Duration,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct IdleResult {
    pub connections: usize,
    pub connect_secs: f64,
    pub server_before: Memory,
    pub server_after: Memory,
    pub client_before: Memory,
    pub client_after: Memory,
}

impl IdleResult {
    /// Bytes per connection: (server `VmRSS` grown, server `RssAnon` grown, client `VmRSS`
    /// grown).
    pub fn per_connection(&self) -> (f64, f64, f64) {
        let per = |after: u64, before: u64| {
            (after as f64 - before as f64) / self.connections.max(1) as f64
        };
        (
            per(self.server_after.rss, self.server_before.rss),
            per(self.server_after.anon, self.server_before.anon),
            per(self.client_after.rss, self.client_before.rss),
        )
    }
}

pub async fn run(
    server: &Server,
    cast: &Cast,
    dialer: &Dialer,
    params: IdleParams,
) -> anyhow::Result<IdleResult> {
    let pid = server
        .pid
        .context("the server's process id is unknown; pass --pid for a running server")?;
    let me = std::process::id();
    // Each connection takes a descriptor on both sides; where a hard limit that cannot be
    // raised stops short of the request, as many as fit are measured, and reported.
    let fit = fd_headroom(pid)?.min(fd_headroom(me)?);
    let connections = params.connections.min(fit.saturating_sub(FD_MARGIN));
    if connections < params.connections {
        eprintln!(
            "  {} of {} connections fit under the open-file limits; measuring those",
            connections, params.connections
        );
    }
    tokio::time::sleep(params.settle).await;
    let server_before = memory(pid)?;
    let client_before = memory(me)?;

    let started = Instant::now();
    let sockets = dialer
        .open_many(connections, params.concurrency, |i| cast.token(i))
        .await?;
    let connect_secs = started.elapsed().as_secs_f64();
    let probe = Probe::new(Clock::new(), 0);
    let mut tasks = JoinSet::new();
    for ws in sockets {
        tasks.spawn(receive(dialer.kind(), ws, probe.clone()));
    }
    tokio::time::sleep(params.settle).await;
    let server_after = memory(pid)?;
    let client_after = memory(me)?;
    anyhow::ensure!(
        tasks.len() == connections && tasks.try_join_next().is_none(),
        "connections closed while idle"
    );
    tasks.shutdown().await;
    Ok(IdleResult {
        connections,
        connect_secs,
        server_before,
        server_after,
        client_before,
        client_after,
    })
}
