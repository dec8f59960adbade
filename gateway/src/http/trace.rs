//! Request spans: method, matched route and client address; health probes log at DEBUG so
//! they do not drown the log.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, MatchedPath},
    http::Request,
};
use tracing::{Level, Span};

pub fn make_span<B>(request: &Request<B>) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |path| path.as_str());
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string())
        .unwrap_or_default();
    if matches!(route, "/healthz" | "/readyz" | "/metrics") {
        tracing::span!(Level::DEBUG, "request", method = %request.method(), route, client.addr = %client)
    } else {
        tracing::span!(Level::INFO, "request", method = %request.method(), route, client.addr = %client)
    }
}
