//! The notices of tasks: what the reminder worker claims and sends, and what is still
//! scheduled for a task.

use super::{Tasks, scope_of};
use crate::{
    Error, Result,
    domain::{
        User,
        crm::{ReminderSlot, TaskId, TaskNotice},
        now,
    },
    store::crm::{Scope, reminders as reminder_store, tasks as task_store},
};

impl Tasks {
    /// Claims up to `limit` due notices and returns them with their tasks. Each notice is
    /// claimed by one caller only, however many nodes poll at once; a claimed notice is
    /// not offered again, so one that the caller then fails to deliver is lost rather than
    /// sent twice.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn claim_due_notices(&self, limit: i64) -> Result<Vec<TaskNotice>> {
        let mut conn = self.store.acquire().await?;
        let now = now();
        let mut notices = Vec::new();
        for due in reminder_store::due(&mut conn, now, limit).await? {
            if !reminder_store::claim(&mut conn, due.id, now).await? {
                continue;
            }
            if let Some(task) = task_store::get(&mut conn, &Scope::All, due.task_id).await? {
                notices.push(TaskNotice {
                    kind: due.kind,
                    offset_minutes: due.offset_minutes,
                    task,
                });
            }
        }
        Ok(notices)
    }

    /// The notices still to be sent for a task the caller can see, soonest first.
    #[tracing::instrument(skip_all, fields(task.id = %id), err(level = "warn"))]
    pub async fn scheduled_notices(&self, actor: &User, id: TaskId) -> Result<Vec<ReminderSlot>> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        if task_store::get(&mut conn, &scope, id).await?.is_none() {
            return Err(Error::not_found("task"));
        }
        reminder_store::pending(&mut conn, id).await
    }
}
