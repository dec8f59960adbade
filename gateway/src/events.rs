//! Publishing committed changes: chat events go to their room's topic, and users whose room
//! list changed get the event on their own topic so their sessions start or stop receiving
//! the room. A failed publish is logged, not returned: the change is already durable and
//! clients catch up by resuming from their last sequence.

use crm_core::service::Changed;
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
    }
}

async fn send(state: &AppState, topic: &Topic, payload: bytes::Bytes) {
    if let Err(error) = state.bus.publish(topic, payload).await {
        tracing::warn!(topic = %topic, error.message = %error, "event not published; clients will catch up on resume");
    }
}
