//! Task events on the timeline of the record a task is about: created, status changed,
//! done, deadline changed, reassigned. Written in the transaction of the change; a task
//! about no record has no timeline.

use serde_json::{Value, json};

use crate::{
    Result,
    domain::{
        Timestamp, UserId,
        crm::{NewTimelineEntry, Task, TaskStatus, TimelineEntryId, TimelineKind, summarize},
    },
    store::{Conn, crm::timeline as timeline_store, user_store},
};

struct Event {
    name: &'static str,
    from: Value,
    to: Value,
    text: String,
}

async fn user_name(conn: &mut Conn, id: UserId) -> Result<String> {
    Ok(user_store::get(conn, id)
        .await?
        .map_or_else(|| "a removed user".to_owned(), |user| user.display_name))
}

fn status_words(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::New => "new",
        TaskStatus::InProgress => "in progress",
        TaskStatus::Waiting => "waiting",
        TaskStatus::Done => "done",
    }
}

fn millis(at: Option<Timestamp>) -> Value {
    at.map_or(Value::Null, |at| json!(at))
}

/// Records `created` for a new task.
pub(super) async fn created(conn: &mut Conn, actor: UserId, task: &Task) -> Result<()> {
    let to = user_name(conn, task.responsible_id).await?;
    let event = Event {
        name: "created",
        from: Value::Null,
        to: json!(task.status.as_str()),
        text: format!("Task created for {to}: {}", task.title),
    };
    record(conn, actor, task, vec![event]).await
}

/// Records what changed between `before` and `after` that the timeline shows.
pub(super) async fn changed(
    conn: &mut Conn,
    actor: UserId,
    before: &Task,
    after: &Task,
) -> Result<()> {
    let mut events = Vec::new();
    if before.status != after.status {
        let done = after.status == TaskStatus::Done;
        events.push(Event {
            name: if done { "done" } else { "status_changed" },
            from: json!(before.status.as_str()),
            to: json!(after.status.as_str()),
            text: if done {
                format!("Task done: {}", after.title)
            } else {
                format!(
                    "Task {}: {} → {}",
                    after.title,
                    status_words(before.status),
                    status_words(after.status)
                )
            },
        });
    }
    if before.deadline != after.deadline {
        events.push(Event {
            name: "deadline_changed",
            from: millis(before.deadline),
            to: millis(after.deadline),
            text: format!("Task deadline changed: {}", after.title),
        });
    }
    if before.responsible_id != after.responsible_id {
        let from = user_name(conn, before.responsible_id).await?;
        let to = user_name(conn, after.responsible_id).await?;
        events.push(Event {
            name: "reassigned",
            from: json!(before.responsible_id),
            to: json!(after.responsible_id),
            text: format!("Task reassigned from {from} to {to}: {}", after.title),
        });
    }
    record(conn, actor, after, events).await
}

async fn record(conn: &mut Conn, actor: UserId, task: &Task, events: Vec<Event>) -> Result<()> {
    let Some(entity) = task.entity else {
        return Ok(());
    };
    for event in events {
        let entry = NewTimelineEntry {
            kind: TimelineKind::TaskEvent,
            author_id: Some(actor),
            occurred_at: task.updated_at,
            summary: summarize(&event.text),
            payload: json!({
                "event": event.name,
                "task_id": task.id,
                "title": task.title,
                "from": event.from,
                "to": event.to,
            }),
            links: vec![entity],
        };
        timeline_store::insert(conn, TimelineEntryId::new(), &entry, task.updated_at).await?;
    }
    Ok(())
}
