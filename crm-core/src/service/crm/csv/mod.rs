//! CSV import and export of contacts, companies and deals, shared by the REST API and the
//! command line. The format (columns, lists in one cell, references by name) is described
//! in docs/crm-csv.md; `cells.rs` and `header.rs` hold it, one module per entity maps its
//! records to rows and back.
//!
//! Export reads through the list queries, so an exporter gets exactly the records their
//! list shows. Import sends every row through the create (or, for a row whose `id` names a
//! record the importer sees, the update) service, one transaction per row, so validation,
//! phone normalization, ownership, visibility and the timeline are those of the API; a bad
//! row is reported by its line and the others are imported.

mod cells;
mod companies;
mod contacts;
mod deals;
mod export;
mod header;
mod import;
mod lines;
mod refs;

use serde::Serialize;

pub use export::{Chunk, Export, ExportFilter};

use super::scope_of;
use crate::{
    Error, Result, Store,
    domain::{Role, User},
    store::{crm::Scope, crm::pipelines as pipeline_store, user_store},
};

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    Contacts,
    Companies,
    Deals,
}

impl Entity {
    pub fn parse(raw: &str) -> Result<Self> {
        match raw.trim() {
            "contacts" => Ok(Self::Contacts),
            "companies" => Ok(Self::Companies),
            "deals" => Ok(Self::Deals),
            _ => Err(Error::validation(
                "entity",
                "must be contacts, companies or deals",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Companies => "companies",
            Self::Deals => "deals",
        }
    }

    fn layout(self) -> &'static header::Layout {
        match self {
            Self::Contacts => &contacts::LAYOUT,
            Self::Companies => &companies::LAYOUT,
            Self::Deals => &deals::LAYOUT,
        }
    }
}

/// The result of an import: rows imported (created or updated), rows that failed and why.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportReport {
    pub imported: usize,
    /// Of the imported rows, those that updated an existing record.
    pub updated: usize,
    pub failed: usize,
    pub errors: Vec<RowError>,
}

/// A row that was not imported.
#[derive(Clone, Debug, Serialize)]
pub struct RowError {
    /// 1-based line of the file where the row starts (the header is line 1).
    pub line: u64,
    /// The column at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Machine-readable: `validation_failed`, `conflict`, `malformed_row`, …
    pub code: String,
    pub message: String,
}

/// What became of an imported row.
enum Outcome {
    Created,
    Updated,
}

#[derive(Clone)]
pub struct CsvExchange {
    store: Store,
}

impl CsvExchange {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// An export of the records `actor` may see (viewers included), or of every record for
    /// `None` (the command line without `--as`).
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn export(&self, actor: Option<&User>, filter: ExportFilter) -> Result<Export> {
        if let ExportFilter::Deals(deals) = &filter {
            deals.check()?;
        }
        let mut conn = self.store.acquire().await?;
        let scope = match actor {
            Some(actor) => scope_of(&mut conn, actor).await?,
            None => Scope::All,
        };
        let users = refs::Users::load(&mut conn).await?;
        let pipelines = refs::Pipelines(pipeline_store::all(&mut conn).await?);
        Ok(Export::new(
            self.store.clone(),
            scope,
            filter,
            users,
            pipelines,
        ))
    }

    /// Imports a file as `actor`; `progress(done, total)` is called after every row. Fails
    /// as a whole only when the header is refused or the file has more than `max_rows`
    /// rows (nothing is imported), the actor may not write, or the database fails.
    #[tracing::instrument(skip_all, fields(entity = entity.as_str()), err(level = "warn"))]
    pub async fn import(
        &self,
        actor: &User,
        entity: Entity,
        data: &[u8],
        max_rows: Option<usize>,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<ImportReport> {
        let report = import::run(&self.store, actor, entity, data, max_rows, progress).await?;
        tracing::info!(
            imported = report.imported,
            failed = report.failed,
            "CSV import finished"
        );
        Ok(report)
    }

    /// The member of staff with this login or e-mail address, for the command line's `--as`;
    /// without one, the first administrator. A disabled account is refused.
    pub async fn staff_member(&self, who: Option<&str>) -> Result<User> {
        let mut conn = self.store.acquire().await?;
        let users = user_store::list(&mut conn).await?;
        let found = match who.map(str::trim) {
            Some(who) => {
                let wanted = who.to_lowercase();
                users.into_iter().find(|user| {
                    user.login.as_str() == wanted
                        || user
                            .email
                            .as_deref()
                            .is_some_and(|email| email.to_lowercase() == wanted)
                })
            }
            None => users
                .into_iter()
                .filter(|user| user.role == Role::Admin && !user.disabled)
                .min_by_key(|user| user.created_at),
        };
        let user = found.ok_or(Error::not_found("user"))?;
        if user.disabled {
            return Err(Error::Forbidden("the account is disabled".into()));
        }
        Ok(user)
    }
}
