//! Open lines: clients' conversations from messenger channels, queued on a line and routed to
//! its operators. `admin` configures lines and channels, `inbound` stores what clients send
//! (deduplicated, in one transaction), `routing` assigns queued conversations. Replies go out
//! through the outbox when an operator writes in the conversation's room (`rooms::append`).

mod admin;
mod inbound;
mod inbox;
mod routing;

pub use admin::NewLineRequest;
pub use inbound::Received;
pub use inbox::InboxEntry;
pub use routing::Assignment;

use crate::{
    Error, Result, Store,
    domain::{Role, User},
};

#[derive(Clone)]
pub struct OpenLines {
    store: Store,
}

impl OpenLines {
    pub fn new(store: Store) -> Self {
        Self { store }
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
