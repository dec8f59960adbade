//! Tasks: a to-do with a status, a priority, a responsible user, optionally a deadline, the
//! record it is about (any `EntityKind`, so leads and deals fit without a change here), the
//! tasks that block it, and reminders at offsets before the deadline plus an overdue notice
//! at the deadline.

use std::{fmt, str::FromStr};

use serde::Serialize;

use super::{EntityRef, TaskId, timeline::text_enum};
use crate::{
    Error,
    domain::{DepartmentId, Timestamp, UserId},
};

text_enum!(
    /// Where a task stands. A task moves to `in_progress` or `done` only when every task
    /// blocking it is done.
    TaskStatus, "status", "new, in_progress, waiting, done",
    { New => "new", InProgress => "in_progress", Waiting => "waiting", Done => "done" }
);

impl TaskStatus {
    /// Whether entering this status needs every blocker done.
    pub fn needs_blockers_done(self) -> bool {
        matches!(self, TaskStatus::InProgress | TaskStatus::Done)
    }
}

text_enum!(
    TaskPriority, "priority", "low, normal, high",
    { Low => "low", Normal => "normal", High => "high" }
);

impl TaskPriority {
    /// The sort key stored next to the text: higher is more urgent.
    pub fn rank(self) -> i64 {
        match self {
            TaskPriority::Low => 0,
            TaskPriority::Normal => 1,
            TaskPriority::High => 2,
        }
    }
}

text_enum!(
    /// What a scheduled notice says: the deadline is near, or it passed unfinished.
    NoticeKind, "kind", "reminder, overdue",
    { Reminder => "reminder", Overdue => "overdue" }
);

text_enum!(
    /// List order: newest first, nearest deadline first (undated last), or most urgent
    /// first (newest first within a priority).
    TaskSort, "sort", "created, deadline, priority",
    { Created => "created", Deadline => "deadline", Priority => "priority" }
);

#[derive(Clone, Debug, Serialize)]
pub struct Task {
    pub id: TaskId,
    pub title: String,
    pub description: Option<String>,
    pub deadline: Option<Timestamp>,
    pub priority: TaskPriority,
    pub status: TaskStatus,
    pub responsible_id: UserId,
    /// The responsible user's department, copied for visibility as on contacts.
    pub department_id: Option<DepartmentId>,
    pub creator_id: Option<UserId>,
    pub entity: Option<EntityRef>,
    /// Tasks that must be done before this one can start or finish.
    pub blocked_by: Vec<TaskId>,
    /// Reminder offsets in minutes before the deadline, largest first.
    pub reminders: Vec<i64>,
    pub completed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Task {
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.status != TaskStatus::Done && self.deadline.is_some_and(|deadline| deadline < now)
    }
}

#[derive(Clone, Debug)]
pub struct NewTask {
    /// Validated with `task_title`.
    pub title: String,
    pub description: Option<String>,
    pub deadline: Option<Timestamp>,
    pub priority: TaskPriority,
    pub status: TaskStatus,
    /// `None` means the caller.
    pub responsible_id: Option<UserId>,
    pub entity: Option<EntityRef>,
    pub blocked_by: Vec<TaskId>,
    /// Validated with `reminder_offsets`.
    pub reminders: Vec<i64>,
}

/// A change to a task; `None` leaves a field as it is, lists are replaced whole.
#[derive(Clone, Debug, Default)]
pub struct TaskPatch {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub deadline: Option<Option<Timestamp>>,
    pub priority: Option<TaskPriority>,
    pub status: Option<TaskStatus>,
    pub responsible_id: Option<UserId>,
    pub blocked_by: Option<Vec<TaskId>>,
    pub reminders: Option<Vec<i64>>,
}

/// Where a task list page starts: strictly after this task in the page's order. Written
/// `<sort key>_<id>`; the key is the creation, deadline or priority key of `sort`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskCursor {
    pub key: i64,
    pub id: TaskId,
}

impl fmt::Display for TaskCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.key, self.id)
    }
}

impl FromStr for TaskCursor {
    type Err = Error;

    fn from_str(raw: &str) -> Result<Self, Error> {
        let invalid = || Error::validation("cursor", "is not a cursor this server returned");
        let (key, id) = raw.trim().split_once('_').ok_or_else(invalid)?;
        Ok(Self {
            key: key.parse().map_err(|_| invalid())?,
            id: id.parse().map_err(|_| invalid())?,
        })
    }
}

/// The deadline key of a task without a deadline: after every real one.
pub const NO_DEADLINE_KEY: i64 = i64::MAX;

/// Which tasks to list. Filters combine with AND, always within what the caller may see.
#[derive(Clone, Debug, Default)]
pub struct TaskFilter {
    /// Any of these statuses; empty is every status.
    pub statuses: Vec<TaskStatus>,
    pub responsible_id: Option<UserId>,
    pub entity: Option<EntityRef>,
    /// Only unfinished tasks whose deadline has passed.
    pub overdue: bool,
    /// Deadline at or after this instant.
    pub deadline_from: Option<Timestamp>,
    /// Deadline before this instant.
    pub deadline_to: Option<Timestamp>,
    pub sort: Option<TaskSort>,
    pub after: Option<TaskCursor>,
    pub limit: i64,
}

/// Longest title, in characters.
pub const TITLE_MAX: usize = 300;
/// Most reminders one task may have.
pub const REMINDERS_MAX: usize = 10;
/// The earliest reminder: 30 days before the deadline.
const OFFSET_MAX_MINUTES: i64 = 30 * 24 * 60;

pub fn task_title(raw: &str) -> Result<String, Error> {
    super::text::required_text("title", raw, TITLE_MAX)
}

/// Reminder offsets in minutes: each 1 to 43,200 (30 days), at most ten; kept distinct and
/// largest (earliest reminder) first.
pub fn reminder_offsets(mut offsets: Vec<i64>) -> Result<Vec<i64>, Error> {
    if offsets.len() > REMINDERS_MAX {
        return Err(Error::validation("reminders", "at most 10 reminders"));
    }
    if offsets
        .iter()
        .any(|offset| !(1..=OFFSET_MAX_MINUTES).contains(offset))
    {
        return Err(Error::validation(
            "reminders",
            "each offset must be 1 to 43200 minutes before the deadline",
        ));
    }
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    offsets.dedup();
    Ok(offsets)
}

/// One notice to schedule for a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReminderSlot {
    pub kind: NoticeKind,
    pub offset_minutes: i64,
    pub due_at: Timestamp,
}

/// The notices for a deadline as of `now`: the overdue notice at the deadline, and each
/// reminder at its offset before it. Reminders whose time has already passed collapse into
/// one sent at once (the nearest to the deadline), and none when the deadline itself has
/// passed, since the overdue notice then says more.
pub fn schedule(deadline: Timestamp, offsets: &[i64], now: Timestamp) -> Vec<ReminderSlot> {
    let mut slots = Vec::with_capacity(offsets.len() + 1);
    if deadline > now {
        let mut late: Option<i64> = None;
        for &offset in offsets {
            let due_at = deadline.plus_seconds(-offset * 60);
            if due_at > now {
                slots.push(ReminderSlot {
                    kind: NoticeKind::Reminder,
                    offset_minutes: offset,
                    due_at,
                });
            } else {
                late = Some(late.map_or(offset, |best: i64| best.min(offset)));
            }
        }
        if let Some(offset) = late {
            slots.push(ReminderSlot {
                kind: NoticeKind::Reminder,
                offset_minutes: offset,
                due_at: now,
            });
        }
    }
    slots.push(ReminderSlot {
        kind: NoticeKind::Overdue,
        offset_minutes: 0,
        due_at: deadline,
    });
    slots
}

/// A claimed notice, ready to be sent to the task's responsible user.
#[derive(Clone, Debug, Serialize)]
pub struct TaskNotice {
    pub kind: NoticeKind,
    /// For reminders: how many minutes before the deadline it was scheduled.
    pub offset_minutes: i64,
    pub task: Task,
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    #[test]
    fn offsets_are_checked_and_ordered() {
        assert_eq!(
            reminder_offsets(vec![60, 1440, 60]).unwrap(),
            vec![1440, 60]
        );
        assert!(reminder_offsets(vec![0]).is_err());
        assert!(reminder_offsets(vec![50_000]).is_err());
        assert!(reminder_offsets((1..=11).collect()).is_err());
    }

    #[test]
    fn reminders_are_scheduled_before_the_deadline_and_overdue_at_it() {
        let now = Timestamp::from_millis(0);
        let deadline = Timestamp::from_millis(2_000 * MINUTE);
        let slots = schedule(deadline, &[1440, 60], now);
        let dues: Vec<i64> = slots.iter().map(|s| s.due_at.millis() / MINUTE).collect();
        assert_eq!(dues, vec![560, 1940, 2000]);
        assert_eq!(slots[2].kind, NoticeKind::Overdue);
    }

    #[test]
    fn passed_reminders_collapse_into_one_sent_now() {
        let now = Timestamp::from_millis(100 * MINUTE);
        let deadline = Timestamp::from_millis(130 * MINUTE);
        let slots = schedule(deadline, &[1440, 60, 10], now);
        assert_eq!(
            slots
                .iter()
                .map(|s| (s.kind, s.offset_minutes, s.due_at.millis() / MINUTE))
                .collect::<Vec<_>>(),
            vec![
                (NoticeKind::Reminder, 10, 120),
                (NoticeKind::Reminder, 60, 100),
                (NoticeKind::Overdue, 0, 130)
            ]
        );
        let past = schedule(Timestamp::from_millis(50 * MINUTE), &[60], now);
        assert_eq!(past.len(), 1);
        assert_eq!(past[0].kind, NoticeKind::Overdue);
    }

    #[test]
    fn a_cursor_survives_its_text_form() {
        let cursor = TaskCursor {
            key: 2,
            id: TaskId::new(),
        };
        assert_eq!(cursor.to_string().parse::<TaskCursor>().unwrap(), cursor);
        assert!("x".parse::<TaskCursor>().is_err());
    }
}
