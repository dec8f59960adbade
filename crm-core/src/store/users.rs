//! The `users` table.

use super::{
    Conn, flag,
    rows::{UserRow, user_columns},
};
use crate::{
    Result,
    domain::{DepartmentId, Login, Role, Timestamp, User, UserId},
};

/// A user together with the stored password hash, for the login check only.
pub struct UserWithHash {
    pub user: User,
    pub password_hash: String,
}

pub(crate) struct InsertUser<'a> {
    pub id: UserId,
    pub login: &'a Login,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub role: Role,
    pub department_id: Option<DepartmentId>,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub now: Timestamp,
}

pub(crate) async fn insert(conn: &mut Conn, user: InsertUser<'_>) -> Result<()> {
    sqlx::query(
        "insert into users (id, login, display_name, email, role, department_id, password_hash, \
         must_change_password, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(user.id.to_string())
    .bind(user.login.as_str())
    .bind(user.display_name)
    .bind(user.email)
    .bind(user.role.as_str())
    .bind(user.department_id.map(|id| id.to_string()))
    .bind(user.password_hash)
    .bind(flag(user.must_change_password))
    .bind(user.now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from users")
        .fetch_one(conn)
        .await?)
}

pub(crate) async fn find_by_login(conn: &mut Conn, login: &Login) -> Result<Option<UserWithHash>> {
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "select ",
        user_columns!(),
        " from users where login = $1"
    ))
    .bind(login.as_str())
    .fetch_optional(conn)
    .await?;
    row.map(with_hash).transpose()
}

pub(crate) async fn get(conn: &mut Conn, id: UserId) -> Result<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "select ",
        user_columns!(),
        " from users where id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(with_hash).transpose()?.map(|found| found.user))
}

pub(crate) async fn list(conn: &mut Conn) -> Result<Vec<User>> {
    let rows: Vec<UserRow> = sqlx::query_as(concat!(
        "select ",
        user_columns!(),
        " from users order by login"
    ))
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| with_hash(row).map(|found| found.user))
        .collect()
}

pub(crate) async fn set_password(
    conn: &mut Conn,
    id: UserId,
    password_hash: &str,
    must_change_password: bool,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "update users set password_hash = $2, must_change_password = $3, updated_at = $4 where id = $1",
    )
    .bind(id.to_string())
    .bind(password_hash)
    .bind(flag(must_change_password))
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn set_disabled(
    conn: &mut Conn,
    id: UserId,
    disabled: bool,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query("update users set disabled_at = $2, updated_at = $3 where id = $1")
        .bind(id.to_string())
        .bind(disabled.then_some(now.millis()))
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets the role and department an admin chose.
pub(crate) async fn set_role_and_department(
    conn: &mut Conn,
    id: UserId,
    role: Role,
    department_id: Option<DepartmentId>,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "update users set role = $2, department_id = $3, updated_at = $4 where id = $1",
    )
    .bind(id.to_string())
    .bind(role.as_str())
    .bind(department_id.map(|id| id.to_string()))
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn with_hash(row: UserRow) -> Result<UserWithHash> {
    let (user, password_hash) = row.into_user()?;
    Ok(UserWithHash {
        user,
        password_hash,
    })
}
