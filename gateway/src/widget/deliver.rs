//! Sending a reply to a widget visitor: publishing it to the visitor's topic, where every
//! socket the visitor has open receives it. The reply is stored before this runs and the
//! outbox marks it sent once the bus has it, so a visitor that is offline now reads it in
//! its history later; sessions drop a reply they already showed (by room sequence).

use crm_core::{domain::DeliveryError, store::OutboxItem};
use realtime::Topic;

use super::wire;
use crate::{state::AppState, ws::envelope};

pub async fn deliver(state: &AppState, item: &OutboxItem) -> Result<String, DeliveryError> {
    let temporary = |reason: String| DeliveryError::Temporary { reason };
    let message = state
        .widget
        .reply(item.message_id)
        .await
        .map_err(|error| temporary(error.to_string()))?
        .ok_or_else(|| DeliveryError::Rejected {
            reason: "the reply is gone".into(),
        })?;
    let topic = Topic::visitor(&item.message.chat_id).map_err(|error| DeliveryError::Rejected {
        reason: error.to_string(),
    })?;
    let frame = wire::message_frame(&message).to_string();
    let payload = envelope::encode_message(message.room_id, message.seq, frame.as_bytes());
    state
        .bus
        .publish(&topic, payload)
        .await
        .map_err(|error| temporary(error.to_string()))?;
    Ok(message.id.to_string())
}
