//! Companies: CRUD, list and search, duplicates. Their timeline and comments are in
//! `timeline`. Visibility is by role, as for contacts.

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::get,
};
use crm_core::{
    domain::crm::{
        Company, CompanyId, CompanyMatch, CompanyPatch, DuplicateGroup, Likeness, NewCompany, Page,
        text::{ADDRESS_MAX, COMPANY_NAME_MAX, optional_text, required_text},
    },
    service::Companies,
};
use serde::Deserialize;
use serde_json::{json, value::RawValue};

use super::{
    contacts::wire::{
        DuplicatesQuery, EmailRequest, GroupsQuery, ListCompaniesQuery, PhoneRequest,
        double_option, emails, parse_opt, patch_text, path_id, phones, user_id,
    },
    custom_fields::custom_values,
};
use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, client::Client, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/companies", get(list).post(create))
        .route("/api/v1/companies/duplicates", get(duplicates))
        .route("/api/v1/companies/duplicate-groups", get(duplicate_groups))
        .route(
            "/api/v1/companies/{id}",
            get(show).patch(update).delete(remove),
        )
}

fn companies(state: &AppState) -> Companies {
    Companies::new(state.store.clone())
}

#[derive(Deserialize)]
pub struct CreateCompanyRequest {
    name: String,
    address: Option<String>,
    /// Omitted: the caller.
    responsible_id: Option<String>,
    custom: Option<Box<RawValue>>,
    #[serde(default)]
    phones: Vec<PhoneRequest>,
    #[serde(default)]
    emails: Vec<EmailRequest>,
}

impl TryFrom<CreateCompanyRequest> for NewCompany {
    type Error = ApiError;

    fn try_from(request: CreateCompanyRequest) -> Result<Self> {
        Ok(NewCompany {
            name: required_text("name", &request.name, COMPANY_NAME_MAX)?,
            address: optional_text("address", request.address.as_deref(), ADDRESS_MAX, true)?,
            responsible_id: user_id("responsible_id", request.responsible_id.as_deref())?,
            custom: custom_values(request.custom.as_deref())?.unwrap_or_else(|| json!({})),
            phones: phones(request.phones)?,
            emails: emails(request.emails)?,
        })
    }
}

#[derive(Deserialize)]
pub struct UpdateCompanyRequest {
    name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    address: Option<Option<String>>,
    responsible_id: Option<String>,
    custom: Option<Box<RawValue>>,
    phones: Option<Vec<PhoneRequest>>,
    emails: Option<Vec<EmailRequest>>,
}

impl TryFrom<UpdateCompanyRequest> for CompanyPatch {
    type Error = ApiError;

    fn try_from(request: UpdateCompanyRequest) -> Result<Self> {
        Ok(CompanyPatch {
            name: request
                .name
                .map(|name| required_text("name", &name, COMPANY_NAME_MAX))
                .transpose()?,
            address: patch_text("address", request.address, ADDRESS_MAX, true)?,
            responsible_id: user_id("responsible_id", request.responsible_id.as_deref())?,
            custom: custom_values(request.custom.as_deref())?,
            phones: request.phones.map(phones).transpose()?,
            emails: request.emails.map(emails).transpose()?,
        })
    }
}

/// # GET /api/v1/companies?q=…&responsible_id=…&cursor=…&limit=…
///
/// The companies the caller may see, newest first, as for contacts: `{items, next_cursor,
/// total, total_capped}`.
async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<ListCompaniesQuery>,
) -> Result<ApiJson<Page<Company>>> {
    let filter = query.try_into()?;
    Ok(ApiJson(companies(&state).list(&caller.user, filter).await?))
}

/// # POST /api/v1/companies
///
/// `{name, address, responsible_id, custom, phones, emails}`; 201 with the company.
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<CreateCompanyRequest>,
) -> Result<(StatusCode, ApiJson<Company>)> {
    let company = companies(&state)
        .create(Some(&caller.user), request.try_into()?)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(company)))
}

/// # GET /api/v1/companies/{id}
async fn show(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Company>> {
    let id = path_id::<CompanyId>(&id, "company")?;
    Ok(ApiJson(companies(&state).get(&caller.user, id).await?))
}

/// # PATCH /api/v1/companies/{id}
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UpdateCompanyRequest>,
) -> Result<ApiJson<Company>> {
    let id = path_id::<CompanyId>(&id, "company")?;
    let patch = request.try_into()?;
    Ok(ApiJson(
        companies(&state).update(&caller.user, id, patch).await?,
    ))
}

/// # DELETE /api/v1/companies/{id}
async fn remove(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id = path_id::<CompanyId>(&id, "company")?;
    companies(&state).delete(&caller.user, id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// # GET /api/v1/companies/duplicates?company_id=… | ?name=…&phone=…&email=…
///
/// Companies the caller may see that look like the company `company_id` or the values
/// given; «ООО Рога и Копыта» finds «Рога и Копыта». Each match is `{company, reasons}`.
async fn duplicates(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<DuplicatesQuery>,
) -> Result<ApiJson<Vec<CompanyMatch>>> {
    let service = companies(&state);
    let of = parse_opt::<CompanyId>(
        "company_id",
        query.company_id.as_deref(),
        "not a valid company id",
    )?;
    let matches = match of {
        Some(id) => service.duplicates_of(&caller.user, id).await?,
        None => {
            let likeness = Likeness::try_from(&query)?;
            service.find_similar(&caller.user, likeness).await?
        }
    };
    Ok(ApiJson(matches))
}

/// # GET /api/v1/companies/duplicate-groups?cursor=…&limit=…
///
/// Every group of companies the caller may see that share a phone, an e-mail or a similar
/// name («ООО Рога и Копыта» and «Рога и Копыта»): `{items, next_cursor}`, each item
/// `{reason, value, size, records}` as for `GET /api/v1/contacts/duplicate-groups`.
async fn duplicate_groups(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<GroupsQuery>,
) -> Result<ApiJson<Page<DuplicateGroup<Company>>>> {
    let (cursor, limit) = query.page()?;
    let groups = companies(&state)
        .duplicate_groups(&caller.user, cursor, limit)
        .await?;
    Ok(ApiJson(groups))
}
