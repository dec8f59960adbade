//! Throwaway databases for tests: a fresh SQLite file or a uniquely named PostgreSQL
//! database per test, removed when the guard is dropped.

use std::path::PathBuf;

use crate::StoreOptions;

/// Where tests find PostgreSQL: `TEST_DATABASE_URL`, else the local server.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    pub fn sqlite() -> Self {
        let dir = std::env::temp_dir().join("switchboard-tests");
        let path = dir.join(format!("{}.db", uuid::Uuid::now_v7()));
        let url = format!("sqlite://{}", path.display());
        Self {
            url,
            cleanup: Cleanup::File(path),
        }
    }

    /// Creates `sbtest_<uuid>` on the server. Returns an error when the server is unreachable.
    pub async fn postgres() -> Result<Self, sqlx::Error> {
        use sqlx::Connection;
        let admin_url = postgres_admin_url();
        let name = format!("sbtest_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
        // The name is ours: a fixed prefix and a uuid.
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&mut admin)
            .await?;
        let (base, _) = admin_url.rsplit_once('/').unwrap_or((&admin_url, ""));
        let url = format!("{base}/{name}");
        Ok(Self {
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    pub fn options(&self) -> StoreOptions {
        StoreOptions::new(self.url.clone())
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside a test's runtime, which cannot be blocked on; a short-lived
                // thread with its own runtime drops the database, forcing off leftover clients.
                let dropper = std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    runtime.block_on(async move {
                        use sqlx::Connection;
                        if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                                "drop database if exists {name} with (force)"
                            )))
                            .execute(&mut admin)
                            .await;
                        }
                    });
                });
                let _ = dropper.join();
            }
        }
    }
}
