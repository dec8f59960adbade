//! Shared test helpers: the spawned app, throwaway databases, and where Redis is.

pub mod app;
pub mod chat;
pub mod db;
pub mod redis;
