//! Pure domain types and rules: identifiers, accounts, rooms and messages. No I/O here;
//! connectors, realtime and media may depend on this module and nothing else of `crm-core`.

mod attachment;
mod call;
mod channel;
pub mod crm;
mod event;
mod ids;
mod line;
mod message;
mod room;
mod timestamp;
mod user;

pub use attachment::{
    Attachment, AttachmentId, AttachmentRef, ContentHash, ContentType, FileName, NewAttachment,
};
pub use call::{Call, CallSummary};
pub use channel::{
    ChannelKind, ChatKind, DeliveryError, ExternalSender, InboundAttachment, InboundAttachmentKind,
    InboundMessage, OutboundMessage,
};
pub use event::ChatEvent;
pub use ids::{
    AuditId, CallId, ChannelId, DepartmentId, LineId, MessageId, RoomId, SessionId, UserId,
};
pub use line::{Channel, Conversation, ConversationStatus, Distribution, Line};
pub use message::{Message, MessageBody, NewMessage, ReactionGroup, parse_emoji};
pub use room::{Department, NewRoom, Room, RoomKind, RoomName, RoomSummary};
pub use timestamp::{Timestamp, now};
pub use user::{DisplayName, Login, NewUser, Password, Role, User};
