//! Databases for tests, and the skip-or-fail policy for PostgreSQL: a missing server skips
//! PostgreSQL tests on a laptop but fails the run when `CI=true`.

pub use crm_core::testing::TestDatabase;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database of the given kind, or `None` (after a skip notice) when PostgreSQL is
/// not reachable outside CI.
pub async fn fresh(backend: Backend) -> Option<TestDatabase> {
    match backend {
        Backend::Sqlite => Some(TestDatabase::sqlite()),
        Backend::Postgres => match TestDatabase::postgres().await {
            Ok(db) => Some(db),
            Err(error) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("PostgreSQL is required when CI=true: {error}")
            }
            Err(error) => {
                eprintln!(
                    "skipping: no PostgreSQL ({error}); set TEST_DATABASE_URL to run PostgreSQL tests"
                );
                None
            }
        },
    }
}
