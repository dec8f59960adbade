//! The HTTP and websocket surface of a running server.

mod accounts;
mod administration;
mod errors;
mod health;
mod login;
mod openapi;
mod production;
mod shutdown;
mod ws;
