//! `deal_totals`: live deals summed per pipeline, stage, currency, responsible user,
//! department, source and expected close month. The deal store adjusts it in the same
//! statement sequence (and so the same transaction) as every insert, update and delete of a
//! deal, so the funnel and the forecast add up rows per combination instead of reading
//! every deal. Nothing else writes deals' counted columns; a bulk load that goes around the
//! store calls `rebuild`.

use super::{
    analytics::{ForecastCell, FunnelCell},
    sql::{Scope, Sql},
};
use crate::{
    Result,
    domain::{
        Timestamp,
        crm::{CalendarDate, Deal, DealId, PipelineId, analytics::GroupBy},
    },
    store::Conn,
};

/// The columns of a deal that place it in the totals, as `deals` stores them.
macro_rules! share_columns {
    () => {
        "pipeline_id, stage_id, currency, coalesce(responsible_id, '') as responsible_id, \
         coalesce(department_id, '') as department_id, coalesce(source, '') as source, \
         coalesce(expected_close / 100, 0) as close_month, amount_minor, probability"
    };
}
pub(crate) use share_columns;

/// Which row of the totals a deal counts in ('' for none, month 0 for no close date).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
struct Key {
    pipeline_id: String,
    stage_id: String,
    currency: String,
    responsible_id: String,
    department_id: String,
    source: String,
    close_month: i64,
}

/// What a live deal adds to its row of the totals.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Share {
    #[sqlx(flatten)]
    key: Key,
    amount_minor: i64,
    /// The deal's own percent; `None` follows the stage's.
    probability: Option<i64>,
}

impl Share {
    pub fn of(deal: &Deal) -> Self {
        Self {
            key: Key {
                pipeline_id: deal.pipeline_id.to_string(),
                stage_id: deal.stage_id.to_string(),
                currency: deal.money.currency.code().to_owned(),
                responsible_id: deal
                    .responsible_id
                    .map_or_else(String::new, |id| id.to_string()),
                department_id: deal
                    .department_id
                    .map_or_else(String::new, |id| id.to_string()),
                source: deal.source.clone().unwrap_or_default(),
                close_month: deal.expected_close.map_or(0, |date| date.number() / 100),
            },
            amount_minor: deal.money.minor,
            probability: deal
                .probability_overridden
                .then(|| deal.probability.percent()),
        }
    }

    /// (deals, Σ amount, Σ amount following the stage, Σ amount × own percent), signed.
    fn sums(&self, sign: i64) -> [i64; 4] {
        let amount = self.amount_minor;
        let (following, weighted) = match self.probability {
            None => (amount, 0),
            Some(percent) => (0, amount * percent),
        };
        [sign, sign * amount, sign * following, sign * weighted]
    }
}

/// The share of a live deal as stored, before the store rewrites or deletes it.
pub(crate) async fn stored(conn: &mut Conn, id: DealId) -> Result<Option<Share>> {
    Ok(sqlx::query_as(concat!(
        "select ",
        share_columns!(),
        " from deals where id = $1 and deleted_at is null"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?)
}

/// Moves a deal's share from `removed` to `added` (either absent for a create or a delete).
/// Rows are written in key order, so two transactions cannot lock the same pair of rows
/// in opposite orders; a change that moves nothing (a title edit) writes nothing.
pub(crate) async fn apply(
    conn: &mut Conn,
    removed: Option<&Share>,
    added: Option<&Share>,
    now: Timestamp,
) -> Result<()> {
    let mut changes: Vec<(&Key, [i64; 4])> = Vec::with_capacity(2);
    match (removed, added) {
        (Some(before), Some(after)) if before == after => return Ok(()),
        (Some(before), Some(after)) if before.key == after.key => {
            let (old, new) = (before.sums(-1), after.sums(1));
            changes.push((&after.key, std::array::from_fn(|i| old[i] + new[i])));
        }
        _ => {
            changes.extend(removed.map(|share| (&share.key, share.sums(-1))));
            changes.extend(added.map(|share| (&share.key, share.sums(1))));
        }
    }
    changes.sort_by(|a, b| a.0.cmp(b.0));
    for (key, [deals, amount, following, weighted]) in changes {
        sqlx::query(
            "insert into deal_totals (pipeline_id, stage_id, currency, responsible_id, \
             department_id, source, close_month, deals, amount_minor, following_minor, \
             weighted_own, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
             on conflict (pipeline_id, stage_id, currency, responsible_id, department_id, \
             source, close_month) do update set deals = deal_totals.deals + excluded.deals, \
             amount_minor = deal_totals.amount_minor + excluded.amount_minor, \
             following_minor = deal_totals.following_minor + excluded.following_minor, \
             weighted_own = deal_totals.weighted_own + excluded.weighted_own, \
             updated_at = excluded.updated_at",
        )
        .bind(key.pipeline_id.as_str())
        .bind(key.stage_id.as_str())
        .bind(key.currency.as_str())
        .bind(key.responsible_id.as_str())
        .bind(key.department_id.as_str())
        .bind(key.source.as_str())
        .bind(key.close_month)
        .bind(deals)
        .bind(amount)
        .bind(following)
        .bind(weighted)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The grouping column of a report over the totals (aliased `c`), '' read back as none.
fn group_column(group_by: Option<GroupBy>) -> &'static str {
    match group_by {
        None => "cast(null as text)",
        Some(GroupBy::Responsible) => "nullif(c.responsible_id, '')",
        Some(GroupBy::Source) => "nullif(c.source, '')",
    }
}

/// Appends the split's key column to a `group by` list (PostgreSQL refuses constants there).
fn then_group(sql: &mut Sql, group_by: Option<GroupBy>) {
    match group_by {
        None => {}
        Some(GroupBy::Responsible) => {
            sql.push(", c.responsible_id");
        }
        Some(GroupBy::Source) => {
            sql.push(", c.source");
        }
    }
}

/// `report_store::funnel` read from the totals: live deals of a pipeline per stage,
/// currency and group. Rows emptied by moves and deletes are left out, as the deals are.
pub(crate) async fn funnel(
    conn: &mut Conn,
    scope: &Scope,
    pipeline: PipelineId,
    group_by: Option<GroupBy>,
) -> Result<Vec<FunnelCell>> {
    let mut sql = Sql::new("select c.stage_id, c.currency, ");
    sql.push(group_column(group_by))
        .push(
            " as grp, cast(sum(c.deals) as bigint) as n, \
             cast(sum(c.amount_minor) as bigint) as total \
             from deal_totals c where c.pipeline_id = ",
        )
        .text(pipeline);
    scope.restrict(&mut sql);
    sql.push(" group by c.stage_id, c.currency");
    then_group(&mut sql, group_by);
    sql.push(" having sum(c.deals) > 0");
    sql.fetch_all(conn).await
}

/// The month a date range bound falls on when it is the first of a month: the totals know
/// only months, so other bounds are answered from the deals themselves.
pub(crate) fn month_bound(date: Option<CalendarDate>) -> Option<Option<i64>> {
    match date {
        None => Some(None),
        Some(date) if date.number() % 100 == 1 => Some(Some(date.number() / 100)),
        Some(_) => None,
    }
}

/// `report_store::forecast` read from the totals, for a range of whole months [from, to)
/// (yyyymm): the deals' own weighted sums plus the rest weighed by their stage's current
/// probability, exactly as the per-deal `coalesce(c.probability, s.probability)` does.
pub(crate) async fn forecast(
    conn: &mut Conn,
    scope: &Scope,
    pipeline: PipelineId,
    months: (Option<i64>, Option<i64>),
    group_by: Option<GroupBy>,
) -> Result<Vec<ForecastCell>> {
    let mut sql = Sql::new("select c.close_month as month, c.currency, ");
    sql.push(group_column(group_by))
        .push(
            " as grp, cast(sum(c.deals) as bigint) as n, \
             cast(sum(c.amount_minor) as bigint) as total, \
             cast(sum(c.weighted_own + c.following_minor * s.probability) as bigint) as weighted \
             from deal_totals c join pipeline_stages s on s.id = c.stage_id \
             where c.close_month > 0 and c.pipeline_id = ",
        )
        .text(pipeline);
    if let Some(from) = months.0 {
        sql.push(" and c.close_month >= ").int(from);
    }
    if let Some(to) = months.1 {
        sql.push(" and c.close_month < ").int(to);
    }
    scope.restrict(&mut sql);
    sql.push(" group by c.close_month, c.currency");
    then_group(&mut sql, group_by);
    sql.push(" having sum(c.deals) > 0");
    sql.fetch_all(conn).await
}

/// Sums every live deal again: after a bulk load that went around the store (the scale
/// example) or to repair drift. Also drops the rows that moves and deletes emptied.
pub(crate) async fn rebuild(conn: &mut Conn, now: Timestamp) -> Result<()> {
    sqlx::query("delete from deal_totals")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "insert into deal_totals (pipeline_id, stage_id, currency, responsible_id, \
         department_id, source, close_month, deals, amount_minor, following_minor, \
         weighted_own, created_at, updated_at) \
         select pipeline_id, stage_id, currency, coalesce(responsible_id, ''), \
         coalesce(department_id, ''), coalesce(source, ''), coalesce(expected_close / 100, 0), \
         count(*), sum(amount_minor), \
         sum(case when probability is null then amount_minor else 0 end), \
         sum(amount_minor * coalesce(probability, 0)), $1, $1 \
         from deals where deleted_at is null \
         group by pipeline_id, stage_id, currency, coalesce(responsible_id, ''), \
         coalesce(department_id, ''), coalesce(source, ''), coalesce(expected_close / 100, 0)",
    )
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
