//! The duplicate finder: every group of live records the caller may see that share a
//! normalized phone, an e-mail or a name key, a page at a time. Visibility is part of the
//! store's statements, so a group only counts the records the caller sees, and a value
//! shared with someone else's record alone is no group.

use std::{collections::HashMap, str::FromStr};

use super::{Companies, Contacts, custom_fields::hide_all, page_size, paging, scope_of};
use crate::{
    Error, Result,
    domain::{
        User,
        crm::{
            Company, CompanyId, Contact, ContactId, DuplicateGroup, GROUP_RECORDS_MAX, GroupCursor,
            MatchReason, Page,
        },
    },
    store::{
        Conn,
        crm::{
            Scope, companies as company_store, contacts as contact_store,
            reach::Owner,
            shared::{self, SharedValue},
        },
    },
};

/// A group before its records are read: the shared value and the ids sharing it.
struct Found {
    reason: MatchReason,
    shared: SharedValue,
    ids: Vec<String>,
}

/// One page of groups in cursor order (phones, then e-mails, then name keys), each with the
/// ids of its newest records.
async fn page_of(
    conn: &mut Conn,
    owner: Owner,
    scope: &Scope,
    cursor: Option<&GroupCursor>,
    limit: i64,
) -> Result<Page<Found>> {
    let limit = page_size(limit);
    let wanted = paging::probe(limit);
    let start = cursor.map_or(MatchReason::Phone, |cursor| cursor.reason);
    let mut found: Vec<(MatchReason, SharedValue)> = Vec::new();
    for reason in MatchReason::ALL
        .into_iter()
        .filter(|reason| *reason >= start)
    {
        let left = wanted - found.len() as i64;
        if left <= 0 {
            break;
        }
        let after = cursor
            .filter(|cursor| cursor.reason == reason)
            .map(|cursor| cursor.value.as_str());
        let values = shared::shared_values(conn, owner, scope, reason, after, left).await?;
        found.extend(values.into_iter().map(|shared| (reason, shared)));
    }
    let page = paging::page(found, limit, None, |(reason, shared)| {
        GroupCursor {
            reason: *reason,
            value: shared.value.clone(),
        }
        .to_string()
    });
    let mut members: HashMap<(MatchReason, String), Vec<String>> = HashMap::new();
    for reason in MatchReason::ALL {
        let values: Vec<String> = page
            .items
            .iter()
            .filter(|(of, _)| *of == reason)
            .map(|(_, shared)| shared.value.clone())
            .collect();
        for member in
            shared::sharing(conn, owner, scope, reason, &values, GROUP_RECORDS_MAX).await?
        {
            members
                .entry((reason, member.value))
                .or_default()
                .push(member.id);
        }
    }
    let items = page
        .items
        .into_iter()
        .map(|(reason, shared)| Found {
            ids: members
                .remove(&(reason, shared.value.clone()))
                .unwrap_or_default(),
            reason,
            shared,
        })
        .collect();
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
        total: None,
        total_capped: false,
    })
}

/// Every id of the page once, parsed; a malformed one means the database was edited.
fn all_ids<Id: FromStr + PartialEq>(page: &Page<Found>) -> Result<Vec<Id>> {
    let mut ids: Vec<Id> = Vec::new();
    for raw in page.items.iter().flat_map(|found| &found.ids) {
        let id = raw
            .parse()
            .map_err(|_| Error::Internal(format!("malformed id in database: {raw}").into()))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Puts the records read back into their groups, in each group's order.
fn assemble<T: Clone>(page: Page<Found>, records: HashMap<String, T>) -> Page<DuplicateGroup<T>> {
    let items = page
        .items
        .into_iter()
        .map(|found| DuplicateGroup {
            reason: found.reason,
            value: found.shared.value,
            size: found.shared.members,
            records: found
                .ids
                .iter()
                .filter_map(|id| records.get(id).cloned())
                .collect(),
        })
        .collect();
    Page {
        items,
        next_cursor: page.next_cursor,
        total: None,
        total_capped: false,
    }
}

impl Contacts {
    /// Groups of live contacts the caller may see that share a phone, an e-mail or a name
    /// key (so «Иван Петров» and «Ivan Petrov» group), `limit` groups a page from `cursor`.
    /// A contact appears in a group for each value it shares.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn duplicate_groups(
        &self,
        actor: &User,
        cursor: Option<GroupCursor>,
        limit: i64,
    ) -> Result<Page<DuplicateGroup<Contact>>> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let page = page_of(&mut conn, Owner::Contact, &scope, cursor.as_ref(), limit).await?;
        let ids: Vec<ContactId> = all_ids(&page)?;
        let mut contacts = contact_store::get_many(&mut conn, &scope, &ids).await?;
        hide_all(&mut conn, actor, &mut contacts).await?;
        let by_id = contacts
            .into_iter()
            .map(|c| (c.id.to_string(), c))
            .collect();
        Ok(assemble(page, by_id))
    }
}

impl Companies {
    /// Groups of live companies the caller may see that share a phone, an e-mail or a name
    /// key (so «ООО Рога и Копыта» and «Рога и Копыта» group); as `Contacts::duplicate_groups`.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn duplicate_groups(
        &self,
        actor: &User,
        cursor: Option<GroupCursor>,
        limit: i64,
    ) -> Result<Page<DuplicateGroup<Company>>> {
        let mut conn = self.store.acquire().await?;
        let scope = scope_of(&mut conn, actor).await?;
        let page = page_of(&mut conn, Owner::Company, &scope, cursor.as_ref(), limit).await?;
        let ids: Vec<CompanyId> = all_ids(&page)?;
        let mut companies = company_store::get_many(&mut conn, &scope, &ids).await?;
        hide_all(&mut conn, actor, &mut companies).await?;
        let by_id = companies
            .into_iter()
            .map(|c| (c.id.to_string(), c))
            .collect();
        Ok(assemble(page, by_id))
    }
}
