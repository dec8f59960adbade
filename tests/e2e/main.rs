//! Switchboard's end-to-end tests, in one binary: the HTTP and websocket surface of a real
//! server on a loopback port, the storage contract on SQLite and PostgreSQL, the bus contract
//! in-process and on Redis, and the workspace's dependency rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod architecture;
mod bus_contract;
mod calls;
mod chat;
mod crm;
mod crm_contract;
mod inbound_batch_contract;
mod line_timers_contract;
mod lines;
mod outbox_contract;
mod presence_contract;
mod store_contract;
mod support;
