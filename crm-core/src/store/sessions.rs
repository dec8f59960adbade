//! The `sessions` table: one row per issued bearer token, looked up by the token's hash.

use super::{
    Conn,
    rows::{UserRow, parse_id},
};
use crate::{
    Result,
    domain::{SessionId, Timestamp, User, UserId},
};

pub(crate) struct InsertSession<'a> {
    pub id: SessionId,
    pub user_id: UserId,
    pub token_hash: &'a str,
    pub client_addr: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub expires_at: Timestamp,
    pub now: Timestamp,
}

/// A live session and the account it belongs to.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub session_id: SessionId,
    pub expires_at: Timestamp,
    pub user: User,
}

pub(crate) async fn insert(conn: &mut Conn, session: InsertSession<'_>) -> Result<()> {
    sqlx::query(
        "insert into sessions (id, user_id, token_hash, client_addr, user_agent, expires_at, last_seen_at, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7, $7)",
    )
    .bind(session.id.to_string())
    .bind(session.user_id.to_string())
    .bind(session.token_hash)
    .bind(session.client_addr)
    .bind(session.user_agent)
    .bind(session.expires_at.millis())
    .bind(session.now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionUserRow {
    session_id: String,
    expires_at: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

/// The session for a token hash if it is neither expired nor revoked and its user is enabled.
pub(crate) async fn find_live(
    conn: &mut Conn,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<SessionRecord>> {
    let row: Option<SessionUserRow> = sqlx::query_as(
        "select s.id as session_id, s.expires_at, u.id, u.login, u.display_name, u.email, u.role, \
         u.department_id, u.password_hash, u.must_change_password, u.disabled_at, u.created_at \
         from sessions s join users u on u.id = s.user_id \
         where s.token_hash = $1 and s.revoked_at is null and s.expires_at > $2 and u.disabled_at is null",
    )
    .bind(token_hash)
    .bind(now.millis())
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let (user, _hash) = row.user.into_user()?;
    Ok(Some(SessionRecord {
        session_id: parse_id(&row.session_id)?,
        expires_at: Timestamp::from_millis(row.expires_at),
        user,
    }))
}

/// Records activity at most once a minute per session, so authentication stays a read.
pub(crate) async fn touch(conn: &mut Conn, id: SessionId, now: Timestamp) -> Result<()> {
    sqlx::query("update sessions set last_seen_at = $2 where id = $1 and last_seen_at < $3")
        .bind(id.to_string())
        .bind(now.millis())
        .bind(now.millis() - 60_000)
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn revoke(conn: &mut Conn, id: SessionId, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "update sessions set revoked_at = $2, updated_at = $2 where id = $1 and revoked_at is null",
    )
    .bind(id.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every live session of a user except `keep` (the one making a password change).
pub(crate) async fn revoke_all_for_user(
    conn: &mut Conn,
    user_id: UserId,
    keep: Option<SessionId>,
    now: Timestamp,
) -> Result<u64> {
    let done = sqlx::query(
        "update sessions set revoked_at = $2, updated_at = $2 \
         where user_id = $1 and revoked_at is null and ($3 is null or id <> $3)",
    )
    .bind(user_id.to_string())
    .bind(now.millis())
    .bind(keep.map(|id| id.to_string()))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
