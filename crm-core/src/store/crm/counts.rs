//! `crm_counts`: live records per (responsible user, department), maintained by the store
//! functions that create, delete and reassign records, so totals of lists filtered only by
//! visibility and responsible user never count millions of rows.

use super::sql::{Scope, Sql};
use crate::{
    Result,
    domain::{DepartmentId, Timestamp, UserId},
    store::Conn,
};

/// Who a record belongs to, as far as visibility and counting are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Owners {
    pub responsible_id: Option<UserId>,
    pub department_id: Option<DepartmentId>,
}

/// Applies count changes in a fixed order of keys, so that two transactions touching the
/// same rows lock them in the same order and cannot deadlock. Zero net changes are skipped.
pub(crate) async fn adjust(
    conn: &mut Conn,
    kind: &'static str,
    changes: &[(Owners, i64)],
    now: Timestamp,
) -> Result<()> {
    let mut net: Vec<(Owners, i64)> = Vec::new();
    for (owners, delta) in changes {
        match net.iter_mut().find(|(o, _)| o == owners) {
            Some((_, sum)) => *sum += delta,
            None => net.push((*owners, *delta)),
        }
    }
    net.sort();
    for (owners, delta) in net.into_iter().filter(|(_, delta)| *delta != 0) {
        sqlx::query(
            "insert into crm_counts (entity_kind, responsible_id, department_id, live, created_at, \
             updated_at) values ($1, $2, $3, $4, $5, $5) \
             on conflict (entity_kind, responsible_id, department_id) \
             do update set live = crm_counts.live + excluded.live, updated_at = excluded.updated_at",
        )
        .bind(kind)
        .bind(owners.responsible_id.map_or_else(String::new, |id| id.to_string()))
        .bind(owners.department_id.map_or_else(String::new, |id| id.to_string()))
        .bind(delta)
        .bind(now.millis())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The number of live records of `kind` the scope sees, optionally of one responsible user.
pub(crate) async fn total(
    conn: &mut Conn,
    kind: &'static str,
    scope: &Scope,
    responsible: Option<UserId>,
) -> Result<i64> {
    let mut sql = Sql::new(
        "select cast(coalesce(sum(c.live), 0) as bigint) from crm_counts c where c.entity_kind = ",
    );
    sql.text(kind);
    if let Some(user) = responsible {
        sql.push(" and c.responsible_id = ").text(user);
    }
    scope.restrict(&mut sql);
    sql.fetch_scalar(conn).await
}

/// Recounts every pair from the records themselves, after a bulk load that bypassed the
/// store (the scale example) or to repair drift.
pub(crate) async fn rebuild(conn: &mut Conn, now: Timestamp) -> Result<()> {
    sqlx::query("delete from crm_counts")
        .execute(&mut *conn)
        .await?;
    for (kind, table) in [
        (
            "contact",
            "insert into crm_counts (entity_kind, responsible_id, department_id, live, created_at, \
             updated_at) select 'contact', coalesce(responsible_id, ''), coalesce(department_id, ''), \
             count(*), $1, $1 from contacts where deleted_at is null \
             group by coalesce(responsible_id, ''), coalesce(department_id, '')",
        ),
        (
            "company",
            "insert into crm_counts (entity_kind, responsible_id, department_id, live, created_at, \
             updated_at) select 'company', coalesce(responsible_id, ''), coalesce(department_id, ''), \
             count(*), $1, $1 from companies where deleted_at is null \
             group by coalesce(responsible_id, ''), coalesce(department_id, '')",
        ),
    ] {
        tracing::debug!(kind, "recounting");
        sqlx::query(table)
            .bind(now.millis())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
