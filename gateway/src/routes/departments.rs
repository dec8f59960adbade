//! Departments: the tree staff are organised in. Everyone signed in may read it.

use axum::{Router, extract::State, http::StatusCode, routing::get};
use crm_core::{
    domain::{Department, DepartmentId, UserId},
    store::NewDepartment,
};
use serde::Deserialize;

use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, client::Client, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/departments", get(list).post(create))
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
