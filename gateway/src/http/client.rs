//! Who is calling: the client address (from the socket, or X-Forwarded-For when configured
//! behind a proxy) and user agent, for throttling, sessions and the audit log.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::{HeaderMap, header, request::Parts},
};
use crm_core::service::ClientInfo;

use crate::state::AppState;

pub struct Client(pub ClientInfo);

impl<S> FromRequestParts<S> for Client
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let socket = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        let addr = client_ip(
            &parts.headers,
            socket,
            state.settings.http.trust_forwarded_for,
        );
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.chars().take(256).collect());
        Ok(Self(ClientInfo {
            addr: addr.map(|ip| ip.to_string()),
            user_agent,
        }))
    }
}

pub fn client_ip(
    headers: &HeaderMap,
    socket: Option<IpAddr>,
    trust_forwarded_for: bool,
) -> Option<IpAddr> {
    if trust_forwarded_for {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(',').next())
            .and_then(|first| first.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    socket
}
