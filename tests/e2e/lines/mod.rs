//! Open lines end to end: a client on a messenger, an operator in the browser protocol.

mod files;
mod polling;
mod actions;
mod distribution;
mod fixture;
mod policies;
mod telegram;
mod widget;
