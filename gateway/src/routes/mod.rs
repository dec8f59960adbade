//! The REST API under `/api/v1`, one module per resource, plus health probes.

mod audit;
mod auth;
mod departments;
pub mod health;
mod messages;
mod rooms;
mod users;

use axum::Router;

use crate::state::AppState;

pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(users::router())
        .merge(departments::router())
        .merge(audit::router())
        .merge(rooms::router())
        .merge(messages::router())
        .merge(crate::ws::router())
}
