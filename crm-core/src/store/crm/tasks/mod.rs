//! The `tasks` table. Visibility (`Scope::restrict_tasks`) is part of every read;
//! dependencies are in `deps.rs` (their walks read every task, since a cycle through a task
//! the caller cannot see is still a cycle), list pages in `list.rs`.

mod deps;
mod list;

pub(crate) use deps::{depends_on, open_blockers};
use deps::{edges, replace_blockers};
pub(crate) use list::{count, list, sort_key};

use super::sql::{Scope, Sql};
use crate::{
    Error, Result,
    domain::{
        Timestamp,
        crm::{EntityKind, EntityRef, NO_DEADLINE_KEY, Task, TaskId, TaskPriority, TaskStatus},
    },
    store::{
        Conn,
        rows::{parse_id, parse_opt_id},
    },
};

macro_rules! task_columns {
    () => {
        "t.id, t.title, t.description, t.deadline_at, t.priority, t.status, t.responsible_id, \
         t.department_id, t.creator_id, t.entity_kind, t.entity_id, t.reminders, \
         t.completed_at, t.created_at, t.updated_at"
    };
}
use task_columns;

#[derive(sqlx::FromRow)]
pub(super) struct TaskRow {
    id: String,
    title: String,
    description: Option<String>,
    deadline_at: Option<i64>,
    priority: String,
    status: String,
    responsible_id: String,
    department_id: Option<String>,
    creator_id: Option<String>,
    entity_kind: Option<String>,
    entity_id: Option<String>,
    reminders: String,
    completed_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TaskRow {
    fn into_task(self) -> Result<Task> {
        let malformed = |what: &str| Error::Internal(format!("malformed task {what}").into());
        let entity = match (self.entity_kind, self.entity_id) {
            (Some(kind), Some(id)) => Some(EntityRef {
                kind: EntityKind::parse(&kind).map_err(|_| malformed("entity kind"))?,
                id: uuid::Uuid::parse_str(&id).map_err(|_| malformed("entity id"))?,
            }),
            _ => None,
        };
        Ok(Task {
            id: parse_id(&self.id)?,
            title: self.title,
            description: self.description,
            deadline: self.deadline_at.map(Timestamp::from_millis),
            priority: TaskPriority::parse(&self.priority).map_err(|_| malformed("priority"))?,
            status: TaskStatus::parse(&self.status).map_err(|_| malformed("status"))?,
            responsible_id: parse_id(&self.responsible_id)?,
            department_id: parse_opt_id(self.department_id.as_deref())?,
            creator_id: parse_opt_id(self.creator_id.as_deref())?,
            entity,
            blocked_by: Vec::new(),
            reminders: serde_json::from_str(&self.reminders).map_err(|_| malformed("reminders"))?,
            completed_at: self.completed_at.map(Timestamp::from_millis),
            created_at: Timestamp::from_millis(self.created_at),
            updated_at: Timestamp::from_millis(self.updated_at),
        })
    }
}

pub(super) fn deadline_key(task: &Task) -> i64 {
    task.deadline.map_or(NO_DEADLINE_KEY, Timestamp::millis)
}

fn reminders_json(task: &Task) -> String {
    serde_json::Value::from(task.reminders.clone()).to_string()
}

pub(crate) async fn insert(conn: &mut Conn, task: &Task) -> Result<()> {
    sqlx::query(
        "insert into tasks (id, title, description, deadline_at, deadline_key, priority, \
         priority_rank, status, responsible_id, department_id, creator_id, entity_kind, \
         entity_id, reminders, completed_at, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(task.id.to_string())
    .bind(task.title.as_str())
    .bind(task.description.as_deref())
    .bind(task.deadline.map(Timestamp::millis))
    .bind(deadline_key(task))
    .bind(task.priority.as_str())
    .bind(task.priority.rank())
    .bind(task.status.as_str())
    .bind(task.responsible_id.to_string())
    .bind(task.department_id.map(|id| id.to_string()))
    .bind(task.creator_id.map(|id| id.to_string()))
    .bind(task.entity.map(|entity| entity.kind.as_str()))
    .bind(task.entity.map(|entity| entity.id.to_string()))
    .bind(reminders_json(task))
    .bind(task.completed_at.map(Timestamp::millis))
    .bind(task.created_at.millis())
    .bind(task.updated_at.millis())
    .execute(&mut *conn)
    .await?;
    replace_blockers(conn, task.id, &task.blocked_by, task.created_at).await
}

/// Writes every changed column of `task`; the dependencies only when `blockers_changed`.
pub(crate) async fn update(conn: &mut Conn, task: &Task, blockers_changed: bool) -> Result<()> {
    sqlx::query(
        "update tasks set title = $2, description = $3, deadline_at = $4, deadline_key = $5, \
         priority = $6, priority_rank = $7, status = $8, responsible_id = $9, \
         department_id = $10, reminders = $11, completed_at = $12, updated_at = $13 \
         where id = $1",
    )
    .bind(task.id.to_string())
    .bind(task.title.as_str())
    .bind(task.description.as_deref())
    .bind(task.deadline.map(Timestamp::millis))
    .bind(deadline_key(task))
    .bind(task.priority.as_str())
    .bind(task.priority.rank())
    .bind(task.status.as_str())
    .bind(task.responsible_id.to_string())
    .bind(task.department_id.map(|id| id.to_string()))
    .bind(reminders_json(task))
    .bind(task.completed_at.map(Timestamp::millis))
    .bind(task.updated_at.millis())
    .execute(&mut *conn)
    .await?;
    if blockers_changed {
        replace_blockers(conn, task.id, &task.blocked_by, task.updated_at).await?;
    }
    Ok(())
}

/// Deletes a task; its dependencies (both ways) and reminders go with it.
pub(crate) async fn delete(conn: &mut Conn, id: TaskId) -> Result<()> {
    let done = sqlx::query("delete from tasks where id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("task"));
    }
    Ok(())
}

pub(crate) async fn get(conn: &mut Conn, scope: &Scope, id: TaskId) -> Result<Option<Task>> {
    let mut sql = Sql::new(concat!(
        "select ",
        task_columns!(),
        " from tasks t where t.id = "
    ));
    sql.text(id);
    scope.restrict_tasks(&mut sql);
    let rows = sql.fetch_all(&mut *conn).await?;
    Ok(hydrate(conn, rows).await?.into_iter().next())
}

/// Those of `ids` the scope sees.
pub(crate) async fn visible(conn: &mut Conn, scope: &Scope, ids: &[TaskId]) -> Result<Vec<TaskId>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(sqlx::FromRow)]
    struct IdRow {
        id: String,
    }
    let mut sql = Sql::new("select t.id from tasks t where t.id in (");
    sql.list(ids).push(")");
    scope.restrict_tasks(&mut sql);
    sql.fetch_all::<IdRow>(conn)
        .await?
        .iter()
        .map(|row| parse_id(&row.id))
        .collect()
}

pub(super) async fn hydrate(conn: &mut Conn, rows: Vec<TaskRow>) -> Result<Vec<Task>> {
    let mut tasks = rows
        .into_iter()
        .map(TaskRow::into_task)
        .collect::<Result<Vec<_>>>()?;
    if tasks.is_empty() {
        return Ok(tasks);
    }
    let ids: Vec<String> = tasks.iter().map(|task| task.id.to_string()).collect();
    let mut found = edges(conn, "task_id", &ids).await?;
    found.sort_by(|a, b| a.blocker_id.cmp(&b.blocker_id));
    for edge in found {
        if let Some(task) = tasks
            .iter_mut()
            .find(|task| task.id.to_string() == edge.task_id)
        {
            task.blocked_by.push(parse_id(&edge.blocker_id)?);
        }
    }
    Ok(tasks)
}

/// Moves every task about `from` to `into` (a merge); returns how many moved.
pub(crate) async fn move_entity(
    conn: &mut Conn,
    from: EntityRef,
    into: EntityRef,
    now: Timestamp,
) -> Result<u64> {
    let moved = sqlx::query(
        "update tasks set entity_kind = $3, entity_id = $4, updated_at = $5 \
         where entity_kind = $1 and entity_id = $2",
    )
    .bind(from.kind.as_str())
    .bind(from.id.to_string())
    .bind(into.kind.as_str())
    .bind(into.id.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(moved.rows_affected())
}
