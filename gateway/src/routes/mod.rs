//! The REST API under `/api/v1`, one module per resource, plus health probes.

mod attachments;
mod audit;
mod auth;
mod departments;
pub mod health;
mod messages;
mod pins;
mod presence;
mod rooms;
mod search;
mod threads;
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
        .merge(search::router())
        .merge(messages::router())
        .merge(attachments::router())
        .merge(pins::router())
        .merge(presence::router())
        .merge(threads::router())
        .merge(crate::ws::router())
}
