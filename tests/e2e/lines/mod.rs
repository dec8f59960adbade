//! Open lines end to end: a client on a messenger, an operator in the browser protocol.

mod inbox;
mod telegram;
