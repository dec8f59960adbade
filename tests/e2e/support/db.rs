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

/// Runs `test` on a freshly opened and migrated store of the given backend.
pub async fn with_store<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(crm_core::Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(database) = fresh(backend).await else {
        return;
    };
    let store = crm_core::Store::open(&database.options())
        .await
        .expect("open and migrate");
    test(store.clone()).await;
    store.close().await;
}

/// Instantiates each listed `async fn(Store)` once per backend, as `sqlite::<name>` and
/// `postgres::<name>`, so a storage contract is written once and run on both.
#[macro_export]
macro_rules! on_both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $crate::support::db::with_store($crate::support::db::Backend::Sqlite, super::$case).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $crate::support::db::with_store($crate::support::db::Backend::Postgres, super::$case).await;
            })*
        }
    };
}
