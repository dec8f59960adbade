//! The selective forwarding unit for calls: every participant's browser sends its audio and
//! video once, and the SFU forwards the RTP media, untouched (no transcoding), to the other
//! participants of the same call.
//!
//! One UDP socket carries every peer of every call, so a firewall needs one rule (and, for
//! browsers whose network blocks UDP, the same port number on TCP: `tcp`). Each
//! participant has its own sans-IO `str0m::Rtc`; the single run loop (`run`) reads datagrams,
//! finds the participant they belong to (by remote address, else by asking each `Rtc`, which
//! recognises its ICE ufrag), drives time, and forwards media between participants of one call
//! (`forward`). It owns no signaling transport: the gateway calls `join`/`answer`/`leave` with
//! SDP text and delivers `SfuEvent::Offer` (renegotiation when others publish) to the right
//! client. It knows nothing about rooms, users or who may join a call.

mod forward;
pub(crate) mod layers;
mod participant;
mod run;
mod speaker;
mod tcp;
#[cfg(test)]
mod tests;

use std::{
    io,
    net::{IpAddr, SocketAddr},
};

use str0m::change::{SdpAnswer, SdpOffer};

pub use layers::Quality;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// One call: the set of participants whose media is forwarded to each other.
pub type CallKey = Uuid;
/// One peer connection (one browser tab in a call).
pub type ParticipantKey = Uuid;

/// Where the SFU listens and what address it tells browsers to send to.
#[derive(Clone, Debug)]
pub struct SfuConfig {
    /// The local address of the UDP socket; port 0 picks a free one.
    pub bind: SocketAddr,
    /// The address browsers reach the socket at (the host candidate). Behind a 1:1 NAT it is
    /// the public address; the port is always the bound one.
    pub public_ip: IpAddr,
    /// Offer the UDP candidate (the socket is bound either way).
    pub udp: bool,
    /// Also listen on TCP at the UDP socket's port number and offer a passive ICE-TCP
    /// candidate there.
    pub tcp: bool,
}

/// Which candidates a participant is offered.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Transports {
    pub udp: bool,
    pub tcp: bool,
}

impl Default for Transports {
    fn default() -> Self {
        Self {
            udp: true,
            tcp: false,
        }
    }
}

/// What the SFU tells the signaling side.
#[derive(Debug)]
pub enum SfuEvent {
    /// The participant must apply this offer and reply with `Sfu::answer`: media from others
    /// was added or removed.
    Offer {
        participant: ParticipantKey,
        sdp: String,
    },
    /// The participant's connection failed or timed out; it was removed from its call.
    Gone { participant: ParticipantKey },
    /// The call's active speaker changed: the loudest participant, by the audio level in
    /// their RTP headers.
    ActiveSpeaker {
        call: CallKey,
        participant: ParticipantKey,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum SfuError {
    /// The text is not an SDP offer or answer the SFU can use.
    #[error("invalid SDP: {0}")]
    InvalidSdp(String),
    /// No participant with this key is connected.
    #[error("no such participant")]
    UnknownParticipant,
    /// An answer arrived while no offer was outstanding.
    #[error("no offer is waiting for an answer")]
    NoPendingOffer,
    /// The run loop has stopped (the server is shutting down).
    #[error("the media server is not running")]
    Stopped,
}

pub(crate) enum Command {
    Join {
        call: CallKey,
        participant: ParticipantKey,
        offer: SdpOffer,
        reply: oneshot::Sender<Result<SdpAnswer, SfuError>>,
    },
    Answer {
        participant: ParticipantKey,
        answer: SdpAnswer,
        reply: oneshot::Sender<Result<(), SfuError>>,
    },
    Leave {
        participant: ParticipantKey,
    },
    Quality {
        subscriber: ParticipantKey,
        publisher: ParticipantKey,
        quality: Quality,
        reply: oneshot::Sender<Result<(), SfuError>>,
    },
    /// Starts writing a participant's media into `dir` (`recording`).
    Record {
        call: CallKey,
        participant: ParticipantKey,
        dir: std::path::PathBuf,
    },
    /// Stops every recording of a call (including those of participants who left).
    StopRecording {
        call: CallKey,
        reply: oneshot::Sender<Vec<crate::recording::RecordedFile>>,
    },
}

/// Socket buffers for bursts: one video frame is several datagrams, sent to every
/// subscriber at once, and the kernel drops what does not fit while the loop is busy.
const SOCKET_BUFFER: usize = 4 * 1024 * 1024;

/// Binds the media socket with large buffers (the kernel may cap them at `rmem_max`).
fn bind(address: SocketAddr) -> io::Result<tokio::net::UdpSocket> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(address),
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )?;
    // Best effort: a smaller buffer still works, it only drops sooner.
    let _ = socket.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = socket.set_send_buffer_size(SOCKET_BUFFER);
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    tokio::net::UdpSocket::from_std(socket.into())
}

/// Free ports tried when port 0 asks for any: the TCP port of the UDP port's number may be
/// taken (another server's, or an outgoing connection's ephemeral port).
const ANY_PORT_TRIES: usize = 16;

/// The UDP socket and, with `tcp`, a TCP listener on the same port number.
async fn bind_both(
    address: SocketAddr,
    tcp: bool,
) -> io::Result<(tokio::net::UdpSocket, Option<tokio::net::TcpListener>)> {
    let tries = if address.port() == 0 {
        ANY_PORT_TRIES
    } else {
        1
    };
    let mut last_error = None;
    for _ in 0..tries {
        let socket = bind(address)?;
        if !tcp {
            return Ok((socket, None));
        }
        let same_port = SocketAddr::new(address.ip(), socket.local_addr()?.port());
        match tokio::net::TcpListener::bind(same_port).await {
            Ok(listener) => return Ok((socket, Some(listener))),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("no port for the media sockets")))
}

/// A handle on the running SFU; cheap to clone.
#[derive(Clone, Debug)]
pub struct Sfu {
    commands: mpsc::UnboundedSender<Command>,
    address: SocketAddr,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Join { participant, .. } => write!(f, "Join({participant})"),
            Command::Answer { participant, .. } => write!(f, "Answer({participant})"),
            Command::Leave { participant } => write!(f, "Leave({participant})"),
            Command::Quality {
                subscriber,
                publisher,
                quality,
                ..
            } => write!(f, "Quality({subscriber} sees {publisher} {quality:?})"),
            Command::Record { participant, .. } => write!(f, "Record({participant})"),
            Command::StopRecording { call, .. } => write!(f, "StopRecording({call})"),
        }
    }
}

impl Sfu {
    /// Binds the UDP socket and starts the run loop, which stops when `shutdown` is cancelled.
    /// Returns the handle, the events for the signaling side, and the loop's task.
    pub async fn start(
        config: SfuConfig,
        shutdown: CancellationToken,
    ) -> io::Result<(
        Self,
        mpsc::UnboundedReceiver<SfuEvent>,
        tokio::task::JoinHandle<()>,
    )> {
        // The process-wide DTLS/SRTP crypto is aws-lc-rs (str0m's default backend); installing
        // it twice (tests start several servers in one process) is harmless.
        str0m::crypto::from_feature_flags().install_process_default();
        let (socket, listener) = bind_both(config.bind, config.tcp).await?;
        let port = socket.local_addr()?.port();
        let address = SocketAddr::new(config.public_ip, port);
        let transports = Transports {
            udp: config.udp,
            tcp: listener.is_some(),
        };
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (event_tx, events) = mpsc::unbounded_channel();
        let task = tokio::spawn(run::run(
            run::Sockets {
                udp: socket,
                tcp: listener,
                address,
                transports,
            },
            command_rx,
            event_tx,
            shutdown,
        ));
        Ok((Self { commands, address }, events, task))
    }

    /// The address of the host candidate offered to browsers.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Adds a participant to a call from its SDP offer; returns the SDP answer. Media the
    /// call's other participants publish follows in `SfuEvent::Offer`.
    pub async fn join(
        &self,
        call: CallKey,
        participant: ParticipantKey,
        offer_sdp: &str,
    ) -> Result<String, SfuError> {
        let offer = SdpOffer::from_sdp_string(offer_sdp)
            .map_err(|error| SfuError::InvalidSdp(error.to_string()))?;
        let (reply, answer) = oneshot::channel();
        self.send(Command::Join {
            call,
            participant,
            offer,
            reply,
        })?;
        let answer = answer.await.map_err(|_| SfuError::Stopped)??;
        Ok(answer.to_sdp_string())
    }

    /// Applies the participant's answer to the SFU's latest offer.
    pub async fn answer(
        &self,
        participant: ParticipantKey,
        answer_sdp: &str,
    ) -> Result<(), SfuError> {
        let answer = SdpAnswer::from_sdp_string(answer_sdp)
            .map_err(|error| SfuError::InvalidSdp(error.to_string()))?;
        let (reply, done) = oneshot::channel();
        self.send(Command::Answer {
            participant,
            answer,
            reply,
        })?;
        done.await.map_err(|_| SfuError::Stopped)?
    }

    /// Removes a participant; the others stop receiving its media (after renegotiation).
    pub fn leave(&self, participant: ParticipantKey) {
        let _ = self.send(Command::Leave { participant });
    }

    /// How `subscriber` shows `publisher`'s video: the simulcast layer it is sent follows
    /// (the smallest for `Low`, none for `Off`); a publisher without simulcast is sent as is,
    /// or not at all for `Off`. Remembered for tracks the publisher adds later.
    pub async fn set_quality(
        &self,
        subscriber: ParticipantKey,
        publisher: ParticipantKey,
        quality: Quality,
    ) -> Result<(), SfuError> {
        let (reply, done) = oneshot::channel();
        self.send(Command::Quality {
            subscriber,
            publisher,
            quality,
            reply,
        })?;
        done.await.map_err(|_| SfuError::Stopped)?
    }

    /// Writes a participant's audio (Ogg/Opus) and video (IVF/VP8) into `dir` from now on,
    /// until `stop_recording` for its call. Nothing is written for a participant not asked.
    pub fn record(
        &self,
        call: CallKey,
        participant: ParticipantKey,
        dir: std::path::PathBuf,
    ) -> Result<(), SfuError> {
        self.send(Command::Record {
            call,
            participant,
            dir,
        })
    }

    /// Finishes every recording of a call and returns the files that hold media.
    pub async fn stop_recording(
        &self,
        call: CallKey,
    ) -> Result<Vec<crate::recording::RecordedFile>, SfuError> {
        let (reply, files) = oneshot::channel();
        self.send(Command::StopRecording { call, reply })?;
        files.await.map_err(|_| SfuError::Stopped)
    }

    fn send(&self, command: Command) -> Result<(), SfuError> {
        self.commands.send(command).map_err(|_| SfuError::Stopped)
    }
}
