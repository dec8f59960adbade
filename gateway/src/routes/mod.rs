//! The REST API under `/api/v1`, one module per resource, plus health probes.

mod analytics;
mod attachments;
mod audit;
mod auth;
mod calls;
mod canned;
mod companies;
mod contacts;
mod conversations;
mod crm_csv;
mod custom_fields;
mod deals;
mod departments;
mod guests;
pub mod health;
mod leads;
mod lines;
mod messages;
mod openapi;
mod pins;
mod pipelines;
mod presence;
mod rooms;
mod search;
mod tasks;
mod threads;
mod timeline;
mod users;
mod webhooks;

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
        .merge(openapi::router())
        .merge(calls::router())
        .merge(guests::router())
        .merge(presence::router())
        .merge(threads::router())
        .merge(contacts::router())
        .merge(crm_csv::router())
        .merge(companies::router())
        .merge(pipelines::router())
        .merge(custom_fields::router())
        .merge(deals::router())
        .merge(leads::router())
        .merge(analytics::router())
        .merge(timeline::router())
        .merge(tasks::router())
        .merge(lines::router())
        .merge(conversations::router())
        .merge(canned::router())
        .merge(webhooks::router())
        .merge(crate::ws::router())
        .merge(crate::widget::router())
}
