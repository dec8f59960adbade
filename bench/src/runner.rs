//! Runs the chosen scenarios against each server, repetition by repetition. Every
//! repetition starts each server afresh (unless one is given with `--url`) and alternates
//! the servers, so that a noisy moment on the machine hits both sides alike.

use std::{path::PathBuf, time::Duration};

use crate::{
    api::cast,
    conn::Dialer,
    dm::{self, DmResult},
    fanout::{self, FanoutParams, Step},
    idle::{self, IdleParams, IdleResult},
    server::{Kind, Server},
};

/// A server that is already running.
pub struct External {
    pub url: String,
    pub admin: Option<(String, String)>,
    pub pid: Option<u32>,
}

pub struct Setup {
    pub switchboard_bin: PathBuf,
    pub socketio_dir: PathBuf,
    pub external: Option<External>,
    pub sources: usize,
    /// Member users created on Switchboard for each repetition.
    pub members: usize,
    pub repeat: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Scenarios {
    pub idle: Option<IdleParams>,
    pub fanout: Option<FanoutParams>,
    /// Measured round trips of the DM ping-pong.
    pub dm: Option<usize>,
}

/// One repetition against one server.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub kind: Kind,
    pub idle: Option<IdleResult>,
    pub dm: Option<DmResult>,
    pub fanout: Vec<Step>,
}

/// Time for closed connections to be cleaned up before the next measurement.
const PAUSE: Duration = Duration::from_secs(2);

pub async fn run(
    setup: &Setup,
    targets: &[Kind],
    scenarios: &Scenarios,
) -> anyhow::Result<Vec<Outcome>> {
    let mut outcomes = Vec::new();
    for repetition in 1..=setup.repeat {
        for &kind in targets {
            eprintln!("[{repetition}/{}] {}", setup.repeat, kind.name());
            let mut outcome = Outcome {
                kind,
                idle: None,
                dm: None,
                fanout: Vec::new(),
            };
            // Memory is read on a server of its own that has hashed a single password:
            // each Argon2 run leaves its 19 MiB working area in the allocator, and
            // connections allocated into such space would not show in the RSS.
            if let Some(params) = scenarios.idle {
                let server = start(setup, kind).await?;
                let result = idle_on(&server, setup, params).await;
                server.stop().await;
                outcome.idle = Some(result?);
                tokio::time::sleep(PAUSE).await;
            }
            if scenarios.dm.is_some() || scenarios.fanout.is_some() {
                let server = start(setup, kind).await?;
                let result = traffic_on(&server, setup, scenarios, &mut outcome).await;
                server.stop().await;
                result?;
                tokio::time::sleep(PAUSE).await;
            }
            outcomes.push(outcome);
        }
    }
    Ok(outcomes)
}

async fn start(setup: &Setup, kind: Kind) -> anyhow::Result<Server> {
    match (&setup.external, kind) {
        (Some(external), _) => {
            Server::external(kind, &external.url, external.admin.clone(), external.pid)
        }
        (None, Kind::Switchboard) => Server::switchboard(&setup.switchboard_bin, None).await,
        (None, Kind::SocketIo) => Server::socket_io(&setup.socketio_dir).await,
    }
}

/// Idle connections, all of the admin, who is alone in one channel.
async fn idle_on(server: &Server, setup: &Setup, params: IdleParams) -> anyhow::Result<IdleResult> {
    let cast = cast(server, 0).await?;
    let dialer = Dialer::new(server, setup.sources);
    let result = idle::run(server, &cast, &dialer, params).await?;
    let (rss, anon, client) = result.per_connection();
    eprintln!(
        "  {:>11} idle: {} connections in {:.1} s; server +{:.0} B RSS, +{:.0} B anon, load generator +{:.0} B per connection",
        server.kind.name(),
        result.connections,
        result.connect_secs,
        rss,
        anon,
        client
    );
    Ok(result)
}

async fn traffic_on(
    server: &Server,
    setup: &Setup,
    scenarios: &Scenarios,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let cast = cast(server, setup.members.max(2)).await?;
    let dialer = Dialer::new(server, setup.sources);
    if let Some(round_trips) = scenarios.dm {
        let result = dm::run(server, &cast, &dialer, round_trips).await?;
        eprintln!(
            "  {:>11} dm: p50 {:.2} ms, p99 {:.2} ms round trip",
            server.kind.name(),
            result.p50_ms,
            result.p99_ms
        );
        outcome.dm = Some(result);
        tokio::time::sleep(PAUSE).await;
    }
    if let Some(params) = &scenarios.fanout {
        outcome.fanout = fanout::run(server, &cast, &dialer, params).await?;
    }
    Ok(())
}

/// Raises this process's open-file limit (and so its children's) as far as it goes: one
/// descriptor per connection on each side. Root may raise the hard limit up to
/// `fs.nr_open`; others get their hard limit. Returns the soft limit now in force.
pub fn raise_fd_limit() -> u64 {
    const WANTED: u64 = 1 << 20;
    let resource = rlimit::Resource::NOFILE;
    if resource.set(WANTED, WANTED).is_err() {
        let _ = rlimit::increase_nofile_limit(WANTED);
    }
    resource.get().map(|(soft, _)| soft).unwrap_or_default()
}
