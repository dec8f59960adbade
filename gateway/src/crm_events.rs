//! Telling open CRM screens that a record changed. A `crm.changed` frame names the record
//! and nothing else: every receiver reads it again over REST, where its own visibility
//! applies, so the topic can be shared by all staff without leaking what a role may not see.
//! Like chat events, a failed publish is logged, not returned: the change is durable, and a
//! screen reloads when it reconnects.

use bytes::Bytes;
use crm_core::domain::crm::{Deal, DealId, PipelineId};
use realtime::{BusError, Topic};
use serde_json::json;

use crate::state::AppState;

/// The one topic of CRM changes (single-tenant until tenants exist, as for presence).
pub fn topic() -> Result<Topic, BusError> {
    Topic::crm(realtime::PRESENCE_TENANT)
}

#[derive(Clone, Copy, Debug)]
pub enum Change {
    Created,
    Updated,
    Deleted,
    /// Many records at once (an import): screens reload instead of reading each.
    Bulk,
}

impl Change {
    fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Updated => "updated",
            Change::Deleted => "deleted",
            Change::Bulk => "bulk",
        }
    }
}

/// A deal was created, changed (stage, amount, responsible…) or deleted.
pub async fn deal(state: &AppState, change: Change, deal: &Deal) {
    publish(state, change, Some(deal.id), Some(deal.pipeline_id)).await;
}

/// A deal was created where its pipeline is not at hand (a new client's first conversation,
/// by the line's settings): screens read it to learn where it belongs.
pub async fn deal_started(state: &AppState, id: DealId) {
    publish(state, Change::Created, Some(id), None).await;
}

/// A deal is gone; its pipeline is not known any more.
pub async fn deal_deleted(state: &AppState, id: DealId) {
    publish(state, Change::Deleted, Some(id), None).await;
}

/// Deals were imported in bulk.
pub async fn deals_imported(state: &AppState) {
    publish(state, Change::Bulk, None, None).await;
}

async fn publish(
    state: &AppState,
    change: Change,
    id: Option<DealId>,
    pipeline: Option<PipelineId>,
) {
    let frame = json!({
        "type": "crm.changed",
        "entity": "deal",
        "change": change.as_str(),
        "id": id,
        "pipeline_id": pipeline,
    });
    let result = match topic() {
        Ok(topic) => {
            state
                .bus
                .publish(&topic, Bytes::from(frame.to_string()))
                .await
        }
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        tracing::warn!(error.message = %error, "CRM change not published; screens reload on reconnect");
    }
}
