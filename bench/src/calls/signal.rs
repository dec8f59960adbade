//! One participant's websocket signaling: joining the call with the peer's offer, then
//! answering every renegotiation offer the SFU sends while the call runs.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::peer::Peer;
use crate::conn::Ws;

/// Sends `call_join` with the peer's offer and applies the SFU's answer.
pub async fn join(ws: &mut Ws, peer: &mut Peer, call: &str, offer: String) -> anyhow::Result<()> {
    ws.send(Message::text(
        json!({"type": "call_join", "ref": "join", "call_id": call, "sdp": offer}).to_string(),
    ))
    .await?;
    let joined = next_reply(ws, "join").await?;
    peer.accept_answer(joined["sdp"].as_str().context("no answer SDP")?)
}

/// The reply to the frame sent with `reference`. The server sends a joining connection its
/// first `call.offer` only after the `call_join` reply, so nothing skipped here is an offer.
pub async fn next_reply(ws: &mut Ws, reference: &str) -> anyhow::Result<Value> {
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

/// Answers every `call.offer` until the task is aborted; counts them in `offers`, and
/// refusals and dropped connections in `failures`.
pub async fn answer_offers(
    mut ws: Ws,
    mut peer: Peer,
    call: String,
    offers: Arc<AtomicU64>,
    failures: Arc<AtomicU64>,
) {
    let mut n = 0;
    while let Some(Ok(frame)) = ws.next().await {
        let Message::Text(text) = frame else { continue };
        // Every participant's socket also carries the room's `call.updated` line-ups, one
        // per join with the whole list: parsing only offers and refusals keeps that off the
        // peers' CPU.
        if text.contains("\"call.disconnected\"") {
            eprintln!("the SFU dropped a participant's connection: {text}");
            failures.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        if !text.contains("\"call.offer\"") && !text.contains("\"error\"") {
            continue;
        }
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if value["type"] == "error" {
            eprintln!("the server refused a frame: {value}");
            failures.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let Some(sdp) = value["sdp"].as_str() else {
            continue;
        };
        let answer = match peer.answer(sdp) {
            Ok(answer) => answer,
            Err(error) => {
                // An unanswered offer leaves the SFU waiting: this peer would receive no
                // further tracks, which the readiness check then reports.
                eprintln!("a peer could not answer an offer: {error:#}");
                failures.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        };
        n += 1;
        offers.fetch_add(1, Ordering::Relaxed);
        let frame =
            json!({"type": "call_answer", "ref": format!("a{n}"), "call_id": call, "sdp": answer});
        if ws.send(Message::text(frame.to_string())).await.is_err() {
            return;
        }
    }
}
