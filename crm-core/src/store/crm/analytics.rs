//! The aggregate queries behind the analytics that read the records: sums and counts per
//! expected close month (for ranges that do not fall on month starts), per closing month and
//! per lead outcome, grouped in SQL (with the caller's visibility in the statement) so that
//! only a few rows per group leave the database. The indexes `deals_forecast`,
//! `deals_closed` and `leads_created` cover them. The funnel and the forecast over whole
//! months read `deal_totals` instead (`deal_totals.rs`); the cells are shared.

use super::sql::{Scope, Sql};
use crate::{
    Result,
    domain::{
        Timestamp,
        crm::{CalendarDate, PipelineId, analytics::GroupBy},
    },
    store::Conn,
};

/// The grouping column of a report, on the record aliased `c`; a null text when not split.
fn group_column(group_by: Option<GroupBy>) -> &'static str {
    match group_by {
        None => "cast(null as text)",
        Some(GroupBy::Responsible) => "c.responsible_id",
        Some(GroupBy::Source) => "c.source",
    }
}

/// Appends the grouping column to a `group by` list (PostgreSQL refuses constants there,
/// so nothing is appended when not split).
fn then_group(sql: &mut Sql, group_by: Option<GroupBy>) {
    if group_by.is_some() {
        sql.push(", ").push(group_column(group_by));
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FunnelCell {
    pub stage_id: String,
    pub currency: String,
    pub grp: Option<String>,
    pub n: i64,
    pub total: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ForecastCell {
    pub month: i64,
    pub currency: String,
    pub grp: Option<String>,
    pub n: i64,
    pub total: i64,
    /// Σ amount_minor × probability percent.
    pub weighted: i64,
}

/// Live deals of a pipeline with an expected close date in [from, to), per month of that
/// date, currency and group, read from the deals: for bounds inside a month.
pub(crate) async fn forecast(
    conn: &mut Conn,
    scope: &Scope,
    pipeline: PipelineId,
    range: (Option<CalendarDate>, Option<CalendarDate>),
    group_by: Option<GroupBy>,
) -> Result<Vec<ForecastCell>> {
    let group = group_column(group_by);
    let mut sql = Sql::new("select cast(c.expected_close / 100 as bigint) as month, c.currency, ");
    sql.push(group)
        .push(
            " as grp, count(*) as n, cast(sum(c.amount_minor) as bigint) as total, \
             cast(sum(c.amount_minor * coalesce(c.probability, s.probability)) as bigint) as weighted \
             from deals c join pipeline_stages s on s.id = c.stage_id \
             where c.deleted_at is null and c.expected_close is not null and c.pipeline_id = ",
        )
        .text(pipeline);
    if let Some(from) = range.0 {
        sql.push(" and c.expected_close >= ").int(from.number());
    }
    if let Some(to) = range.1 {
        sql.push(" and c.expected_close < ").int(to.number());
    }
    scope.restrict(&mut sql);
    sql.push(" group by c.expected_close / 100, c.currency");
    then_group(&mut sql, group_by);
    sql.fetch_all(conn).await
}

#[derive(sqlx::FromRow)]
pub(crate) struct ClosedCell {
    pub month: i64,
    pub meaning: String,
    pub currency: String,
    pub grp: Option<String>,
    pub n: i64,
    pub total: i64,
}

/// Live deals that closed (won or lost) in [from, to), per closing month, outcome,
/// currency and group; all pipelines unless one is named.
pub(crate) async fn closed(
    conn: &mut Conn,
    scope: &Scope,
    pipeline: Option<PipelineId>,
    range: (Option<CalendarDate>, Option<CalendarDate>),
    group_by: Option<GroupBy>,
) -> Result<Vec<ClosedCell>> {
    let group = group_column(group_by);
    let mut sql =
        Sql::new("select cast(c.closed_on / 100 as bigint) as month, s.meaning, c.currency, ");
    sql.push(group).push(
        " as grp, count(*) as n, cast(sum(c.amount_minor) as bigint) as total \
         from deals c join pipeline_stages s on s.id = c.stage_id \
         where c.deleted_at is null and c.closed_on is not null and s.meaning <> 'open'",
    );
    if let Some(pipeline) = pipeline {
        sql.push(" and c.pipeline_id = ").text(pipeline);
    }
    if let Some(from) = range.0 {
        sql.push(" and c.closed_on >= ").int(from.number());
    }
    if let Some(to) = range.1 {
        sql.push(" and c.closed_on < ").int(to.number());
    }
    scope.restrict(&mut sql);
    sql.push(" group by c.closed_on / 100, s.meaning, c.currency");
    then_group(&mut sql, group_by);
    sql.fetch_all(conn).await
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConversionCell {
    pub grp: Option<String>,
    pub leads: i64,
    pub converted: i64,
    pub junk: i64,
}

/// Live leads created in [from, to) per group: how many, how many converted, how many junk.
pub(crate) async fn conversion(
    conn: &mut Conn,
    scope: &Scope,
    range: (Option<Timestamp>, Option<Timestamp>),
    group_by: Option<GroupBy>,
) -> Result<Vec<ConversionCell>> {
    let group = group_column(group_by);
    let mut sql = Sql::new("select ");
    sql.push(group).push(
        " as grp, count(*) as leads, \
         cast(coalesce(sum(case when c.status = 'converted' then 1 else 0 end), 0) as bigint) as converted, \
         cast(coalesce(sum(case when c.status = 'junk' then 1 else 0 end), 0) as bigint) as junk \
         from leads c where c.deleted_at is null",
    );
    if let Some(from) = range.0 {
        sql.push(" and c.created_at >= ").int(from.millis());
    }
    if let Some(to) = range.1 {
        sql.push(" and c.created_at < ").int(to.millis());
    }
    scope.restrict(&mut sql);
    if group_by.is_some() {
        sql.push(" group by ").push(group);
    }
    sql.fetch_all(conn).await
}
