//! The inbound load: Telegram updates POSTed to the channel's webhook on an open-loop
//! schedule, spread round-robin over the chats, over a bounded set of keep-alive HTTP
//! connections. Each update's text is `bench:<phase>:<µs>:<update id>` with the time the
//! POST was *scheduled*, so the operator's connection (`probe::receive`) measures
//! webhook → websocket latency; a POST waiting for a free connection counts its wait too.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::{Context, bail};
use futures_util::{StreamExt, stream};
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;

use crate::{
    conn::Ws,
    inbound::{
        http1::{Pool, Target},
        setup::SECRET,
    },
    probe::{Clock, Probe},
};

/// Where a chat's first message opens a conversation; later ones land in it.
const FIRST_CHAT: u64 = 100_000;

pub struct Poster {
    http: Pool,
    /// One permit per HTTP connection: at most this many POSTs are in flight.
    connections: Arc<Semaphore>,
    width: usize,
    chats: u64,
    next_update: AtomicU64,
    /// HTTP errors (non-2xx or transport) per phase, by the POST's scheduled time.
    pub errors: Vec<AtomicU64>,
    pub clock: Clock,
}

impl Poster {
    pub async fn new(
        url: String,
        connections: usize,
        chats: usize,
        phases: usize,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let headers = [
            ("content-type", "application/json"),
            ("x-telegram-bot-api-secret-token", SECRET),
        ];
        let http = Pool::new(
            Target::parse(&url).await?,
            &headers,
            Duration::from_secs(30),
        );
        Ok(Self {
            http,
            connections: Arc::new(Semaphore::new(connections.max(1))),
            width: connections.max(1),
            chats: chats.max(1) as u64,
            next_update: AtomicU64::new(1),
            errors: (0..phases).map(|_| AtomicU64::new(0)).collect(),
            clock,
        })
    }

    /// One update from `chat`'s client; returns whether the webhook answered 2xx.
    async fn post(&self, chat: u64, text: impl FnOnce(u64) -> String) -> bool {
        let Ok(_permit) = self.connections.acquire().await else {
            return false;
        };
        let id = self.next_update.fetch_add(1, Ordering::Relaxed);
        let body = update(id, FIRST_CHAT + chat, &text(id));
        let response = self.http.post(body.as_bytes()).await;
        matches!(response, Ok(status) if (200..300).contains(&status))
    }

    /// Every chat writes once, and the operator's connection sees each conversation
    /// assigned (`room.created`) before the measurement starts.
    pub async fn warm_up(&self, ws: &mut Ws) -> anyhow::Result<()> {
        let chats = self.chats;
        let posting = async {
            let failed = stream::iter(0..chats)
                .map(|chat| self.post(chat, |id| format!("hello {id}")))
                .buffer_unordered(self.width.min(32))
                .filter(|ok| std::future::ready(!ok))
                .count()
                .await;
            if failed > 0 {
                bail!("{failed} of {chats} first messages were refused");
            }
            Ok(())
        };
        let assigned = async {
            let mut rooms = 0;
            while rooms < chats {
                match ws.next().await {
                    Some(Ok(Message::Text(text))) => {
                        let frame: Value = serde_json::from_str(&text).unwrap_or_default();
                        match frame["type"].as_str() {
                            Some("room.created") => rooms += 1,
                            Some("error") => bail!("the server sent an error: {text}"),
                            _ => {}
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(error)) => bail!("the operator's connection failed: {error}"),
                    None => bail!("the operator's connection closed"),
                }
            }
            Ok(())
        };
        let timeout = Duration::from_secs(120);
        let (posted, assigned) =
            tokio::time::timeout(timeout, async { tokio::join!(posting, assigned) })
                .await
                .context("warm-up: not every conversation reached the operator in time")?;
        posted?;
        assigned
    }

    /// Posts at `rate` per second from `start` until `stop` (µs on the clock), marking each
    /// update with `phase`, and returns once every POST has been started.
    pub async fn schedule(
        self: &Arc<Self>,
        probe: &Arc<Probe>,
        phase: usize,
        rate: f64,
        start: u64,
        stop: u64,
    ) {
        let interval = 1e6 / rate.max(0.001);
        let mut k: u64 = 0;
        loop {
            let due = start + (k as f64 * interval) as u64;
            if due >= stop {
                break;
            }
            tokio::time::sleep_until(self.clock.at(due)).await;
            let now = self.clock.now();
            // Everything due by now leaves in this tick: the schedule never slips.
            loop {
                let due = start + (k as f64 * interval) as u64;
                if due > now || due >= stop {
                    break;
                }
                let chat = k % self.chats;
                let (poster, probe) = (self.clone(), probe.clone());
                tokio::spawn(async move {
                    let counted = probe.phases.get(phase).filter(|p| p.contains(due));
                    if let Some(measured) = counted {
                        measured.sent.fetch_add(1, Ordering::Relaxed);
                    }
                    let ok = poster
                        .post(chat, |id| format!("bench:{phase}:{due}:{id}"))
                        .await;
                    if !ok
                        && counted.is_some()
                        && let Some(errors) = poster.errors.get(phase)
                    {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                });
                k += 1;
            }
        }
    }

    /// Waits until no POST is in flight (or `limit` passes): phases must not overlap.
    pub async fn settle(&self, limit: Duration) {
        let all = u32::try_from(self.width).unwrap_or(u32::MAX);
        if let Ok(Ok(permits)) =
            tokio::time::timeout(limit, self.connections.acquire_many(all)).await
        {
            drop(permits);
        }
    }
}

/// A Telegram `Update` with a private-chat text message
/// (<https://core.telegram.org/bots/api#update>). `text` needs no JSON escaping.
fn update(id: u64, chat: u64, text: &str) -> String {
    format!(
        r#"{{"update_id":{id},"message":{{"message_id":{id},"date":1700000000,"chat":{{"id":{chat},"type":"private","first_name":"Client {chat}"}},"from":{{"id":{chat},"is_bot":false,"first_name":"Client {chat}"}},"text":"{text}"}}}}"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_is_valid_json_with_the_marker_text() {
        let value: Value = serde_json::from_str(&update(7, 100_003, "bench:1:2500:7")).unwrap();
        assert_eq!(value["update_id"], 7);
        assert_eq!(value["message"]["chat"]["id"], 100_003);
        assert_eq!(value["message"]["text"], "bench:1:2500:7");
    }
}
