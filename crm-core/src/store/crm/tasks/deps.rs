//! `task_dependencies`: which tasks block which, and the walks that keep them acyclic.

use std::collections::HashSet;

use super::super::sql::Sql;
use crate::{
    Result,
    domain::{Timestamp, crm::TaskId},
    store::{Conn, rows::parse_id},
};

pub(super) async fn replace_blockers(
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

#[derive(sqlx::FromRow)]
pub(super) struct EdgeRow {
    pub task_id: String,
    pub blocker_id: String,
}

pub(super) async fn edges(
    conn: &mut Conn,
    column: &'static str,
    ids: &[String],
) -> Result<Vec<EdgeRow>> {
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
