//! Task list pages and counts: filters, the three orders and their keyset cursors.

use super::{deadline_key, hydrate, task_columns};
use crate::{
    Result,
    domain::{
        Timestamp,
        crm::{NO_DEADLINE_KEY, Task, TaskFilter, TaskSort},
    },
    store::{
        Conn,
        crm::sql::{Scope, Sql},
    },
};

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
        sql.push(" and t.deadline_key >= ")
            .int(from.millis())
            .push(" and t.deadline_key < ")
            .int(NO_DEADLINE_KEY);
    }
    if let Some(to) = filter.deadline_to {
        sql.push(" and t.deadline_key < ").int(to.millis());
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
