//! The gateway side of open lines: after an inbound message is stored, publish it and route
//! the line's queue; announce assignments to the operators' sessions; route again whenever
//! an operator may have become available (a periodic pass covers operators coming online).

use std::{collections::HashSet, time::Duration};

use crm_core::{
    domain::{Channel, Conversation, InboundMessage, LineId, Message, UserId},
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
    receive_stored(state, channel, message).await?;
    Ok(())
}

/// [`receive`], returning what was stored (the conversation; the message unless it was
/// a repeat delivery) for channels that answer the sender themselves (the widget).
pub async fn receive_stored(
    state: &AppState,
    channel: &Channel,
    message: &InboundMessage,
) -> Result<(Conversation, Option<Message>), crm_core::Error> {
    let received = state.open_lines.receive(channel, message).await?;
    let changed = Changed {
        value: (),
        events: received.events,
        notify_users: Vec::new(),
    };
    events::publish(state, &changed).await;
    route(state, received.conversation.line_id).await;
    Ok((received.conversation, received.message))
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
