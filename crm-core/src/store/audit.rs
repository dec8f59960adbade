//! The append-only `audit_log`: who did what to which record, written in the same
//! transaction as the change it describes.

use serde::Serialize;

use super::{
    Conn,
    rows::{parse_id, parse_opt_id},
};
use crate::{
    Result,
    domain::{AuditId, Timestamp, UserId},
};

pub struct NewAuditEntry<'a> {
    pub actor_id: Option<UserId>,
    pub action: &'a str,
    pub target_kind: Option<&'a str>,
    pub target_id: Option<String>,
    pub detail: serde_json::Value,
    pub client_addr: Option<&'a str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub id: AuditId,
    pub actor_id: Option<UserId>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub detail: serde_json::Value,
    pub client_addr: Option<String>,
    pub created_at: Timestamp,
}

pub(crate) async fn insert(
    conn: &mut Conn,
    entry: NewAuditEntry<'_>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into audit_log (id, actor_id, action, target_kind, target_id, detail, client_addr, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(AuditId::new().to_string())
    .bind(entry.actor_id.map(|id| id.to_string()))
    .bind(entry.action)
    .bind(entry.target_kind)
    .bind(entry.target_id)
    .bind(entry.detail.to_string())
    .bind(entry.client_addr)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: String,
    actor_id: Option<String>,
    action: String,
    target_kind: Option<String>,
    target_id: Option<String>,
    detail: String,
    client_addr: Option<String>,
    created_at: i64,
}

/// The newest entries first, `limit` at most, older than `before` when given.
pub(crate) async fn list(
    conn: &mut Conn,
    before: Option<AuditId>,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    // UUIDv7 ids sort by creation time, so the id doubles as the page cursor.
    let rows: Vec<AuditRow> = sqlx::query_as(
        "select id, actor_id, action, target_kind, target_id, detail, client_addr, created_at \
         from audit_log where ($1 is null or id < $1) order by id desc limit $2",
    )
    .bind(before.map(|id| id.to_string()))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(AuditEntry {
                id: parse_id(&row.id)?,
                actor_id: parse_opt_id(row.actor_id.as_deref())?,
                action: row.action,
                target_kind: row.target_kind,
                target_id: row.target_id,
                detail: serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::Null),
                client_addr: row.client_addr,
                created_at: Timestamp::from_millis(row.created_at),
            })
        })
        .collect()
}
