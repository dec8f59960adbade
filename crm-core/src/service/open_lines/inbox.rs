//! The operator inbox: conversations with what a list row shows beside the conversation's own
//! state — the channel (for its icon and the filters), the line's name, the newest message (a
//! queued conversation's preview, before the operator may read its room) and the CRM contact
//! holding the client's channel identity, when the caller may see that contact (likewise
//! the deal and lead the conversation is linked to).

use std::collections::HashMap;

use serde::Serialize;

use super::OpenLines;
use crate::{
    Result,
    domain::{ChannelId, ChannelKind, Conversation, ConversationStatus, LineId, Message, User},
    service::crm::scope_of,
    store::{
        crm::{contacts as contact_store, deals as deal_store, leads as lead_store},
        lines, message_store,
    },
};

/// One row of the inbox.
#[derive(Clone, Debug, Serialize)]
pub struct InboxEntry {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub channel_kind: ChannelKind,
    pub channel_name: String,
    pub line_name: String,
    pub last_message: Option<Message>,
}

impl OpenLines {
    /// The conversations the caller may see (see `conversations`), as inbox rows; a row's
    /// `contact_id`, `deal_id` and `lead_id` are cleared when the caller may not see that
    /// record.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn inbox(
        &self,
        actor: &User,
        status: ConversationStatus,
        snoozed: bool,
        label: Option<&str>,
    ) -> Result<Vec<InboxEntry>> {
        let conversations = self.conversations(actor, status, snoozed, label).await?;
        let mut conn = self.store.acquire().await?;
        let channels: HashMap<ChannelId, (ChannelKind, String)> = lines::list_channels(&mut conn)
            .await?
            .into_iter()
            .map(|channel| (channel.id, (channel.kind, channel.name)))
            .collect();
        let scope = scope_of(&mut conn, actor).await?;
        let mut line_names: HashMap<LineId, String> = HashMap::new();
        let mut entries = Vec::with_capacity(conversations.len());
        for mut conversation in conversations {
            let Some((kind, channel_name)) = channels.get(&conversation.channel_id).cloned() else {
                continue;
            };
            let line_name = match line_names.get(&conversation.line_id) {
                Some(name) => name.clone(),
                None => {
                    let name = lines::get_line(&mut conn, conversation.line_id)
                        .await?
                        .map(|line| line.name)
                        .unwrap_or_default();
                    line_names.insert(conversation.line_id, name.clone());
                    name
                }
            };
            conversation.contact_id = match conversation.contact_id {
                Some(id) => contact_store::get(&mut conn, &scope, id)
                    .await?
                    .map(|contact| contact.id),
                None => None,
            };
            conversation.deal_id = match conversation.deal_id {
                Some(id) => deal_store::get(&mut conn, &scope, id)
                    .await?
                    .map(|deal| deal.id),
                None => None,
            };
            conversation.lead_id = match conversation.lead_id {
                Some(id) => lead_store::get(&mut conn, &scope, id)
                    .await?
                    .map(|lead| lead.id),
                None => None,
            };
            let last_message = message_store::page(&mut conn, conversation.room_id, None, None, 1)
                .await?
                .pop();
            entries.push(InboxEntry {
                conversation,
                channel_kind: kind,
                channel_name,
                line_name,
                last_message,
            });
        }
        Ok(entries)
    }
}
