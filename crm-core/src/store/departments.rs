//! The `departments` table: a tree of departments, each with an optional head.

use super::{
    Conn,
    rows::{DepartmentRow, department_columns},
};
use crate::{
    Result,
    domain::{Department, DepartmentId, Timestamp, UserId},
};

pub struct NewDepartment {
    pub name: String,
    pub parent_id: Option<DepartmentId>,
    pub head_user_id: Option<UserId>,
}

pub(crate) async fn insert(
    conn: &mut Conn,
    id: DepartmentId,
    new: &NewDepartment,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into departments (id, name, parent_id, head_user_id, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $5)",
    )
    .bind(id.to_string())
    .bind(new.name.as_str())
    .bind(new.parent_id.map(|id| id.to_string()))
    .bind(new.head_user_id.map(|id| id.to_string()))
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the name, parent and head of an existing department.
pub(crate) async fn update(
    conn: &mut Conn,
    department: &Department,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "update departments set name = $2, parent_id = $3, head_user_id = $4, updated_at = $5 \
         where id = $1",
    )
    .bind(department.id.to_string())
    .bind(department.name.as_str())
    .bind(department.parent_id.map(|id| id.to_string()))
    .bind(department.head_user_id.map(|id| id.to_string()))
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn get(conn: &mut Conn, id: DepartmentId) -> Result<Option<Department>> {
    let row: Option<DepartmentRow> = sqlx::query_as(concat!(
        "select ",
        department_columns!(),
        " from departments where id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(Department::try_from).transpose()
}

pub(crate) async fn list(conn: &mut Conn) -> Result<Vec<Department>> {
    let rows: Vec<DepartmentRow> = sqlx::query_as(concat!(
        "select ",
        department_columns!(),
        " from departments order by name"
    ))
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Department::try_from).collect()
}

/// The department and every department below it, found with a recursive query that both
/// engines run as written.
pub(crate) async fn subtree(conn: &mut Conn, root: DepartmentId) -> Result<Vec<DepartmentId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "with recursive tree(id) as ( \
             select id from departments where id = $1 \
             union select d.id from departments d join tree t on d.parent_id = t.id) \
         select id from tree",
    )
    .bind(root.to_string())
    .fetch_all(conn)
    .await?;
    ids.iter().map(|id| super::rows::parse_id(id)).collect()
}

pub(crate) async fn headed_by(conn: &mut Conn, user: UserId) -> Result<Vec<DepartmentId>> {
    let ids: Vec<String> = sqlx::query_scalar("select id from departments where head_user_id = $1")
        .bind(user.to_string())
        .fetch_all(conn)
        .await?;
    ids.iter().map(|id| super::rows::parse_id(id)).collect()
}
