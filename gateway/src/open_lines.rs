//! The gateway side of open lines: after an inbound message is stored, publish it, announce a
//! newly queued conversation to the line's operators and route the line's queue; announce
//! assignments to the operators' sessions; route again whenever
//! an operator may have become available (a periodic pass covers operators coming online).

use std::{collections::HashSet, time::Duration};

use crm_core::{
    domain::{
        Channel, ChatEvent, Conversation, ConversationStatus, InboundMessage, LineId, Message,
        NewAttachment, Timestamp, UserId, now,
    },
    service::{Assignment, ConversationChange, is_plain},
};
use realtime::PresenceStatus;
use tokio_util::sync::CancellationToken;

use crate::{error::ApiError, events, state::AppState};

/// How often every line's queue is routed again.
const ROUTING_PERIOD: Duration = Duration::from_secs(2);

/// Stores an inbound message, then (after the commit) publishes it and routes its line.
/// `files` are the message's attachments already fetched into the media store (see
/// `OpenLines::receive_with_files`); empty when it has none or they stay with the provider.
pub async fn receive_with_files(
    state: &AppState,
    channel: &Channel,
    message: &InboundMessage,
    files: &[Option<NewAttachment>],
) -> Result<(), ApiError> {
    receive_stored(state, channel, message, files).await?;
    Ok(())
}

/// [`receive_with_files`], returning what was stored (the conversation; the message unless
/// it was a repeat delivery) for channels that answer the sender themselves (the widget).
pub async fn receive_stored(
    state: &AppState,
    channel: &Channel,
    message: &InboundMessage,
    files: &[Option<NewAttachment>],
) -> Result<(Conversation, Option<Message>), crm_core::Error> {
    let batched = if files.is_empty() && is_plain(message) {
        state.inbound_batch.store(channel, message).await?
    } else {
        None
    };
    let received = match batched {
        Some(received) => received,
        None => {
            state
                .open_lines
                .receive_with_files(channel, message, files)
                .await?
        }
    };
    let line = received.conversation.line_id;
    publish_change(state, line, received.events, Vec::new()).await;
    // A new client's first conversation may have made the line's deal.
    if received.opened
        && let Some(deal) = received.conversation.deal_id
    {
        crate::crm_events::deal_started(state, deal).await;
    }
    // Only a waiting conversation needs an operator; a message in an assigned one (most
    // traffic) routes nothing, and the periodic pass covers the rest.
    if received.conversation.status == ConversationStatus::Queued {
        route(state, line).await;
    }
    Ok((received.conversation, received.message))
}

/// Publishes events about a line's conversations: state changes to its watchers, the rest
/// to the room and to `notify_users`.
pub async fn publish_change(
    state: &AppState,
    line: LineId,
    events: Vec<ChatEvent>,
    notify_users: Vec<UserId>,
) {
    // Only a conversation's state goes to the line's watchers; a new message (most
    // traffic) goes to its room and needs no lookup.
    let watchers = if events.iter().any(crate::events::is_line_wide) {
        match state.open_lines.line_watchers(line).await {
            Ok(watchers) => watchers,
            Err(error) => {
                tracing::warn!(error.message = %error, "line watchers unknown");
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    events::publish_to_watchers(state, events, notify_users, &watchers).await;
}

/// Assigns what the line's available operators can take, and tells them; returns once a
/// pass that began after the call has run (see `routing_turns`).
pub async fn route(state: &AppState, line: LineId) {
    state
        .routing_turns
        .run(line, || route_pass(state, line))
        .await;
}

async fn route_pass(state: &AppState, line: LineId) {
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
                announce(state, line, assignment).await;
            }
        }
        Err(error) => tracing::warn!(error.message = %error, "routing failed"),
    }
}

pub async fn announce(state: &AppState, line: LineId, assignment: &Assignment) {
    publish_change(
        state,
        line,
        assignment.events.clone(),
        vec![assignment.operator],
    )
    .await;
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

/// Runs the line policies' timers (SLA, auto-close, snooze) and routes every line with a
/// queue, periodically, until shutdown.
pub async fn run_router(state: AppState, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(ROUTING_PERIOD);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {
                run_timers(&state).await;
                match state.open_lines.lines_with_queue().await {
                    Ok(lines) => for line in lines { route(&state, line).await },
                    Err(error) => tracing::warn!(error.message = %error, "queued lines unknown"),
                }
            }
        }
    }
}

/// One pass over the due timers: publish what they changed, then route the lines that
/// gained a queued conversation or a free operator.
pub async fn run_timers(state: &AppState) {
    run_timers_at(state, now()).await;
}

/// A pass as if the clock read `at`: the router passes the real time, tests a later one.
pub async fn run_timers_at(state: &AppState, at: Timestamp) {
    let pass = match state.open_lines.run_timers(at).await {
        Ok(pass) => pass,
        Err(error) => {
            tracing::warn!(error.message = %error, "line timers not run");
            return;
        }
    };
    for change in pass.changes {
        apply(state, change).await;
    }
    for line in pass.lines {
        route(state, line).await;
    }
}

/// Publishes what an operator action or a timer changed and routes the line it names.
pub async fn apply(state: &AppState, change: ConversationChange) {
    events::publish_to_watchers(state, change.events, change.notify_users, &change.watchers).await;
    if let Some(line) = change.route {
        route(state, line).await;
    }
}
