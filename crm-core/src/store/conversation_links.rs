//! The CRM records a conversation is linked to (`conversations.deal_id`, `lead_id`). The
//! journal reads them under the conversation's row lock (`client_wrote`, `operator_answered`
//! and `set_deal` all update that row first), so an entry written while a link changes is
//! either linked by its own transaction or found by the link's backfill, never missed.

use super::{
    Conn,
    rows::{parse_id, parse_opt_id},
};
use crate::{
    Result,
    domain::{
        RoomId, Timestamp,
        crm::{DealId, EntityRef, LeadId},
    },
};

/// What a conversation's new timeline entries are linked to besides its contact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Linked {
    pub deal_id: Option<DealId>,
    pub lead_id: Option<LeadId>,
}

impl Linked {
    pub fn of(conversation: &crate::domain::Conversation) -> Self {
        Self {
            deal_id: conversation.deal_id,
            lead_id: conversation.lead_id,
        }
    }

    pub fn refs(self) -> impl Iterator<Item = EntityRef> {
        self.deal_id
            .map(EntityRef::deal)
            .into_iter()
            .chain(self.lead_id.map(EntityRef::lead))
    }
}

/// Parses the `deal_id, lead_id` columns a `returning` clause gave back.
pub(crate) fn from_row(row: Option<(Option<String>, Option<String>)>) -> Result<Linked> {
    let Some((deal, lead)) = row else {
        return Ok(Linked::default());
    };
    Ok(Linked {
        deal_id: parse_opt_id(deal.as_deref())?,
        lead_id: parse_opt_id(lead.as_deref())?,
    })
}

pub(crate) async fn set_deal(
    conn: &mut Conn,
    room: RoomId,
    deal: Option<DealId>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("update conversations set deal_id = $2, updated_at = $3 where room_id = $1")
        .bind(room.to_string())
        .bind(deal.map(|id| id.to_string()))
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn set_lead(
    conn: &mut Conn,
    room: RoomId,
    lead: Option<LeadId>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("update conversations set lead_id = $2, updated_at = $3 where room_id = $1")
        .bind(room.to_string())
        .bind(lead.map(|id| id.to_string()))
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// The conversations linked to `lead` and to no deal yet (those a conversion moves to its deal).
pub(crate) async fn rooms_of_lead(conn: &mut Conn, lead: LeadId) -> Result<Vec<RoomId>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "select room_id from conversations where lead_id = $1 and deal_id is null",
    )
    .bind(lead.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|raw| parse_id(raw)).collect()
}

/// Whether the contact had a conversation before `room`: a client is new to the line's CRM
/// setting only in their first one (a delivery retried after a failed write finds none).
pub(crate) async fn had_conversation(
    conn: &mut Conn,
    contact: crate::domain::crm::ContactId,
    room: RoomId,
) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "select 1 from conversations where contact_id = $1 and room_id <> $2 limit 1",
    )
    .bind(contact.to_string())
    .bind(room.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}
