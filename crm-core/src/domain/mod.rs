//! Pure domain types and rules: identifiers, accounts, rooms and messages. No I/O here;
//! connectors, realtime and media may depend on this module and nothing else of `crm-core`.

mod attachment;
mod call;
mod channel;
pub mod crm;
mod event;
mod ids;
mod line;
mod line_policy;
mod message;
mod room;
mod timestamp;
mod user;
mod widget;

pub use attachment::{
    Attachment, AttachmentId, AttachmentRef, ContentHash, ContentType, FileName, NewAttachment,
};
pub use call::{
    Call, CallGuest, CallOutcome, CallPerson, CallRecording, CallSummary, GuestLink, NewRecording,
};
pub use channel::{
    ChannelKind, ChatKind, DeliveryError, ExternalSender, InboundAttachment, InboundAttachmentKind,
    InboundMessage, OutboundFile, OutboundMessage,
};
pub use event::ChatEvent;
pub use ids::{
    AuditId, CallGuestId, CallId, CannedResponseId, ChannelId, DepartmentId, GuestLinkId, LineId,
    MessageId, RoomId, SessionId, UserId, VisitorId,
};
pub use line::{
    CannedResponse, Channel, Conversation, ConversationStatus, Distribution, Line, NewClientCreates,
};
pub use line_policy::{RatingMode, WorkingHours};
pub use message::{
    Message, MessageBody, MessageKind, MessageLinks, NewMessage, ReactionGroup, parse_emoji,
};
pub use room::{Department, NewRoom, Room, RoomKind, RoomName, RoomSummary};
pub use timestamp::{Timestamp, now};
pub use user::{DisplayName, Login, NewUser, Password, Role, User};
pub use widget::{
    FieldRule, PrechatForm, RawDetails, Visitor, VisitorDetails, WidgetConfig, parse_origin,
};
