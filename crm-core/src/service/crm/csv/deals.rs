//! The deals file: one row per deal, columns in `LAYOUT` order. The pipeline and the stage
//! are written by name; the contact and the company by id together with the contact's first
//! e-mail and phone and the company's name, so that the file also imports where the ids
//! differ.

use std::collections::HashMap;

use super::{
    Outcome,
    cells::{read_custom, write_custom, write_instant},
    header::{Layout, Row},
    import::Context,
    refs,
};
use crate::{
    Error, Result,
    domain::crm::{
        CalendarDate, CompanyId, ContactId, Currency, Deal, DealFilter, DealId, DealPatch, Money,
        NewDeal, Probability, SortCursor, TITLE_MAX,
        text::{SHORT_MAX, optional_text, required_text},
    },
    service::Deals,
    store::{
        Conn,
        crm::{Scope, companies as company_store, contacts as contact_store, deals as deal_store},
    },
};

pub const LAYOUT: Layout = Layout {
    columns: &[
        "id",
        "title",
        "amount",
        "currency",
        "expected_close",
        "pipeline",
        "stage",
        "probability",
        "contact_id",
        "contact_email",
        "contact_phone",
        "company_id",
        "company_name",
        "source",
        "responsible",
    ],
    export_only: &["closed_on", "created_at", "updated_at"],
    required_any: &["title"],
    custom: true,
};

pub async fn page(
    conn: &mut Conn,
    scope: &Scope,
    filter: &DealFilter,
    after: Option<SortCursor>,
    limit: i64,
) -> Result<Vec<Deal>> {
    let filter = DealFilter {
        after,
        limit,
        ..filter.clone()
    };
    deal_store::list(conn, scope, &filter).await
}

/// What the rows of a page show of the linked records the exporter may see.
#[derive(Default)]
pub struct Linked {
    /// First e-mail and first phone of each contact.
    contacts: HashMap<ContactId, (String, String)>,
    companies: HashMap<CompanyId, String>,
}

pub async fn linked(conn: &mut Conn, scope: &Scope, deals: &[Deal]) -> Result<Linked> {
    let mut contact_ids: Vec<ContactId> = deals.iter().filter_map(|d| d.contact_id).collect();
    contact_ids.sort();
    contact_ids.dedup();
    let mut company_ids: Vec<CompanyId> = deals.iter().filter_map(|d| d.company_id).collect();
    company_ids.sort();
    company_ids.dedup();
    let contacts = contact_store::get_many(conn, scope, &contact_ids)
        .await?
        .into_iter()
        .map(|contact| {
            let email = contact
                .emails
                .first()
                .map(|e| e.address.as_str().to_owned())
                .unwrap_or_default();
            let phone = contact
                .phones
                .first()
                .map(|p| p.number.to_string())
                .unwrap_or_default();
            (contact.id, (email, phone))
        })
        .collect();
    let companies = company_store::get_many(conn, scope, &company_ids)
        .await?
        .into_iter()
        .map(|company| (company.id, company.name))
        .collect();
    Ok(Linked {
        contacts,
        companies,
    })
}

pub fn record(
    deal: &Deal,
    linked: &Linked,
    users: &refs::Users,
    pipelines: &refs::Pipelines,
) -> Vec<String> {
    let id_text = |id: Option<String>| id.unwrap_or_default();
    let reach = deal.contact_id.and_then(|id| linked.contacts.get(&id));
    vec![
        deal.id.to_string(),
        deal.title.clone(),
        deal.money.amount_text(),
        deal.money.currency.code().to_owned(),
        id_text(deal.expected_close.map(|d| d.to_string())),
        pipelines.name_of(deal.pipeline_id).to_owned(),
        pipelines
            .stage_name(deal.pipeline_id, deal.stage_id)
            .to_owned(),
        // Only a probability of the deal's own: one that follows the stage stays empty.
        id_text(
            deal.probability_overridden
                .then(|| deal.probability.percent().to_string()),
        ),
        id_text(deal.contact_id.map(|id| id.to_string())),
        reach.map(|(email, _)| email.clone()).unwrap_or_default(),
        reach.map(|(_, phone)| phone.clone()).unwrap_or_default(),
        id_text(deal.company_id.map(|id| id.to_string())),
        deal.company_id
            .and_then(|id| linked.companies.get(&id).cloned())
            .unwrap_or_default(),
        deal.source.clone().unwrap_or_default(),
        users.login(deal.responsible_id).to_owned(),
        write_custom(&deal.custom),
        id_text(deal.closed_on.map(|d| d.to_string())),
        write_instant(deal.created_at),
        write_instant(deal.updated_at),
    ]
}

/// Creates the row's deal, or updates the one its `id` names when the importer sees it.
pub async fn import(context: &Context<'_>, row: &Row<'_>) -> Result<Outcome> {
    let service = Deals::new(context.store.clone());
    if let Some(id) = context.existing_id::<DealId>(row, "deal")? {
        match service.get(context.actor, id).await {
            Ok(_) => {
                let patch = patch(context, row).await?;
                service.update(context.actor, id, patch).await?;
                return Ok(Outcome::Updated);
            }
            Err(Error::NotFound { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    let currency = currency(row.text("currency"))?;
    let money = match row.text("amount").trim() {
        "" => Money::zero(currency),
        amount => Money::parse(amount, currency)?,
    };
    let (pipeline_id, stage_id) = context
        .pipelines
        .resolve(row.text("pipeline"), row.text("stage"))?;
    let (contact_id, company_id) = links(context, row).await?;
    let new = NewDeal {
        title: required_text("title", row.text("title"), TITLE_MAX)?,
        money,
        expected_close: date(row.text("expected_close"))?,
        pipeline_id,
        stage_id,
        probability: probability(row.text("probability"))?,
        contact_id,
        company_id,
        source: optional_text("source", Some(row.text("source")), SHORT_MAX, false)?,
        responsible_id: context.users.resolve(row.text("responsible"))?,
        custom: read_custom(None, row.cell("custom"), &row.custom_cells())?,
    };
    service.create(Some(context.actor), new).await?;
    Ok(Outcome::Created)
}

fn currency(cell: &str) -> Result<Currency> {
    if cell.trim().is_empty() {
        return Err(Error::validation("currency", "is required"));
    }
    Currency::parse(cell)
}

fn date(cell: &str) -> Result<Option<CalendarDate>> {
    match cell.trim() {
        "" => Ok(None),
        text => CalendarDate::parse("expected_close", text).map(Some),
    }
}

/// A whole percentage, `35` or `35%`; empty follows the stage.
fn probability(cell: &str) -> Result<Option<Probability>> {
    let text = cell.trim().trim_end_matches('%').trim();
    if text.is_empty() {
        return Ok(None);
    }
    let value = text
        .parse::<i64>()
        .map_err(|_| Error::validation("probability", "must be a whole number from 0 to 100"))?;
    Probability::parse("probability", value).map(Some)
}

async fn links(
    context: &Context<'_>,
    row: &Row<'_>,
) -> Result<(Option<ContactId>, Option<CompanyId>)> {
    let mut conn = context.store.acquire().await?;
    let contact = refs::contact(
        &mut conn,
        &context.scope,
        row.text("contact_id"),
        row.text("contact_email"),
        row.text("contact_phone"),
    )
    .await?;
    let company = refs::company(
        &mut conn,
        &context.scope,
        row.text("company_id"),
        row.text("company_name"),
    )
    .await?;
    Ok((contact, company))
}

/// Columns the file has replace the deal's values (an empty cell clears a clearable one);
/// columns it lacks leave them.
async fn patch(context: &Context<'_>, row: &Row<'_>) -> Result<DealPatch> {
    let header = row.header;
    let (pipeline_id, stage_id) = context
        .pipelines
        .resolve(row.text("pipeline"), row.text("stage"))?;
    let (contact_id, company_id) = links(context, row).await?;
    let has_any = |columns: &[&str]| columns.iter().any(|column| header.has(column));
    Ok(DealPatch {
        title: row
            .cell("title")
            .map(|cell| required_text("title", cell, TITLE_MAX))
            .transpose()?,
        amount: row.cell("amount").map(|cell| match cell.trim() {
            "" => "0".to_owned(),
            amount => amount.to_owned(),
        }),
        currency: row.cell("currency").map(currency).transpose()?,
        expected_close: row.cell("expected_close").map(date).transpose()?,
        pipeline_id,
        stage_id,
        probability: row.cell("probability").map(probability).transpose()?,
        contact_id: has_any(&["contact_id", "contact_email", "contact_phone"])
            .then_some(contact_id),
        company_id: has_any(&["company_id", "company_name"]).then_some(company_id),
        source: row
            .cell("source")
            .map(|cell| optional_text("source", Some(cell), SHORT_MAX, false))
            .transpose()?,
        responsible_id: context.users.resolve(row.text("responsible"))?,
        // The keys the row names change; the service keeps the rest.
        custom: row
            .header
            .has_custom()
            .then(|| read_custom(None, row.cell("custom"), &row.custom_cells()))
            .transpose()?,
    })
}
