//! Staff accounts, administered by admins.

use axum::{
    Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{delete, get, post},
};
use crm_core::{
    domain::{DepartmentId, DisplayName, Login, NewUser, Password, Role, User, UserId},
    service::UserPatch,
};
use serde::{Deserialize, Serialize};

use super::contacts::wire::double_option;
use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, client::Client, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list).post(create))
        .route("/api/v1/users/{id}", get(show).patch(update))
        .route("/api/v1/directory", get(directory))
        .route("/api/v1/users/{id}/disable", post(disable))
        .route("/api/v1/users/{id}/enable", post(enable))
        .route("/api/v1/users/{id}/sessions", delete(revoke_sessions))
}

#[derive(Deserialize)]
pub struct CreateUserRequest {
    login: String,
    display_name: String,
    role: String,
    email: Option<String>,
    department_id: Option<String>,
    /// Omitted: a password is generated, returned once, and must be changed at first login.
    password: Option<String>,
}

impl TryFrom<CreateUserRequest> for (NewUser, Option<Password>) {
    type Error = ApiError;

    fn try_from(request: CreateUserRequest) -> Result<Self> {
        let (password, generated) = match request.password.as_deref() {
            Some(raw) => (Password::parse(raw)?, None),
            None => {
                let generated = Password::generate();
                (Password::parse(generated.expose())?, Some(generated))
            }
        };
        let email = request
            .email
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty());
        if email
            .as_deref()
            .is_some_and(|e| !e.contains('@') || e.len() > 254)
        {
            return Err(ApiError::invalid_field("email", "is not an e-mail address"));
        }
        let user = NewUser {
            login: Login::parse(&request.login)?,
            display_name: DisplayName::parse(&request.display_name)?,
            email,
            role: Role::parse(&request.role)?,
            department_id: request
                .department_id
                .as_deref()
                .map(str::parse::<DepartmentId>)
                .transpose()?,
            must_change_password: generated.is_some(),
            password,
        };
        Ok((user, generated))
    }
}

#[derive(Serialize)]
pub struct CreateUserResponse {
    user: User,
    /// Present only when the server generated the password; shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    generated_password: Option<String>,
}

/// # POST /api/v1/users
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    ApiJson(request): ApiJson<CreateUserRequest>,
) -> Result<(StatusCode, ApiJson<CreateUserResponse>)> {
    caller.require_role(Role::Admin)?;
    let (new, generated) = request.try_into()?;
    let user = state
        .accounts
        .create_user(Some(&caller.user), new, &client)
        .await?;
    let generated_password = generated.map(|p| p.expose().to_owned());
    Ok((
        StatusCode::CREATED,
        ApiJson(CreateUserResponse {
            user,
            generated_password,
        }),
    ))
}

/// # GET /api/v1/users
async fn list(State(state): State<AppState>, caller: AuthUser) -> Result<ApiJson<Vec<User>>> {
    Ok(ApiJson(state.accounts.list_users(&caller.user).await?))
}

/// A colleague as everyone may see them.
#[derive(Serialize)]
pub struct DirectoryEntry {
    id: UserId,
    login: String,
    display_name: String,
    role: Role,
}

/// # GET /api/v1/directory
///
/// Every active colleague (id, login, name, role), for any signed-in user.
async fn directory(
    State(state): State<AppState>,
    _caller: AuthUser,
) -> Result<ApiJson<Vec<DirectoryEntry>>> {
    let people = state.accounts.directory().await?;
    Ok(ApiJson(
        people
            .into_iter()
            .map(|user| DirectoryEntry {
                id: user.id,
                login: user.login.to_string(),
                display_name: user.display_name,
                role: user.role,
            })
            .collect(),
    ))
}

/// # GET /api/v1/users/{id}
async fn show(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<User>> {
    let id: UserId = id.parse()?;
    Ok(ApiJson(state.accounts.get_user(&caller.user, id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    role: Option<String>,
    /// `null` takes the user out of their department.
    #[serde(default, deserialize_with = "double_option")]
    department_id: Option<Option<String>>,
}

/// # PATCH /api/v1/users/{id}
///
/// `{role, department_id}` (admins); absent fields stay.
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UpdateUserRequest>,
) -> Result<ApiJson<User>> {
    let patch = UserPatch {
        role: request.role.as_deref().map(Role::parse).transpose()?,
        department_id: request
            .department_id
            .map(|raw| {
                raw.as_deref()
                    .map(|raw| {
                        raw.parse::<DepartmentId>().map_err(|_| {
                            ApiError::invalid_field("department_id", "not a valid department id")
                        })
                    })
                    .transpose()
            })
            .transpose()?,
    };
    Ok(ApiJson(
        state
            .accounts
            .update_user(&caller.user, id.parse()?, patch, &client)
            .await?,
    ))
}

/// # POST /api/v1/users/{id}/disable
///
/// Disables the account and ends its sessions at once.
async fn disable(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<ApiJson<User>> {
    Ok(ApiJson(
        state
            .accounts
            .set_disabled(&caller.user, id.parse()?, true, &client)
            .await?,
    ))
}

/// # POST /api/v1/users/{id}/enable
async fn enable(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<ApiJson<User>> {
    Ok(ApiJson(
        state
            .accounts
            .set_disabled(&caller.user, id.parse()?, false, &client)
            .await?,
    ))
}

#[derive(Serialize)]
pub struct RevokedResponse {
    revoked: u64,
}

/// # DELETE /api/v1/users/{id}/sessions
///
/// Ends every session of the user: admins for anyone, anyone for themself.
async fn revoke_sessions(
    State(state): State<AppState>,
    caller: AuthUser,
    Client(client): Client,
    Path(id): Path<String>,
) -> Result<ApiJson<RevokedResponse>> {
    let revoked = state
        .accounts
        .revoke_sessions(&caller.user, id.parse()?, &client)
        .await?;
    Ok(ApiJson(RevokedResponse { revoked }))
}
