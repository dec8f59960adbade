//! Departments: the tree staff are organised in. Everyone signed in may read it.

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, patch},
};
use crm_core::{
    domain::{Department, DepartmentId, UserId},
    service::DepartmentPatch,
    store::NewDepartment,
};
use serde::Deserialize;

use super::contacts::wire::double_option;
use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, client::Client, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/departments", get(list).post(create))
        .route("/api/v1/departments/{id}", patch(update))
}

#[derive(Deserialize)]
pub struct CreateDepartmentRequest {
    name: String,
    parent_id: Option<String>,
    head_user_id: Option<String>,
}

impl TryFrom<CreateDepartmentRequest> for NewDepartment {
    type Error = ApiError;

    fn try_from(request: CreateDepartmentRequest) -> Result<Self> {
        Ok(NewDepartment {
            name: request.name,
            parent_id: request
                .parent_id
                .as_deref()
                .map(str::parse::<DepartmentId>)
                .transpose()?,
            head_user_id: request
                .head_user_id
                .as_deref()
                .map(str::parse::<UserId>)
                .transpose()?,
        })
    }
}

/// # POST /api/v1/departments
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    ApiJson(request): ApiJson<CreateDepartmentRequest>,
) -> Result<(StatusCode, ApiJson<Department>)> {
    let department = state
        .accounts
        .create_department(&caller.user, request.try_into()?, &client)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(department)))
}

/// # GET /api/v1/departments
async fn list(
    State(state): State<AppState>,
    _caller: AuthUser,
) -> Result<ApiJson<Vec<Department>>> {
    Ok(ApiJson(state.accounts.list_departments().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateDepartmentRequest {
    name: Option<String>,
    /// `null` moves the department to the top of the tree.
    #[serde(default, deserialize_with = "double_option")]
    parent_id: Option<Option<String>>,
    /// `null` leaves the department without a head.
    #[serde(default, deserialize_with = "double_option")]
    head_user_id: Option<Option<String>>,
}

fn parse_field<T: std::str::FromStr>(
    field: &'static str,
    raw: Option<Option<String>>,
    message: &'static str,
) -> Result<Option<Option<T>>> {
    raw.map(|raw| {
        raw.as_deref()
            .map(|raw| {
                raw.parse::<T>()
                    .map_err(|_| ApiError::invalid_field(field, message))
            })
            .transpose()
    })
    .transpose()
}

/// # PATCH /api/v1/departments/{id}
///
/// `{name, parent_id, head_user_id}` (admins); absent fields stay, `null` clears.
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UpdateDepartmentRequest>,
) -> Result<ApiJson<Department>> {
    let patch = DepartmentPatch {
        name: request.name,
        parent_id: parse_field("parent_id", request.parent_id, "not a valid department id")?,
        head_user_id: parse_field("head_user_id", request.head_user_id, "not a valid user id")?,
    };
    let department = state
        .accounts
        .update_department(&caller.user, id.parse()?, patch, &client)
        .await?;
    Ok(ApiJson(department))
}
