//! `bench calls`: one call through the real server's SFU with synthetic participants, each
//! publishing one video stream (`fps` frames of `frame_bytes`) and receiving everyone else's.
//! Signaling is the ordinary websocket protocol (call_start, call_join, call.offer →
//! call_answer). Measured over a window once every peer is connected: frames delivered
//! against frames sent (loss), and the server process's CPU time, giving forwarded video
//! streams per core. The synthetic peers run in this process, so they compete with the server
//! for the machine's cores; the figures are for the server alone only in CPU time.

mod peer;

use std::{
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::{api, conn::Dialer, server::Server, stats};

pub struct CallsParams {
    pub participants: usize,
    pub fps: u32,
    pub frame_bytes: usize,
    pub warmup: Duration,
    pub duration: Duration,
}

pub struct CallsResult {
    pub participants: usize,
    pub forwarded_streams: usize,
    pub frames_sent: u64,
    pub frames_expected: u64,
    pub frames_received: u64,
    pub server_cores: f64,
}

impl CallsResult {
    pub fn markdown(&self, params: &CallsParams) -> String {
        let loss = 1.0 - self.frames_received as f64 / self.frames_expected.max(1) as f64;
        let per_core = self.forwarded_streams as f64 / self.server_cores.max(1e-9);
        format!(
            "| participants | forwarded video streams | frame rate, size | frames sent | frames forwarded / expected | loss | server CPU (cores) | streams per core |\n\
             |---|---|---|---|---|---|---|---|\n\
             | {} | {} | {} fps, {} B | {} | {} / {} | {:.2} % | {:.2} | {:.0} |\n",
            self.participants,
            self.forwarded_streams,
            params.fps,
            params.frame_bytes,
            self.frames_sent,
            self.frames_received,
            self.frames_expected,
            loss.max(0.0) * 100.0,
            self.server_cores,
            per_core,
        )
    }
}

/// One participant's websocket, answering the SFU's offers as they come.
async fn signal(
    mut ws: crate::conn::Ws,
    mut peer: peer::Peer,
    call: String,
    offer: String,
) -> anyhow::Result<(crate::conn::Ws, peer::Peer)> {
    ws.send(Message::text(
        json!({"type": "call_join", "ref": "join", "call_id": call, "sdp": offer}).to_string(),
    ))
    .await?;
    let joined = next_reply(&mut ws, "join").await?;
    peer.accept_answer(joined["sdp"].as_str().context("no answer SDP")?)?;
    Ok((ws, peer))
}

async fn next_reply(ws: &mut crate::conn::Ws, reference: &str) -> anyhow::Result<Value> {
    while let Some(frame) = ws.next().await {
        if let Message::Text(text) = frame? {
            let value: Value = serde_json::from_str(&text)?;
            if value["ref"] == reference {
                if value["type"] == "error" {
                    bail!("{reference} refused: {value}");
                }
                return Ok(value);
            }
        }
    }
    bail!("the socket closed before {reference} was answered")
}

/// Answers every `call.offer` until the task is aborted.
async fn answer_offers(
    mut ws: crate::conn::Ws,
    peer: std::sync::Arc<tokio::sync::Mutex<peer::Peer>>,
    call: String,
) {
    let mut n = 0;
    while let Some(Ok(frame)) = ws.next().await {
        let Message::Text(text) = frame else { continue };
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if value["type"] != "call.offer" {
            continue;
        }
        let Some(sdp) = value["sdp"].as_str() else {
            continue;
        };
        let Ok(answer) = peer.lock().await.answer(sdp) else {
            continue;
        };
        n += 1;
        let frame =
            json!({"type": "call_answer", "ref": format!("a{n}"), "call_id": call, "sdp": answer});
        if ws.send(Message::text(frame.to_string())).await.is_err() {
            return;
        }
    }
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
    let started = next_reply(&mut first, "start").await?;
    let call = started["call"]["id"]
        .as_str()
        .context("no call id")?
        .to_owned();
    let mut peers = Vec::new();
    let mut tasks = Vec::new();
    for i in 0..params.participants {
        let ws = if i == 0 {
            None
        } else {
            Some(dialer.open(cast.token(i)).await?)
        };
        let ws = match ws {
            Some(ws) => ws,
            None => std::mem::replace(&mut first, dialer.open(cast.token(0)).await?),
        };
        let (peer, offer) = peer::Peer::start(params.fps, params.frame_bytes).await?;
        let (ws, peer) = signal(ws, peer, call.clone(), offer).await?;
        let counters = peer.counters.clone();
        let peer = std::sync::Arc::new(tokio::sync::Mutex::new(peer));
        tasks.push(tokio::spawn(answer_offers(ws, peer.clone(), call.clone())));
        peers.push((peer, counters));
    }
    // Every peer connected and receiving from all the others before the window opens.
    let settle =
        Instant::now() + params.warmup.max(Duration::from_secs(2)) + Duration::from_secs(10);
    while peers
        .iter()
        .any(|(_, c)| !c.connected.load(Ordering::Relaxed))
    {
        if Instant::now() > settle {
            bail!("not every participant connected to the SFU");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(params.warmup).await;
    let pid = server.pid.context("the server's process id is unknown")?;
    let snapshot = |peers: &Vec<(_, std::sync::Arc<peer::Counters>)>| -> (u64, u64) {
        peers.iter().fold((0, 0), |(sent, received), (_, c)| {
            (
                sent + c.frames_sent.load(Ordering::Relaxed),
                received + c.frames_received.load(Ordering::Relaxed),
            )
        })
    };
    let (sent_before, received_before) = snapshot(&peers);
    let cpu_before = stats::cpu_seconds(pid)?;
    let started_at = Instant::now();
    tokio::time::sleep(params.duration).await;
    // Frames still in flight at either edge of the window roughly cancel out.
    let (sent_after, received_after) = snapshot(&peers);
    let cpu_after = stats::cpu_seconds(pid)?;
    let elapsed = started_at.elapsed().as_secs_f64();
    for task in tasks {
        task.abort();
    }
    let frames_sent = sent_after - sent_before;
    let others = params.participants.saturating_sub(1) as u64;
    Ok(CallsResult {
        participants: params.participants,
        forwarded_streams: params.participants * params.participants.saturating_sub(1),
        frames_sent,
        frames_expected: frames_sent * others,
        frames_received: received_after - received_before,
        server_cores: (cpu_after - cpu_before) / elapsed,
    })
}
