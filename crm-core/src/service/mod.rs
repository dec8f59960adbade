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
mod widget;

pub use accounts::{Accounts, ClientInfo, DepartmentPatch, LoginOutcome, UserPatch};
pub use attachments::Attachments;
pub use calls::{Calls, GUEST_TOKEN_PREFIX, GuestLinkCreated, GuestSession};
pub use crm::{
    Analytics, Companies, Contacts, Conversion, CustomFields, Deals, Leads, Pipelines, Tasks,
    Timeline,
};
pub use crm::{Chunk, CsvExchange, Entity, Export, ExportFilter, ImportReport, RowError};
pub use open_lines::{
    Assignment, BatchItem, ConversationChange, InboundWriter, InboxEntry, LinePatch,
    NewLineRequest, OpenLines, Received, TimerPass, TransferOptions, TransferTarget, is_plain,
    is_polled,
};
pub use outbox::{DeliveryUpdate, MAX_ATTEMPTS, Outbox};
pub use rooms::{Changed, Rooms};
pub use search::{Search, SearchHit, SnippetPart};
pub use tokens::SessionToken;
pub use widget::{HISTORY_LIMIT, VisitorSession, Widget};
