//! HTTP plumbing shared by every route: the JSON extractor, authentication, the error
//! envelope for responses made outside handlers, metrics and request tracing.

pub mod auth;
pub mod client;
pub mod envelope;
pub mod json;
pub mod metrics;
pub mod trace;
