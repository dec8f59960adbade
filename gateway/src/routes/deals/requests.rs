//! The bodies and query strings of the deal routes and their conversion into domain
//! values, each bad value a 422 naming its field. Amounts arrive as a JSON string or
//! number and are read from their text, never through a float.

use crm_core::domain::crm::{
    BulkDealUpdate, CalendarDate, ContactId, Currency, DealFilter, DealId, DealPatch, DealSort,
    Money, NewDeal, PipelineId, Probability, SortCursor, StageId, StageMeaning, TITLE_MAX,
    text::{SHORT_MAX, optional_text, required_text},
};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{
    error::{ApiError, Result},
    routes::{
        contacts::wire::{
            company_id, custom_matches, double_option, limit, parse_opt, patch_text, search,
            text_param, user_id,
        },
        custom_fields::custom_values,
    },
};

/// The decimal text of an amount given as `"1250.50"` or `1250.50`.
pub fn amount_text(field: &'static str, raw: &RawValue) -> Result<String> {
    let text = raw.get().trim();
    if text.starts_with('"') {
        return serde_json::from_str::<String>(text)
            .map_err(|_| ApiError::invalid_field(field, "is not a valid string"));
    }
    if text.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        return Ok(text.to_owned());
    }
    Err(ApiError::invalid_field(
        field,
        "must be a decimal number or a string holding one",
    ))
}

pub fn currency(raw: &str) -> Result<Currency> {
    Ok(Currency::parse(raw)?)
}

/// An amount (absent: zero) in a currency.
pub fn money(amount: Option<&RawValue>, currency_code: &str) -> Result<Money> {
    let currency = currency(currency_code)?;
    match amount {
        Some(raw) => Ok(Money::parse(&amount_text("amount", raw)?, currency)?),
        None => Ok(Money::zero(currency)),
    }
}

pub fn date(field: &'static str, raw: Option<&str>) -> Result<Option<CalendarDate>> {
    Ok(text_param(raw)
        .map(|raw| CalendarDate::parse(field, &raw))
        .transpose()?)
}

pub fn contact_id(raw: Option<&str>) -> Result<Option<ContactId>> {
    parse_opt("contact_id", raw, "not a valid contact id")
}

pub fn pipeline_id(raw: Option<&str>) -> Result<Option<PipelineId>> {
    parse_opt("pipeline_id", raw, "not a valid pipeline id")
}

pub fn stage_id(raw: Option<&str>) -> Result<Option<StageId>> {
    parse_opt("stage_id", raw, "not a valid stage id")
}

fn probability(raw: Option<i64>) -> Result<Option<Probability>> {
    Ok(raw
        .map(|value| Probability::parse("probability", value))
        .transpose()?)
}

#[derive(Deserialize)]
pub struct CreateDealRequest {
    title: String,
    amount: Option<Box<RawValue>>,
    currency: String,
    expected_close: Option<String>,
    pipeline_id: Option<String>,
    stage_id: Option<String>,
    /// Omitted: the stage's.
    probability: Option<i64>,
    contact_id: Option<String>,
    company_id: Option<String>,
    source: Option<String>,
    /// Omitted: the caller.
    responsible_id: Option<String>,
    custom: Option<Box<RawValue>>,
}

impl TryFrom<CreateDealRequest> for NewDeal {
    type Error = ApiError;

    fn try_from(request: CreateDealRequest) -> Result<Self> {
        Ok(NewDeal {
            title: required_text("title", &request.title, TITLE_MAX)?,
            money: money(request.amount.as_deref(), &request.currency)?,
            expected_close: date("expected_close", request.expected_close.as_deref())?,
            pipeline_id: pipeline_id(request.pipeline_id.as_deref())?,
            stage_id: stage_id(request.stage_id.as_deref())?,
            probability: probability(request.probability)?,
            contact_id: contact_id(request.contact_id.as_deref())?,
            company_id: company_id(request.company_id.as_deref())?,
            source: optional_text("source", request.source.as_deref(), SHORT_MAX, false)?,
            responsible_id: user_id("responsible_id", request.responsible_id.as_deref())?,
            custom: custom_values(request.custom.as_deref())?
                .unwrap_or_else(|| serde_json::json!({})),
        })
    }
}

/// Absent fields stay; `null` clears a clearable one (a cleared probability follows the
/// stage again).
#[derive(Deserialize)]
pub struct UpdateDealRequest {
    title: Option<String>,
    amount: Option<Box<RawValue>>,
    currency: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    expected_close: Option<Option<String>>,
    pipeline_id: Option<String>,
    stage_id: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    probability: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    contact_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    company_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    source: Option<Option<String>>,
    responsible_id: Option<String>,
    custom: Option<Box<RawValue>>,
}

impl TryFrom<UpdateDealRequest> for DealPatch {
    type Error = ApiError;

    fn try_from(request: UpdateDealRequest) -> Result<Self> {
        Ok(DealPatch {
            title: request
                .title
                .map(|title| required_text("title", &title, TITLE_MAX))
                .transpose()?,
            amount: request
                .amount
                .as_deref()
                .map(|raw| amount_text("amount", raw))
                .transpose()?,
            currency: request.currency.as_deref().map(currency).transpose()?,
            expected_close: request
                .expected_close
                .map(|raw| date("expected_close", raw.as_deref()))
                .transpose()?,
            pipeline_id: pipeline_id(request.pipeline_id.as_deref())?,
            stage_id: stage_id(request.stage_id.as_deref())?,
            probability: request.probability.map(probability).transpose()?,
            contact_id: request
                .contact_id
                .map(|raw| contact_id(raw.as_deref()))
                .transpose()?,
            company_id: request
                .company_id
                .map(|raw| company_id(raw.as_deref()))
                .transpose()?,
            source: patch_text("source", request.source, SHORT_MAX, false)?,
            responsible_id: user_id("responsible_id", request.responsible_id.as_deref())?,
            custom: custom_values(request.custom.as_deref())?,
        })
    }
}

#[derive(Deserialize)]
pub struct ListDealsQuery {
    q: Option<String>,
    pipeline_id: Option<String>,
    stage_id: Option<String>,
    /// open, won or lost.
    status: Option<String>,
    responsible_id: Option<String>,
    source: Option<String>,
    /// Comma-separated deal ids, at most [`MAX_IDS`].
    ids: Option<String>,
    contact_id: Option<String>,
    company_id: Option<String>,
    amount_min: Option<String>,
    amount_max: Option<String>,
    /// The currency of `amount_min`/`amount_max`.
    currency: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
    /// `custom.<key>=<value>`: only records whose custom field `key` holds `value` (any
    /// number of them; a field the caller cannot see is unknown).
    #[serde(flatten)]
    other: std::collections::HashMap<String, String>,
}

/// Most deals one `ids` filter names: a screen's burst of changes, one page.
pub const MAX_IDS: usize = 200;

fn deal_ids(raw: Option<&str>) -> Result<Vec<DealId>> {
    let ids: Vec<DealId> = raw
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse().map_err(|_| {
                ApiError::invalid_field("ids", "holds something that is not a deal id")
            })
        })
        .collect::<Result<_>>()?;
    if ids.len() > MAX_IDS {
        return Err(ApiError::invalid_field("ids", "names more than 200 deals"));
    }
    Ok(ids)
}

impl TryFrom<ListDealsQuery> for DealFilter {
    type Error = ApiError;

    fn try_from(query: ListDealsQuery) -> Result<Self> {
        let blank = |raw: &Option<String>| text_param(raw.as_deref());
        let (min, max) = (blank(&query.amount_min), blank(&query.amount_max));
        let range_currency = match (&min, &max, blank(&query.currency)) {
            (None, None, _) => None,
            (_, _, Some(code)) => Some(currency(&code)?),
            (_, _, None) => {
                return Err(ApiError::invalid_field(
                    "currency",
                    "is required with amount_min or amount_max",
                ));
            }
        };
        let bound = |field: &'static str, raw: Option<String>| -> Result<Option<Money>> {
            match (raw, range_currency) {
                (Some(raw), Some(currency)) => {
                    Money::parse(&raw, currency)
                        .map(Some)
                        .map_err(|error| match error {
                            crm_core::Error::Validation { message, .. } => {
                                ApiError::invalid_field(field, message)
                            }
                            other => other.into(),
                        })
                }
                _ => Ok(None),
            }
        };
        Ok(DealFilter {
            ids: deal_ids(query.ids.as_deref())?,
            q: search(query.q.as_deref())?,
            pipeline_id: pipeline_id(query.pipeline_id.as_deref())?,
            stage_id: stage_id(query.stage_id.as_deref())?,
            status: blank(&query.status)
                .map(|raw| {
                    StageMeaning::parse(&raw).map_err(|_| {
                        ApiError::invalid_field("status", "must be one of open, won, lost")
                    })
                })
                .transpose()?,
            responsible_id: user_id("responsible_id", query.responsible_id.as_deref())?,
            source: blank(&query.source),
            contact_id: contact_id(query.contact_id.as_deref())?,
            company_id: company_id(query.company_id.as_deref())?,
            amount_min: bound("amount_min", min)?,
            amount_max: bound("amount_max", max)?,
            custom: custom_matches(&query.other),
            sort: blank(&query.sort)
                .map(|raw| DealSort::parse(&raw))
                .transpose()?
                .unwrap_or_default(),
            after: parse_opt::<SortCursor>(
                "cursor",
                query.cursor.as_deref(),
                "is not a cursor this server returned",
            )?,
            limit: limit(query.limit.as_deref())?,
        })
    }
}

#[derive(Deserialize)]
pub struct BulkSet {
    stage_id: Option<String>,
    responsible_id: Option<String>,
}

#[derive(Deserialize)]
pub struct BulkRequest {
    ids: Vec<String>,
    set: BulkSet,
}

impl TryFrom<BulkRequest> for BulkDealUpdate {
    type Error = ApiError;

    fn try_from(request: BulkRequest) -> Result<Self> {
        let ids = request
            .ids
            .iter()
            .enumerate()
            .map(|(index, raw)| {
                raw.trim().parse::<DealId>().map_err(|_| {
                    ApiError::invalid_field(format!("ids[{index}]"), "not a valid deal id")
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(BulkDealUpdate {
            ids,
            stage_id: stage_id(request.set.stage_id.as_deref())?,
            responsible_id: user_id("responsible_id", request.set.responsible_id.as_deref())?,
        })
    }
}
