//! Publishing committed changes: chat events go to their room's topic; users whose room
//! list changed get the event on their own topic so their sessions start or stop receiving
//! the room; users mentioned in a new message get a `mention` on their own topic. A failed
//! publish is logged, not returned: the change is already durable and clients catch up by
//! resuming from their last sequence.

use crm_core::{domain::ChatEvent, service::Changed};
use realtime::Topic;

use crate::{state::AppState, ws::envelope};

pub async fn publish<T>(state: &AppState, changed: &Changed<T>) {
    for event in &changed.events {
        let payload = envelope::encode_event(event);
        if let Ok(topic) = Topic::room(event.room_id()) {
            send(state, &topic, payload.clone()).await;
        }
        for user in &changed.notify_users {
            if let Ok(topic) = Topic::user(user) {
                send(state, &topic, payload.clone()).await;
            }
        }
        if let ChatEvent::MessageCreated { message } = event {
            notify_mentioned(state, message).await;
            // A staff message in an open-line conversation was queued for its provider.
            if message.author_id.is_some() {
                state.outbox_wakeup.notify_one();
            }
        }
    }
}

async fn notify_mentioned(state: &AppState, message: &crm_core::domain::Message) {
    let readers = match state.rooms.mentioned_readers(message).await {
        Ok(readers) => readers,
        Err(error) => {
            tracing::warn!(error.message = %error, "mentions not resolved");
            return;
        }
    };
    if readers.is_empty() {
        return;
    }
    let payload = envelope::encode_event(&ChatEvent::Mention {
        message: message.clone(),
    });
    for user in readers {
        if let Ok(topic) = Topic::user(user) {
            send(state, &topic, payload.clone()).await;
        }
    }
}

/// Publishes a frame that is not a stored chat event (call signaling for a room).
pub async fn publish_frame(state: &AppState, topic: &Topic, frame: &serde_json::Value) {
    let json = serde_json::to_vec(frame).unwrap_or_default();
    send(state, topic, envelope::encode_plain(&json)).await;
}

async fn send(state: &AppState, topic: &Topic, payload: bytes::Bytes) {
    if let Err(error) = state.bus.publish(topic, payload).await {
        tracing::warn!(topic = %topic, error.message = %error, "event not published; clients will catch up on resume");
    }
}
