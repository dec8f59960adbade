//! What every handler can reach: the services, the bus, metrics, the login throttle and the
//! shutdown signal. Cheap to clone: one shared allocation, so that each request (axum clones
//! the state per request) and each open websocket (which keeps a copy for its whole life)
//! costs one reference count and one pointer, not a copy of every service handle.

use std::{ops::Deref, sync::Arc};

use crm_core::{
    Store,
    service::{Accounts, Attachments, Calls, OpenLines, Outbox, Rooms, Widget},
};
use media::BlobStore;
use realtime::{Bus, Presence};
use tokio_util::sync::CancellationToken;

use crate::{
    calls::CallHub, http::metrics::Metrics, inbound_batch::InboundBatcher, settings::Settings,
    throttle::LoginThrottle,
};

#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

pub struct Services {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub accounts: Accounts,
    pub rooms: Rooms,
    pub open_lines: OpenLines,
    /// Stores clients' plain messages in shared transactions (group commit).
    pub inbound_batch: InboundBatcher,
    pub outbox: Outbox,
    /// Website-widget visitors and what they may read.
    pub widget: Widget,
    /// Woken when this node queues a reply, so the delivery worker sends it at once.
    pub outbox_wakeup: Arc<tokio::sync::Notify>,
    pub attachments: Attachments,
    /// Where attachment bytes live (a local folder, `media.dir`).
    pub blobs: Arc<dyn BlobStore>,
    pub calls: Calls,
    /// The calls running on this node and their connections.
    pub call_hub: Arc<CallHub>,
    /// The media server for this node's calls.
    pub sfu: media::sfu::Sfu,
    pub bus: Arc<dyn Bus>,
    pub presence: Arc<dyn Presence>,
    pub metrics: Arc<Metrics>,
    pub throttle: Arc<LoginThrottle>,
    /// Routing passes of a line take turns on this node.
    pub routing_turns: crate::routing_turns::RoutingTurns,
    /// Cancelled when the server begins shutting down; long-lived handlers watch it.
    pub shutdown: CancellationToken,
}
