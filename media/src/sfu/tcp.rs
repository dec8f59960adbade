//! ICE-TCP (RFC 6544): for browsers whose network lets no UDP through, the SFU also listens
//! on TCP at the same port number and offers a passive TCP candidate. The browser connects
//! and sends the same STUN, DTLS and SRTP packets it would send as datagrams, each framed
//! with a two-byte length (RFC 4571). Each connection gets a reader task (frames in, for the
//! run loop) and a writer task (frames out, from a bounded queue); the run loop treats a
//! frame like a datagram from the connection's remote address.

use std::{net::SocketAddr, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::mpsc,
};
use tokio_util::sync::CancellationToken;

/// A connection that carries nothing for this long is closed: a browser that uses it sends
/// STUN consent checks every few seconds, so only abandoned or stray connections go quiet.
const IDLE: Duration = Duration::from_secs(30);
/// Frames waiting to be written to one connection. A connection that cannot keep up loses
/// packets as a congested UDP path would, instead of holding up the run loop or growing.
const OUTGOING: usize = 512;

/// What the connection tasks tell the run loop.
pub(super) enum TcpEvent {
    Opened {
        remote: SocketAddr,
        outgoing: mpsc::Sender<Vec<u8>>,
    },
    Frame {
        remote: SocketAddr,
        contents: Vec<u8>,
    },
    Closed {
        remote: SocketAddr,
    },
}

/// Accepts connections until `shutdown`; each runs on its own tasks.
pub(super) async fn accept(
    listener: TcpListener,
    events: mpsc::UnboundedSender<TcpEvent>,
    shutdown: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, remote)) => {
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(stream, remote, events.clone(), shutdown.clone()));
            }
            Err(error) => {
                tracing::debug!(error.message = %error, "accepting a media connection failed");
                // Out of file descriptors and the like: give the system a moment.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn connection(
    stream: TcpStream,
    remote: SocketAddr,
    events: mpsc::UnboundedSender<TcpEvent>,
    shutdown: CancellationToken,
) {
    let (reader, mut writer) = stream.into_split();
    let (outgoing, mut queue) = mpsc::channel::<Vec<u8>>(OUTGOING);
    if events.send(TcpEvent::Opened { remote, outgoing }).is_err() {
        return;
    }
    let write = async move {
        while let Some(contents) = queue.recv().await {
            let Ok(length) = u16::try_from(contents.len()) else {
                continue;
            };
            let mut framed = Vec::with_capacity(2 + contents.len());
            framed.extend_from_slice(&length.to_be_bytes());
            framed.extend_from_slice(&contents);
            if writer.write_all(&framed).await.is_err() {
                return;
            }
        }
    };
    let read = read_frames(BufReader::new(reader), remote, &events);
    tokio::select! {
        () = shutdown.cancelled() => {}
        () = write => {}
        () = read => {}
    }
    let _ = events.send(TcpEvent::Closed { remote });
}

async fn read_frames(
    mut reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    remote: SocketAddr,
    events: &mpsc::UnboundedSender<TcpEvent>,
) {
    loop {
        let mut length = [0u8; 2];
        match tokio::time::timeout(IDLE, reader.read_exact(&mut length)).await {
            Ok(Ok(_)) => {}
            // Closed, failed or idle.
            _ => return,
        }
        let mut contents = vec![0u8; usize::from(u16::from_be_bytes(length))];
        match tokio::time::timeout(IDLE, reader.read_exact(&mut contents)).await {
            Ok(Ok(_)) => {}
            _ => return,
        }
        if events.send(TcpEvent::Frame { remote, contents }).is_err() {
            return;
        }
    }
}
