//! The run loop: one task owns the UDP socket and every participant, and waits for whichever
//! comes first of a datagram, a frame from an ICE-TCP connection, a signaling command, the
//! next timer or shutdown.

use std::{collections::HashMap, net::SocketAddr, time::Instant};

use str0m::net::Protocol;
use tokio::{
    net::{TcpListener, UdpSocket},
    sync::mpsc,
};
use tokio_util::sync::CancellationToken;

use super::{
    Command, SfuEvent, Transports,
    forward::Participants,
    tcp::{self, TcpEvent},
};

/// What the loop listens on and offers.
pub(super) struct Sockets {
    pub udp: UdpSocket,
    pub tcp: Option<TcpListener>,
    /// The advertised address of both (same port number).
    pub address: SocketAddr,
    pub transports: Transports,
}

/// Larger than any datagram a browser sends (the MTU is about 1200–1500 bytes).
const RECEIVE_BUFFER: usize = 2048;
/// Most datagrams handed to participants before they are all driven again. Driving polls
/// every participant, and each turn of the loop goes through the runtime (a wake-up, an
/// epoll call): paid once per batch rather than once per datagram, that leaves more of the
/// loop's one core for forwarding when the socket fills faster than the loop reads it.
const RECEIVE_BATCH: usize = 64;

struct Output<'a> {
    socket: &'a UdpSocket,
    connections: &'a HashMap<SocketAddr, mpsc::Sender<Vec<u8>>>,
    events: &'a mpsc::UnboundedSender<SfuEvent>,
}

impl super::forward::Sink for Output<'_> {
    fn transmit(&mut self, proto: Protocol, destination: SocketAddr, contents: &[u8]) {
        if proto != Protocol::Udp {
            // ICE also probes the browser's own (active, unreachable) TCP candidates; only
            // connections the browser opened lead anywhere. A full queue drops the packet.
            if let Some(connection) = self.connections.get(&destination) {
                let _ = connection.try_send(contents.to_vec());
            }
            return;
        }
        // UDP may drop packets anyway: a full send buffer drops one rather than stall the
        // loop every other participant depends on.
        if let Err(error) = self.socket.try_send_to(contents, destination)
            && error.kind() != std::io::ErrorKind::WouldBlock
        {
            tracing::debug!(%destination, error.message = %error, "datagram not sent");
        }
    }

    fn event(&mut self, event: SfuEvent) {
        let _ = self.events.send(event);
    }
}

pub(super) async fn run(
    sockets: Sockets,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<SfuEvent>,
    shutdown: CancellationToken,
) {
    let Sockets {
        udp: socket,
        tcp: listener,
        address,
        transports,
    } = sockets;
    tracing::info!(%address, udp = transports.udp, tcp = transports.tcp, "media server listening");
    let (tcp_events, mut tcp_frames) = mpsc::unbounded_channel();
    if let Some(listener) = listener {
        tokio::spawn(tcp::accept(listener, tcp_events, shutdown.clone()));
    }
    let mut connections = HashMap::new();
    let mut participants = Participants::new(transports);
    let mut buffer = vec![0u8; RECEIVE_BUFFER];
    loop {
        let next = participants.drive(
            &mut Output {
                socket: &socket,
                connections: &connections,
                events: &events,
            },
            Instant::now(),
        );
        tokio::select! {
                    () = shutdown.cancelled() => break,
                    command = commands.recv() => match command {
                        Some(command) => handle(&mut participants, address, command),
                        None => break,
                    },
                    // Every datagram and frame is addressed to the advertised candidate, whatever
                    // local address the socket is bound to, so ICE matches it to the candidate.
                    received = socket.recv_from(&mut buffer) => match received {
                        Ok((length, source)) => {
        let now = Instant::now();
                            participants.receive(Protocol::Udp, source, address, &buffer[..length], now);
                            for _ in 1..RECEIVE_BATCH {
                                let Ok((length, source)) = socket.try_recv_from(&mut buffer) else {
                                    break;
                                };
                                participants.receive(Protocol::Udp, source, address, &buffer[..length], now);
                            }
                        }
                        Err(error) => tracing::debug!(error.message = %error, "receiving a datagram failed"),
                    },
                    Some(event) = tcp_frames.recv() => match event {
                        TcpEvent::Opened { remote, outgoing } => {
                            connections.insert(remote, outgoing);
                        }
                        TcpEvent::Frame { remote, contents } => {
                            participants.receive(Protocol::Tcp, remote, address, &contents, Instant::now());
                        }
                        TcpEvent::Closed { remote } => {
                            connections.remove(&remote);
                        }
                    },
                    () = tokio::time::sleep_until(next.into()) => {}
                }
        participants.tick(Instant::now());
    }
    tracing::info!(participants = participants.len(), "media server stopped");
}

fn handle(participants: &mut Participants, address: SocketAddr, command: Command) {
    match command {
        Command::Join {
            call,
            participant,
            offer,
            reply,
        } => {
            let _ =
                reply.send(participants.join(call, participant, address, offer, Instant::now()));
        }
        Command::Answer {
            participant,
            answer,
            reply,
        } => {
            let _ = reply.send(participants.answer(participant, answer, Instant::now()));
        }
        Command::Leave { participant } => {
            participants.leave(participant);
        }
        Command::Quality {
            subscriber,
            publisher,
            quality,
            reply,
        } => {
            let _ = reply.send(participants.set_quality(subscriber, publisher, quality));
        }
        Command::Record {
            call,
            participant,
            dir,
        } => participants.record(call, participant, &dir),
        Command::StopRecording { call, reply } => {
            let _ = reply.send(participants.stop_recording(call));
        }
    }
}
