//! The CRM around the stream: contacts, companies, leads, deals and their pipelines, their phones, e-mails and channel
//! identities, the timeline, list filters, and the normalizations that duplicate search and
//! the open-lines lookup compare by. Pure values and rules; storage is `store::crm`, the use
//! cases (with visibility by role) `service::crm`.

pub mod analytics;
mod company;
mod contact;
pub mod custom_fields;
mod deal;
mod groups;
mod ids;
mod lead;
mod list;
mod money;
pub mod names;
mod pipeline;
mod reach;
mod task;
pub mod text;
mod timeline;

pub use company::{Company, CompanyPatch, NewCompany, company_key, company_words};
pub use contact::{
    Contact, ContactField, ContactPatch, Identity, MERGE_MAX_SOURCES, MergeContacts, NewContact,
    NewIdentity, person_key, person_words,
};
pub use deal::{
    BULK_MAX, BulkDealUpdate, CalendarDate, Deal, DealFilter, DealPatch, DealSort, DealSortKey,
    NO_CLOSE_DATE, NewDeal, StageChange, TITLE_MAX, month_text,
};
pub use groups::{DuplicateGroup, GROUP_RECORDS_MAX, GroupCursor};
pub use ids::{
    CompanyId, ContactId, CustomFieldId, DealId, IdentityId, LeadId, PipelineId, ReminderId,
    StageChangeId, StageId, TaskId, TimelineEntryId,
};
pub use lead::{ConvertLead, Lead, LeadFilter, LeadPatch, LeadStatus, NewLead, check_status};
pub use list::{
    CompanyFilter, CompanyMatch, ContactFilter, ContactMatch, CustomMatch, Likeness, MatchReason,
    PAGE_MAX, Page, SortCursor, search_text,
};
pub use money::{Currency, Money, decimal_text, weighted_text};
pub use pipeline::{
    NewPipeline, NewStage, Pipeline, PipelinePatch, Probability, STAGE_NAME_MAX, STAGES_MAX, Stage,
    StageMeaning, StagePatch, check_order,
};
pub use reach::{
    Email, EmailAddress, EmailKind, MAX_PER_RECORD, Phone, PhoneKind, PhoneNumber, dedup_emails,
    dedup_phones,
};
pub use task::{
    NO_DEADLINE_KEY, NewTask, NoticeKind, REMINDERS_MAX, ReminderSlot, Task, TaskCursor,
    TaskFilter, TaskNotice, TaskPatch, TaskPriority, TaskSort, TaskStatus, reminder_offsets,
    schedule, task_title,
};
pub use timeline::{
    EntityKind, EntityRef, NewTimelineEntry, TimelineCursor, TimelineEntry, TimelineKind,
    TimelinePage, comment_text, summarize,
};
