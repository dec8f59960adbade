//! The SFU's bookkeeping without sockets: participants join with real SDP offers from str0m
//! peers, and what the SFU asks the signaling side to deliver is checked.

use std::{net::SocketAddr, time::Instant};

use str0m::{
    Rtc,
    change::{SdpOffer, SdpPendingOffer},
    media::{Direction, MediaKind},
};
use uuid::Uuid;

use super::{
    SfuEvent, Transports,
    forward::{Participants, Sink},
};

#[derive(Default)]
struct Recorded {
    events: Vec<SfuEvent>,
}

impl Sink for Recorded {
    fn transmit(&mut self, _: str0m::net::Protocol, _: SocketAddr, _: &[u8]) {}
    fn event(&mut self, event: SfuEvent) {
        self.events.push(event);
    }
}

fn address() -> SocketAddr {
    "127.0.0.1:40000".parse().unwrap()
}

/// A browser-like peer publishing audio and video.
fn publisher() -> (Rtc, SdpOffer, SdpPendingOffer) {
    let mut rtc = Rtc::builder().build(Instant::now());
    let mut change = rtc.sdp_api();
    change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
    change.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
    let (offer, pending) = change.apply().unwrap();
    (rtc, offer, pending)
}

/// A publisher joins a new call; returns the SFU's SDP answer.
fn join_a_publisher(participants: &mut Participants) -> String {
    let (_rtc, offer, _) = publisher();
    participants
        .join(
            Uuid::now_v7(),
            Uuid::now_v7(),
            address(),
            offer,
            Instant::now(),
        )
        .unwrap()
        .to_sdp_string()
}

fn candidates(sdp: &str) -> Vec<&str> {
    sdp.lines()
        .filter(|l| l.starts_with("a=candidate"))
        .collect()
}

#[test]
fn the_answer_offers_the_shared_socket_as_the_only_candidate() {
    // Arrange
    let mut participants = Participants::default();
    // Act
    let answer = join_a_publisher(&mut participants);
    // Assert: one host candidate, the advertised address; both tracks received.
    let candidates = candidates(&answer);
    assert_eq!(candidates.len(), 1, "{answer}");
    assert!(
        candidates[0].contains("127.0.0.1 40000 typ host"),
        "{}",
        candidates[0]
    );
    assert_eq!(answer.matches("a=recvonly").count(), 2, "{answer}");
    assert_eq!(participants.len(), 1);
}

#[test]
fn with_ice_tcp_the_answer_adds_a_passive_tcp_candidate_at_the_same_address() {
    // Arrange
    let mut participants = Participants::new(Transports {
        udp: true,
        tcp: true,
    });
    // Act
    let answer = join_a_publisher(&mut participants);
    // Assert
    let candidates = candidates(&answer);
    assert_eq!(candidates.len(), 2, "{answer}");
    let tcp = candidates
        .iter()
        .find(|c| c.contains(" tcp ") || c.contains(" TCP "))
        .unwrap_or_else(|| panic!("no TCP candidate: {candidates:?}"));
    assert!(tcp.contains("127.0.0.1 40000 typ host"), "{tcp}");
    assert!(tcp.contains("tcptype passive"), "{tcp}");
}

#[test]
fn joining_again_replaces_the_connection_and_leaving_removes_it() {
    let mut participants = Participants::default();
    let (call, key) = (Uuid::now_v7(), Uuid::now_v7());
    for _ in 0..2 {
        let (_rtc, offer, _) = publisher();
        participants
            .join(call, key, address(), offer, Instant::now())
            .unwrap();
    }
    assert_eq!(participants.len(), 1);
    assert!(participants.leave(key));
    assert!(!participants.leave(key));
    let mut sink = Recorded::default();
    participants.drive(&mut sink, Instant::now());
    assert!(sink.events.is_empty());
}

#[test]
fn an_answer_without_an_offer_is_refused() {
    let mut participants = Participants::default();
    let (_rtc, offer, _) = publisher();
    let anna = Uuid::now_v7();
    participants
        .join(Uuid::now_v7(), anna, address(), offer, Instant::now())
        .unwrap();
    let (mut other, offer, _) = publisher();
    drop(offer);
    let (_, stray, _) = publisher();
    let stray_answer = other.sdp_api().accept_offer(stray).unwrap();
    assert!(matches!(
        participants.answer(anna, stray_answer, Instant::now()),
        Err(super::SfuError::NoPendingOffer)
    ));
}
