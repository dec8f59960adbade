//! Writing a file a page at a time: the records the exporter may see, through the same
//! store queries (and so the same visibility filter) as the list endpoints, in keyset pages,
//! so that a large export never holds more than one page.

use super::{Entity, companies, contacts, deals, refs};
use crate::{
    Result, Store,
    domain::crm::{CompanyFilter, CompanyId, ContactFilter, ContactId, DealFilter, SortCursor},
    store::crm::{
        Scope, companies as company_store, contacts as contact_store, deals as deal_store,
    },
};

/// Records per page, and so per chunk of the file.
const PAGE: i64 = 200;

/// Which records to export: the filters of the list endpoints (their cursor and limit are
/// ignored).
#[derive(Clone, Debug)]
pub enum ExportFilter {
    Contacts(ContactFilter),
    Companies(CompanyFilter),
    Deals(DealFilter),
}

impl ExportFilter {
    /// Every record of the entity.
    pub fn all(entity: Entity) -> Self {
        match entity {
            Entity::Contacts => Self::Contacts(ContactFilter::default()),
            Entity::Companies => Self::Companies(CompanyFilter::default()),
            Entity::Deals => Self::Deals(DealFilter::default()),
        }
    }

    pub fn entity(&self) -> Entity {
        match self {
            Self::Contacts(_) => Entity::Contacts,
            Self::Companies(_) => Entity::Companies,
            Self::Deals(_) => Entity::Deals,
        }
    }
}

/// A CSV file being written. `next_chunk` gives the header with the first page, then one
/// page at a time, then `None`.
pub struct Export {
    store: Store,
    scope: Scope,
    filter: ExportFilter,
    users: refs::Users,
    pipelines: refs::Pipelines,
    after: Option<SortCursor>,
    started: bool,
    finished: bool,
}

/// Part of the file and how many records it holds.
pub struct Chunk {
    pub bytes: Vec<u8>,
    pub records: usize,
}

impl Export {
    pub(super) fn new(
        store: Store,
        scope: Scope,
        filter: ExportFilter,
        users: refs::Users,
        pipelines: refs::Pipelines,
    ) -> Self {
        Self {
            store,
            scope,
            filter,
            users,
            pipelines,
            after: None,
            started: false,
            finished: false,
        }
    }

    pub fn entity(&self) -> Entity {
        self.filter.entity()
    }

    /// How many records the export will hold, counted as the list endpoints count.
    pub async fn total(&self) -> Result<u64> {
        let mut conn = self.store.acquire().await?;
        let count = match &self.filter {
            ExportFilter::Contacts(filter) => {
                contact_store::count(&mut conn, &self.scope, filter)
                    .await?
                    .0
            }
            ExportFilter::Companies(filter) => {
                company_store::count(&mut conn, &self.scope, filter)
                    .await?
                    .0
            }
            ExportFilter::Deals(filter) => {
                deal_store::count(&mut conn, &self.scope, filter).await?
            }
        };
        Ok(u64::try_from(count).unwrap_or_default())
    }

    pub async fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        if self.finished {
            return Ok(None);
        }
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        if !self.started {
            self.started = true;
            let layout = self.entity().layout();
            writer
                .write_record(layout.exported())
                .map_err(write_error)?;
        }
        let mut conn = self.store.acquire().await?;
        let scope = &self.scope;
        let (records, last) = match &self.filter {
            ExportFilter::Contacts(filter) => {
                let after = self.after.map(|c| ContactId::from_uuid(c.id));
                let page = contacts::page(&mut conn, scope, filter, after, PAGE).await?;
                let companies = contacts::company_names(&mut conn, scope, &page).await?;
                for contact in &page {
                    let record = contacts::record(contact, &companies, &self.users);
                    writer.write_record(&record).map_err(write_error)?;
                }
                (
                    page.len(),
                    page.last().map(|c| SortCursor::id(c.id.as_uuid())),
                )
            }
            ExportFilter::Companies(filter) => {
                let after = self.after.map(|c| CompanyId::from_uuid(c.id));
                let page = companies::page(&mut conn, scope, filter, after, PAGE).await?;
                for company in &page {
                    let record = companies::record(company, &self.users);
                    writer.write_record(&record).map_err(write_error)?;
                }
                (
                    page.len(),
                    page.last().map(|c| SortCursor::id(c.id.as_uuid())),
                )
            }
            ExportFilter::Deals(filter) => {
                let page = deals::page(&mut conn, scope, filter, self.after, PAGE).await?;
                let linked = deals::linked(&mut conn, scope, &page).await?;
                for deal in &page {
                    let record = deals::record(deal, &linked, &self.users, &self.pipelines);
                    writer.write_record(&record).map_err(write_error)?;
                }
                (
                    page.len(),
                    page.last().map(|deal| filter.sort.cursor_after(deal)),
                )
            }
        };
        self.after = last;
        self.finished = i64::try_from(records).unwrap_or(i64::MAX) < PAGE;
        let bytes = writer
            .into_inner()
            .map_err(|error| write_error(error.into_error()))?;
        Ok(Some(Chunk { bytes, records }))
    }
}

fn write_error(error: impl std::fmt::Display) -> crate::Error {
    crate::Error::Internal(format!("writing CSV: {error}").into())
}
