//! Open lines end to end: a client on a messenger, an operator in the browser protocol.

mod actions;
mod crm;
mod distribution;
mod files;
pub(crate) mod fixture;
mod inbox;
mod policies;
mod polling;
mod replies;
mod restart;
mod telegram;
mod webhooks;
mod widget;
