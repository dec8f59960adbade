//! The `deals` table. A deal's probability is stored only when the deal overrides its
//! stage's; reads join the stage for the rest, so changing a stage's probability moves
//! every deal that follows it at once. Every write here also moves the deal's share of
//! `deal_totals`, in the caller's transaction.

use super::{
    custom_fields,
    deal_totals::{self, Share, share_columns},
    keyset::{self, Order},
    sql::{Scope, Sql},
};
use crate::{
    Error, Result,
    domain::{
        Timestamp, UserId,
        crm::{
            CalendarDate, Currency, Deal, DealFilter, DealId, DealSortKey, Money, Probability,
            StageId,
        },
    },
    store::{
        Conn,
        rows::{parse_id, parse_opt_id},
    },
};

macro_rules! deal_columns {
    () => {
        "c.id, c.title, c.amount_minor, c.currency, c.expected_close, c.pipeline_id, \
         c.stage_id, coalesce(c.probability, s.probability) as probability, \
         cast(case when c.probability is null then 0 else 1 end as bigint) as probability_overridden, \
         c.contact_id, c.company_id, c.source, c.responsible_id, c.department_id, c.closed_on, \
         c.custom, c.created_at, c.updated_at"
    };
}

#[derive(sqlx::FromRow)]
struct DealRow {
    id: String,
    title: String,
    amount_minor: i64,
    currency: String,
    expected_close: Option<i64>,
    pipeline_id: String,
    stage_id: String,
    probability: i64,
    probability_overridden: i64,
    contact_id: Option<String>,
    company_id: Option<String>,
    source: Option<String>,
    responsible_id: Option<String>,
    department_id: Option<String>,
    closed_on: Option<i64>,
    custom: String,
    created_at: i64,
    updated_at: i64,
}

impl DealRow {
    fn into_deal(self) -> Result<Deal> {
        Ok(Deal {
            id: parse_id(&self.id)?,
            title: self.title,
            money: Money {
                minor: self.amount_minor,
                currency: Currency::parse(&self.currency)
                    .map_err(|_| Error::Internal("unknown currency in database".into()))?,
            },
            expected_close: self.expected_close.map(CalendarDate::from_number),
            pipeline_id: parse_id(&self.pipeline_id)?,
            stage_id: parse_id(&self.stage_id)?,
            probability: Probability::parse("probability", self.probability)?,
            probability_overridden: self.probability_overridden != 0,
            contact_id: parse_opt_id(self.contact_id.as_deref())?,
            company_id: parse_opt_id(self.company_id.as_deref())?,
            source: self.source,
            responsible_id: parse_opt_id(self.responsible_id.as_deref())?,
            department_id: parse_opt_id(self.department_id.as_deref())?,
            closed_on: self.closed_on.map(CalendarDate::from_number),
            custom: serde_json::from_str(&self.custom)
                .map_err(|_| Error::Internal("malformed custom fields in database".into()))?,
            created_at: Timestamp::from_millis(self.created_at),
            updated_at: Timestamp::from_millis(self.updated_at),
        })
    }
}

/// The probability column: only an override is stored.
fn stored_probability(deal: &Deal) -> Option<i64> {
    deal.probability_overridden
        .then(|| deal.probability.percent())
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds the deal's id as `$1` and its fields as `$2`–`$17`, in the column order both
/// `insert` and `update` name them.
fn bind_deal<'q>(query: AnyQuery<'q>, deal: &'q Deal) -> AnyQuery<'q> {
    query
        .bind(deal.id.to_string())
        .bind(deal.title.as_str())
        .bind(deal.title.to_lowercase())
        .bind(deal.money.minor)
        .bind(deal.money.currency.code())
        .bind(deal.expected_close.map(CalendarDate::number))
        .bind(deal.pipeline_id.to_string())
        .bind(deal.stage_id.to_string())
        .bind(stored_probability(deal))
        .bind(deal.contact_id.map(|id| id.to_string()))
        .bind(deal.company_id.map(|id| id.to_string()))
        .bind(deal.source.as_deref())
        .bind(deal.responsible_id.map(|id| id.to_string()))
        .bind(deal.department_id.map(|id| id.to_string()))
        .bind(deal.closed_on.map(CalendarDate::number))
        .bind(deal.updated_at.millis())
        .bind(deal.custom.to_string())
}

pub(crate) async fn insert(conn: &mut Conn, deal: &Deal, created_by: Option<UserId>) -> Result<()> {
    let query = sqlx::query(
        "insert into deals (id, title, title_key, amount_minor, currency, expected_close, \
         pipeline_id, stage_id, probability, contact_id, company_id, source, responsible_id, \
         department_id, closed_on, updated_at, custom, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         $19)",
    );
    bind_deal(query, deal)
        .bind(created_by.map(|id| id.to_string()))
        .bind(deal.created_at.millis())
        .execute(&mut *conn)
        .await?;
    deal_totals::apply(conn, None, Some(&Share::of(deal)), deal.updated_at).await
}

/// Writes every field of `deal` over its row. The share it leaves in the totals is read
/// from the row itself, so a caller's stale copy cannot skew them.
pub(crate) async fn update(conn: &mut Conn, deal: &Deal) -> Result<()> {
    let before = deal_totals::stored(conn, deal.id).await?;
    let query = sqlx::query(
        "update deals set title = $2, title_key = $3, amount_minor = $4, currency = $5, \
         expected_close = $6, pipeline_id = $7, stage_id = $8, probability = $9, \
         contact_id = $10, company_id = $11, source = $12, responsible_id = $13, \
         department_id = $14, closed_on = $15, updated_at = $16, custom = $17 where id = $1",
    );
    bind_deal(query, deal).execute(&mut *conn).await?;
    // A deleted deal is in no total before or after.
    match before {
        Some(before) => {
            let after = Share::of(deal);
            deal_totals::apply(conn, Some(&before), Some(&after), deal.updated_at).await
        }
        None => Ok(()),
    }
}

pub(crate) async fn soft_delete(conn: &mut Conn, id: DealId, now: Timestamp) -> Result<()> {
    let removed: Option<Share> = sqlx::query_as(concat!(
        "update deals set deleted_at = $2, updated_at = $2 where id = $1 and deleted_at is null \
         returning ",
        share_columns!()
    ))
    .bind(id.to_string())
    .bind(now.millis())
    .fetch_optional(&mut *conn)
    .await?;
    let removed = removed.ok_or_else(|| Error::not_found("deal"))?;
    deal_totals::apply(conn, Some(&removed), None, now).await
}

pub(crate) async fn get(conn: &mut Conn, scope: &Scope, id: DealId) -> Result<Option<Deal>> {
    Ok(get_many(conn, scope, &[id]).await?.into_iter().next())
}

/// The live deals among `ids` that the scope sees, in the order of `ids`.
pub(crate) async fn get_many(conn: &mut Conn, scope: &Scope, ids: &[DealId]) -> Result<Vec<Deal>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(concat!(
        "select ",
        deal_columns!(),
        " from deals c join pipeline_stages s on s.id = c.stage_id \
         where c.deleted_at is null and c.id in ("
    ));
    sql.list(ids).push(")");
    scope.restrict(&mut sql);
    let mut found = into_deals(sql.fetch_all(conn).await?)?;
    found.sort_by_key(|deal| ids.iter().position(|id| *id == deal.id));
    Ok(found)
}

/// Live deals in a stage, whoever can see them: for moving them out before it is removed.
pub(crate) async fn ids_in_stage(conn: &mut Conn, stage: StageId) -> Result<Vec<DealId>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "select id from deals where stage_id = $1 and deleted_at is null order by id",
    )
    .bind(stage.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|id| parse_id(id)).collect()
}

/// Moves the deleted deals of a stage (kept as history) to another, so the stage can go.
pub(crate) async fn move_deleted(conn: &mut Conn, from: StageId, to: StageId) -> Result<()> {
    sqlx::query("update deals set stage_id = $2 where stage_id = $1 and deleted_at is not null")
        .bind(from.to_string())
        .bind(to.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

fn into_deals(rows: Vec<DealRow>) -> Result<Vec<Deal>> {
    rows.into_iter().map(DealRow::into_deal).collect()
}

/// The SQL key of a sort (see `DealSort::cursor_after` for the values it compares with).
fn sort_key(key: DealSortKey) -> Option<&'static str> {
    match key {
        DealSortKey::Created => None,
        DealSortKey::Amount => Some("c.amount_minor"),
        DealSortKey::CloseDate => Some("coalesce(c.expected_close, 99999999)"),
        DealSortKey::Updated => Some("c.updated_at"),
    }
}

/// Escapes `%`, `_` and `\` for a `like … escape '\'` pattern.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Appends the conditions of a deal list: live, visible, and the filter's.
fn filtered(sql: &mut Sql, scope: &Scope, filter: &DealFilter) {
    sql.push(" where c.deleted_at is null");
    scope.restrict(sql);
    custom_fields::restrict(sql, &filter.custom);
    if !filter.ids.is_empty() {
        sql.push(" and c.id in (");
        for (n, id) in filter.ids.iter().enumerate() {
            if n > 0 {
                sql.push(", ");
            }
            sql.text(id);
        }
        sql.push(")");
    }
    if let Some(pipeline) = filter.pipeline_id {
        sql.push(" and c.pipeline_id = ").text(pipeline);
    }
    if let Some(stage) = filter.stage_id {
        sql.push(" and c.stage_id = ").text(stage);
    }
    if let Some(meaning) = filter.status {
        sql.push(" and c.stage_id in (select id from pipeline_stages where meaning = ")
            .text(meaning.as_str())
            .push(")");
    }
    if let Some(user) = filter.responsible_id {
        sql.push(" and c.responsible_id = ").text(user);
    }
    if let Some(source) = &filter.source {
        sql.push(" and c.source = ").text(source);
    }
    if let Some(contact) = filter.contact_id {
        sql.push(" and c.contact_id = ").text(contact);
    }
    if let Some(company) = filter.company_id {
        sql.push(" and c.company_id = ").text(company);
    }
    if let Some(min) = filter.amount_min {
        sql.push(" and c.currency = ")
            .text(min.currency.code())
            .push(" and c.amount_minor >= ")
            .int(min.minor);
    }
    if let Some(max) = filter.amount_max {
        sql.push(" and c.currency = ")
            .text(max.currency.code())
            .push(" and c.amount_minor <= ")
            .int(max.minor);
    }
    if let Some(q) = &filter.q {
        sql.push(" and c.title_key like ")
            .text(like_pattern(q))
            .push(" escape '\\'");
    }
}

/// A page of deals in the filter's order, after its cursor.
pub(crate) async fn list(conn: &mut Conn, scope: &Scope, filter: &DealFilter) -> Result<Vec<Deal>> {
    let mut sql = keyset::start(
        concat!(
            "select ",
            deal_columns!(),
            " from deals c join pipeline_stages s on s.id = c.stage_id"
        ),
        "select c.id from deals c",
    );
    filtered(&mut sql, scope, filter);
    let order = Order {
        key: sort_key(filter.sort.key),
        descending: filter.sort.descending,
    };
    keyset::finish(&mut sql, order, filter.after, filter.limit);
    into_deals(sql.fetch_all(conn).await?)
}

/// How many deals the filter matches, ignoring the cursor.
pub(crate) async fn count(conn: &mut Conn, scope: &Scope, filter: &DealFilter) -> Result<i64> {
    let mut sql = Sql::new("select count(*) from deals c");
    filtered(&mut sql, scope, filter);
    sql.fetch_scalar(conn).await
}
