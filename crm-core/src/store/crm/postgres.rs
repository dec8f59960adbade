//! What only PostgreSQL needs here: row locks for read-modify-write. On SQLite a write
//! transaction (`begin immediate`) already excludes every other writer.

use super::sql::Sql;
use crate::{Result, store::Conn};

/// Locks the rows of `table` with these ids until the transaction ends, in id order so that
/// two transactions locking overlapping sets cannot deadlock.
pub(super) async fn lock(conn: &mut Conn, table: &'static str, ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut sorted = ids.to_vec();
    sorted.sort();
    let mut sql = Sql::new("select count(*) from (select id from ");
    sql.push(table)
        .push(" where id in (")
        .list(sorted)
        .push(") order by id for update) locked");
    sql.fetch_scalar(conn).await?;
    Ok(())
}
