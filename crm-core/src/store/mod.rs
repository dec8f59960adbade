//! Storage: one `Store` over SQLite or PostgreSQL, chosen by the URL scheme.
//!
//! Queries are written once, in the SQL both engines share, with `$N` placeholders, and run
//! through sqlx's `Any` driver; that is why ids are stored as text and instants as integer
//! milliseconds. SQL that only one engine speaks lives in a module named after it (`sqlite.rs`).
//! Functions here take a connection (usually a transaction) so that services decide what is
//! atomic. Row types stay in this module; callers get domain values.

pub(crate) mod attachments;
pub(crate) mod audit;
pub(crate) mod calls;
pub(crate) mod canned;
pub(crate) mod client_batch;
pub(crate) mod conversation_links;
pub(crate) mod conversation_timers;
pub(crate) mod conversations;
pub(crate) mod crm;
pub(crate) mod departments;
pub(crate) mod lines;
pub(crate) mod messages;
pub(crate) mod outbox;
pub(crate) mod pins;
pub(crate) mod pollers;
pub(crate) mod rooms;
mod rows;
pub(crate) mod search;
pub(crate) mod sessions;
mod sqlite;
pub(crate) mod sqlite_native;
pub(crate) mod users;
pub(crate) mod widget;

use std::{fmt, path::PathBuf, str::FromStr, sync::Arc, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use sqlx::{
    AnyConnection, AnyPool, Row, Transaction,
    any::{AnyConnectOptions, AnyPoolOptions},
};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use audit::{AuditEntry, NewAuditEntry};
pub use departments::NewDepartment;
pub use outbox::OutboxItem;
pub use pollers::PollerState;
pub use sessions::SessionRecord;
pub use users::UserWithHash;

pub(crate) use attachments as attachment_store;
pub(crate) use audit as audit_store;
pub(crate) use audit::insert as insert_audit;
pub(crate) use {departments as department_store, messages as message_store, rooms as room_store};
pub(crate) use {sessions as session_store, users as user_store};

use crate::{Error, Result};

pub type Conn = AnyConnection;

/// A transaction; on SQLite it also holds this process's turn to write (see `Store::begin`).
/// Dropped without `commit`, it rolls back.
/// `Tx<'static>` owns its pooled connection; a shorter-lived one runs on a connection the
/// caller keeps (`Store::begin_on`).
pub struct Tx<'c> {
    inner: Transaction<'c, sqlx::Any>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Tx<'_> {
    pub async fn commit(self) -> Result<()> {
        Ok(self.inner.commit().await?)
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.inner
    }
}

/// The database engine behind a `Store`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub const SCHEMES: &'static str = "sqlite:, postgres://, postgresql://";

    /// Picks the backend from a database URL, or names the schemes that are accepted.
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::validation(
                "database.url",
                format!("unsupported scheme; expected one of {}", Self::SCHEMES),
            ))
        }
    }

    /// The engine `conn` talks to.
    pub fn of(conn: &Conn) -> Self {
        match conn.backend_name() {
            "PostgreSQL" => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
pub struct StoreOptions {
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: SecretString::from(url.into()),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

impl fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreOptions")
            .field("url", &redact_url(self.url.expose_secret()))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// A URL with any password replaced, for logs and `Debug`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// The connection pool and the knowledge of which engine it talks to.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; writers of this process queue here for their turn
    /// instead of in SQLite's busy handler, which sleeps whole milliseconds between tries.
    writer: Option<Arc<Mutex<()>>>,
    /// SQLite's database file, for a connection outside the pool (`sqlite_native`); `None`
    /// for PostgreSQL and an in-memory database.
    sqlite_file: Option<PathBuf>,
    acquire_timeout: Duration,
}

impl Store {
    /// Connects without touching the schema. `open` is what the server and CLI use.
    pub async fn connect(options: &StoreOptions) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let url = options.url.expose_secret();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => sqlite::prepare_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let connect_options = AnyConnectOptions::from_str(&url)?;
        // No ping before handing out a pooled connection: it was one more round trip per
        // request. A connection the server dropped fails its next query instead (a 5xx the
        // client or provider retries) and is then discarded by the pool.
        let pool_options = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false);
        let pool = match backend {
            Backend::Sqlite => sqlite::configure(pool_options),
            Backend::Postgres => pool_options,
        }
        .connect_with(connect_options)
        .await?;
        tracing::debug!(backend = backend.as_str(), "database connected");
        Ok(Self {
            pool,
            backend,
            writer: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
            sqlite_file: match backend {
                Backend::Sqlite => sqlite::file_of(&url),
                Backend::Postgres => None,
            },
            acquire_timeout: options.acquire_timeout,
        })
    }

    /// Connects and brings the schema up to date.
    pub async fn open(options: &StoreOptions) -> Result<Self> {
        let store = Self::connect(options).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the embedded migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a transaction. On SQLite it first waits for this process's turn to write, then
    /// takes the write lock up front (`begin immediate`): a deferred transaction that reads
    /// and then writes fails with "database is locked" when another writer committed in
    /// between, instead of waiting its turn.
    pub async fn begin(&self) -> Result<Tx<'static>> {
        let turn = self.turn_to_write().await?;
        let inner = match self.backend {
            Backend::Sqlite => self.pool.begin_with("begin immediate").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx { inner, _turn: turn })
    }

    /// `begin` on a connection the caller keeps (see `dedicated`).
    pub async fn begin_on<'c>(&self, conn: &'c mut Conn) -> Result<Tx<'c>> {
        use sqlx::Connection as _;
        let turn = self.turn_to_write().await?;
        let inner = match self.backend {
            Backend::Sqlite => conn.begin_with("begin immediate").await?,
            Backend::Postgres => conn.begin().await?,
        };
        Ok(Tx { inner, _turn: turn })
    }

    /// The connection a writer thread keeps for itself (`OpenLines::inbound_writer`): on a
    /// SQLite file, one of its own outside the pool, driven from that thread.
    pub(crate) fn native_writer(&self) -> Option<Result<sqlite_native::NativeConn>> {
        self.sqlite_file
            .as_deref()
            .map(sqlite_native::NativeConn::open)
    }

    /// This process's turn to write, which `begin` takes; `None` on PostgreSQL.
    pub(crate) async fn turn_to_write(&self) -> Result<Option<OwnedMutexGuard<()>>> {
        let Some(writer) = &self.writer else {
            return Ok(None);
        };
        tokio::time::timeout(self.acquire_timeout, Arc::clone(writer).lock_owned())
            .await
            .map(Some)
            .map_err(|_| Error::Internal("timed out waiting to write".into()))
    }

    /// A pooled connection for a writer that works all the time (the inbound batch), kept
    /// out of the pool for as long as the caller holds it. On SQLite this is what keeps its
    /// page cache warm: a connection's cache is dropped whenever another connection has
    /// committed since its last transaction, so a busy writer that takes whichever
    /// connection is free re-reads every page it touches, one `pread` each, every time.
    /// Its cache is larger than the others' for the same reason.
    ///
    /// On SQLite it never checkpoints the write-ahead log itself (a commit that crosses the
    /// WAL's size limit would otherwise copy pages into the database file and `fsync`
    /// before returning): whoever keeps it calls [`Store::checkpoint`] from another task.
    pub async fn dedicated(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        use sqlx::Executor as _;
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Sqlite {
            conn.execute(sqlite::WRITER_PRAGMAS).await?;
        }
        Ok(conn)
    }

    /// SQLite: copies what the write-ahead log holds into the database file as far as no
    /// reader still needs it, without blocking writers or readers (`PASSIVE`), on a pooled
    /// connection. Returns the log's size and how much of it is now in the file, in pages.
    /// `None` on PostgreSQL, which checkpoints by itself.
    pub async fn checkpoint(&self) -> Result<Option<(i64, i64)>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let row = sqlx::query("pragma wal_checkpoint(passive)")
            .fetch_one(&self.pool)
            .await?;
        Ok(Some((row.try_get(1)?, row.try_get(2)?)))
    }

    /// SQLite: copies the whole write-ahead log into the database file and waits up to
    /// `readers` for readers still using it, all while holding this process's turn to
    /// write, so the next commit starts the log over from its beginning (`RESTART`).
    /// Passive checkpoints alone never get there under steady writes: the writer commits
    /// while they copy, so the log is never wholly copied when a write begins, and it
    /// grows without end (1.6 GB in 10 s at 5,000 messages/s), every commit writing to
    /// fresh blocks of the file. Returns whether the log will restart; `None` on PostgreSQL.
    pub async fn restart_log(&self, readers: Duration) -> Result<Option<bool>> {
        use sqlx::Executor as _;
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        // The turn first, as `begin` takes it: the pool's connections are never held while
        // waiting for it.
        let _turn = self.turn_to_write().await?;
        let mut conn = self.pool.acquire().await?;
        let wait = readers.as_millis().max(1);
        conn.execute(sqlx::AssertSqlSafe(format!("pragma busy_timeout = {wait}")))
            .await?;
        let checkpointed = sqlx::query("pragma wal_checkpoint(restart)")
            .fetch_one(&mut *conn)
            .await;
        let restored = conn
            .execute(sqlx::AssertSqlSafe(format!(
                "pragma busy_timeout = {}",
                sqlite::BUSY_TIMEOUT_MS
            )))
            .await;
        if restored.is_err() {
            // A pooled connection must not keep the short timeout.
            conn.detach();
        }
        let busy: i64 = checkpointed?.try_get(0)?;
        Ok(Some(busy == 0))
    }

    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// For readiness checks: one round trip to the database.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("select 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Open connections and how many of them are idle, for metrics.
    pub fn pool_stats(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Booleans are stored as 0/1 integers on both engines.
pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}
