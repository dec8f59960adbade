//! The run loop: one task owns the UDP socket and every participant, and waits for whichever
//! comes first of a datagram, a signaling command, the next timer or shutdown.

use std::{net::SocketAddr, time::Instant};

use tokio::{net::UdpSocket, sync::mpsc};
use tokio_util::sync::CancellationToken;

use super::{Command, SfuEvent, forward::Participants};

/// Larger than any datagram a browser sends (the MTU is about 1200–1500 bytes).
const RECEIVE_BUFFER: usize = 2048;
/// Most datagrams handed to participants before they are all driven again. Driving polls
/// every participant, and each turn of the loop goes through the runtime (a wake-up, an
/// epoll call): paid once per batch rather than once per datagram, that leaves more of the
/// loop's one core for forwarding when the socket fills faster than the loop reads it.
const RECEIVE_BATCH: usize = 64;

struct Output<'a> {
    socket: &'a UdpSocket,
    events: &'a mpsc::UnboundedSender<SfuEvent>,
}

impl super::forward::Sink for Output<'_> {
    fn transmit(&mut self, destination: SocketAddr, contents: &[u8]) {
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
    socket: UdpSocket,
    address: SocketAddr,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<SfuEvent>,
    shutdown: CancellationToken,
) {
    tracing::info!(%address, "media server listening");
    let mut participants = Participants::default();
    let mut buffer = vec![0u8; RECEIVE_BUFFER];
    loop {
        let next = participants.drive(
            &mut Output {
                socket: &socket,
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
            received = socket.recv_from(&mut buffer) => match received {
                // Every datagram is addressed to the advertised candidate, whatever local
                // address the socket is bound to, so ICE matches it to the candidate.
                Ok((length, source)) => {
                    let now = Instant::now();
                    participants.receive(source, address, &buffer[..length], now);
                    for _ in 1..RECEIVE_BATCH {
                        let Ok((length, source)) = socket.try_recv_from(&mut buffer) else {
                            break;
                        };
                        participants.receive(source, address, &buffer[..length], now);
                    }
                }
                Err(error) => tracing::debug!(error.message = %error, "receiving a datagram failed"),
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
