//! Login, logout, the current session and password change.

use std::time::Instant;

use axum::{
    Router,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};
use crm_core::domain::{Timestamp, User};
use serde::{Deserialize, Serialize};

use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, client::Client, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/me", get(me))
        .route("/api/v1/auth/password", post(change_password))
}

#[derive(Deserialize)]
pub struct LoginRequest {
    login: String,
    password: String,
}

#[derive(Serialize)]
pub struct LoginResponse {
    token: String,
    token_type: &'static str,
    expires_at: Timestamp,
    user: User,
}

/// # POST /api/v1/auth/login
///
/// Exchanges a login and password for a bearer token. Failures are counted per account and
/// per client address; past the limit the answer is 429 with `Retry-After`.
async fn login(
    State(state): State<AppState>,
    Client(client): Client,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<ApiJson<LoginResponse>> {
    let addr = client.addr.as_deref();
    if let Err(wait) = state.throttle.check(&request.login, addr, Instant::now()) {
        return Err(ApiError::too_many_requests(wait));
    }
    match state
        .accounts
        .login(&request.login, &request.password, &client)
        .await
    {
        Ok(outcome) => {
            state.throttle.succeeded(&request.login);
            Ok(ApiJson(LoginResponse {
                token: outcome.token.expose().to_owned(),
                token_type: "Bearer",
                expires_at: outcome.expires_at,
                user: outcome.user,
            }))
        }
        Err(crm_core::Error::Unauthenticated) => {
            state.throttle.failed(&request.login, addr, Instant::now());
            Err(ApiError::unauthorized("wrong login or password"))
        }
        Err(other) => Err(other.into()),
    }
}

/// # POST /api/v1/auth/logout
///
/// Revokes the session whose token made the request.
async fn logout(State(state): State<AppState>, caller: AuthUser) -> Result<StatusCode> {
    state.accounts.logout(caller.session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct MeResponse {
    user: User,
    session_id: String,
}

/// # GET /api/v1/auth/me
async fn me(caller: AuthUser) -> ApiJson<MeResponse> {
    ApiJson(MeResponse {
        session_id: caller.session_id.to_string(),
        user: caller.user,
    })
}

#[derive(Deserialize)]
pub struct ChangePasswordRequest {
    current_password: String,
    new_password: String,
}

/// # POST /api/v1/auth/password
///
/// Replaces the caller's password; every other session of the caller ends.
async fn change_password(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode> {
    state
        .accounts
        .change_password(
            &caller.user,
            caller.session_id,
            &request.current_password,
            &request.new_password,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
