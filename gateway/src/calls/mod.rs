//! Calls on this node: the SFU (`media::sfu`), the live participants (`hub`), and the edges
//! where a call changes for everyone: a participant joins or leaves, media is switched, the
//! last one leaves and the call ends with a summary message in the room. Room-wide call
//! events go on the room's bus topic; an SFU offer goes to its one connection.
//!
//! A call lives on the node whose SFU carries its media; with several nodes, every
//! participant of a call must reach the same node (the same public address).

mod consent;
pub mod hub;
pub mod recording;
pub mod signaling;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crm_core::domain::{CallId, RoomId};
use media::sfu::{ParticipantKey, SfuEvent};
use realtime::Topic;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{events, settings::CallSettings, state::AppState};

pub use hub::{CallHub, MediaChange, Snapshot, Who};

/// Where the SFU binds and what it advertises, from `calls.*`.
pub fn sfu_config(settings: &CallSettings) -> media::sfu::SfuConfig {
    let public_ip = settings
        .public_ip
        .parse()
        .ok()
        .unwrap_or_else(detect_public_ip);
    media::sfu::SfuConfig {
        bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), settings.udp_port),
        public_ip,
        udp: settings.udp,
        tcp: settings.tcp,
    }
}

/// The address of the interface that routes towards the internet: connecting a UDP socket
/// only consults the routing table, nothing is sent. Loopback when there is no route.
fn detect_public_ip() -> IpAddr {
    let routed = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|socket| {
            socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9))?;
            socket.local_addr()
        })
        .map(|address| address.ip());
    match routed {
        Ok(ip) if !ip.is_unspecified() => ip,
        _ => IpAddr::V4(Ipv4Addr::LOCALHOST),
    }
}

/// The `RTCIceServer` list browsers get from `calls.stun_servers` and `calls.turn_servers`.
pub fn ice_servers(settings: &CallSettings) -> Value {
    let mut servers: Vec<Value> = settings
        .stun_servers
        .iter()
        .map(|url| json!({"urls": url}))
        .collect();
    servers.extend(settings.turn_servers.iter().map(
        |turn| json!({"urls": turn.url, "username": turn.username, "credential": turn.credential}),
    ));
    Value::Array(servers)
}

/// Tells everyone who receives the room what the call looks like now.
pub async fn announce(state: &AppState, snapshot: &Snapshot) {
    let frame = json!({"type": "call.updated", "call": snapshot});
    publish(state, snapshot.room_id, &frame).await;
}

pub async fn publish(state: &AppState, room: RoomId, frame: &Value) {
    if let Ok(topic) = Topic::room(room) {
        events::publish_frame(state, &topic, frame).await;
    }
}

/// Takes a connection out of its call; the last one out ends the call.
pub async fn leave(state: &AppState, participant: ParticipantKey) {
    state.sfu.leave(participant);
    let Some(left) = state.call_hub.remove(participant) else {
        return;
    };
    if left.snapshot.participants.is_empty() {
        let snapshot = left.snapshot;
        finish(state, snapshot.id, snapshot.room_id, snapshot.recording).await;
    } else {
        recording::started_by_leaving(state, &left.snapshot, &left.started).await;
        announce(state, &left.snapshot).await;
    }
}

/// Ends a call for everyone still in it, and records it in the room.
pub async fn end(state: &AppState, call: CallId, room: RoomId) {
    let (participants, recorded) = state.call_hub.remove_call(call);
    for participant in participants {
        state.sfu.leave(participant);
    }
    finish(state, call, room, recorded).await;
}

/// Stores what was recorded, writes the summary, and tells the room the call is over.
async fn finish(state: &AppState, call: CallId, room: RoomId, recorded: hub::Recording) {
    let recordings = recording::collect(state, call, recorded).await;
    let message_id = match state.calls.end(call, recordings).await {
        Ok(Some(changed)) => {
            events::publish(state, &changed).await;
            changed.value.message_id
        }
        Ok(None) => None,
        Err(error) => {
            tracing::error!(call.id = %call, error.cause_chain = ?error, error.message = %error, "ending a call failed");
            None
        }
    };
    let frame =
        json!({"type": "call.ended", "call_id": call, "room_id": room, "message_id": message_id});
    publish(state, room, &frame).await;
}

/// Delivers what the SFU says: offers to their connection, failed connections out of their
/// call. Stops with `shutdown` or when the SFU stops.
pub async fn run_signals(
    state: AppState,
    mut events: mpsc::UnboundedReceiver<SfuEvent>,
    shutdown: CancellationToken,
) {
    loop {
        let event = tokio::select! {
            () = shutdown.cancelled() => break,
            event = events.recv() => match event {
                Some(event) => event,
                None => break,
            },
        };
        match event {
            SfuEvent::Offer { participant, sdp } => {
                if let Some((call, signals)) = state.call_hub.signals(participant) {
                    let _ = signals.send(json!({
                        "type": "call.offer",
                        "call_id": call,
                        "participant_id": participant,
                        "sdp": sdp,
                    }));
                }
            }
            SfuEvent::ActiveSpeaker { participant, .. } => {
                let Some((call, _)) = state.call_hub.signals(participant) else {
                    continue;
                };
                if let Some(snapshot) = state.call_hub.snapshot(call) {
                    let user = snapshot
                        .participants
                        .iter()
                        .find(|p| p.participant_id == participant)
                        .and_then(|p| p.user_id);
                    let frame = json!({"type": "call.speaker", "call_id": call, "participant_id": participant, "user_id": user});
                    publish(&state, snapshot.room_id, &frame).await;
                }
            }
            SfuEvent::Gone { participant } => {
                if let Some((call, signals)) = state.call_hub.signals(participant) {
                    let _ = signals.send(json!({
                        "type": "call.disconnected",
                        "call_id": call,
                        "participant_id": participant,
                    }));
                }
                leave(&state, participant).await;
            }
        }
    }
}
