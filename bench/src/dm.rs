//! DM ping-pong: one connection posts `ping` to a direct-message room, the other answers
//! each ping with `pong` as soon as it sees it, and the first measures the round trip.
//! One message is in flight at a time, so this is latency with no load. The socket.io
//! baseline plays it in its single room with only these two clients connected.

use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    api::{Api, Cast},
    conn::{Dialer, Frame, Ws, classify, send_frame},
    probe::Clock,
    server::{Kind, Server, nonce},
    stats::Histogram,
};

const ROUND_TRIP_TIMEOUT: Duration = Duration::from_secs(10);
/// Round trips made before measuring, to warm caches and connections.
const WARMUP: usize = 50;

#[derive(Clone, Copy, Debug, Default)]
pub struct DmResult {
    pub round_trips: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

/// Runs `round_trips` measured pings between the first two members of `cast`.
pub async fn run(
    server: &Server,
    cast: &Cast,
    dialer: &Dialer,
    round_trips: usize,
) -> anyhow::Result<DmResult> {
    let kind = server.kind;
    let room = match kind {
        Kind::Switchboard => {
            let (token, other) = cast
                .tokens
                .first()
                .zip(cast.user_ids.get(1))
                .context("the DM scenario needs two members")?;
            Api::new(server).open_dm(token, other).await?
        }
        Kind::SocketIo => String::new(),
    };
    let pinger = dialer.open(cast.token(0)).await?;
    let ponger = dialer.open(cast.token(1)).await?;
    let tag = nonce() % 1_000_000_000;
    let answering = tokio::spawn(answer(kind, ponger, room.clone(), format!("d{tag}b")));
    let measured = ping(kind, pinger, &room, &format!("d{tag}a"), round_trips).await;
    answering.abort();
    measured
}

async fn ping(
    kind: Kind,
    mut ws: Ws,
    room: &str,
    tag: &str,
    round_trips: usize,
) -> anyhow::Result<DmResult> {
    let clock = Clock::new();
    let histogram = Histogram::default();
    let mut total = 0u64;
    for n in 0..WARMUP + round_trips {
        let sent = clock.now();
        let body = format!("bench:ping:{sent}:");
        ws.send(send_frame(kind, room, &format!("{tag}{n}"), &body))
            .await?;
        let expected = format!("pong:{sent}:");
        let answered = async {
            while let Some(frame) = ws.next().await {
                match frame.context("reading the pong")? {
                    Message::Text(text) => match classify(kind, &text) {
                        Frame::Bench(rest) if rest.starts_with(&expected) => return Ok(()),
                        Frame::Ping => ws.send(Message::text("3")).await?,
                        Frame::Error => bail!("the server refused a ping: {text}"),
                        _ => {}
                    },
                    Message::Close(_) => break,
                    _ => {}
                }
            }
            bail!("the connection closed during the ping-pong")
        };
        tokio::time::timeout(ROUND_TRIP_TIMEOUT, answered)
            .await
            .context("no pong in time")??;
        let round_trip = clock.now() - sent;
        if n >= WARMUP {
            histogram.record(round_trip);
            total += round_trip;
        }
    }
    let ms = |micros: u64| micros as f64 / 1000.0;
    Ok(DmResult {
        round_trips,
        p50_ms: ms(histogram.quantile(0.50)),
        p99_ms: ms(histogram.quantile(0.99)),
        max_ms: ms(histogram.max()),
        mean_ms: ms(total) / round_trips.max(1) as f64,
    })
}

async fn answer(kind: Kind, mut ws: Ws, room: String, tag: String) -> anyhow::Result<()> {
    let mut n = 0u64;
    while let Some(frame) = ws.next().await {
        let Message::Text(text) = frame? else {
            continue;
        };
        let reply = match classify(kind, &text) {
            Frame::Bench(rest) => match rest.strip_prefix("ping:") {
                Some(ping) => {
                    let sent = ping.split(':').next().unwrap_or_default();
                    n += 1;
                    send_frame(
                        kind,
                        &room,
                        &format!("{tag}{n}"),
                        &format!("bench:pong:{sent}:"),
                    )
                }
                None => continue,
            },
            Frame::Ping => Message::text("3"),
            _ => continue,
        };
        ws.send(reply).await?;
    }
    Ok(())
}
