//! The website widget: a channel kind whose client is an anonymous visitor on someone's
//! site. `admin` connects one to a line; `visitors` issues visitor tokens (checking the
//! page's `Origin` and the pre-chat form); `socket` and `session` carry the visitor's
//! websocket; `deliver` is the outbox worker's send for this channel (publishing to the
//! visitor's topic); `script` serves `widget.js`. Visitor messages go through the same
//! inbound pipeline as a messenger's (`open_lines::receive_stored`).

mod admin;
mod cors;
mod deliver;
mod frames;
mod script;
mod session;
mod socket;
mod visitors;
mod wire;

use axum::{
    Router,
    routing::{get, post},
};

pub use deliver::deliver;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/channels/widget", post(admin::create))
        .route(
            "/api/v1/widget/{channel}",
            get(visitors::config).options(cors::preflight),
        )
        .route(
            "/api/v1/widget/{channel}/visitors",
            post(visitors::join).options(cors::preflight),
        )
        .route("/api/v1/widget/ws", get(socket::upgrade))
        .route("/widget.js", get(script::serve))
}
