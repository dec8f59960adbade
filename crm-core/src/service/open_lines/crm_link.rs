//! Linking a conversation to a deal from the operator's side. While linked, the journal
//! links each new entry of the conversation to the deal; linking also links the entries
//! it wrote before, so the deal's timeline shows the whole conversation. Unlinking stops
//! the new links and keeps the old ones: what was said while linked stays on the deal.

use serde_json::json;

use super::{
    OpenLines,
    actions::{handles, load, updated},
    journal::{self, Happened},
};
use crate::{
    Error, Result,
    domain::{RoomId, User, crm::DealId, crm::EntityRef, now},
    service::crm::{require_writer, scope_of},
    store::{
        conversation_links::{self, Linked},
        conversations,
        crm::{deals as deal_store, timeline as timeline_store},
    },
};

use super::ConversationChange;

impl OpenLines {
    /// Links the conversation to `deal` (`None` unlinks it): the conversation's operator or
    /// a lead of its line, who must see the deal. Linking to the deal it is linked to
    /// already changes nothing.
    #[tracing::instrument(skip_all, fields(conversation.id = %room), err(level = "warn"))]
    pub async fn link_deal(
        &self,
        actor: &User,
        room: RoomId,
        deal: Option<DealId>,
    ) -> Result<ConversationChange> {
        require_writer(actor)?;
        let now = now();
        let mut tx = self.store.begin().await?;
        let (conversation, line) = load(&mut tx, actor, room).await?;
        if !handles(actor, &conversation, &line) {
            return Err(Error::Forbidden(
                "only the conversation's operator or a supervisor may link it to a deal".into(),
            ));
        }
        if let Some(id) = deal {
            let scope = scope_of(&mut tx, actor).await?;
            deal_store::get(&mut tx, &scope, id)
                .await?
                .ok_or(Error::not_found("deal"))?;
        }
        if conversation.deal_id == deal {
            tx.commit().await?;
            return Ok(updated(conversation, &line));
        }
        // Taking the row lock first: messages stored meanwhile wait and then see the link.
        conversation_links::set_deal(&mut tx, room, deal, now).await?;
        let after = conversations::get(&mut tx, room)
            .await?
            .ok_or(Error::not_found("conversation"))?;
        if let Some(left) = conversation.deal_id {
            let on = Linked {
                deal_id: Some(left),
                lead_id: after.lead_id,
            };
            let details = json!({"deal_id": left});
            let author = Some(actor.id);
            journal::event_on(
                &mut tx,
                &after,
                on,
                Happened::DealUnlinked,
                author,
                details,
                now,
            )
            .await?;
        }
        if let Some(joined) = deal {
            timeline_store::link_room(&mut tx, room, EntityRef::deal(joined), now).await?;
            let details = json!({"deal_id": joined});
            journal::event(
                &mut tx,
                &after,
                Happened::DealLinked,
                Some(actor.id),
                details,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(updated(after, &line))
    }
}
