//! Open lines: clients' conversations from messenger channels, queued on a line and routed to
//! its operators. `admin` configures lines and channels, `inbound` stores what clients send
//! (deduplicated, in one transaction), `routing` assigns queued conversations. Replies go out
//! through the outbox when an operator writes in the conversation's room (`rooms::append`).

mod actions;
mod admin;
mod arrival;
mod batch;
mod canned;
mod channel_cache;
mod crm_link;
mod handover;
mod inbound;
mod inbox;
pub(crate) mod journal;
mod new_client;
mod polling;
mod routing;
mod timers;
mod transfer_options;

pub use actions::{ConversationChange, TransferTarget};
pub use admin::{LinePatch, NewLineRequest};
pub use batch::{BatchItem, InboundWriter, is_plain};
pub use inbound::Received;
pub use inbox::InboxEntry;
pub use polling::is_polled;
pub use routing::Assignment;
pub use timers::TimerPass;
pub use transfer_options::TransferOptions;

use crate::{
    Error, Result, Store,
    domain::{Role, User},
    service::Contacts,
};

#[derive(Clone)]
pub struct OpenLines {
    store: Store,
    contacts: Contacts,
    channels: std::sync::Arc<channel_cache::ChannelCache>,
}

impl OpenLines {
    pub fn new(store: Store) -> Self {
        Self {
            contacts: Contacts::new(store.clone()),
            channels: Default::default(),
            store,
        }
    }
}

fn require_admin(actor: &User) -> Result<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "this action requires the admin role".into(),
        ))
    }
}
