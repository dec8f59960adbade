//! CRM use cases: contacts, companies, the timeline, duplicates and merge; pipelines,
//! deals, leads and the analytics over them; tasks.
//!
//! Visibility by role: an admin sees every record; a supervisor the records whose
//! responsible user is in a department of the subtree they head (the same departments as
//! `Accounts::managed_departments`), and their own; an operator and a viewer the records
//! they are responsible for. The service turns the caller into a `Scope` and the store puts
//! it into every statement. A record outside the scope is "not found", never "forbidden", so
//! its existence does not leak. Viewers read only: every write is refused with `Forbidden`
//! before anything is looked up.

mod analytics;
mod changes;
mod companies;
mod contacts;
mod csv;
pub(crate) mod custom_fields;
mod deals;
mod duplicate_groups;
mod duplicates;
mod identities;
mod leads;
mod merge;
mod paging;
mod pipelines;
mod task_events;
mod task_notices;
mod tasks;
mod timeline;

pub use analytics::Analytics;
pub use companies::Companies;
pub use contacts::Contacts;
pub use csv::{Chunk, CsvExchange, Entity, Export, ExportFilter, ImportReport, RowError};
pub use custom_fields::CustomFields;
pub use deals::Deals;
pub use leads::{Conversion, Leads};
pub use pipelines::Pipelines;
pub use tasks::Tasks;
pub use timeline::Timeline;
pub(crate) use {
    deals::insert_by_system as insert_system_deal, leads::insert_by_system as insert_system_lead,
};

use crate::{
    Error, Result,
    domain::{DepartmentId, Role, User, UserId},
    store::{Conn, crm::Scope, department_store, user_store},
};

/// The records `user` may see.
pub(crate) async fn scope_of(conn: &mut Conn, user: &User) -> Result<Scope> {
    Ok(match user.role {
        Role::Admin => Scope::All,
        Role::Supervisor => {
            let mut departments: Vec<DepartmentId> = Vec::new();
            for head in department_store::headed_by(conn, user.id).await? {
                for id in department_store::subtree(conn, head).await? {
                    if !departments.contains(&id) {
                        departments.push(id);
                    }
                }
            }
            Scope::Managed {
                user: user.id,
                departments,
            }
        }
        Role::Operator | Role::Viewer => Scope::Own(user.id),
    })
}

/// Refuses viewers: they read and never change records.
pub(crate) fn require_writer(user: &User) -> Result<()> {
    if user.role.can_write() {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "viewers may read records but not change them".into(),
        ))
    }
}

/// Checks that a user can be made responsible for a record and returns their department,
/// which the record copies for visibility.
pub(crate) async fn responsible_department(
    conn: &mut Conn,
    id: UserId,
) -> Result<Option<DepartmentId>> {
    let user = user_store::get(conn, id)
        .await?
        .ok_or_else(|| Error::validation("responsible_id", "no such user"))?;
    if user.disabled {
        return Err(Error::validation("responsible_id", "the user is disabled"));
    }
    Ok(user.department_id)
}

/// The scope of whoever creates a record: staff must be allowed to write and see their
/// scope; `None` is the system (the open lines), which sees everything.
pub(crate) async fn creator_scope(conn: &mut Conn, actor: Option<&User>) -> Result<Scope> {
    match actor {
        Some(actor) => {
            require_writer(actor)?;
            scope_of(conn, actor).await
        }
        None => Ok(Scope::All),
    }
}

/// Who a new record belongs to: the responsible user asked for, else the creator (none
/// for the system), with the department copied for visibility.
pub(crate) async fn owner_of_new(
    conn: &mut Conn,
    actor: Option<&User>,
    responsible_id: Option<UserId>,
) -> Result<(Option<UserId>, Option<DepartmentId>)> {
    let responsible_id = responsible_id.or(actor.map(|a| a.id));
    let department_id = match responsible_id {
        Some(id) => responsible_department(conn, id).await?,
        None => None,
    };
    Ok((responsible_id, department_id))
}

/// A page size within 1..=`PAGE_MAX`.
pub(crate) fn page_size(limit: i64) -> i64 {
    limit.clamp(1, crate::domain::crm::PAGE_MAX)
}
