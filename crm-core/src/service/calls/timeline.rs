//! What an ended call leaves on the CRM timeline: one `call` entry on the contact of the
//! open-line conversation it was held in, and on that contact's open deals. Internal rooms
//! concern no contact: their call is only the summary message in the room.

use serde_json::json;

use crate::{
    Result,
    domain::{
        CallSummary, MessageId, RoomId, Timestamp, UserId,
        crm::{EntityRef, NewTimelineEntry, TimelineEntryId, TimelineKind},
    },
    store::{Conn, calls as call_store, conversations, crm::timeline as timeline_store},
};

/// Writes the entry when `room` is a conversation with a contact; returns its id.
pub(super) async fn record(
    tx: &mut Conn,
    room: RoomId,
    summary: &CallSummary,
    people: &[crate::domain::CallPerson],
    message: MessageId,
    now: Timestamp,
) -> Result<Option<TimelineEntryId>> {
    let Some(contact) = conversations::get(tx, room)
        .await?
        .and_then(|conversation| conversation.contact_id)
    else {
        return Ok(None);
    };
    let mut links = vec![EntityRef::contact(contact)];
    links.extend(
        call_store::open_deals_of(tx, contact)
            .await?
            .into_iter()
            .map(EntityRef::deal),
    );
    let entry = NewTimelineEntry {
        kind: TimelineKind::Call,
        author_id: summary.started_by,
        occurred_at: Timestamp::from_millis(summary.started_at_ms),
        summary: entry_summary(summary),
        payload: json!({
            "call_id": summary.call_id,
            "room_id": room,
            "message_id": message,
            "outcome": summary.outcome,
            "started_at": summary.started_at_ms,
            "ended_at": summary.ended_at_ms,
            "duration_ms": summary.duration_ms,
            "participants": people,
            "recordings": summary.recordings,
        }),
        links,
    };
    let id = TimelineEntryId::new();
    timeline_store::insert(tx, id, &entry, now).await?;
    Ok(Some(id))
}

/// "Call answered, 2:05" / "Missed call" / "Call declined", in the timeline's list.
fn entry_summary(summary: &CallSummary) -> String {
    use crate::domain::CallOutcome::*;
    let seconds = summary.duration_ms.max(0) / 1000;
    match summary.outcome {
        Answered => format!("Call answered, {}:{:02}", seconds / 60, seconds % 60),
        Missed => "Missed call".to_owned(),
        Declined => "Call declined".to_owned(),
    }
}

/// Who a call summary names as having taken part: the members who joined.
pub(super) fn members(people: &[crate::domain::CallPerson]) -> Vec<UserId> {
    people.iter().filter_map(|person| person.user_id).collect()
}

/// The names of the guests who joined.
pub(super) fn guests(people: &[crate::domain::CallPerson]) -> Vec<String> {
    people
        .iter()
        .filter(|person| person.guest_id.is_some())
        .map(|person| person.name.clone())
        .collect()
}
