//! The companies file: one row per company, columns in `LAYOUT` order.

use super::{
    Outcome,
    cells::{
        read_custom, read_emails, read_phones, write_custom, write_emails, write_instant,
        write_phones,
    },
    header::{Layout, Row},
    import::Context,
    refs,
};
use crate::{
    Error, Result,
    domain::crm::{
        Company, CompanyFilter, CompanyId, CompanyPatch, NewCompany,
        text::{ADDRESS_MAX, COMPANY_NAME_MAX, optional_text, required_text},
    },
    service::Companies,
    store::{
        Conn,
        crm::{Scope, companies as company_store},
    },
};

pub const LAYOUT: Layout = Layout {
    columns: &["id", "name", "address", "responsible", "phones", "emails"],
    export_only: &["created_at", "updated_at"],
    required_any: &["name"],
    custom: true,
};

pub async fn page(
    conn: &mut Conn,
    scope: &Scope,
    filter: &CompanyFilter,
    after: Option<CompanyId>,
    limit: i64,
) -> Result<Vec<Company>> {
    let filter = CompanyFilter {
        after,
        limit,
        ..filter.clone()
    };
    company_store::list(conn, scope, &filter).await
}

pub fn record(company: &Company, users: &refs::Users) -> Vec<String> {
    vec![
        company.id.to_string(),
        company.name.clone(),
        company.address.clone().unwrap_or_default(),
        users.login(company.responsible_id).to_owned(),
        write_phones(&company.phones),
        write_emails(&company.emails),
        write_custom(&company.custom),
        write_instant(company.created_at),
        write_instant(company.updated_at),
    ]
}

/// Creates the row's company, or updates the one its `id` names when the importer sees it.
pub async fn import(context: &Context<'_>, row: &Row<'_>) -> Result<Outcome> {
    let service = Companies::new(context.store.clone());
    if let Some(id) = context.existing_id::<CompanyId>(row, "company")? {
        match service.get(context.actor, id).await {
            Ok(existing) => {
                let patch = patch(context, row, &existing)?;
                service.update(context.actor, id, patch).await?;
                return Ok(Outcome::Updated);
            }
            Err(Error::NotFound { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    let new = NewCompany {
        name: required_text("name", row.text("name"), COMPANY_NAME_MAX)?,
        address: optional_text("address", Some(row.text("address")), ADDRESS_MAX, true)?,
        responsible_id: context.users.resolve(row.text("responsible"))?,
        custom: read_custom(None, row.cell("custom"), &row.custom_cells())?,
        phones: read_phones("phones", row.text("phones"))?,
        emails: read_emails("emails", row.text("emails"))?,
    };
    service.create(Some(context.actor), new).await?;
    Ok(Outcome::Created)
}

/// Columns the file has replace the company's values; columns it lacks leave them.
fn patch(context: &Context<'_>, row: &Row<'_>, existing: &Company) -> Result<CompanyPatch> {
    Ok(CompanyPatch {
        name: row
            .cell("name")
            .map(|cell| required_text("name", cell, COMPANY_NAME_MAX))
            .transpose()?,
        address: row
            .cell("address")
            .map(|cell| optional_text("address", Some(cell), ADDRESS_MAX, true))
            .transpose()?,
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
