//! Opening websocket connections the way a client does, for either protocol: Switchboard's
//! (`hello`, then `resume` → `resumed` before events flow) or socket.io's Engine.IO v4 over
//! a raw websocket (`0{…}` handshake, `40` namespace connect, `2`/`3` ping-pong,
//! `42["msg",…]` events). Connections leave from several loopback source addresses so
//! tens of thousands of them do not exhaust one address's ephemeral ports.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt, stream};
use serde_json::Value;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::{
    WebSocketStream, client_async_with_config,
    tungstenite::{
        Message, client::IntoClientRequest, http::HeaderValue, protocol::WebSocketConfig,
    },
};

use crate::server::{Kind, Server};

pub type Ws = WebSocketStream<TcpStream>;

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);
/// Client-side buffers are kept small so the load generator's own memory stays modest.
const CLIENT_BUFFER: usize = 8 * 1024;

/// Opens connections to one server, rotating over source addresses.
pub struct Dialer {
    kind: Kind,
    addr: SocketAddr,
    sources: Vec<IpAddr>,
    next: AtomicUsize,
}

impl Dialer {
    /// `sources` loopback addresses 127.0.0.2, 127.0.0.3, … are used when the server is on
    /// loopback; otherwise the system picks the source.
    pub fn new(server: &Server, sources: usize) -> Self {
        let sources = if server.addr.ip().is_loopback() && server.addr.is_ipv4() {
            (0..sources.clamp(1, 250))
                .map(|i| IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + i as u8)))
                .collect()
        } else {
            Vec::new()
        };
        Self {
            kind: server.kind,
            addr: server.addr,
            sources,
            next: AtomicUsize::new(0),
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    async fn tcp(&self) -> anyhow::Result<TcpStream> {
        let socket = match self.addr {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        }
        .context("creating a socket")?;
        if !self.sources.is_empty() {
            let index = self.next.fetch_add(1, Ordering::Relaxed) % self.sources.len();
            // Reusing ports still in TIME_WAIT from an earlier run is safe: the peer differs.
            socket.set_reuseaddr(true).context("SO_REUSEADDR")?;
            socket
                .bind(SocketAddr::new(self.sources[index], 0))
                .with_context(|| format!("binding {}", self.sources[index]))?;
        }
        let stream = socket
            .connect(self.addr)
            .await
            .with_context(|| format!("connecting to {}", self.addr))?;
        stream.set_nodelay(true).context("TCP_NODELAY")?;
        Ok(stream)
    }

    /// Connects, authenticates with `token` (Switchboard), and waits until the server
    /// streams events to this connection.
    pub async fn open(&self, token: Option<&str>) -> anyhow::Result<Ws> {
        let path = match self.kind {
            Kind::Switchboard => "/api/v1/ws",
            Kind::SocketIo => "/socket.io/?EIO=4&transport=websocket",
        };
        let mut request = format!("ws://{}{path}", self.addr)
            .into_client_request()
            .context("building the websocket request")?;
        if let Some(token) = token {
            let value = HeaderValue::from_str(&format!("Bearer {token}"))
                .context("the token is not a valid header value")?;
            request.headers_mut().insert("authorization", value);
        }
        let config = WebSocketConfig::default()
            .read_buffer_size(CLIENT_BUFFER)
            .write_buffer_size(0);
        let handshake = async {
            let stream = self.tcp().await?;
            let (mut ws, _) = client_async_with_config(request, stream, Some(config))
                .await
                .context("websocket handshake")?;
            ready(self.kind, &mut ws).await?;
            Ok::<_, anyhow::Error>(ws)
        };
        tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake)
            .await
            .context("the connection was not ready in time")?
    }

    /// Opens `count` connections, at most `concurrency` handshakes at a time, the `i`-th
    /// with `token(i)`.
    pub async fn open_many<'a>(
        &'a self,
        count: usize,
        concurrency: usize,
        token: impl Fn(usize) -> Option<&'a str>,
    ) -> anyhow::Result<Vec<Ws>> {
        let opening = stream::iter(0..count)
            .map(|i| self.open(token(i)))
            .buffer_unordered(concurrency.max(1));
        futures_util::pin_mut!(opening);
        let mut open = Vec::with_capacity(count);
        while let Some(ws) = opening.next().await {
            open.push(ws.with_context(|| format!("connection {} of {count}", open.len() + 1))?);
        }
        Ok(open)
    }
}

/// Waits for the greeting and starts the event stream.
async fn ready(kind: Kind, ws: &mut Ws) -> anyhow::Result<()> {
    match kind {
        Kind::Switchboard => {
            expect(ws, |t| json_type(t).as_deref() == Some("hello")).await?;
            ws.send(Message::text(
                r#"{"type":"resume","ref":"start","rooms":{}}"#,
            ))
            .await?;
            expect(ws, |t| json_type(t).as_deref() == Some("resumed")).await
        }
        Kind::SocketIo => {
            expect(ws, |t| t.starts_with("0{")).await?;
            ws.send(Message::text("40")).await?;
            expect(ws, |t| t.starts_with("40")).await
        }
    }
}

async fn expect(ws: &mut Ws, wanted: impl Fn(&str) -> bool) -> anyhow::Result<()> {
    while let Some(frame) = ws.next().await {
        match frame.context("reading the greeting")? {
            Message::Text(text) if wanted(&text) => return Ok(()),
            Message::Text(text) if json_type(&text).as_deref() == Some("error") => {
                bail!("the server refused: {text}")
            }
            Message::Close(close) => bail!("closed during the greeting: {close:?}"),
            _ => {}
        }
    }
    bail!("closed during the greeting")
}

fn json_type(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).ok()?;
    value["type"].as_str().map(str::to_owned)
}

/// The frame that posts `body` to the room: a Switchboard `send` (with a unique
/// `client_id`) or a socket.io `msg` event. `body` must need no JSON escaping.
pub fn send_frame(kind: Kind, room: &str, client_id: &str, body: &str) -> Message {
    match kind {
        Kind::Switchboard => Message::text(format!(
            r#"{{"type":"send","room_id":"{room}","client_id":"{client_id}","body":"{body}"}}"#
        )),
        Kind::SocketIo => Message::text(format!(r#"42["msg","{body}"]"#)),
    }
}

/// What a received text frame means to the load generator.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A benchmark message; the text after `bench:` in its body.
    Bench(&'a str),
    /// An Engine.IO ping, to be answered with `3`.
    Ping,
    /// Switchboard told this connection it fell behind and lost events.
    Resync,
    /// Switchboard refused a frame.
    Error,
    Other,
}

pub const MARKER: &str = "bench:";

pub fn classify(kind: Kind, text: &str) -> Frame<'_> {
    if kind == Kind::SocketIo && text == "2" {
        return Frame::Ping;
    }
    if let Some(at) = text.find(MARKER) {
        // An `ack` echoes the sender's message; only broadcasts count as deliveries.
        if kind == Kind::Switchboard && !text.starts_with(r#"{"type":"message.created""#) {
            return Frame::Other;
        }
        return Frame::Bench(&text[at + MARKER.len()..]);
    }
    if kind == Kind::Switchboard {
        if text.starts_with(r#"{"type":"resync""#) {
            return Frame::Resync;
        }
        if text.starts_with(r#"{"type":"error""#) {
            return Frame::Error;
        }
    }
    Frame::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasts_are_told_from_acks_pings_and_errors() {
        let created = r#"{"type":"message.created","message":{"body":"bench:3:1500:xx","seq":1}}"#;
        assert!(
            matches!(classify(Kind::Switchboard, created), Frame::Bench(rest) if rest.starts_with("3:1500:"))
        );
        let ack = r#"{"type":"ack","ref":"c1","message":{"body":"bench:3:1500:xx"}}"#;
        assert_eq!(classify(Kind::Switchboard, ack), Frame::Other);
        assert_eq!(
            classify(Kind::Switchboard, r#"{"type":"resync","room_id":"r"}"#),
            Frame::Resync
        );
        assert_eq!(classify(Kind::SocketIo, "2"), Frame::Ping);
        assert_eq!(
            classify(Kind::SocketIo, r#"42["msg","bench:ping:9:"]"#),
            Frame::Bench("ping:9:\"]")
        );
    }
}
