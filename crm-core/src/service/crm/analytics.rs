//! Reports over deals and leads: the funnel, the forecast, lead conversion and won/lost by
//! month. Each counts only what the caller may see (the same `Scope` as lists), and sums
//! money per currency, exactly. The funnel and the forecast over whole months add up the
//! maintained `deal_totals`, so their cost does not grow with the number of deals.

use std::collections::BTreeMap;

use super::scope_of;
use crate::{
    Error, Result, Store,
    domain::{
        User,
        crm::{
            Currency, Pipeline,
            analytics::{
                Amounts, ConversionRow, ForecastRow, FunnelRow, Grouping, ReportQuery, WonLostRow,
            },
            decimal_text, month_text, weighted_text,
        },
    },
    store::{
        Conn,
        crm::{analytics as report_store, deal_totals, pipelines as pipeline_store},
    },
};

#[derive(Clone)]
pub struct Analytics {
    store: Store,
}

fn currency(code: &str) -> Result<Currency> {
    Currency::parse(code).map_err(|_| Error::Internal("unknown currency in database".into()))
}

fn grouping(query: &ReportQuery, value: Option<String>) -> Grouping {
    match query.group_by {
        None => Grouping::Whole,
        Some(_) => Grouping::Value(value),
    }
}

/// Adds `minor` of `code` to the amounts (kept as minor units until rendered).
fn add(sums: &mut BTreeMap<&'static str, (Currency, i128)>, code: &str, minor: i64) -> Result<()> {
    let currency = currency(code)?;
    sums.entry(currency.code()).or_insert((currency, 0)).1 += i128::from(minor);
    Ok(())
}

fn render(sums: BTreeMap<&'static str, (Currency, i128)>) -> Amounts {
    sums.into_iter()
        .map(|(code, (currency, minor))| (code, decimal_text(minor, currency.exponent())))
        .collect()
}

impl Analytics {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Deals per stage of a pipeline (every stage, in order, empty ones with zero), with
    /// their amounts per currency; one set of stages per group when split.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn funnel(&self, actor: &User, query: ReportQuery) -> Result<Vec<FunnelRow>> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let pipeline = pipeline(&mut conn, &query).await?;
        let cells = deal_totals::funnel(&mut conn, &scope, pipeline.id, query.group_by).await?;
        type Cell = (i64, BTreeMap<&'static str, (Currency, i128)>);
        let mut groups: BTreeMap<Grouping, BTreeMap<String, Cell>> = BTreeMap::new();
        if query.group_by.is_none() {
            groups.insert(Grouping::Whole, BTreeMap::new());
        }
        for cell in cells {
            let group = groups.entry(grouping(&query, cell.grp)).or_default();
            let (count, sums) = group.entry(cell.stage_id).or_default();
            *count += cell.n;
            add(sums, &cell.currency, cell.total)?;
        }
        let mut rows = Vec::new();
        for (group, mut stages) in groups {
            for stage in &pipeline.stages {
                let (count, sums) = stages.remove(&stage.id.to_string()).unwrap_or_default();
                rows.push(FunnelRow {
                    group: group.clone(),
                    stage_id: stage.id,
                    stage: stage.name.clone(),
                    position: stage.position,
                    meaning: stage.meaning,
                    count,
                    amounts: render(sums),
                });
            }
        }
        Ok(rows)
    }

    /// Per month of expected close and currency: the deals, their amount, and Σ amount ×
    /// probability (the deal's, or its stage's). Deals without a close date are left out.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn forecast(&self, actor: &User, query: ReportQuery) -> Result<Vec<ForecastRow>> {
        query.check()?;
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let pipeline = pipeline(&mut conn, &query).await?;
        let months = (
            deal_totals::month_bound(query.from),
            deal_totals::month_bound(query.to),
        );
        let cells = match months {
            (Some(from), Some(to)) => {
                deal_totals::forecast(&mut conn, &scope, pipeline.id, (from, to), query.group_by)
                    .await?
            }
            _ => {
                let range = (query.from, query.to);
                report_store::forecast(&mut conn, &scope, pipeline.id, range, query.group_by)
                    .await?
            }
        };
        let mut rows = cells
            .into_iter()
            .map(|cell| {
                let currency = currency(&cell.currency)?;
                Ok(ForecastRow {
                    group: grouping(&query, cell.grp),
                    month: month_text(cell.month),
                    currency: currency.code(),
                    count: cell.n,
                    amount: decimal_text(i128::from(cell.total), currency.exponent()),
                    weighted: weighted_text(i128::from(cell.weighted), currency),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        rows.sort_by(|a, b| {
            (&a.group, &a.month, a.currency).cmp(&(&b.group, &b.month, b.currency))
        });
        Ok(rows)
    }

    /// Leads created in the period: how many, how many were converted and how many are
    /// junk, and the share converted.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn conversion(&self, actor: &User, query: ReportQuery) -> Result<Vec<ConversionRow>> {
        query.check()?;
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let range = (
            query.from.map(|date| date.start()),
            query.to.map(|date| date.start()),
        );
        let cells = report_store::conversion(&mut conn, &scope, range, query.group_by).await?;
        let mut rows: Vec<ConversionRow> = cells
            .into_iter()
            .map(|cell| ConversionRow {
                group: grouping(&query, cell.grp),
                leads: cell.leads,
                converted: cell.converted,
                junk: cell.junk,
                rate: if cell.leads == 0 {
                    0.0
                } else {
                    (cell.converted as f64 / cell.leads as f64 * 10_000.0).round() / 10_000.0
                },
            })
            .collect();
        rows.sort_by(|a, b| a.group.cmp(&b.group));
        Ok(rows)
    }

    /// Deals won and lost per month of closing, with their amounts per currency; every
    /// pipeline unless one is named.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn won_lost(&self, actor: &User, query: ReportQuery) -> Result<Vec<WonLostRow>> {
        query.check()?;
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        if let Some(id) = query.pipeline_id {
            pipeline_store::get(&mut conn, id)
                .await?
                .ok_or_else(|| Error::validation("pipeline_id", "no such pipeline"))?;
        }
        let cells = report_store::closed(
            &mut conn,
            &scope,
            query.pipeline_id,
            (query.from, query.to),
            query.group_by,
        )
        .await?;
        type Side = (i64, BTreeMap<&'static str, (Currency, i128)>);
        let mut months: BTreeMap<(Grouping, i64), (Side, Side)> = BTreeMap::new();
        for cell in cells {
            let (won, lost) = months
                .entry((grouping(&query, cell.grp), cell.month))
                .or_default();
            let side = if cell.meaning == "won" { won } else { lost };
            side.0 += cell.n;
            add(&mut side.1, &cell.currency, cell.total)?;
        }
        Ok(months
            .into_iter()
            .map(|((group, month), (won, lost))| WonLostRow {
                group,
                month: month_text(month),
                won: won.0,
                lost: lost.0,
                won_amounts: render(won.1),
                lost_amounts: render(lost.1),
            })
            .collect())
    }
}

/// The pipeline a report is about: the one named, or the default.
async fn pipeline(conn: &mut Conn, query: &ReportQuery) -> Result<Pipeline> {
    match query.pipeline_id {
        Some(id) => pipeline_store::get(conn, id)
            .await?
            .ok_or_else(|| Error::validation("pipeline_id", "no such pipeline")),
        None => pipeline_store::default(conn)
            .await?
            .ok_or(Error::Internal("no default pipeline".into())),
    }
}
