//! `bench`: the realtime benchmark. It drives the real `switchboard` binary like any client,
//! over HTTP and websockets, and the same scenarios against a minimal socket.io server as a
//! baseline measured in the same run (bench/socketio). It knows nothing of the gateway's
//! internals. Results and the commands that produced them are in docs/BENCHMARKS.md.

#![forbid(unsafe_code)]

mod api;
mod calls;
mod conn;
mod crm;
mod dm;
mod fanout;
mod idle;
mod inbound;
mod probe;
mod report;
mod runner;
mod server;
mod stats;

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::{fanout::FanoutParams, idle::IdleParams, runner::Scenarios, server::Kind};

#[derive(Parser)]
#[command(
    name = "bench",
    about = "Realtime benchmark for Switchboard, with a socket.io baseline"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Common {
    /// Server for a single scenario (`all` always runs both).
    #[arg(long, global = true, value_enum, default_value = "switchboard")]
    target: Target,
    /// Use a server that is already running instead of starting one.
    #[arg(long, global = true, value_name = "URL")]
    url: Option<String>,
    /// Admin login of the running server (Switchboard).
    #[arg(long, global = true)]
    login: Option<String>,
    /// Its password.
    #[arg(long, global = true)]
    password: Option<String>,
    /// Process id of the running server, for memory and CPU readings.
    #[arg(long, global = true)]
    pid: Option<u32>,
    /// The switchboard binary to start; default: `switchboard` next to this program.
    #[arg(long, global = true, value_name = "PATH")]
    switchboard_bin: Option<PathBuf>,
    /// The socket.io baseline's directory (server.js, package.json).
    #[arg(long, global = true, value_name = "DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/socketio"))]
    socketio_dir: PathBuf,
    /// Loopback source addresses to spread connections over (127.0.0.2, …).
    #[arg(long, global = true, default_value_t = 16)]
    sources: usize,
    /// Websocket handshakes in flight at once.
    #[arg(long, global = true, default_value_t = 64)]
    concurrency: usize,
    /// Repetitions of every scenario, medians reported [default: 1; `all`: 3].
    #[arg(long, global = true)]
    repeat: Option<usize>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Target {
    Switchboard,
    Socketio,
}

#[derive(Subcommand)]
enum Command {
    /// Server memory per idle connection.
    Idle(IdleArgs),
    /// Channel fanout: deliveries/s and send-to-receive latency, one phase per rate.
    Fanout(FanoutArgs),
    /// DM ping-pong round-trip latency.
    Dm(DmArgs),
    /// One call through the SFU with synthetic video participants: forwarded streams per
    /// core and frame loss (Switchboard only; not part of `all`).
    Calls(CallsArgs),
    /// Open lines inbound: Telegram webhook → operator websocket latency and the highest
    /// sustained rate, on SQLite and PostgreSQL (always starts its own servers).
    Inbound(InboundArgs),
    /// CRM at scale over HTTP: starts the server on the data set of
    /// `cargo run -p crm-core --example crm_scale` and times the contact card, list pages,
    /// funnel and forecast, and a full duplicate scan, on SQLite and PostgreSQL.
    CrmHttp(CrmHttpArgs),
    /// Every scenario against Switchboard and socket.io, repeated, as markdown tables.
    All {
        /// Idle connections for the memory scenario; 0 skips it.
        #[arg(long, default_value_t = 20_000)]
        idle_connections: usize,
        /// Seconds to wait before each memory reading.
        #[arg(long, default_value_t = 3.0)]
        settle_secs: f64,
        #[command(flatten)]
        fanout: FanoutArgs,
        #[command(flatten)]
        dm: DmArgs,
    },
}

#[derive(Args, Clone)]
struct IdleArgs {
    #[arg(long, default_value_t = 20_000)]
    connections: usize,
    /// Seconds to wait before each memory reading.
    #[arg(long, default_value_t = 3.0)]
    settle_secs: f64,
}

#[derive(Args, Clone)]
struct FanoutArgs {
    /// Member users of the channel (Switchboard); the connections are spread over them.
    #[arg(long, default_value_t = 20)]
    members: usize,
    /// Receiving connections.
    #[arg(long, default_value_t = 2_000)]
    connections: usize,
    /// Messages per second sent to the channel; a comma-separated list runs one phase each.
    #[arg(long, value_delimiter = ',', default_value = "20,30,40,50,60,70,80")]
    rate: Vec<f64>,
    /// Measured seconds per phase.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Unmeasured seconds at the start of each phase.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Seconds for late deliveries after each phase.
    #[arg(long, default_value_t = 3.0)]
    drain: f64,
    /// Sending connections.
    #[arg(long, default_value_t = 4)]
    senders: usize,
    /// Padding bytes in each message body.
    #[arg(long, default_value_t = 32)]
    padding: usize,
    /// Measure a rate again when other processes kept more cores than this busy.
    #[arg(long, default_value_t = 0.25)]
    max_other_cores: f64,
    /// How many times a noisy rate is measured again.
    #[arg(long, default_value_t = 2)]
    retries: usize,
}

#[derive(Args, Clone)]
struct CallsArgs {
    /// Participants in the call; each receives every published video stream but its own.
    #[arg(long, default_value_t = 8)]
    participants: usize,
    /// How many of them publish one video stream [default: all].
    #[arg(long)]
    publishers: Option<usize>,
    /// Frames per second each participant sends.
    #[arg(long, default_value_t = 30)]
    fps: u32,
    /// Bytes per frame (4000 at 30 fps is about 1 Mbit/s, 3-4 packets a frame).
    #[arg(long, default_value_t = 4000)]
    frame_bytes: usize,
    /// Unmeasured seconds once every participant is connected.
    #[arg(long, default_value_t = 3.0)]
    warmup: f64,
    /// Measured seconds.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds after the last join for every peer to be connected and receiving every
    /// published stream.
    #[arg(long, default_value_t = 60.0)]
    connect_timeout: f64,
    /// Print only the table row, to stack several runs under one header.
    #[arg(long)]
    no_header: bool,
}

#[derive(Args, Clone)]
struct InboundArgs {
    /// Databases to measure on, in order; `postgres` creates (and drops) a fresh database
    /// on 127.0.0.1:5432 as user postgres.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "sqlite")]
    database: Vec<inbound::Database>,
    /// Updates per second; a comma-separated list runs one step each, stopping after the
    /// first step that is not sustained.
    #[arg(long, value_delimiter = ',', default_value = "2000,5000,10000,15000")]
    rate: Vec<f64>,
    /// Measured seconds per step.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Unmeasured seconds at the start of each step.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Seconds for late deliveries after each step.
    #[arg(long, default_value_t = 2.0)]
    drain: f64,
    /// Telegram chats (one open conversation each, all assigned to the one operator).
    #[arg(long, default_value_t = 200)]
    chats: usize,
    /// Keep-alive HTTP connections the updates are POSTed over (POSTs in flight at most).
    #[arg(long, default_value_t = 256)]
    connections: usize,
    /// Where the Telegram emulator is (tests/peers).
    #[arg(long, value_name = "DIR")]
    peers: Option<PathBuf>,
}

#[derive(Args, Clone)]
struct CrmHttpArgs {
    /// The SQLite file of the fill.
    #[arg(long, value_name = "PATH", default_value = "target/crm_scale.db")]
    sqlite: PathBuf,
    /// The PostgreSQL database of the fill.
    #[arg(
        long,
        value_name = "URL",
        default_value = "postgres://postgres@127.0.0.1:5432/crm_scale"
    )]
    postgres: String,
    /// Databases to measure on, in order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "sqlite,postgres"
    )]
    database: Vec<inbound::Database>,
    /// Measured runs of each case (after 5 unmeasured ones); the duplicate scan runs once.
    #[arg(long, default_value_t = 200)]
    runs: usize,
}

#[derive(Args, Clone)]
struct DmArgs {
    /// Measured round trips (`all`: 0 skips the scenario).
    #[arg(long, default_value_t = 1_000)]
    round_trips: usize,
}

fn idle_params(args: &IdleArgs, concurrency: usize) -> IdleParams {
    IdleParams {
        connections: args.connections,
        concurrency,
        settle: Duration::from_secs_f64(args.settle_secs),
    }
}

fn fanout_params(args: &FanoutArgs, concurrency: usize) -> FanoutParams {
    FanoutParams {
        connections: args.connections,
        senders: args.senders.max(1),
        rates: args.rate.clone(),
        warmup: Duration::from_secs_f64(args.warmup),
        duration: Duration::from_secs_f64(args.duration),
        drain: Duration::from_secs_f64(args.drain),
        concurrency,
        give_up_below: 0.9,
        give_up_above_ms: 1_000.0,
        padding: args.padding,
        max_other_cores: args.max_other_cores,
        retries: args.retries,
    }
}

/// `bench calls`: its own server (or `--url`), one call, one markdown table.
async fn run_calls(common: &Common, args: &CallsArgs) -> anyhow::Result<()> {
    let participants = args.participants.max(2);
    let params = calls::CallsParams {
        participants,
        publishers: args
            .publishers
            .unwrap_or(participants)
            .clamp(1, participants),
        fps: args.fps,
        frame_bytes: args.frame_bytes,
        warmup: Duration::from_secs_f64(args.warmup),
        duration: Duration::from_secs_f64(args.duration),
        connect_timeout: Duration::from_secs_f64(args.connect_timeout),
    };
    let binary = match &common.switchboard_bin {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .context("locating this program")?
            .with_file_name("switchboard"),
    };
    let server = match &common.url {
        Some(url) => server::Server::external(
            Kind::Switchboard,
            url,
            common.login.clone().zip(common.password.clone()),
            common.pid,
        )?,
        None => server::Server::switchboard(&binary, None).await?,
    };
    let outcome = calls::run(&server, common.sources, &params).await;
    server.stop().await;
    let outcome = outcome?;
    if !args.no_header {
        print!("{}", calls::CallsResult::HEADER);
    }
    print!("{}", outcome.row(&params));
    eprintln!(
        "frames received again or out of order (not counted): {}",
        outcome.late
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let common = cli.common;
    let limit = runner::raise_fd_limit();
    let single = match common.target {
        Target::Switchboard => Kind::Switchboard,
        Target::Socketio => Kind::SocketIo,
    };
    let concurrency = common.concurrency;
    let switchboard_bin = match common.switchboard_bin.clone() {
        Some(path) => path,
        None => std::env::current_exe()
            .context("locating this program")?
            .with_file_name("switchboard"),
    };
    let (targets, scenarios, members, repeat) = match cli.command {
        Command::Calls(args) => return run_calls(&common, &args).await,
        Command::Idle(args) => (
            vec![single],
            Scenarios {
                idle: Some(idle_params(&args, concurrency)),
                ..Scenarios::default()
            },
            20,
            1,
        ),
        Command::Fanout(args) => (
            vec![single],
            Scenarios {
                fanout: Some(fanout_params(&args, concurrency)),
                ..Scenarios::default()
            },
            args.members,
            1,
        ),
        Command::Dm(args) => (
            vec![single],
            Scenarios {
                dm: Some(args.round_trips),
                ..Scenarios::default()
            },
            2,
            1,
        ),
        Command::Inbound(args) => {
            let params = inbound::InboundParams {
                switchboard_bin,
                peers: args.peers.unwrap_or_else(inbound::default_peers),
                databases: args.database,
                rates: args.rate.clone(),
                duration: Duration::from_secs_f64(args.duration),
                warmup: Duration::from_secs_f64(args.warmup),
                drain: Duration::from_secs_f64(args.drain),
                chats: args.chats,
                connections: args.connections,
                repeat: common.repeat.unwrap_or(1).max(1),
            };
            eprintln!("open files limit: {limit}");
            let runs = inbound::run(&params).await?;
            println!();
            print!("{}", inbound::report::markdown(&runs, &args.rate));
            return Ok(());
        }
        Command::CrmHttp(args) => {
            let params = crm::CrmParams {
                switchboard_bin,
                sqlite: args.sqlite,
                postgres: args.postgres,
                databases: args.database,
                runs: args.runs,
            };
            let runs = crm::run(&params).await?;
            println!();
            print!("{}", crm::report::markdown(&runs));
            return Ok(());
        }
        Command::All {
            idle_connections,
            settle_secs,
            fanout,
            dm,
        } => {
            let idle = IdleArgs {
                connections: idle_connections,
                settle_secs,
            };
            (
                vec![Kind::Switchboard, Kind::SocketIo],
                Scenarios {
                    idle: (idle.connections > 0).then(|| idle_params(&idle, concurrency)),
                    fanout: Some(fanout_params(&fanout, concurrency)),
                    dm: (dm.round_trips > 0).then_some(dm.round_trips),
                },
                fanout.members.max(2),
                3,
            )
        }
    };
    let setup = runner::Setup {
        switchboard_bin,
        socketio_dir: common.socketio_dir,
        external: common.url.map(|url| runner::External {
            url,
            admin: common.login.zip(common.password),
            pid: common.pid,
        }),
        sources: common.sources,
        members,
        repeat: common.repeat.unwrap_or(repeat).max(1),
    };
    eprintln!("open files limit: {limit}");
    let results = runner::run(&setup, &targets, &scenarios).await?;
    println!();
    print!("{}", report::markdown(&results, &scenarios));
    Ok(())
}
