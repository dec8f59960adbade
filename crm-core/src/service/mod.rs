//! Use cases. Each public method checks who may do it, opens one transaction, calls the
//! store, writes the audit entry in the same transaction and commits.

mod accounts;
mod attachments;
mod calls;
mod crm;
mod open_lines;
mod outbox;
mod password;
pub(crate) mod rooms;
mod search;
mod tokens;

pub use accounts::{Accounts, ClientInfo, LoginOutcome};
pub use attachments::Attachments;
pub use calls::Calls;
pub use crm::{Companies, Contacts, Timeline};
pub use open_lines::{Assignment, NewLineRequest, OpenLines, Received};
pub use outbox::{DeliveryUpdate, MAX_ATTEMPTS, Outbox};
pub use rooms::{Changed, Rooms};
pub use search::{Search, SearchHit, SnippetPart};
pub use tokens::SessionToken;
