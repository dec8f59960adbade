//! The `lines`, `line_operators` and `channels` tables.

use super::{Conn, rows::parse_id, rows::parse_opt_id};
use crate::{
    Result,
    domain::{
        Channel, ChannelId, ChannelKind, Distribution, Line, LineId, NewClientCreates, RatingMode,
        Timestamp, UserId, WorkingHours, crm::Currency,
    },
};

const LINE_COLUMNS: &str = "id, name, distribution, max_open_per_operator, greeting, off_hours_message, \
                            working_hours, sla_seconds, auto_close_minutes, rating_mode, reopen_minutes, \
                            new_client_creates, deal_pipeline_id, deal_currency, created_at";

/// Inserts a line, or (`exists`) replaces its settings.
pub(crate) async fn save_line(
    conn: &mut Conn,
    line: &Line,
    exists: bool,
    now: Timestamp,
) -> Result<()> {
    let sql = if exists {
        "update lines set name = $2, distribution = $3, max_open_per_operator = $4, greeting = $5, \
         off_hours_message = $6, working_hours = $7, sla_seconds = $8, auto_close_minutes = $9, \
         rating_mode = $10, reopen_minutes = $11, updated_at = $12, new_client_creates = $13, \
         deal_pipeline_id = $14, deal_currency = $15 where id = $1"
    } else {
        "insert into lines (id, name, distribution, max_open_per_operator, greeting, off_hours_message, \
         working_hours, sla_seconds, auto_close_minutes, rating_mode, reopen_minutes, created_at, updated_at, \
         new_client_creates, deal_pipeline_id, deal_currency) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15)"
    };
    sqlx::query(sql)
        .bind(line.id.to_string())
        .bind(&line.name)
        .bind(line.distribution.as_str())
        .bind(line.max_open_per_operator)
        .bind(line.greeting.as_deref())
        .bind(line.off_hours_message.as_deref())
        .bind(
            line.working_hours
                .as_ref()
                .map(|hours| hours.to_json().to_string()),
        )
        .bind(line.sla_seconds)
        .bind(line.auto_close_minutes)
        .bind(line.rating_mode.as_str())
        .bind(line.reopen_minutes)
        .bind(now.millis())
        .bind(line.new_client_creates.as_str())
        .bind(line.deal_pipeline_id.map(|id| id.to_string()))
        .bind(line.deal_currency.code())
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces who serves the line: operators are routed conversations, supervisors watch.
pub(crate) async fn set_operators(
    conn: &mut Conn,
    line: LineId,
    operators: &[UserId],
    supervisors: &[UserId],
    now: Timestamp,
) -> Result<()> {
    sqlx::query("delete from line_operators where line_id = $1")
        .bind(line.to_string())
        .execute(&mut *conn)
        .await?;
    let people = operators
        .iter()
        .map(|id| (id, 0_i64))
        .chain(supervisors.iter().map(|id| (id, 1_i64)));
    for (user, supervisor) in people {
        sqlx::query(
            "insert into line_operators (line_id, user_id, supervisor, created_at, updated_at) \
             values ($1, $2, $3, $4, $4) on conflict do nothing",
        )
        .bind(line.to_string())
        .bind(user.to_string())
        .bind(supervisor)
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
    off_hours_message: Option<String>,
    working_hours: Option<String>,
    sla_seconds: i64,
    auto_close_minutes: i64,
    rating_mode: String,
    reopen_minutes: i64,
    new_client_creates: String,
    deal_pipeline_id: Option<String>,
    deal_currency: String,
    created_at: i64,
}

pub(crate) async fn get_line(conn: &mut Conn, id: LineId) -> Result<Option<Line>> {
    let sql = sqlx::AssertSqlSafe(format!("select {LINE_COLUMNS} from lines where id = $1"));
    let row: Option<LineRow> = sqlx::query_as(sql)
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let working_hours = match row.working_hours.as_deref() {
        Some(raw) => {
            let value: serde_json::Value = serde_json::from_str(raw).map_err(|_| {
                crate::Error::Internal("malformed working hours in database".into())
            })?;
            Some(WorkingHours::parse(&value)?)
        }
        None => None,
    };
    Ok(Some(Line {
        id: parse_id(&row.id)?,
        name: row.name,
        distribution: Distribution::parse(&row.distribution)?,
        max_open_per_operator: row.max_open_per_operator,
        greeting: row.greeting,
        off_hours_message: row.off_hours_message,
        working_hours,
        sla_seconds: row.sla_seconds,
        auto_close_minutes: row.auto_close_minutes,
        rating_mode: RatingMode::parse(&row.rating_mode)?,
        reopen_minutes: row.reopen_minutes,
        new_client_creates: NewClientCreates::parse(&row.new_client_creates)?,
        deal_pipeline_id: parse_opt_id(row.deal_pipeline_id.as_deref())?,
        deal_currency: Currency::parse(&row.deal_currency)?,
        operators: people(conn, id, false).await?,
        supervisors: people(conn, id, true).await?,
        created_at: Timestamp::from_millis(row.created_at),
    }))
}

/// Every line, by name.
pub(crate) async fn list_lines(conn: &mut Conn) -> Result<Vec<Line>> {
    let ids: Vec<String> = sqlx::query_scalar("select id from lines order by name, id")
        .fetch_all(&mut *conn)
        .await?;
    let mut all = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(line) = get_line(conn, parse_id(&id)?).await? {
            all.push(line);
        }
    }
    Ok(all)
}

/// The operators routing may give the line's conversations to.
pub(crate) async fn operators(conn: &mut Conn, line: LineId) -> Result<Vec<UserId>> {
    people(conn, line, false).await
}

pub(crate) async fn supervisors(conn: &mut Conn, line: LineId) -> Result<Vec<UserId>> {
    people(conn, line, true).await
}

async fn people(conn: &mut Conn, line: LineId, supervisors: bool) -> Result<Vec<UserId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "select user_id from line_operators where line_id = $1 and supervisor = $2 order by user_id",
    )
    .bind(line.to_string())
    .bind(i64::from(supervisors))
    .fetch_all(conn)
    .await?;
    ids.iter().map(|id| parse_id(id)).collect()
}

/// The line's operators with their open conversation counts, longest idle first.
pub(crate) async fn operator_loads(conn: &mut Conn, line: LineId) -> Result<Vec<(UserId, i64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select o.user_id, (select count(*) from conversations c where c.assignee_id = o.user_id \
         and c.status = 'assigned') from line_operators o join users u on u.id = o.user_id \
         where o.line_id = $1 and o.supervisor = 0 and u.disabled_at is null order by o.last_assigned_at, o.user_id",
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

/// Every line's id and name, by name: where a conversation may be transferred.
pub(crate) async fn line_names(conn: &mut Conn) -> Result<Vec<(LineId, String)>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("select id, name from lines order by name, id")
            .fetch_all(conn)
            .await?;
    rows.into_iter()
        .map(|(id, name)| Ok((parse_id(&id)?, name)))
        .collect()
}
