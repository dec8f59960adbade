//! Deals: an amount of money expected from a contact or company, moving through the stages
//! of a pipeline, with the history of every stage it entered.

use serde::Serialize;

use super::{
    CompanyId, ContactId, DealId, Money, PipelineId, Probability, SortCursor, StageChangeId,
    StageId, StageMeaning,
};
use crate::{
    Error,
    domain::{DepartmentId, Timestamp, UserId},
};

/// Longest deal title, in characters.
pub const TITLE_MAX: usize = 200;
/// Most deals one bulk update may change.
pub const BULK_MAX: usize = 500;

/// A calendar date, stored as the number yyyymmdd so that yyyymm is a division away;
/// written `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate(i64);

impl CalendarDate {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, Error> {
        let invalid = || Error::validation(field, "must be a date written YYYY-MM-DD");
        let mut parts = raw.trim().splitn(3, '-');
        let mut number = |len: usize| {
            parts
                .next()
                .filter(|part| part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|part| part.parse::<i32>().ok())
                .ok_or_else(invalid)
        };
        let (year, month, day) = (number(4)?, number(2)?, number(2)?);
        let month = u8::try_from(month)
            .ok()
            .and_then(|month| time::Month::try_from(month).ok())
            .ok_or_else(invalid)?;
        let day = u8::try_from(day).map_err(|_| invalid())?;
        time::Date::from_calendar_date(year, month, day)
            .map(Self::from_date)
            .map_err(|_| invalid())
    }

    pub fn from_date(date: time::Date) -> Self {
        Self(
            i64::from(date.year()) * 10_000
                + i64::from(u8::from(date.month())) * 100
                + i64::from(date.day()),
        )
    }

    /// The UTC date of an instant.
    pub fn of(instant: Timestamp) -> Self {
        Self::from_date(instant.to_offset_date_time().date())
    }

    pub fn from_number(number: i64) -> Self {
        Self(number)
    }

    pub fn number(self) -> i64 {
        self.0
    }

    /// Midnight UTC at the start of this date.
    pub fn start(self) -> Timestamp {
        let date = u8::try_from(self.0 / 100 % 100)
            .ok()
            .and_then(|month| time::Month::try_from(month).ok())
            .and_then(|month| {
                let day = u8::try_from(self.0 % 100).ok()?;
                time::Date::from_calendar_date(i32::try_from(self.0 / 10_000).ok()?, month, day)
                    .ok()
            })
            .unwrap_or(time::Date::MIN);
        let seconds = date.midnight().assume_utc().unix_timestamp();
        Timestamp::from_millis(seconds.saturating_mul(1000))
    }

    /// The first day of the month after this date's month, for half-open month ranges.
    pub fn next_month_start(self) -> Self {
        let (year, month) = (self.0 / 10_000, self.0 / 100 % 100);
        if month == 12 {
            Self((year + 1) * 10_000 + 101)
        } else {
            Self(year * 10_000 + (month + 1) * 100 + 1)
        }
    }
}

impl std::fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0 / 10_000,
            self.0 / 100 % 100,
            self.0 % 100
        )
    }
}

impl Serialize for CalendarDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `yyyymm` as `YYYY-MM`.
pub fn month_text(yyyymm: i64) -> String {
    format!("{:04}-{:02}", yyyymm / 100, yyyymm % 100)
}

#[derive(Clone, Debug, Serialize)]
pub struct Deal {
    pub id: DealId,
    pub title: String,
    #[serde(flatten)]
    pub money: Money,
    pub expected_close: Option<CalendarDate>,
    pub pipeline_id: PipelineId,
    pub stage_id: StageId,
    /// The deal's own probability, or its stage's when `probability_overridden` is false.
    pub probability: Probability,
    pub probability_overridden: bool,
    pub contact_id: Option<ContactId>,
    pub company_id: Option<CompanyId>,
    pub source: Option<String>,
    pub responsible_id: Option<UserId>,
    /// The responsible user's department, copied for visibility as on contacts.
    pub department_id: Option<DepartmentId>,
    /// The day it entered a won or lost stage; `None` while open.
    pub closed_on: Option<CalendarDate>,
    /// Custom field values (`custom_fields`).
    pub custom: serde_json::Value,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewDeal {
    pub title: String,
    pub money: Money,
    pub expected_close: Option<CalendarDate>,
    /// `None`: the default pipeline (or the stage's pipeline when a stage is named).
    pub pipeline_id: Option<PipelineId>,
    /// `None`: the pipeline's first stage.
    pub stage_id: Option<StageId>,
    /// `None`: follow the stage.
    pub probability: Option<Probability>,
    pub contact_id: Option<ContactId>,
    pub company_id: Option<CompanyId>,
    pub source: Option<String>,
    /// `None` from staff means "me".
    pub responsible_id: Option<UserId>,
    /// Custom field values, checked against the definitions by the service.
    pub custom: serde_json::Value,
}

/// A change to a deal; `None` leaves a field as it is, `Some(None)` clears it (a cleared
/// probability follows the stage again).
#[derive(Clone, Debug, Default)]
pub struct DealPatch {
    pub title: Option<String>,
    /// Decimal text, parsed against the deal's currency after the patch (so a new currency
    /// and a new amount may come together, and a currency alone re-checks the amount).
    pub amount: Option<String>,
    pub currency: Option<super::Currency>,
    pub expected_close: Option<Option<CalendarDate>>,
    /// Moving to another pipeline without a stage puts the deal in its first stage.
    pub pipeline_id: Option<PipelineId>,
    pub stage_id: Option<StageId>,
    pub probability: Option<Option<Probability>>,
    pub contact_id: Option<Option<ContactId>>,
    pub company_id: Option<Option<CompanyId>>,
    pub source: Option<Option<String>>,
    pub responsible_id: Option<UserId>,
    /// The custom values to change, by key; `null` clears one, keys not named stay.
    pub custom: Option<serde_json::Value>,
}

/// What a bulk update sets on every deal it names: a stage (of each deal's pipeline, or
/// moving them to the stage's pipeline) and/or a responsible user.
#[derive(Clone, Debug, Default)]
pub struct BulkDealUpdate {
    pub ids: Vec<DealId>,
    pub stage_id: Option<StageId>,
    pub responsible_id: Option<UserId>,
}

impl BulkDealUpdate {
    pub fn check(&self) -> Result<(), Error> {
        if self.ids.is_empty() || self.ids.len() > BULK_MAX {
            return Err(Error::validation("ids", "must name 1 to 500 deals"));
        }
        if self.stage_id.is_none() && self.responsible_id.is_none() {
            return Err(Error::validation(
                "set",
                "must change stage_id or responsible_id",
            ));
        }
        Ok(())
    }
}

/// One entry of a deal's stage history.
#[derive(Clone, Debug, Serialize)]
pub struct StageChange {
    pub id: StageChangeId,
    pub deal_id: DealId,
    /// `None` on the entry that records the deal's creation.
    pub from_stage_id: Option<StageId>,
    pub from_stage: Option<String>,
    pub to_stage_id: Option<StageId>,
    pub to_stage: String,
    pub changed_by: Option<UserId>,
    pub changed_at: Timestamp,
}

/// What a deal list is ordered by; every order ends with the id, so pages never skip or
/// repeat a deal whose key equals another's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DealSortKey {
    /// Creation order (ids are time-ordered).
    #[default]
    Created,
    Amount,
    CloseDate,
    Updated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DealSort {
    pub key: DealSortKey,
    pub descending: bool,
}

impl Default for DealSort {
    fn default() -> Self {
        Self {
            key: DealSortKey::Created,
            descending: true,
        }
    }
}

impl DealSort {
    /// `created`, `amount`, `close_date` or `updated`, ascending, or descending with a
    /// leading `-`.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let raw = raw.trim();
        let (descending, name) = match raw.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, raw),
        };
        let key = match name {
            "created" => DealSortKey::Created,
            "amount" => DealSortKey::Amount,
            "close_date" => DealSortKey::CloseDate,
            "updated" => DealSortKey::Updated,
            _ => {
                return Err(Error::validation(
                    "sort",
                    "must be created, amount, close_date or updated, with - for descending",
                ));
            }
        };
        Ok(Self { key, descending })
    }

    /// The cursor that continues after `deal` in this order.
    pub fn cursor_after(self, deal: &Deal) -> SortCursor {
        let key = match self.key {
            DealSortKey::Created => None,
            DealSortKey::Amount => Some(deal.money.minor),
            // Deals without a date sort after every date, as the store orders them.
            DealSortKey::CloseDate => Some(
                deal.expected_close
                    .map_or(NO_CLOSE_DATE, CalendarDate::number),
            ),
            DealSortKey::Updated => Some(deal.updated_at.millis()),
        };
        SortCursor {
            key,
            id: deal.id.as_uuid(),
        }
    }
}

/// Where deals without an expected close date sort: after every real date.
pub const NO_CLOSE_DATE: i64 = 99_999_999;

/// Which deals to list. Filters combine with AND, always within what the caller may see.
#[derive(Clone, Debug, Default)]
pub struct DealFilter {
    /// Only these deals (a screen reading again the deals it was told changed); empty: any.
    pub ids: Vec<DealId>,
    /// Part of the title, any letter case.
    pub q: Option<String>,
    pub pipeline_id: Option<PipelineId>,
    pub stage_id: Option<StageId>,
    /// Deals in stages of this meaning.
    pub status: Option<StageMeaning>,
    pub responsible_id: Option<UserId>,
    pub source: Option<String>,
    pub contact_id: Option<ContactId>,
    pub company_id: Option<CompanyId>,
    /// An amount range compares amounts in one currency, so it names it.
    pub amount_min: Option<Money>,
    pub amount_max: Option<Money>,
    /// Custom field values the deals must hold, all of them.
    pub custom: Vec<super::CustomMatch>,
    pub sort: DealSort,
    pub after: Option<SortCursor>,
    pub limit: i64,
}

impl DealFilter {
    /// Both ends of an amount range must be in the same currency.
    pub fn check(&self) -> Result<(), Error> {
        if let (Some(min), Some(max)) = (self.amount_min, self.amount_max)
            && min.currency != max.currency
        {
            return Err(Error::validation(
                "currency",
                "both ends of an amount range are in one currency",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_and_bucket_by_month() {
        let date = CalendarDate::parse("d", "2026-12-31").unwrap();
        assert_eq!(
            (date.number(), date.to_string()),
            (20261231, "2026-12-31".to_owned())
        );
        assert_eq!(date.next_month_start().to_string(), "2027-01-01");
        assert_eq!(month_text(date.number() / 100), "2026-12");
        assert_eq!(CalendarDate::of(date.start()), date);
        for bad in ["2026-02-30", "2026-13-01", "26-01-01", "2026/01/01", ""] {
            assert!(CalendarDate::parse("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sorts_parse_with_a_direction_and_cursors_survive_their_text() {
        let sort = DealSort::parse("-amount").unwrap();
        assert_eq!((sort.key, sort.descending), (DealSortKey::Amount, true));
        assert!(DealSort::parse("colour").is_err());
        let cursor = SortCursor {
            key: Some(-5),
            id: uuid::Uuid::now_v7(),
        };
        assert_eq!(cursor.to_string().parse::<SortCursor>().unwrap(), cursor);
        let plain = SortCursor::id(uuid::Uuid::now_v7());
        assert_eq!(plain.to_string().parse::<SortCursor>().unwrap(), plain);
        assert!("x_y".parse::<SortCursor>().is_err());
    }
}
