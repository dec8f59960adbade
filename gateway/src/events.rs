//! Publishing committed changes: chat events go to their room's topic; users whose room
//! list changed get the event on their own topic so their sessions start or stop receiving
//! the room; users mentioned in a new message get a `mention` on their own topic. A failed
//! publish is logged, not returned: the change is already durable and clients catch up by
//! resuming from their last sequence.

use crm_core::{
    domain::{ChatEvent, MessageKind, UserId},
    service::Changed,
};
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
            // A staff or automatic message in an open-line conversation may have been
            // queued for its provider.
            if message.author_id.is_some() || message.kind == MessageKind::Auto {
                state.outbox_wakeup.notify_one();
            }
        }
    }
}

/// Publishes an open-line change: a conversation's state (`conversation.updated`,
/// `conversation.sla_breached`) goes to the user topics of the line's `watchers` (operators
/// and supervisors, whether or not they are in the room); everything else as `publish` does.
pub async fn publish_to_watchers(
    state: &AppState,
    events: Vec<ChatEvent>,
    notify_users: Vec<UserId>,
    watchers: &[UserId],
) {
    let (line_wide, room): (Vec<ChatEvent>, Vec<ChatEvent>) =
        events.into_iter().partition(is_line_wide);
    publish(
        state,
        &Changed {
            value: (),
            events: room,
            notify_users,
        },
    )
    .await;
    for event in &line_wide {
        let payload = envelope::encode_event(event);
        for user in watchers {
            if let Ok(topic) = Topic::user(user) {
                send(state, &topic, payload.clone()).await;
            }
        }
    }
}

/// Events about a conversation's state, which go to the line's watchers.
pub fn is_line_wide(event: &ChatEvent) -> bool {
    matches!(
        event,
        ChatEvent::ConversationUpdated { .. } | ChatEvent::SlaBreached { .. }
    )
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

/// Sends a task notice to the responsible user's own connections as a `notification`
/// frame (documented in docs/realtime-protocol.md).
pub async fn publish_task_notice(state: &AppState, notice: &crm_core::domain::crm::TaskNotice) {
    let frame = serde_json::json!({
        "type": "notification",
        "kind": match notice.kind {
            crm_core::domain::crm::NoticeKind::Reminder => "task.reminder",
            crm_core::domain::crm::NoticeKind::Overdue => "task.overdue",
        },
        "minutes_before": notice.offset_minutes,
        "task": notice.task,
    });
    let payload = envelope::encode_plain(frame.to_string().as_bytes());
    if let Ok(topic) = Topic::user(notice.task.responsible_id) {
        send(state, &topic, payload).await;
    }
}
