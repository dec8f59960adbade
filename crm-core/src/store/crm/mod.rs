//! CRM storage: contacts, companies, their phones, e-mails, identities and search words,
//! the per-owner counts, pipelines, deals and their stage history, leads, the analytics
//! queries, the timeline, and tasks with their dependencies and reminders.
//!
//! Visibility is part of every read statement (`Scope`, applied to the record aliased `c`),
//! so lists, searches, counts, duplicate lookups and timeline pages never return what the
//! caller may not see; a service never filters a page after the fact.

pub(crate) mod analytics;
pub(crate) mod companies;
pub(crate) mod contacts;
mod counts;
pub(crate) mod custom_fields;
pub(crate) mod deal_totals;
pub(crate) mod deals;
pub(crate) mod identities;
mod keyset;
pub(crate) mod leads;
pub(crate) mod pipelines;
mod postgres;
pub(crate) mod reach;
pub(crate) mod reminders;
pub(crate) mod search;
pub(crate) mod shared;
pub(crate) mod sql;
pub(crate) mod stage_history;
pub(crate) mod tasks;
pub(crate) mod timeline;

pub(crate) use sql::Scope;

use super::{Backend, Conn};
use crate::{
    Result,
    domain::{Timestamp, crm::ContactId},
};

/// Points the deals and leads of contact `from` at `into` (a merge).
pub(crate) async fn relink_contact(
    conn: &mut Conn,
    from: ContactId,
    into: ContactId,
    now: Timestamp,
) -> Result<()> {
    for statement in [
        "update deals set contact_id = $2, updated_at = $3 where contact_id = $1",
        "update leads set contact_id = $2, updated_at = $3 where contact_id = $1",
    ] {
        sqlx::query(statement)
            .bind(from.to_string())
            .bind(into.to_string())
            .bind(now.millis())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Locks records about to be read and rewritten (PostgreSQL; a no-op on SQLite, where the
/// write transaction is exclusive). `table` is `contacts`, `companies`, `deals` or `leads`.
pub(crate) async fn lock(
    conn: &mut Conn,
    backend: Backend,
    table: &'static str,
    ids: &[String],
) -> Result<()> {
    match backend {
        Backend::Sqlite => Ok(()),
        Backend::Postgres => postgres::lock(conn, table, ids).await,
    }
}

/// Recounts `crm_counts` and `deal_totals` from the records: after a bulk load that went
/// around the store.
pub(crate) async fn rebuild_counts(conn: &mut Conn, now: Timestamp) -> Result<()> {
    counts::rebuild(conn, now).await?;
    deal_totals::rebuild(conn, now).await
}
