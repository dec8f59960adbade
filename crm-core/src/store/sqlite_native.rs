//! The SQLite inbound writer's own connection, driven from the writer's thread (rusqlite on
//! the same SQLite library sqlx links) instead of through sqlx's worker thread.
//!
//! Through sqlx every statement of a batch was a hand-off to the connection's thread and
//! back, five per batch, and the two threads took turns: while one worked the other
//! waited, for the work or for a core (BENCHMARKS.md "The writer in one thread"). Here
//! the writer's thread binds, steps and commits itself, so a batch is one thread's work
//! from its read to its commit.

use std::{path::Path, sync::Mutex, time::Duration};

use rusqlite::{CachedStatement, Connection, OpenFlags, types::ToSqlOutput};

use super::{
    crm::sql::{Sql, Value},
    sqlite::{BUSY_TIMEOUT_MS, CONNECTION_PRAGMAS, WRITER_PRAGMAS},
};
use crate::{Error, Result};

/// Prepared statements kept: a batch's statements take ~10 texts per padded size (see
/// `sql::padded`), nine sizes.
const CACHED_STATEMENTS: usize = 128;

/// One connection to the database file. The mutex only makes it `Sync`, so that the async
/// batch code holding a reference stays `Send`; one thread uses it, and no lock is held
/// across an `.await`.
pub(crate) struct NativeConn {
    conn: Mutex<Connection>,
}

impl NativeConn {
    /// Opens `path` with the settings of the writer's pooled connection (`Store::dedicated`).
    pub fn open(path: &Path) -> Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(failed)?;
        conn.busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS))
            .map_err(failed)?;
        conn.execute_batch(CONNECTION_PRAGMAS).map_err(failed)?;
        conn.execute_batch(WRITER_PRAGMAS).map_err(failed)?;
        conn.set_prepared_statement_cache_capacity(CACHED_STATEMENTS);
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// `begin immediate`: the write lock first (see `Store::begin`).
    pub fn begin(&self) -> Result<()> {
        self.with(|conn| conn.execute_batch("begin immediate"))
    }

    pub fn commit(&self) -> Result<()> {
        self.with(|conn| conn.execute_batch("commit"))
    }

    /// Undoes whatever the transaction wrote; after a failed commit too, which can leave
    /// the transaction open. An error here means the connection is not usable.
    pub fn rollback(&self) -> Result<()> {
        self.with(|conn| {
            if conn.is_autocommit() {
                Ok(())
            } else {
                conn.execute_batch("rollback")
            }
        })
    }

    /// Runs a statement that returns no rows.
    pub fn execute(&self, sql: Sql) -> Result<usize> {
        self.with(|conn| bound(conn, sql)?.raw_execute())
    }

    /// The first column of the first row as text; `None` without rows or for a null.
    pub fn fetch_text(&self, sql: Sql) -> Result<Option<String>> {
        self.with(|conn| {
            let mut statement = bound(conn, sql)?;
            let mut rows = statement.raw_query();
            match rows.next()? {
                Some(row) => row.get::<_, Option<String>>(0),
                None => Ok(None),
            }
        })
    }

    fn with<T>(&self, run: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| Error::Internal("the inbound writer's connection was poisoned".into()))?;
        run(&conn).map_err(failed)
    }
}

/// `sql` prepared (once per text: the connection keeps it) with its values bound.
fn bound(conn: &Connection, sql: Sql) -> rusqlite::Result<CachedStatement<'_>> {
    let (text, values) = sql.into_sqlite();
    let mut statement = conn.prepare_cached(&text)?;
    for (index, value) in values.iter().enumerate() {
        statement.raw_bind_parameter(index + 1, value)?;
    }
    Ok(statement)
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Value::Text(text) => text.to_sql(),
            Value::Int(number) => number.to_sql(),
        }
    }
}

fn failed(error: rusqlite::Error) -> Error {
    Error::Internal(format!("SQLite: {error}").into())
}
