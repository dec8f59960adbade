//! Tasks: create, read, change, delete and list, with dependencies, reminders and their
//! events on the linked record's timeline. Visibility: a task is seen by its responsible
//! user and its creator, by supervisors of the responsible user's department subtree, and
//! by admins; viewers read only. The notices the reminder worker sends are in
//! `task_notices.rs`.

use super::{page_size, require_writer, responsible_department, scope_of, task_events};
use crate::{
    Error, Result, Store,
    domain::{
        Timestamp, User,
        crm::{
            NewTask, Page, Task, TaskCursor, TaskFilter, TaskId, TaskPatch, TaskSort, TaskStatus,
            reminder_offsets, schedule, task_title,
        },
        now,
    },
    store::{
        Conn,
        crm::{
            self as crm_store, Scope, reminders as reminder_store, tasks as task_store,
            timeline as timeline_store,
        },
    },
};

#[derive(Clone)]
pub struct Tasks {
    pub(super) store: Store,
}

impl Tasks {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Creates a task; the responsible user defaults to the caller, who is its creator.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn create(&self, actor: &User, new: NewTask) -> Result<Task> {
        require_writer(actor)?;
        let title = task_title(&new.title)?;
        let reminders = reminder_offsets(new.reminders)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        let responsible_id = new.responsible_id.unwrap_or(actor.id);
        let department_id = responsible_department(&mut tx, responsible_id).await?;
        if let Some(entity) = new.entity
            && !timeline_store::visible(&mut tx, &scope, entity).await?
        {
            return Err(Error::validation(
                "entity_id",
                format!(
                    "no such {} among the records you can see",
                    entity.kind.as_str()
                ),
            ));
        }
        let now = now();
        let task = Task {
            id: TaskId::new(),
            title,
            description: new.description,
            deadline: new.deadline,
            priority: new.priority,
            status: new.status,
            responsible_id,
            department_id,
            creator_id: Some(actor.id),
            entity: new.entity,
            blocked_by: visible_blockers(&mut tx, &scope, new.blocked_by).await?,
            reminders,
            completed_at: (new.status == TaskStatus::Done).then_some(now),
            created_at: now,
            updated_at: now,
        };
        task_store::insert(&mut tx, &task).await?;
        if task.status.needs_blockers_done() {
            refuse_if_blocked(&mut tx, task.id).await?;
        }
        reschedule(&mut tx, &task, true, now).await?;
        task_events::created(&mut tx, actor.id, &task).await?;
        tx.commit().await?;
        Ok(task)
    }

    #[tracing::instrument(skip_all, fields(task.id = %id), err(level = "warn"))]
    pub async fn get(&self, actor: &User, id: TaskId) -> Result<Task> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        task_store::get(&mut conn, &scope, id)
            .await?
            .ok_or(Error::not_found("task"))
    }

    /// Tasks the caller may see that match `filter`, in its order; `total` on the first
    /// page only. With `filter.entity`, the record itself must be visible (else not found).
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn list(&self, actor: &User, filter: TaskFilter) -> Result<Page<Task>> {
        let limit = page_size(filter.limit);
        let sort = filter.sort.unwrap_or(TaskSort::Created);
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        if let Some(entity) = filter.entity
            && !timeline_store::visible(&mut conn, &scope, entity).await?
        {
            return Err(Error::not_found(entity.kind.as_str()));
        }
        let now = now();
        let total = match filter.after {
            None => Some(task_store::count(&mut conn, &scope, &filter, now).await?),
            Some(_) => None,
        };
        let probe = TaskFilter {
            limit: limit + 1,
            ..filter
        };
        let mut items = task_store::list(&mut conn, &scope, &probe, now).await?;
        let next_cursor = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|task| {
                TaskCursor {
                    key: task_store::sort_key(task, sort),
                    id: task.id,
                }
                .to_string()
            })
        } else {
            None
        };
        Ok(Page {
            items,
            next_cursor,
            total,
            total_capped: false,
        })
    }

    /// Changes a task. Moving it to `in_progress` or `done` while a blocker is not done is a
    /// conflict naming the blocker; a dependency that would close a cycle is refused. Status,
    /// deadline and responsible changes go on the linked record's timeline, and a new
    /// deadline or reminder list reschedules the notices, all in one transaction.
    #[tracing::instrument(skip_all, fields(task.id = %id), err(level = "warn"))]
    pub async fn update(&self, actor: &User, id: TaskId, patch: TaskPatch) -> Result<Task> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        crm_store::lock(&mut tx, self.store.backend(), "tasks", &[id.to_string()]).await?;
        let before = task_store::get(&mut tx, &scope, id)
            .await?
            .ok_or(Error::not_found("task"))?;
        let mut after = before.clone();
        if let Some(title) = patch.title {
            after.title = task_title(&title)?;
        }
        if let Some(description) = patch.description {
            after.description = description;
        }
        if let Some(deadline) = patch.deadline {
            after.deadline = deadline;
        }
        if let Some(priority) = patch.priority {
            after.priority = priority;
        }
        if let Some(status) = patch.status {
            after.status = status;
        }
        if let Some(reminders) = patch.reminders {
            after.reminders = reminder_offsets(reminders)?;
        }
        if let Some(responsible) = patch.responsible_id
            && responsible != before.responsible_id
        {
            after.responsible_id = responsible;
            after.department_id = responsible_department(&mut tx, responsible).await?;
        }
        let blockers_changed = match patch.blocked_by {
            Some(blockers) => {
                let blockers = visible_blockers(&mut tx, &scope, blockers).await?;
                if task_store::depends_on(&mut tx, &blockers, id).await? {
                    return Err(Error::validation(
                        "blocked_by",
                        "this dependency would make a cycle",
                    ));
                }
                let changed = blockers != before.blocked_by;
                after.blocked_by = blockers;
                changed
            }
            None => false,
        };
        let now = now();
        after.completed_at = match (before.status, after.status) {
            (TaskStatus::Done, TaskStatus::Done) => before.completed_at,
            (_, TaskStatus::Done) => Some(now),
            _ => None,
        };
        after.updated_at = now;
        task_store::update(&mut tx, &after, blockers_changed).await?;
        if after.status.needs_blockers_done() && (after.status != before.status || blockers_changed)
        {
            refuse_if_blocked(&mut tx, id).await?;
        }
        let done_changed =
            (before.status == TaskStatus::Done) != (after.status == TaskStatus::Done);
        if before.deadline != after.deadline || before.reminders != after.reminders || done_changed
        {
            let fresh = before.deadline != after.deadline;
            reschedule(&mut tx, &after, fresh, now).await?;
        }
        task_events::changed(&mut tx, actor.id, &before, &after).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a task with its dependencies and pending notices; its timeline entries stay.
    #[tracing::instrument(skip_all, fields(task.id = %id), err(level = "warn"))]
    pub async fn delete(&self, actor: &User, id: TaskId) -> Result<()> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        if task_store::get(&mut tx, &scope, id).await?.is_none() {
            return Err(Error::not_found("task"));
        }
        task_store::delete(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The distinct blockers, each one the caller can see; any other is a validation error
/// naming it, so a hidden task's existence does not leak through a different answer.
async fn visible_blockers(conn: &mut Conn, scope: &Scope, ids: Vec<TaskId>) -> Result<Vec<TaskId>> {
    let mut blockers: Vec<TaskId> = Vec::with_capacity(ids.len());
    for id in ids {
        if !blockers.contains(&id) {
            blockers.push(id);
        }
    }
    blockers.sort();
    let seen = task_store::visible(conn, scope, &blockers).await?;
    if let Some(missing) = blockers.iter().find(|id| !seen.contains(id)) {
        return Err(Error::validation(
            "blocked_by",
            format!("no such task among those you can see: {missing}"),
        ));
    }
    Ok(blockers)
}

async fn refuse_if_blocked(conn: &mut Conn, id: TaskId) -> Result<()> {
    match task_store::open_blockers(conn, id).await?.first() {
        Some(blocker) => Err(Error::Conflict {
            constraint: "blocked_by".into(),
            message: format!("blocked by task {blocker}, which is not done").into(),
        }),
        None => Ok(()),
    }
}

/// Schedules the task's notices (`fresh` for a new deadline: every notice again), or drops
/// the pending ones when it is done or has no deadline.
async fn reschedule(conn: &mut Conn, task: &Task, fresh: bool, now: Timestamp) -> Result<()> {
    match task.deadline {
        Some(deadline) if task.status != TaskStatus::Done => {
            let slots = schedule(deadline, &task.reminders, now);
            reminder_store::replace(conn, task.id, &slots, fresh, now).await
        }
        _ => reminder_store::replace(conn, task.id, &[], false, now).await,
    }
}
