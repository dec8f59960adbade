//! The CRM around the stream: contacts, companies, their phones, e-mails and channel
//! identities, the timeline, list filters, and the normalizations that duplicate search and
//! the open-lines lookup compare by. Pure values and rules; storage is `store::crm`, the use
//! cases (with visibility by role) `service::crm`.

mod company;
mod contact;
mod ids;
mod list;
pub mod names;
mod reach;
mod task;
pub mod text;
mod timeline;

pub use company::{Company, CompanyPatch, NewCompany, company_key, company_words};
pub use contact::{
    Contact, ContactField, ContactPatch, Identity, MERGE_MAX_SOURCES, MergeContacts, NewContact,
    NewIdentity, person_key, person_words,
};
pub use ids::{CompanyId, ContactId, IdentityId, ReminderId, TaskId, TimelineEntryId};
pub use list::{
    CompanyFilter, CompanyMatch, ContactFilter, ContactMatch, Likeness, MatchReason, PAGE_MAX,
    Page, search_text,
};
pub use reach::{
    Email, EmailAddress, EmailKind, MAX_PER_RECORD, Phone, PhoneKind, PhoneNumber, dedup_emails,
    dedup_phones,
};
pub use task::{
    NO_DEADLINE_KEY, NewTask, NoticeKind, REMINDERS_MAX, ReminderSlot, TITLE_MAX, Task, TaskCursor,
    TaskFilter, TaskNotice, TaskPatch, TaskPriority, TaskSort, TaskStatus, reminder_offsets,
    schedule, task_title,
};
pub use timeline::{
    EntityKind, EntityRef, NewTimelineEntry, TimelineCursor, TimelineEntry, TimelineKind,
    TimelinePage, comment_text, summarize,
};
