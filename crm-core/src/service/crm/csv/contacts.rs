//! The contacts file: one row per contact, columns in `LAYOUT` order.

use std::collections::HashMap;

use super::{
    Outcome,
    cells::{
        read_custom, read_emails, read_identities, read_phones, write_custom, write_emails,
        write_identities, write_instant, write_phones,
    },
    header::{Layout, Row},
    import::Context,
    refs,
};
use crate::{
    Error, Result,
    domain::crm::{
        CompanyId, Contact, ContactFilter, ContactId, ContactPatch, NewContact,
        text::{ADDRESS_MAX, NAME_MAX, SHORT_MAX, optional_text},
    },
    service::Contacts,
    store::{
        Conn,
        crm::{Scope, companies as company_store, contacts as contact_store},
    },
};

pub const LAYOUT: Layout = Layout {
    columns: &[
        "id",
        "first_name",
        "last_name",
        "middle_name",
        "position",
        "company_id",
        "company_name",
        "address",
        "source",
        "responsible",
        "phones",
        "emails",
        "identities",
    ],
    export_only: &["created_at", "updated_at"],
    required_any: &["first_name", "last_name", "phones", "emails", "identities"],
    custom: true,
};

/// The next page of the export after `after`, newest first, within the scope.
pub async fn page(
    conn: &mut Conn,
    scope: &Scope,
    filter: &ContactFilter,
    after: Option<ContactId>,
    limit: i64,
) -> Result<Vec<Contact>> {
    let filter = ContactFilter {
        after,
        limit,
        ..filter.clone()
    };
    contact_store::list(conn, scope, &filter).await
}

/// The names of the companies of a page that the scope sees; a company the exporter may
/// not see leaves its name empty.
pub async fn company_names(
    conn: &mut Conn,
    scope: &Scope,
    contacts: &[Contact],
) -> Result<HashMap<CompanyId, String>> {
    let mut ids: Vec<CompanyId> = contacts.iter().filter_map(|c| c.company_id).collect();
    ids.sort();
    ids.dedup();
    Ok(company_store::get_many(conn, scope, &ids)
        .await?
        .into_iter()
        .map(|company| (company.id, company.name))
        .collect())
}

pub fn record(
    contact: &Contact,
    companies: &HashMap<CompanyId, String>,
    users: &refs::Users,
) -> Vec<String> {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    vec![
        contact.id.to_string(),
        text(&contact.first_name),
        text(&contact.last_name),
        text(&contact.middle_name),
        text(&contact.position),
        contact
            .company_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        contact
            .company_id
            .and_then(|id| companies.get(&id).cloned())
            .unwrap_or_default(),
        text(&contact.address),
        text(&contact.source),
        users.login(contact.responsible_id).to_owned(),
        write_phones(&contact.phones),
        write_emails(&contact.emails),
        write_identities(&contact.identities),
        write_custom(&contact.custom),
        write_instant(contact.created_at),
        write_instant(contact.updated_at),
    ]
}

/// Creates the row's contact, or updates the one its `id` names when the importer sees it.
pub async fn import(context: &Context<'_>, row: &Row<'_>) -> Result<Outcome> {
    let service = Contacts::new(context.store.clone());
    if let Some(id) = context.existing_id::<ContactId>(row, "contact")? {
        match service.get(context.actor, id).await {
            Ok(existing) => {
                let patch = patch(context, row, &existing).await?;
                service.update(context.actor, id, patch).await?;
                return Ok(Outcome::Updated);
            }
            Err(Error::NotFound { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    let new = new_contact(context, row).await?;
    service.create(Some(context.actor), new).await?;
    Ok(Outcome::Created)
}

fn text(
    row: &Row<'_>,
    column: &'static str,
    max: usize,
    multiline: bool,
) -> Result<Option<String>> {
    optional_text(column, Some(row.text(column)), max, multiline)
}

async fn new_contact(context: &Context<'_>, row: &Row<'_>) -> Result<NewContact> {
    let company_id = company(context, row).await?;
    Ok(NewContact {
        first_name: text(row, "first_name", NAME_MAX, false)?,
        last_name: text(row, "last_name", NAME_MAX, false)?,
        middle_name: text(row, "middle_name", NAME_MAX, false)?,
        position: text(row, "position", SHORT_MAX, false)?,
        company_id,
        address: text(row, "address", ADDRESS_MAX, true)?,
        source: text(row, "source", SHORT_MAX, false)?,
        responsible_id: context.users.resolve(row.text("responsible"))?,
        custom: read_custom(None, row.cell("custom"), &row.custom_cells())?,
        phones: read_phones("phones", row.text("phones"))?,
        emails: read_emails("emails", row.text("emails"))?,
        identities: read_identities("identities", row.text("identities"))?,
    })
}

async fn company(context: &Context<'_>, row: &Row<'_>) -> Result<Option<CompanyId>> {
    let mut conn = context.store.acquire().await?;
    refs::company(
        &mut conn,
        &context.scope,
        row.text("company_id"),
        row.text("company_name"),
    )
    .await
}

/// Columns the file has replace the contact's values (an empty cell clears); columns it
/// lacks leave them. Identities are only added when a contact is created.
async fn patch(context: &Context<'_>, row: &Row<'_>, existing: &Contact) -> Result<ContactPatch> {
    let clearable = |column: &'static str, max: usize, multiline: bool| {
        row.cell(column)
            .map(|cell| optional_text(column, Some(cell), max, multiline))
            .transpose()
    };
    let names_company = row.header.has("company_id") || row.header.has("company_name");
    Ok(ContactPatch {
        first_name: clearable("first_name", NAME_MAX, false)?,
        last_name: clearable("last_name", NAME_MAX, false)?,
        middle_name: clearable("middle_name", NAME_MAX, false)?,
        position: clearable("position", SHORT_MAX, false)?,
        company_id: if names_company {
            Some(company(context, row).await?)
        } else {
            None
        },
        address: clearable("address", ADDRESS_MAX, true)?,
        source: clearable("source", SHORT_MAX, false)?,
        responsible_id: context.users.resolve(row.text("responsible"))?,
        custom: row
            .header
            .has_custom()
            .then(|| {
                read_custom(
                    Some(&existing.custom),
                    row.cell("custom"),
                    &row.custom_cells(),
                )
            })
            .transpose()?,
        phones: row
            .cell("phones")
            .map(|cell| read_phones("phones", cell))
            .transpose()?,
        emails: row
            .cell("emails")
            .map(|cell| read_emails("emails", cell))
            .transpose()?,
    })
}
