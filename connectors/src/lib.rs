//! Channel connectors: one module per provider that verifies and parses inbound payloads into
//! normalized `InboundMessage`s and sends outbound ones, mapping provider errors to
//! `DeliveryError`. Connectors never touch the database; the gateway wires them to storage
//! and the bus. Provider facts: shared/PROTOCOLS.md.
#![forbid(unsafe_code)]

mod http;
pub mod telegram;
pub mod widget;

pub use http::{client, secrets_match};
