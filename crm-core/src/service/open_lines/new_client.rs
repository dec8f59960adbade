//! What a new client's first conversation creates in the CRM as the line is configured: a
//! lead or a deal about the client's contact, made by the system inside the transaction
//! that stores the first message, with the conversation linked to it.

use crate::{
    Result,
    domain::{
        Channel, ChannelKind, InboundMessage, Line, NewClientCreates, RoomId, Timestamp,
        crm::{ContactId, Money, NewDeal, NewLead, PipelineId, StageId, StageMeaning, TITLE_MAX},
    },
    service::crm::{insert_system_deal, insert_system_lead},
    store::{Conn, conversation_links, crm::pipelines as pipeline_store},
};

/// Creates the line's lead or deal for the conversation `room` just opened, unless the line
/// creates only contacts or the client had a conversation before (then they are known).
pub(super) async fn start_record(
    tx: &mut Conn,
    channel: &Channel,
    line: &Line,
    inbound: &InboundMessage,
    contact: ContactId,
    room: RoomId,
    now: Timestamp,
) -> Result<()> {
    if line.new_client_creates == NewClientCreates::Contact
        || conversation_links::had_conversation(tx, contact, room).await?
    {
        return Ok(());
    }
    let name = inbound.sender.display_name.trim();
    let title = match name {
        "" => kind_name(channel.kind).to_owned(),
        name => format!("{}: {name}", kind_name(channel.kind)),
    };
    let title: String = title.chars().take(TITLE_MAX).collect();
    let source = Some(channel.kind.as_str().to_owned());
    match line.new_client_creates {
        NewClientCreates::Contact => {}
        NewClientCreates::Lead => {
            let new = NewLead {
                title: Some(title),
                name: (!name.is_empty()).then(|| name.chars().take(100).collect()),
                source,
                custom: serde_json::json!({}),
                ..NewLead::default()
            };
            let lead = insert_system_lead(tx, new, contact).await?;
            conversation_links::set_lead(tx, room, Some(lead.id), now).await?;
        }
        NewClientCreates::Deal => {
            let (pipeline_id, stage_id) = first_open_stage(tx, line).await?;
            let new = NewDeal {
                title,
                money: Money::zero(line.deal_currency),
                expected_close: None,
                pipeline_id,
                stage_id,
                probability: None,
                contact_id: Some(contact),
                company_id: None,
                source,
                responsible_id: None,
                custom: serde_json::json!({}),
            };
            let deal = insert_system_deal(tx, new).await?;
            conversation_links::set_deal(tx, room, Some(deal.id), now).await?;
        }
    }
    Ok(())
}

/// The line's pipeline (or the default one) and its first open stage; without an open
/// stage, the deal goes where a deal created without one goes.
async fn first_open_stage(
    tx: &mut Conn,
    line: &Line,
) -> Result<(Option<PipelineId>, Option<StageId>)> {
    let pipeline = match line.deal_pipeline_id {
        Some(id) => pipeline_store::get(tx, id).await?,
        None => pipeline_store::default(tx).await?,
    };
    let Some(pipeline) = pipeline else {
        return Ok((None, None));
    };
    let stage = pipeline
        .stages
        .iter()
        .find(|stage| stage.meaning == StageMeaning::Open)
        .map(|stage| stage.id);
    Ok((Some(pipeline.id), stage))
}

/// The channel as a deal's or lead's title names it.
fn kind_name(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Telegram => "Telegram",
        ChannelKind::WhatsApp => "WhatsApp",
        ChannelKind::Viber => "Viber",
        ChannelKind::Email => "E-mail",
        ChannelKind::Widget => "Website chat",
    }
}
