//! Keep-alive HTTP/1.1 POSTs over plain TCP, written and read by hand. The load generator
//! shares two cores with the server it measures, so every microsecond it spends is taken
//! from the server: reqwest cost about 40 µs of CPU per POST (0.32 cores at 8,000/s),
//! this costs a fraction of that. It speaks only what the webhook answers: a status line,
//! headers and a `content-length` body.

use std::{net::SocketAddr, sync::Mutex, time::Duration};

use anyhow::{Context, bail};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Where the POSTs go: `http://host:port/path`, resolved once.
pub struct Target {
    address: SocketAddr,
    host: String,
    path: String,
}

impl Target {
    pub async fn parse(url: &str) -> anyhow::Result<Self> {
        let rest = url
            .strip_prefix("http://")
            .with_context(|| format!("{url}: only http:// URLs are supported"))?;
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let address = tokio::net::lookup_host(host)
            .await
            .with_context(|| format!("resolving {host}"))?
            .next()
            .with_context(|| format!("{host} resolves to nothing"))?;
        Ok(Self {
            address,
            host: host.to_owned(),
            path: if path.is_empty() { "/" } else { path }.to_owned(),
        })
    }
}

/// Idle keep-alive connections; a POST takes one (or dials a new one) and returns it
/// after a complete response.
pub struct Pool {
    target: Target,
    /// Headers sent with every POST, each ending in CRLF.
    headers: String,
    idle: Mutex<Vec<Connection>>,
    timeout: Duration,
}

struct Connection {
    stream: TcpStream,
    /// Bytes read and not yet consumed, reused between responses.
    buffer: Vec<u8>,
}

impl Pool {
    pub fn new(target: Target, headers: &[(&str, &str)], timeout: Duration) -> Self {
        let headers = headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}\r\n"))
            .collect();
        Self {
            target,
            headers,
            idle: Mutex::new(Vec::new()),
            timeout,
        }
    }

    /// POSTs `body` and returns the response's status code.
    pub async fn post(&self, body: &[u8]) -> anyhow::Result<u16> {
        let taken = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut connection = match taken {
            Some(connection) => connection,
            None => self.dial().await?,
        };
        let (status, keep_alive) =
            tokio::time::timeout(self.timeout, self.exchange(&mut connection, body))
                .await
                .context("no response in time")??;
        if keep_alive && let Ok(mut idle) = self.idle.lock() {
            idle.push(connection);
        }
        Ok(status)
    }

    async fn dial(&self) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect(self.target.address)
            .await
            .with_context(|| format!("connecting to {}", self.target.address))?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buffer: Vec::with_capacity(1024),
        })
    }

    async fn exchange(
        &self,
        connection: &mut Connection,
        body: &[u8],
    ) -> anyhow::Result<(u16, bool)> {
        let mut request = Vec::with_capacity(256 + body.len());
        request.extend_from_slice(
            format!(
                "POST {} HTTP/1.1\r\nhost: {}\r\n{}content-length: {}\r\n\r\n",
                self.target.path,
                self.target.host,
                self.headers,
                body.len()
            )
            .as_bytes(),
        );
        request.extend_from_slice(body);
        connection.stream.write_all(&request).await?;
        read_response(&mut connection.stream, &mut connection.buffer).await
    }
}

/// Reads one response; returns its status and whether the connection may be reused.
async fn read_response(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> anyhow::Result<(u16, bool)> {
    loop {
        if let Some(head) = find(buffer, b"\r\n\r\n") {
            let head_len = head + 4;
            let parsed = Head::parse(&buffer[..head])?;
            let total = head_len + parsed.content_length;
            while buffer.len() < total {
                fill(stream, buffer).await?;
            }
            buffer.drain(..total);
            return Ok((parsed.status, parsed.keep_alive));
        }
        fill(stream, buffer).await?;
    }
}

async fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> anyhow::Result<()> {
    let mut chunk = [0u8; 4096];
    let read = stream.read(&mut chunk).await?;
    if read == 0 {
        bail!("the server closed the connection mid-response");
    }
    buffer.extend_from_slice(&chunk[..read]);
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[derive(Debug, PartialEq)]
struct Head {
    status: u16,
    content_length: usize,
    keep_alive: bool,
}

impl Head {
    fn parse(head: &[u8]) -> anyhow::Result<Self> {
        let text = std::str::from_utf8(head).context("a response head that is not UTF-8")?;
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .with_context(|| format!("not an HTTP/1.1 status line: {status_line:?}"))?;
        let mut content_length = None;
        let mut keep_alive = true;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                bail!("a malformed header line: {line:?}");
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = Some(value.parse().context("a bad content-length")?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                bail!("transfer-encoding {value} is not supported by the bench's poster");
            } else if name.eq_ignore_ascii_case("connection") {
                keep_alive = !value.eq_ignore_ascii_case("close");
            }
        }
        Ok(Self {
            status,
            content_length: content_length.unwrap_or(0),
            keep_alive,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_gives_status_length_and_reuse() {
        let head = Head::parse(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 57\r\ndate: x",
        )
        .unwrap();
        assert_eq!(
            head,
            Head {
                status: 401,
                content_length: 57,
                keep_alive: true
            }
        );
        let closing = Head::parse(b"HTTP/1.1 200 OK\r\nconnection: close").unwrap();
        assert!(!closing.keep_alive);
        assert_eq!(closing.content_length, 0);
    }

    #[test]
    fn chunked_and_foreign_responses_are_refused() {
        assert!(Head::parse(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked").is_err());
        assert!(Head::parse(b"SSH-2.0-OpenSSH").is_err());
    }

    #[tokio::test]
    async fn posts_reuse_one_connection_and_read_each_body() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            for answer in [
                "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
                "HTTP/1.1 400 Bad Request\r\ncontent-length: 5\r\n\r\nnope!",
            ] {
                let mut request = Vec::new();
                while find(&request, b"\r\n\r\nbody").is_none() {
                    let mut chunk = [0u8; 512];
                    let n = socket.read(&mut chunk).await.unwrap();
                    request.extend_from_slice(&chunk[..n]);
                }
                seen.push(String::from_utf8(request).unwrap());
                socket.write_all(answer.as_bytes()).await.unwrap();
            }
            seen
        });
        let target = Target::parse(&format!("http://{address}/hook/1"))
            .await
            .unwrap();
        let pool = Pool::new(target, &[("x-token", "t")], Duration::from_secs(5));
        assert_eq!(pool.post(b"body").await.unwrap(), 200);
        assert_eq!(pool.post(b"body").await.unwrap(), 400);
        let seen = server.await.unwrap();
        assert!(seen[0].starts_with("POST /hook/1 HTTP/1.1\r\n"));
        assert!(seen[1].contains("x-token: t\r\ncontent-length: 4\r\n"));
    }
}
