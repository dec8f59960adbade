//! The `lines`, `line_operators` and `channels` tables.

use super::{Conn, rows::parse_id, rows::parse_opt_id};
use crate::{
    Result,
    domain::{Channel, ChannelId, ChannelKind, Distribution, Line, LineId, Timestamp, UserId},
};

pub(crate) struct NewLine<'a> {
    pub name: &'a str,
    pub distribution: Distribution,
    pub max_open_per_operator: i64,
    pub greeting: Option<&'a str>,
    pub sla_seconds: i64,
}

pub(crate) async fn insert_line(
    conn: &mut Conn,
    id: LineId,
    line: &NewLine<'_>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into lines (id, name, distribution, max_open_per_operator, greeting, sla_seconds, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id.to_string())
    .bind(line.name)
    .bind(line.distribution.as_str())
    .bind(line.max_open_per_operator)
    .bind(line.greeting)
    .bind(line.sla_seconds)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn set_operators(
    conn: &mut Conn,
    line: LineId,
    operators: &[UserId],
    now: Timestamp,
) -> Result<()> {
    sqlx::query("delete from line_operators where line_id = $1")
        .bind(line.to_string())
        .execute(&mut *conn)
        .await?;
    for operator in operators {
        sqlx::query(
            "insert into line_operators (line_id, user_id, created_at, updated_at) values ($1, $2, $3, $3) \
             on conflict do nothing",
        )
        .bind(line.to_string())
        .bind(operator.to_string())
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: String,
    name: String,
    distribution: String,
    max_open_per_operator: i64,
    greeting: Option<String>,
    sla_seconds: i64,
    created_at: i64,
}

pub(crate) async fn get_line(conn: &mut Conn, id: LineId) -> Result<Option<Line>> {
    let row: Option<LineRow> = sqlx::query_as(
        "select id, name, distribution, max_open_per_operator, greeting, sla_seconds, created_at from lines where id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let operators = operators(conn, id).await?;
    Ok(Some(Line {
        id: parse_id(&row.id)?,
        name: row.name,
        distribution: Distribution::parse(&row.distribution)?,
        max_open_per_operator: row.max_open_per_operator,
        greeting: row.greeting,
        sla_seconds: row.sla_seconds,
        operators,
        created_at: Timestamp::from_millis(row.created_at),
    }))
}

pub(crate) async fn operators(conn: &mut Conn, line: LineId) -> Result<Vec<UserId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "select user_id from line_operators where line_id = $1 order by user_id",
    )
    .bind(line.to_string())
    .fetch_all(conn)
    .await?;
    ids.iter().map(|id| parse_id(id)).collect()
}

/// The line's operators with their open conversation counts, longest idle first.
pub(crate) async fn operator_loads(conn: &mut Conn, line: LineId) -> Result<Vec<(UserId, i64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select o.user_id, (select count(*) from conversations c where c.assignee_id = o.user_id \
         and c.status = 'assigned') from line_operators o join users u on u.id = o.user_id \
         where o.line_id = $1 and u.disabled_at is null order by o.last_assigned_at, o.user_id",
    )
    .bind(line.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, load)| Ok((parse_id(&id)?, load)))
        .collect()
}

pub(crate) async fn touch_operator(
    conn: &mut Conn,
    line: LineId,
    user: UserId,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("update line_operators set last_assigned_at = $3, updated_at = $3 where line_id = $1 and user_id = $2")
        .bind(line.to_string())
        .bind(user.to_string())
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// The lines a user serves.
pub(crate) async fn lines_of(conn: &mut Conn, user: UserId) -> Result<Vec<LineId>> {
    let ids: Vec<String> =
        sqlx::query_scalar("select line_id from line_operators where user_id = $1")
            .bind(user.to_string())
            .fetch_all(conn)
            .await?;
    ids.iter().map(|id| parse_id(id)).collect()
}

pub(crate) async fn insert_channel(
    conn: &mut Conn,
    channel: &Channel,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into channels (id, line_id, kind, account, name, config, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(channel.id.to_string())
    .bind(channel.line_id.map(|id| id.to_string()))
    .bind(channel.kind.as_str())
    .bind(&channel.account)
    .bind(&channel.name)
    .bind(channel.config.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ChannelRow {
    id: String,
    line_id: Option<String>,
    kind: String,
    account: String,
    name: String,
    config: String,
    created_at: i64,
}

impl TryFrom<ChannelRow> for Channel {
    type Error = crate::Error;

    fn try_from(row: ChannelRow) -> Result<Self> {
        Ok(Channel {
            id: parse_id(&row.id)?,
            line_id: parse_opt_id(row.line_id.as_deref())?,
            kind: ChannelKind::parse(&row.kind)?,
            account: row.account,
            name: row.name,
            config: serde_json::from_str(&row.config).unwrap_or(serde_json::Value::Null),
            created_at: Timestamp::from_millis(row.created_at),
        })
    }
}

pub(crate) async fn get_channel(conn: &mut Conn, id: ChannelId) -> Result<Option<Channel>> {
    let row: Option<ChannelRow> = sqlx::query_as(
        "select id, line_id, kind, account, name, config, created_at from channels where id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(Channel::try_from).transpose()
}

pub(crate) async fn find_channel(
    conn: &mut Conn,
    kind: ChannelKind,
    account: &str,
) -> Result<Option<Channel>> {
    let row: Option<ChannelRow> = sqlx::query_as(
        "select id, line_id, kind, account, name, config, created_at from channels where kind = $1 and account = $2",
    )
    .bind(kind.as_str())
    .bind(account)
    .fetch_optional(conn)
    .await?;
    row.map(Channel::try_from).transpose()
}

pub(crate) async fn list_channels(conn: &mut Conn) -> Result<Vec<Channel>> {
    let rows: Vec<ChannelRow> =
        sqlx::query_as("select id, line_id, kind, account, name, config, created_at from channels order by created_at")
            .fetch_all(conn)
            .await?;
    rows.into_iter().map(Channel::try_from).collect()
}
