//! Leads: CRUD, list with filters, and conversion into a deal and a contact. Their
//! timeline and comments are in `timeline`. Visibility is by role, as for contacts.

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::{get, post},
};
use crm_core::{
    domain::crm::{
        ConvertLead, EmailAddress, Lead, LeadFilter, LeadId, LeadPatch, LeadStatus, NewLead, Page,
        PhoneNumber, TITLE_MAX,
        text::{COMPANY_NAME_MAX, NAME_MAX, SHORT_MAX, optional_text},
    },
    service::{Conversion, Leads},
};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{
    contacts::wire::{
        company_id, custom_matches, double_option, limit, parse_opt, patch_text, path_id, search,
        text_param, user_id,
    },
    custom_fields::custom_values,
    deals::requests::{contact_id, date, money, pipeline_id, stage_id},
};
use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, client::Client, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/leads", get(list).post(create))
        .route("/api/v1/leads/{id}", get(show).patch(update).delete(remove))
        .route("/api/v1/leads/{id}/convert", post(convert))
}

fn leads(state: &AppState) -> Leads {
    Leads::new(state.store.clone())
}

fn phone(raw: Option<&str>) -> Result<Option<String>> {
    raw.map(str::trim)
        .filter(|raw| !raw.is_empty())
        .map(|raw| {
            PhoneNumber::parse(raw)
                .map(|number| number.to_string())
                .map_err(|_| ApiError::invalid_field("phone", "is not a phone number"))
        })
        .transpose()
}

fn email(raw: Option<&str>) -> Result<Option<String>> {
    raw.map(str::trim)
        .filter(|raw| !raw.is_empty())
        .map(|raw| {
            EmailAddress::parse(raw)
                .map(|address| address.to_string())
                .map_err(|_| ApiError::invalid_field("email", "is not an e-mail address"))
        })
        .transpose()
}

fn status(raw: Option<&str>) -> Result<Option<LeadStatus>> {
    Ok(text_param(raw)
        .map(|raw| LeadStatus::parse(&raw))
        .transpose()?)
}

#[derive(Deserialize)]
pub struct CreateLeadRequest {
    title: Option<String>,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    company_name: Option<String>,
    /// new (default), in_work or junk.
    status: Option<String>,
    junk_reason: Option<String>,
    source: Option<String>,
    responsible_id: Option<String>,
    custom: Option<Box<RawValue>>,
}

impl TryFrom<CreateLeadRequest> for NewLead {
    type Error = ApiError;

    fn try_from(request: CreateLeadRequest) -> Result<Self> {
        let new = NewLead {
            title: optional_text("title", request.title.as_deref(), TITLE_MAX, false)?,
            name: optional_text("name", request.name.as_deref(), NAME_MAX * 3, false)?,
            phone: phone(request.phone.as_deref())?,
            email: email(request.email.as_deref())?,
            company_name: optional_text(
                "company_name",
                request.company_name.as_deref(),
                COMPANY_NAME_MAX,
                false,
            )?,
            status: status(request.status.as_deref())?,
            junk_reason: optional_text(
                "junk_reason",
                request.junk_reason.as_deref(),
                SHORT_MAX,
                true,
            )?,
            source: optional_text("source", request.source.as_deref(), SHORT_MAX, false)?,
            responsible_id: user_id("responsible_id", request.responsible_id.as_deref())?,
            custom: custom_values(request.custom.as_deref())?.unwrap_or_default(),
        };
        new.check()?;
        Ok(new)
    }
}

#[derive(Deserialize)]
pub struct UpdateLeadRequest {
    #[serde(default, deserialize_with = "double_option")]
    title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    company_name: Option<Option<String>>,
    status: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    junk_reason: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    source: Option<Option<String>>,
    responsible_id: Option<String>,
    custom: Option<Box<RawValue>>,
}

impl TryFrom<UpdateLeadRequest> for LeadPatch {
    type Error = ApiError;

    fn try_from(request: UpdateLeadRequest) -> Result<Self> {
        Ok(LeadPatch {
            title: patch_text("title", request.title, TITLE_MAX, false)?,
            name: patch_text("name", request.name, NAME_MAX * 3, false)?,
            phone: request.phone.map(|raw| phone(raw.as_deref())).transpose()?,
            email: request.email.map(|raw| email(raw.as_deref())).transpose()?,
            company_name: patch_text(
                "company_name",
                request.company_name,
                COMPANY_NAME_MAX,
                false,
            )?,
            status: status(request.status.as_deref())?,
            junk_reason: patch_text("junk_reason", request.junk_reason, SHORT_MAX, true)?,
            source: patch_text("source", request.source, SHORT_MAX, false)?,
            responsible_id: user_id("responsible_id", request.responsible_id.as_deref())?,
            custom: custom_values(request.custom.as_deref())?,
        })
    }
}

#[derive(Deserialize)]
pub struct ListLeadsQuery {
    q: Option<String>,
    status: Option<String>,
    source: Option<String>,
    responsible_id: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
    /// `custom.<key>=<value>`: only records whose custom field `key` holds `value` (any
    /// number of them; a field the caller cannot see is unknown).
    #[serde(flatten)]
    other: std::collections::HashMap<String, String>,
}

impl TryFrom<ListLeadsQuery> for LeadFilter {
    type Error = ApiError;

    fn try_from(query: ListLeadsQuery) -> Result<Self> {
        Ok(LeadFilter {
            q: search(query.q.as_deref())?,
            status: status(query.status.as_deref())?,
            source: text_param(query.source.as_deref()),
            responsible_id: user_id("responsible_id", query.responsible_id.as_deref())?,
            custom: custom_matches(&query.other),
            after: parse_opt::<LeadId>(
                "cursor",
                query.cursor.as_deref(),
                "is not a cursor this server returned",
            )?,
            limit: limit(query.limit.as_deref())?,
        })
    }
}

#[derive(Deserialize)]
pub struct ConvertRequest {
    /// An existing contact; omitted: one is made from the lead.
    contact_id: Option<String>,
    company_id: Option<String>,
    title: Option<String>,
    amount: Option<Box<RawValue>>,
    currency: String,
    expected_close: Option<String>,
    pipeline_id: Option<String>,
    stage_id: Option<String>,
}

impl TryFrom<ConvertRequest> for ConvertLead {
    type Error = ApiError;

    fn try_from(request: ConvertRequest) -> Result<Self> {
        Ok(ConvertLead {
            contact_id: contact_id(request.contact_id.as_deref())?,
            company_id: company_id(request.company_id.as_deref())?,
            title: optional_text("title", request.title.as_deref(), TITLE_MAX, false)?,
            money: money(request.amount.as_deref(), &request.currency)?,
            expected_close: date("expected_close", request.expected_close.as_deref())?,
            pipeline_id: pipeline_id(request.pipeline_id.as_deref())?,
            stage_id: stage_id(request.stage_id.as_deref())?,
        })
    }
}

/// # GET /api/v1/leads?q=…&status=…&source=…&responsible_id=…&cursor=…&limit=…
///
/// The leads the caller may see, newest first: `{items, next_cursor, total}`. `q` matches
/// part of the title, name, phone, e-mail or company name.
async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<ListLeadsQuery>,
) -> Result<ApiJson<Page<Lead>>> {
    let filter = query.try_into()?;
    Ok(ApiJson(leads(&state).list(&caller.user, filter).await?))
}

/// # POST /api/v1/leads
///
/// `{title, name, phone, email, company_name, status, junk_reason, source,
/// responsible_id}`; at least one of title, name, phone, e-mail or company name; `junk`
/// needs a `junk_reason`. 201 with the lead.
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<CreateLeadRequest>,
) -> Result<(StatusCode, ApiJson<Lead>)> {
    let lead = leads(&state)
        .create(Some(&caller.user), request.try_into()?)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(lead)))
}

/// # GET /api/v1/leads/{id}
async fn show(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Lead>> {
    let id = path_id::<LeadId>(&id, "lead")?;
    Ok(ApiJson(leads(&state).get(&caller.user, id).await?))
}

/// # PATCH /api/v1/leads/{id}
///
/// Changes the fields given; `status: junk` needs a `junk_reason`; `converted` is reached
/// only by converting.
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UpdateLeadRequest>,
) -> Result<ApiJson<Lead>> {
    let id = path_id::<LeadId>(&id, "lead")?;
    let patch = request.try_into()?;
    Ok(ApiJson(
        leads(&state).update(&caller.user, id, patch).await?,
    ))
}

/// # DELETE /api/v1/leads/{id}
async fn remove(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id = path_id::<LeadId>(&id, "lead")?;
    leads(&state).delete(&caller.user, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// # POST /api/v1/leads/{id}/convert
///
/// `{currency, amount, title, expected_close, pipeline_id, stage_id, contact_id,
/// company_id}`: in one transaction, a deal (and a contact made from the lead unless
/// `contact_id` names one), the lead converted and linked to both. 201 `{lead, deal,
/// contact, contact_created}`; 409 `already_converted` the second time, `lead_is_junk`
/// for junk.
async fn convert(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ConvertRequest>,
) -> Result<(StatusCode, ApiJson<Conversion>)> {
    let id = path_id::<LeadId>(&id, "lead")?;
    let how = request.try_into()?;
    let conversion = leads(&state).convert(&caller.user, id, how).await?;
    crate::crm_events::deal(&state, crate::crm_events::Change::Created, &conversion.deal).await;
    Ok((StatusCode::CREATED, ApiJson(conversion)))
}
