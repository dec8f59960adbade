//! The gateway side of open lines: after an inbound message is stored, publish it, announce a
//! newly queued conversation to the line's operators and route the line's queue; announce
//! assignments to the operators' sessions; route again whenever
//! an operator may have become available (a periodic pass covers operators coming online).

use std::{collections::HashSet, time::Duration};

use crm_core::{
    domain::{Channel, ChatEvent, Conversation, InboundMessage, LineId, UserId},
    service::{Assignment, Changed},
};
use realtime::PresenceStatus;
use tokio_util::sync::CancellationToken;

use crate::{error::ApiError, events, state::AppState};

/// How often every line's queue is routed again.
const ROUTING_PERIOD: Duration = Duration::from_secs(2);

/// Stores an inbound message, then (after the commit) publishes it and routes its line.
pub async fn receive(
    state: &AppState,
    channel: &Channel,
    message: &InboundMessage,
) -> Result<(), ApiError> {
    let received = state.open_lines.receive(channel, message).await?;
    let changed = Changed {
        value: (),
        events: received.events,
        notify_users: Vec::new(),
    };
    events::publish(state, &changed).await;
    if received.opened {
        announce_queued(state, &received.conversation).await;
    }
    route(state, received.conversation.line_id).await;
    Ok(())
}

/// Tells the line's operators that a new conversation waits in its queue. They are not in
/// its room yet, so the room's own events do not reach them; their inboxes show it live.
async fn announce_queued(state: &AppState, conversation: &Conversation) {
    let operators = match state.open_lines.line_operators(conversation.line_id).await {
        Ok(operators) => operators,
        Err(error) => {
            tracing::warn!(error.message = %error, "queued conversation not announced");
            return;
        }
    };
    let changed = Changed {
        value: (),
        events: vec![ChatEvent::ConversationUpdated {
            conversation: conversation.clone(),
        }],
        notify_users: operators,
    };
    events::publish(state, &changed).await;
}

/// Assigns what the line's available operators can take, and tells them.
pub async fn route(state: &AppState, line: LineId) {
    let available = match available_operators(state, line).await {
        Ok(available) => available,
        Err(error) => {
            tracing::warn!(error.message = %error, "line operators' presence unknown");
            return;
        }
    };
    match state.open_lines.distribute(line, &available).await {
        Ok(assignments) => {
            for assignment in &assignments {
                announce(state, assignment).await;
            }
        }
        Err(error) => tracing::warn!(error.message = %error, "routing failed"),
    }
}

pub async fn announce(state: &AppState, assignment: &Assignment) {
    let changed = Changed {
        value: (),
        events: assignment.events.clone(),
        notify_users: vec![assignment.operator],
    };
    events::publish(state, &changed).await;
}

async fn available_operators(state: &AppState, line: LineId) -> Result<HashSet<UserId>, ApiError> {
    let operators = state.open_lines.line_operators(line).await?;
    let ids: Vec<String> = operators.iter().map(ToString::to_string).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let statuses = state
        .presence
        .statuses(&refs)
        .await
        .map_err(ApiError::internal)?;
    Ok(operators
        .into_iter()
        .zip(statuses)
        .filter(|(_, status)| *status == PresenceStatus::Online)
        .map(|(id, _)| id)
        .collect())
}

/// Routes every line with a queue, periodically, until shutdown.
pub async fn run_router(state: AppState, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(ROUTING_PERIOD);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {
                match state.open_lines.lines_with_queue().await {
                    Ok(lines) => for line in lines { route(&state, line).await },
                    Err(error) => tracing::warn!(error.message = %error, "queued lines unknown"),
                }
            }
        }
    }
}
