//! The `canned_responses` table.

use super::{Conn, rows::parse_id, rows::parse_opt_id};
use crate::{
    Result,
    domain::{CannedResponse, CannedResponseId, LineId, Timestamp, UserId},
};

#[derive(sqlx::FromRow)]
struct CannedRow {
    id: String,
    line_id: Option<String>,
    owner_id: Option<String>,
    shortcut: String,
    body: String,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, line_id, owner_id, shortcut, body, created_at, updated_at";

impl TryFrom<CannedRow> for CannedResponse {
    type Error = crate::Error;

    fn try_from(row: CannedRow) -> Result<Self> {
        Ok(CannedResponse {
            id: parse_id(&row.id)?,
            line_id: parse_opt_id(row.line_id.as_deref())?,
            owner_id: parse_opt_id(row.owner_id.as_deref())?,
            shortcut: row.shortcut,
            body: row.body,
            created_at: Timestamp::from_millis(row.created_at),
            updated_at: Timestamp::from_millis(row.updated_at),
        })
    }
}

fn scope(canned: &CannedResponse) -> String {
    match (canned.line_id, canned.owner_id) {
        (Some(line), _) => format!("line:{line}"),
        (None, Some(owner)) => format!("user:{owner}"),
        (None, None) => String::new(),
    }
}

pub(crate) async fn insert(conn: &mut Conn, canned: &CannedResponse) -> Result<()> {
    sqlx::query(
        "insert into canned_responses (id, line_id, owner_id, scope, shortcut, body, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(canned.id.to_string())
    .bind(canned.line_id.map(|id| id.to_string()))
    .bind(canned.owner_id.map(|id| id.to_string()))
    .bind(scope(canned))
    .bind(&canned.shortcut)
    .bind(&canned.body)
    .bind(canned.created_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn update(conn: &mut Conn, canned: &CannedResponse) -> Result<()> {
    sqlx::query(
        "update canned_responses set shortcut = $2, body = $3, updated_at = $4 where id = $1",
    )
    .bind(canned.id.to_string())
    .bind(&canned.shortcut)
    .bind(&canned.body)
    .bind(canned.updated_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn delete(conn: &mut Conn, id: CannedResponseId) -> Result<()> {
    sqlx::query("delete from canned_responses where id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn get(conn: &mut Conn, id: CannedResponseId) -> Result<Option<CannedResponse>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from canned_responses where id = $1"
    ));
    let row: Option<CannedRow> = sqlx::query_as(sql)
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(CannedResponse::try_from).transpose()
}

/// `user`'s personal responses and those of `lines`, whose shortcut starts with `prefix`,
/// by shortcut (personal first on a tie).
pub(crate) async fn visible(
    conn: &mut Conn,
    user: UserId,
    lines: &[LineId],
    prefix: &str,
    limit: i64,
) -> Result<Vec<CannedResponse>> {
    let mut scopes = vec![format!("user:{user}")];
    scopes.extend(lines.iter().map(|line| format!("line:{line}")));
    let placeholders: Vec<String> = (0..scopes.len()).map(|i| format!("${}", i + 3)).collect();
    // Built from this module's constants and numbered placeholders only.
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from canned_responses where substr(shortcut, 1, length($1)) = $1 \
         and scope in ({}) order by shortcut, owner_id is null limit $2",
        placeholders.join(", ")
    ));
    let mut query = sqlx::query_as::<_, CannedRow>(sql).bind(prefix).bind(limit);
    for scope in scopes {
        query = query.bind(scope);
    }
    query
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(CannedResponse::try_from)
        .collect()
}

/// The responses shared on `line`, by shortcut.
pub(crate) async fn of_line(
    conn: &mut Conn,
    line: LineId,
    limit: i64,
) -> Result<Vec<CannedResponse>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from canned_responses where scope = $1 order by shortcut limit $2"
    ));
    sqlx::query_as::<_, CannedRow>(sql)
        .bind(format!("line:{line}"))
        .bind(limit)
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(CannedResponse::try_from)
        .collect()
}
