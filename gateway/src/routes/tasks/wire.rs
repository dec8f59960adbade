//! Task bodies and query strings, and their conversion into domain values. Every value
//! arrives as text and is parsed here, so a bad one is a 422 naming its field (`status`,
//! `deadline`, `blocked_by`, `entity_id`).

use crm_core::domain::{
    Timestamp,
    crm::{
        EntityKind, EntityRef, NewTask, TaskCursor, TaskFilter, TaskId, TaskPatch, TaskPriority,
        TaskSort, TaskStatus, text::optional_text,
    },
};
use serde::Deserialize;

use crate::{
    error::{ApiError, Result},
    routes::contacts::wire::{DEFAULT_LIMIT, double_option, parse_opt, patch_text, user_id},
};

/// Longest description, in characters.
const DESCRIPTION_MAX: usize = 10_000;

fn instant(field: &'static str, raw: Option<&str>) -> Result<Option<Timestamp>> {
    raw.map(str::trim)
        .filter(|raw| !raw.is_empty())
        .map(|raw| {
            Timestamp::parse_rfc3339(raw).ok_or_else(|| {
                ApiError::invalid_field(field, "must be a date and time like 2026-12-01T09:00:00Z")
            })
        })
        .transpose()
}

fn task_ids(raw: Vec<String>) -> Result<Vec<TaskId>> {
    raw.iter()
        .map(|id| {
            id.parse()
                .map_err(|_| ApiError::invalid_field("blocked_by", format!("not a task id: {id}")))
        })
        .collect()
}

/// `entity_kind` and `entity_id` together, or neither.
fn entity(kind: Option<&str>, id: Option<&str>) -> Result<Option<EntityRef>> {
    match (kind, id) {
        (None, None) => Ok(None),
        (Some(kind), Some(id)) => Ok(Some(EntityRef {
            kind: EntityKind::parse(kind.trim())?,
            id: uuid::Uuid::parse_str(id.trim())
                .map_err(|_| ApiError::invalid_field("entity_id", "not a valid record id"))?,
        })),
        (Some(_), None) => Err(ApiError::invalid_field(
            "entity_id",
            "is required with entity_kind",
        )),
        (None, Some(_)) => Err(ApiError::invalid_field(
            "entity_kind",
            "is required with entity_id",
        )),
    }
}

#[derive(Deserialize)]
pub struct CreateTaskRequest {
    #[serde(default)]
    title: String,
    description: Option<String>,
    /// RFC 3339.
    deadline: Option<String>,
    /// Omitted: normal.
    priority: Option<String>,
    /// Omitted: new.
    status: Option<String>,
    /// Omitted: the caller.
    responsible_id: Option<String>,
    entity_kind: Option<String>,
    entity_id: Option<String>,
    #[serde(default)]
    blocked_by: Vec<String>,
    /// Minutes before the deadline.
    #[serde(default)]
    reminders: Vec<i64>,
}

impl TryFrom<CreateTaskRequest> for NewTask {
    type Error = ApiError;

    fn try_from(request: CreateTaskRequest) -> Result<Self> {
        Ok(NewTask {
            title: crm_core::domain::crm::task_title(&request.title)?,
            description: optional_text(
                "description",
                request.description.as_deref(),
                DESCRIPTION_MAX,
                true,
            )?,
            deadline: instant("deadline", request.deadline.as_deref())?,
            priority: request
                .priority
                .as_deref()
                .map_or(Ok(TaskPriority::Normal), TaskPriority::parse)?,
            status: request
                .status
                .as_deref()
                .map_or(Ok(TaskStatus::New), TaskStatus::parse)?,
            responsible_id: user_id("responsible_id", request.responsible_id.as_deref())?,
            entity: entity(request.entity_kind.as_deref(), request.entity_id.as_deref())?,
            blocked_by: task_ids(request.blocked_by)?,
            reminders: crm_core::domain::crm::reminder_offsets(request.reminders)?,
        })
    }
}

#[derive(Deserialize)]
pub struct UpdateTaskRequest {
    title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    description: Option<Option<String>>,
    /// `null` removes the deadline.
    #[serde(default, deserialize_with = "double_option")]
    deadline: Option<Option<String>>,
    priority: Option<String>,
    status: Option<String>,
    responsible_id: Option<String>,
    blocked_by: Option<Vec<String>>,
    reminders: Option<Vec<i64>>,
}

impl TryFrom<UpdateTaskRequest> for TaskPatch {
    type Error = ApiError;

    fn try_from(request: UpdateTaskRequest) -> Result<Self> {
        Ok(TaskPatch {
            title: request
                .title
                .map(|title| crm_core::domain::crm::task_title(&title))
                .transpose()?,
            description: patch_text("description", request.description, DESCRIPTION_MAX, true)?,
            deadline: request
                .deadline
                .map(|deadline| match deadline {
                    None => Ok(None),
                    Some(raw) => instant("deadline", Some(&raw))?
                        .map(Some)
                        .ok_or_else(|| ApiError::invalid_field("deadline", "must not be blank")),
                })
                .transpose()?,
            priority: request
                .priority
                .as_deref()
                .map(TaskPriority::parse)
                .transpose()?,
            status: request
                .status
                .as_deref()
                .map(TaskStatus::parse)
                .transpose()?,
            responsible_id: user_id("responsible_id", request.responsible_id.as_deref())?,
            blocked_by: request.blocked_by.map(task_ids).transpose()?,
            reminders: request
                .reminders
                .map(crm_core::domain::crm::reminder_offsets)
                .transpose()?,
        })
    }
}

#[derive(Deserialize)]
pub struct ListTasksQuery {
    /// One status or several, comma-separated.
    status: Option<String>,
    responsible_id: Option<String>,
    entity_kind: Option<String>,
    entity_id: Option<String>,
    /// `true`: only unfinished tasks past their deadline.
    overdue: Option<String>,
    deadline_from: Option<String>,
    deadline_to: Option<String>,
    sort: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    limit: Option<String>,
}

impl TryFrom<ListTasksQuery> for TaskFilter {
    type Error = ApiError;

    fn try_from(query: ListTasksQuery) -> Result<Self> {
        let statuses = query
            .status
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|status| !status.is_empty())
            .map(TaskStatus::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let overdue = match query.overdue.as_deref().map(str::trim) {
            None | Some("" | "false") => false,
            Some("true") => true,
            Some(_) => return Err(ApiError::invalid_field("overdue", "must be true or false")),
        };
        Ok(TaskFilter {
            statuses,
            responsible_id: user_id("responsible_id", query.responsible_id.as_deref())?,
            entity: entity(query.entity_kind.as_deref(), query.entity_id.as_deref())?,
            overdue,
            deadline_from: instant("deadline_from", query.deadline_from.as_deref())?,
            deadline_to: instant("deadline_to", query.deadline_to.as_deref())?,
            sort: query.sort.as_deref().map(TaskSort::parse).transpose()?,
            after: parse_opt::<TaskCursor>(
                "cursor",
                query.cursor.as_deref(),
                "is not a cursor this server returned",
            )?,
            limit: parse_opt::<i64>("limit", query.limit.as_deref(), "must be a whole number")?
                .unwrap_or(DEFAULT_LIMIT),
        })
    }
}
