//! What the analytics report: the funnel of a pipeline, the forecast by expected close
//! month, lead conversion, and won and lost deals by month, each optionally split by
//! responsible user or by source. Amounts are summed per currency and never converted.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{CalendarDate, PipelineId, StageId, StageMeaning, timeline::text_enum};
use crate::Error;

text_enum!(
    /// How report rows are split.
    GroupBy, "group_by", "responsible, source",
    { Responsible => "responsible", Source => "source" }
);

/// The only period reports are bucketed by so far.
pub fn check_period(raw: Option<&str>) -> Result<(), Error> {
    match raw.map(str::trim) {
        None | Some("month") => Ok(()),
        Some(_) => Err(Error::validation("period", "must be month")),
    }
}

/// What a report covers: one pipeline (the default when `None`), a date range (from
/// inclusive, to exclusive; open ends when `None`) and a split.
#[derive(Clone, Debug, Default)]
pub struct ReportQuery {
    pub pipeline_id: Option<PipelineId>,
    pub from: Option<CalendarDate>,
    pub to: Option<CalendarDate>,
    pub group_by: Option<GroupBy>,
}

impl ReportQuery {
    pub fn check(&self) -> Result<(), Error> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from >= to
        {
            return Err(Error::validation("to", "must be after from"));
        }
        Ok(())
    }
}

/// Amounts per currency code, as exact decimal text.
pub type Amounts = BTreeMap<&'static str, String>;

/// One stage of the funnel (within one group when split).
#[derive(Clone, Debug, Serialize)]
pub struct FunnelRow {
    /// The responsible user's id or the source; absent when not split, `null` for none.
    #[serde(skip_serializing_if = "Grouping::is_whole")]
    pub group: Grouping,
    pub stage_id: StageId,
    pub stage: String,
    pub position: i64,
    pub meaning: StageMeaning,
    pub count: i64,
    pub amounts: Amounts,
}

/// Expected money per close month and currency: Σ amount × probability.
#[derive(Clone, Debug, Serialize)]
pub struct ForecastRow {
    #[serde(skip_serializing_if = "Grouping::is_whole")]
    pub group: Grouping,
    /// `YYYY-MM`.
    pub month: String,
    pub currency: &'static str,
    pub count: i64,
    pub amount: String,
    pub weighted: String,
}

/// Leads created in the period and what became of them.
#[derive(Clone, Debug, Serialize)]
pub struct ConversionRow {
    #[serde(skip_serializing_if = "Grouping::is_whole")]
    pub group: Grouping,
    pub leads: i64,
    pub converted: i64,
    pub junk: i64,
    /// converted / leads, 0 when there are none.
    pub rate: f64,
}

/// Deals that closed in a month, won and lost.
#[derive(Clone, Debug, Serialize)]
pub struct WonLostRow {
    #[serde(skip_serializing_if = "Grouping::is_whole")]
    pub group: Grouping,
    pub month: String,
    pub won: i64,
    pub lost: i64,
    pub won_amounts: Amounts,
    pub lost_amounts: Amounts,
}

/// A row's group: the whole (no split), or one value of the split (`None`: no responsible
/// user, no source).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grouping {
    Whole,
    Value(Option<String>),
}

impl Grouping {
    pub fn is_whole(&self) -> bool {
        matches!(self, Grouping::Whole)
    }
}

impl Serialize for Grouping {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Grouping::Whole | Grouping::Value(None) => serializer.serialize_none(),
            Grouping::Value(Some(value)) => serializer.serialize_str(value),
        }
    }
}
