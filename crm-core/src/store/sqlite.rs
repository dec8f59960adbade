//! What only SQLite needs: the database file is created with its folder, and every
//! connection runs in WAL mode with foreign keys enforced.

use std::path::{Path, PathBuf};

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

/// The database file a prepared URL (`prepare_url`) names; `None` in memory, and for a
/// path written percent-encoded, which only sqlx decodes.
pub(super) fn file_of(prepared: &str) -> Option<PathBuf> {
    let rest = prepared.trim_start_matches("sqlite://");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory =
        path.is_empty() || path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory");
    (!in_memory && !path.contains('%')).then(|| PathBuf::from(path))
}

/// How long a statement waits for another connection's lock before failing "busy".
pub(super) const BUSY_TIMEOUT_MS: u64 = 5000;

/// Every connection's settings but the busy timeout (set through the driver's own call
/// where there is one).
///
/// WAL lets readers proceed while one writer commits; NORMAL sync is durable in WAL mode
/// across application crashes and fast enough for a chat hub.
///
/// Temporary storage in memory: a statement that writes many rows keeps the pages it
/// changes in a statement journal (to undo just that statement), and past 64 KiB SQLite
/// moved that journal into a file under /var/tmp, two `pwrite`s per page, more than the
/// commit then wrote to the log (BENCHMARKS.md "Statement journals in memory").
pub(super) const CONNECTION_PRAGMAS: &str = "pragma journal_mode = wal; \
     pragma synchronous = normal; pragma foreign_keys = on; pragma temp_store = memory;";

/// On top of `CONNECTION_PRAGMAS` for the connection a busy writer keeps (`Store::dedicated`,
/// `sqlite_native`): a page cache large enough to stay warm, and no checkpoints inside its
/// commits — the checkpointer beside it copies the log.
pub(super) const WRITER_PRAGMAS: &str =
    "pragma cache_size = -65536; pragma wal_autocheckpoint = 0;";

pub(super) fn configure(options: AnyPoolOptions) -> AnyPoolOptions {
    options.after_connect(|connection, _meta| {
        Box::pin(async move {
            let pragmas = format!("{CONNECTION_PRAGMAS} pragma busy_timeout = {BUSY_TIMEOUT_MS};");
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

    /// The files SQLite has open for this process's temporary storage (it unlinks them at
    /// once and names them `etilqs_*`).
    fn temporary_files() -> usize {
        std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().contains("etilqs_"))
            .count()
    }

    #[tokio::test]
    async fn a_statement_writing_many_rows_keeps_what_would_undo_it_in_memory() {
        use sqlx::Connection as _;
        // Arrange: a table whose unique index lets a multi-row insert fail halfway, so
        // SQLite keeps a journal to undo just that statement.
        let dir = std::env::temp_dir().join(format!("sb-stmt-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let url = format!("sqlite://{}/x.db", dir.display());
        let store = crate::Store::connect(&crate::StoreOptions::new(url))
            .await
            .unwrap();
        let mut conn = store.acquire().await.unwrap();
        conn.execute("create table t (id integer primary key, k text unique, v text)")
            .await
            .unwrap();
        conn.execute(
            "with recursive n (i) as (select 1 union all select i + 1 from n where i < 2000) \
             insert into t (k, v) select 'a' || i, zeroblob(2000) from n",
        )
        .await
        .unwrap();
        // Act: rewrite every row (~4 MiB of pages) inside a transaction.
        let mut tx = conn.begin().await.unwrap();
        tx.execute("update t set k = 'b' || id, v = zeroblob(2100)")
            .await
            .unwrap();
        let files = temporary_files();
        tx.rollback().await.unwrap();
        // Assert
        assert_eq!(files, 0, "the statement journal went to a temporary file");
        drop(conn);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn names_the_file_of_a_url_and_none_in_memory() {
        assert_eq!(
            file_of("sqlite://data/x.db?mode=rwc"),
            Some(PathBuf::from("data/x.db"))
        );
        assert_eq!(
            file_of("sqlite:///tmp/x.db"),
            Some(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(file_of("sqlite://:memory:"), None);
        assert_eq!(file_of("sqlite://x.db?mode=memory&cache=shared"), None);
    }

    #[test]
    fn keeps_an_explicit_mode() {
        assert_eq!(
            prepare_url("sqlite::memory:?mode=memory").unwrap(),
            "sqlite://:memory:?mode=memory"
        );
    }
}
