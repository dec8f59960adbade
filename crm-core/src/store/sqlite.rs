//! What only SQLite needs: the database file is created with its folder, and every
//! connection runs in WAL mode with foreign keys enforced.

use std::path::Path;

use sqlx::{Executor, any::AnyPoolOptions};

use crate::{Error, Result};

/// Creates the folder of a file database and asks the driver to create the file if missing.
pub(super) fn prepare_url(url: &str) -> Result<String> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory = path == ":memory:" || query.contains("mode=memory");
    if !in_memory
        && let Some(parent) = Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|error| {
            Error::Internal(
                format!(
                    "cannot create database folder {}: {error}",
                    parent.display()
                )
                .into(),
            )
        })?;
    }
    let prepared = if query.contains("mode=") {
        format!("sqlite://{rest}")
    } else if query.is_empty() {
        format!("sqlite://{path}?mode=rwc")
    } else {
        format!("sqlite://{path}?{query}&mode=rwc")
    };
    Ok(prepared)
}

/// How long a statement waits for another connection's lock before failing "busy".
pub(super) const BUSY_TIMEOUT_MS: u64 = 5000;

pub(super) fn configure(options: AnyPoolOptions) -> AnyPoolOptions {
    options.after_connect(|connection, _meta| {
        Box::pin(async move {
            // WAL lets readers proceed while one writer commits; NORMAL sync is durable in WAL
            // mode across application crashes and fast enough for a chat hub.
            let pragmas = format!(
                "pragma journal_mode = wal; pragma synchronous = normal; \
                 pragma foreign_keys = on; pragma busy_timeout = {BUSY_TIMEOUT_MS};"
            );
            connection.execute(sqlx::AssertSqlSafe(pragmas)).await?;
            Ok(())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_create_mode_to_plain_file_urls() {
        let dir = std::env::temp_dir().join(format!("sb-url-{}", std::process::id()));
        let url = format!("sqlite://{}/x.db", dir.display());
        assert_eq!(prepare_url(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.is_dir());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn keeps_an_explicit_mode() {
        assert_eq!(
            prepare_url("sqlite::memory:?mode=memory").unwrap(),
            "sqlite://:memory:?mode=memory"
        );
    }
}
