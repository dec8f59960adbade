//! The timeline of contacts, companies, leads and deals: pages,
//! comments, and recording entries for the rest of the system.

use serde_json::json;

use super::{page_size, require_writer, scope_of};
use crate::{
    Error, Result, Store,
    domain::{
        User,
        crm::{
            EntityRef, NewTimelineEntry, TimelineCursor, TimelineEntry, TimelineEntryId,
            TimelineKind, TimelinePage, comment_text, summarize,
        },
        now,
    },
    store::crm::{Scope, timeline as timeline_store},
};

#[derive(Clone)]
pub struct Timeline {
    store: Store,
}

impl Timeline {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// A page of the entity's timeline, newest first, older than `cursor`. An entity the
    /// caller may not see is not found (the store applies the same rule to the page itself).
    #[tracing::instrument(skip_all, fields(entity.id = %entity.id), err(level = "warn"))]
    pub async fn page(
        &self,
        actor: &User,
        entity: EntityRef,
        cursor: Option<TimelineCursor>,
        limit: i64,
    ) -> Result<TimelinePage> {
        let limit = page_size(limit);
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let mut entries =
            timeline_store::page(&mut conn, &scope, entity, cursor, limit + 1).await?;
        // A non-empty page proves the entity visible; only an empty one needs the check.
        if entries.is_empty() && !timeline_store::visible(&mut conn, &scope, entity).await? {
            return Err(Error::not_found(entity.kind.as_str()));
        }
        let next_cursor = if entries.len() as i64 > limit {
            entries.truncate(limit as usize);
            entries
                .last()
                .map(|entry| TimelineCursor::after(entry).to_string())
        } else {
            None
        };
        Ok(TimelinePage {
            entries,
            next_cursor,
        })
    }

    /// Adds a comment by the caller to the entity's timeline.
    #[tracing::instrument(skip_all, fields(entity.id = %entity.id), err(level = "warn"))]
    pub async fn comment(
        &self,
        actor: &User,
        entity: EntityRef,
        text: &str,
    ) -> Result<TimelineEntry> {
        require_writer(actor)?;
        let text = comment_text(text)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        if !timeline_store::visible(&mut tx, &scope, entity).await? {
            return Err(Error::not_found(entity.kind.as_str()));
        }
        let now = now();
        let entry = NewTimelineEntry {
            kind: TimelineKind::Comment,
            author_id: Some(actor.id),
            occurred_at: now,
            summary: summarize(&text),
            payload: json!({"text": text}),
            links: vec![entity],
        };
        let id = TimelineEntryId::new();
        timeline_store::insert(&mut tx, id, &entry, now).await?;
        tx.commit().await?;
        Ok(TimelineEntry {
            id,
            kind: entry.kind,
            author_id: entry.author_id,
            occurred_at: entry.occurred_at,
            summary: entry.summary,
            payload: entry.payload,
        })
    }

    /// Records an entry for the rest of the system (no caller checks): every linked contact
    /// company, lead and deal must exist. Code inside `crm-core` that must write an entry in the same
    /// transaction as its change (an inbound message) calls `store::crm::timeline::insert`
    /// with its own transaction instead.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn record(&self, entry: NewTimelineEntry) -> Result<TimelineEntryId> {
        if entry.links.is_empty() {
            return Err(Error::validation(
                "links",
                "an entry must concern at least one record",
            ));
        }
        let mut tx = self.store.begin().await?;
        for link in &entry.links {
            if !timeline_store::visible(&mut tx, &Scope::All, *link).await? {
                return Err(Error::not_found(link.kind.as_str()));
            }
        }
        let id = TimelineEntryId::new();
        timeline_store::insert(&mut tx, id, &entry, now()).await?;
        tx.commit().await?;
        Ok(id)
    }
}
