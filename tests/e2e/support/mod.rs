//! Shared test helpers: the spawned app, throwaway databases, and where Redis is.

pub mod app;
pub mod chat;
pub mod db;
pub mod redis;
pub mod telegram;

/// Installs the process's TLS provider before any HTTP client is built (reqwest is compiled
/// with rustls but no provider of its own).
pub fn init_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
