//! Use cases. Each public method checks who may do it, opens one transaction, calls the
//! store, writes the audit entry in the same transaction and commits.

mod accounts;
mod password;
mod rooms;
mod tokens;

pub use accounts::{Accounts, ClientInfo, LoginOutcome};
pub use rooms::{Changed, Rooms};
pub use tokens::SessionToken;
