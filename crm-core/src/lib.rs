//! Switchboard's core: domain types and rules (`domain`), storage on SQLite and PostgreSQL
//! behind one `Store` (`store`), and the use cases that own transactions (`service`).
//!
//! Nothing here knows about HTTP, websockets or providers: the gateway turns requests into
//! calls on `service`, and connectors only use `domain` types.
#![forbid(unsafe_code)]

pub mod domain;
mod error;
pub mod service;
pub mod store;
#[cfg(feature = "test-support")]
pub mod testing;

pub use error::{Error, Result};
pub use store::{Backend, Store, StoreOptions};
