//! The `tasks` table and `task_dependencies`. Visibility (`Scope::restrict_tasks`) is part
//! of every read; dependency walks for cycle checks read every task, since a cycle through
//! a task the caller cannot see is still a cycle.

use std::collections::HashSet;

use super::sql::{Scope, Sql};
use crate::{
    Error, Result,
    domain::{
        Timestamp,
        crm::{
            EntityKind, EntityRef, NO_DEADLINE_KEY, Task, TaskFilter, TaskId, TaskPriority,
            TaskSort, TaskStatus,
        },
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

#[derive(sqlx::FromRow)]
struct TaskRow {
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

fn deadline_key(task: &Task) -> i64 {
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

async fn replace_blockers(
    conn: &mut Conn,
    id: TaskId,
    blockers: &[TaskId],
    now: Timestamp,
) -> Result<()> {
    sqlx::query("delete from task_dependencies where task_id = $1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    if blockers.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(
        "insert into task_dependencies (task_id, blocker_id, created_at, updated_at) values ",
    );
    for (index, blocker) in blockers.iter().enumerate() {
        if index > 0 {
            sql.push(", ");
        }
        sql.push("(")
            .text(id)
            .push(", ")
            .text(blocker)
            .push(", ")
            .int(now.millis())
            .push(", ")
            .int(now.millis())
            .push(")");
    }
    sql.execute(conn).await?;
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

#[derive(sqlx::FromRow)]
struct EdgeRow {
    task_id: String,
    blocker_id: String,
}

async fn edges(conn: &mut Conn, column: &'static str, ids: &[String]) -> Result<Vec<EdgeRow>> {
    let mut sql = Sql::new("select task_id, blocker_id from task_dependencies where ");
    sql.push(column).push(" in (").list(ids).push(")");
    sql.fetch_all(conn).await
}

/// The blockers of `id` that are not done yet, oldest first.
pub(crate) async fn open_blockers(conn: &mut Conn, id: TaskId) -> Result<Vec<TaskId>> {
    #[derive(sqlx::FromRow)]
    struct IdRow {
        id: String,
    }
    sqlx::query_as::<_, IdRow>(
        "select t.id from task_dependencies d join tasks t on t.id = d.blocker_id \
         where d.task_id = $1 and t.status <> 'done' order by t.id",
    )
    .bind(id.to_string())
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| parse_id(&row.id))
    .collect()
}

/// Whether `target` is reachable from `start` along "is blocked by" edges: then making
/// `target` blocked by `start` would close a cycle.
pub(crate) async fn depends_on(conn: &mut Conn, start: &[TaskId], target: TaskId) -> Result<bool> {
    let target = target.to_string();
    let mut seen: HashSet<String> = start.iter().map(ToString::to_string).collect();
    if seen.contains(&target) {
        return Ok(true);
    }
    let mut frontier: Vec<String> = seen.iter().cloned().collect();
    while !frontier.is_empty() {
        let next = edges(conn, "task_id", &frontier).await?;
        frontier = Vec::new();
        for edge in next {
            if edge.blocker_id == target {
                return Ok(true);
            }
            if seen.insert(edge.blocker_id.clone()) {
                frontier.push(edge.blocker_id);
            }
        }
    }
    Ok(false)
}

/// The key a task is ordered by under `sort`.
pub(crate) fn sort_key(task: &Task, sort: TaskSort) -> i64 {
    match sort {
        TaskSort::Created => task.created_at.millis(),
        TaskSort::Deadline => deadline_key(task),
        TaskSort::Priority => task.priority.rank(),
    }
}

fn filtered(sql: &mut Sql, scope: &Scope, filter: &TaskFilter, now: Timestamp) {
    sql.push(" where 1 = 1");
    scope.restrict_tasks(sql);
    if !filter.statuses.is_empty() {
        sql.push(" and t.status in (")
            .list(filter.statuses.iter().map(|status| status.as_str()))
            .push(")");
    }
    if let Some(user) = filter.responsible_id {
        sql.push(" and t.responsible_id = ").text(user);
    }
    if let Some(entity) = filter.entity {
        sql.push(" and t.entity_kind = ")
            .text(entity.kind.as_str())
            .push(" and t.entity_id = ")
            .text(entity.id);
    }
    if filter.overdue {
        sql.push(" and t.status <> 'done' and t.deadline_key < ")
            .int(now.millis());
    }
    if let Some(from) = filter.deadline_from {
        sql.push(" and t.deadline_at >= ").int(from.millis());
    }
    if let Some(to) = filter.deadline_to {
        sql.push(" and t.deadline_at < ").int(to.millis());
    }
}

/// A page of tasks in the filter's order, after `filter.after`.
pub(crate) async fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &TaskFilter,
    now: Timestamp,
) -> Result<Vec<Task>> {
    let mut sql = Sql::new(concat!("select ", task_columns!(), " from tasks t"));
    filtered(&mut sql, scope, filter, now);
    // Created: newest first by id (UUIDv7, time-ordered). Deadline: nearest first.
    // Priority: most urgent first, newest first within it.
    let (key, ascending) = match filter.sort.unwrap_or(TaskSort::Created) {
        TaskSort::Created => (None, false),
        TaskSort::Deadline => (Some("t.deadline_key"), true),
        TaskSort::Priority => (Some("t.priority_rank"), false),
    };
    if let Some(after) = filter.after {
        match (key, ascending) {
            (None, _) => {
                sql.push(" and t.id < ").text(after.id);
            }
            (Some(key), true) => {
                sql.push(" and (").push(key).push(", t.id) > (");
                sql.int(after.key).push(", ").text(after.id).push(")");
            }
            (Some(key), false) => {
                sql.push(" and (").push(key).push(", t.id) < (");
                sql.int(after.key).push(", ").text(after.id).push(")");
            }
        }
    }
    match (key, ascending) {
        (None, _) => sql.push(" order by t.id desc"),
        (Some(key), true) => sql.push(" order by ").push(key).push(" asc, t.id asc"),
        (Some(key), false) => sql.push(" order by ").push(key).push(" desc, t.id desc"),
    };
    sql.push(" limit ").int(filter.limit);
    let rows = sql.fetch_all(&mut *conn).await?;
    hydrate(conn, rows).await
}

/// How many tasks the filter matches, ignoring the cursor.
pub(crate) async fn count(
    conn: &mut Conn,
    scope: &Scope,
    filter: &TaskFilter,
    now: Timestamp,
) -> Result<i64> {
    let mut sql = Sql::new("select count(*) from tasks t");
    filtered(&mut sql, scope, filter, now);
    sql.fetch_scalar(conn).await
}

async fn hydrate(conn: &mut Conn, rows: Vec<TaskRow>) -> Result<Vec<Task>> {
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
