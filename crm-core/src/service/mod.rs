//! Use cases. Each public method checks who may do it, opens one transaction, calls the
//! store, writes the audit entry in the same transaction and commits.

mod accounts;
mod attachments;
mod password;
mod rooms;
mod search;
mod tokens;

pub use accounts::{Accounts, ClientInfo, LoginOutcome};
pub use attachments::Attachments;
pub use rooms::{Changed, Rooms};
pub use search::{Search, SearchHit, SnippetPart};
pub use tokens::SessionToken;
