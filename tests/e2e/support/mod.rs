//! Shared test helpers: the spawned app, throwaway databases, and where Redis is.

pub mod app;
pub mod db;
pub mod redis;
