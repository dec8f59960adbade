//! Duplicate search: records the caller may see that share a phone, an e-mail or a name key
//! with a record or with given values. Each criterion is an index lookup, so the search
//! costs the same at a thousand records as at millions.

use std::collections::HashMap;

use super::{Companies, Contacts, scope_of};
use crate::{
    Error, Result,
    domain::{
        User,
        crm::{
            Company, CompanyId, CompanyMatch, Contact, ContactId, ContactMatch, Likeness,
            MatchReason, company_key, person_key,
        },
    },
    store::crm::{
        companies as company_store, contacts as contact_store,
        reach::Owner,
        search::{self, Similar},
    },
};

/// Most matches reported per criterion.
const MATCH_LIMIT: i64 = 50;

fn reasons(found: [bool; 3]) -> Vec<MatchReason> {
    [MatchReason::Phone, MatchReason::Email, MatchReason::Name]
        .into_iter()
        .zip(found)
        .filter_map(|(reason, hit)| hit.then_some(reason))
        .collect()
}

/// Orders matches by how many criteria they share, then newest first.
fn ranked<Id: Copy + Ord + std::hash::Hash>(found: &HashMap<Id, [bool; 3]>) -> Vec<Id> {
    let mut ids: Vec<Id> = found.keys().copied().collect();
    ids.sort_by(|a, b| {
        let score = |id: &Id| found[id].iter().filter(|hit| **hit).count();
        score(b).cmp(&score(a)).then(b.cmp(a))
    });
    ids
}

/// The store reports ids as stored text; a malformed one means the database was edited.
fn keyed<Id: std::str::FromStr + Eq + std::hash::Hash>(
    found: HashMap<String, [bool; 3]>,
) -> Result<HashMap<Id, [bool; 3]>> {
    found
        .into_iter()
        .map(|(id, reasons)| {
            let parsed = id
                .parse()
                .map_err(|_| Error::Internal(format!("malformed id in database: {id}").into()))?;
            Ok((parsed, reasons))
        })
        .collect()
}

fn contact_likeness(contact: &Contact) -> Likeness {
    Likeness {
        phones: contact.phones.iter().map(|p| p.number.clone()).collect(),
        emails: contact.emails.iter().map(|e| e.address.clone()).collect(),
        name_key: person_key(contact.first_name.as_deref(), contact.last_name.as_deref()),
    }
}

fn company_likeness(company: &Company) -> Likeness {
    Likeness {
        phones: company.phones.iter().map(|p| p.number.clone()).collect(),
        emails: company.emails.iter().map(|e| e.address.clone()).collect(),
        name_key: company_key(&company.name),
    }
}

fn require_criteria(likeness: &Likeness) -> Result<()> {
    if likeness.is_empty() {
        return Err(Error::validation(
            "phone",
            "give a record id, or a phone, an e-mail or a name to compare",
        ));
    }
    Ok(())
}

impl Contacts {
    /// Contacts that look like the contact `id` (which the caller must see).
    #[tracing::instrument(skip_all, fields(contact.id = %id), err(level = "warn"))]
    pub async fn duplicates_of(&self, actor: &User, id: ContactId) -> Result<Vec<ContactMatch>> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let contact = contact_store::get(&mut conn, &scope, id)
            .await?
            .ok_or(Error::not_found("contact"))?;
        drop(conn);
        self.similar(actor, contact_likeness(&contact), Some(id))
            .await
    }

    /// Contacts that share a phone, an e-mail or a name key with `likeness`.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn find_similar(
        &self,
        actor: &User,
        likeness: Likeness,
    ) -> Result<Vec<ContactMatch>> {
        require_criteria(&likeness)?;
        self.similar(actor, likeness, None).await
    }

    async fn similar(
        &self,
        actor: &User,
        likeness: Likeness,
        exclude: Option<ContactId>,
    ) -> Result<Vec<ContactMatch>> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let exclude: Vec<String> = exclude.iter().map(ToString::to_string).collect();
        let criteria = Similar {
            phones: &likeness.phones,
            emails: &likeness.emails,
            name_key: likeness.name_key.as_deref(),
            exclude: &exclude,
        };
        let found = keyed(
            search::similar(&mut conn, Owner::Contact, &scope, &criteria, MATCH_LIMIT).await?,
        )?;
        let mut contacts = contact_store::get_many(&mut conn, &scope, &ranked(&found)).await?;
        super::custom_fields::hide_all(&mut conn, actor, &mut contacts).await?;
        Ok(contacts
            .into_iter()
            .map(|contact| ContactMatch {
                reasons: reasons(found.get(&contact.id).copied().unwrap_or_default()),
                contact,
            })
            .collect())
    }
}

impl Companies {
    /// Companies that look like the company `id` (which the caller must see).
    #[tracing::instrument(skip_all, fields(company.id = %id), err(level = "warn"))]
    pub async fn duplicates_of(&self, actor: &User, id: CompanyId) -> Result<Vec<CompanyMatch>> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let company = company_store::get(&mut conn, &scope, id)
            .await?
            .ok_or(Error::not_found("company"))?;
        drop(conn);
        self.similar(actor, company_likeness(&company), Some(id))
            .await
    }

    /// Companies that share a phone, an e-mail or a name key with `likeness`: «ООО Рога и
    /// Копыта» finds «Рога и Копыта».
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn find_similar(
        &self,
        actor: &User,
        likeness: Likeness,
    ) -> Result<Vec<CompanyMatch>> {
        require_criteria(&likeness)?;
        self.similar(actor, likeness, None).await
    }

    async fn similar(
        &self,
        actor: &User,
        likeness: Likeness,
        exclude: Option<CompanyId>,
    ) -> Result<Vec<CompanyMatch>> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let exclude: Vec<String> = exclude.iter().map(ToString::to_string).collect();
        let criteria = Similar {
            phones: &likeness.phones,
            emails: &likeness.emails,
            name_key: likeness.name_key.as_deref(),
            exclude: &exclude,
        };
        let found = keyed(
            search::similar(&mut conn, Owner::Company, &scope, &criteria, MATCH_LIMIT).await?,
        )?;
        let mut companies = company_store::get_many(&mut conn, &scope, &ranked(&found)).await?;
        super::custom_fields::hide_all(&mut conn, actor, &mut companies).await?;
        Ok(companies
            .into_iter()
            .map(|company| CompanyMatch {
                reasons: reasons(found.get(&company.id).copied().unwrap_or_default()),
                company,
            })
            .collect())
    }
}
