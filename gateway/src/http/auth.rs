//! Authentication: `AuthUser` resolves `Authorization: Bearer …` to a live session; routes
//! that take it reject anonymous and expired or revoked tokens with 401.

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{HeaderMap, header, request::Parts},
};
use crm_core::{
    domain::{Role, SessionId, User},
    service::SessionToken,
};

use crate::{error::ApiError, state::AppState};

/// The caller of an authenticated route.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub user: User,
    pub session_id: SessionId,
}

impl AuthUser {
    pub fn require_role(&self, role: Role) -> Result<(), ApiError> {
        if self.user.role == role {
            Ok(())
        } else {
            Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                format!("this action requires the {role} role"),
            ))
        }
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let token = bearer_token(&parts.headers)?
            .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <token>"))?;
        authenticate(&state, &token).await
    }
}

/// The bearer token of a request: `Ok(None)` when there is no Authorization header.
pub fn bearer_token(headers: &HeaderMap) -> Result<Option<SessionToken>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("malformed Authorization header"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be Bearer <token>"))?;
    Ok(Some(SessionToken::from_bearer(token)))
}

pub async fn authenticate(state: &AppState, token: &SessionToken) -> Result<AuthUser, ApiError> {
    // A guest has no account: the token is valid, but only for its call's websocket.
    if token
        .expose()
        .starts_with(crm_core::service::GUEST_TOKEN_PREFIX)
    {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "guest_token",
            "a guest token only takes part in its call; it cannot use the API",
        ));
    }
    match state.accounts.authenticate(token).await {
        Ok(record) => Ok(AuthUser {
            user: record.user,
            session_id: record.session_id,
        }),
        Err(crm_core::Error::Unauthenticated) => Err(ApiError::unauthorized(
            "the token is invalid, expired or revoked",
        )),
        Err(other) => Err(other.into()),
    }
}
