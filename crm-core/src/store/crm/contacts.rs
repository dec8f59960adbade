//! The `contacts` table, with its phones, e-mails, identities, words and counts kept in step:
//! `insert` and `update` take whole `Contact` values and write what differs, so a caller
//! cannot change a name without its search words or a responsible user without the counts.

use super::{
    counts::{self, Owners},
    custom_fields, identities,
    keyset::{self, Order},
    reach::{self, Owner},
    search,
    sql::{Scope, Sql},
};
use crate::{
    Error, Result,
    domain::{
        Timestamp, UserId,
        crm::{Contact, ContactFilter, ContactId, SortCursor, person_key, person_words},
    },
    store::{
        Conn,
        rows::{parse_id, parse_opt_id},
    },
};

const KIND: &str = "contact";

macro_rules! contact_columns {
    () => {
        "c.id, c.first_name, c.last_name, c.middle_name, c.position, c.company_id, c.address, \
         c.source, c.responsible_id, c.department_id, c.custom, c.created_at, c.updated_at"
    };
}

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    middle_name: Option<String>,
    position: Option<String>,
    company_id: Option<String>,
    address: Option<String>,
    source: Option<String>,
    responsible_id: Option<String>,
    department_id: Option<String>,
    custom: String,
    created_at: i64,
    updated_at: i64,
}

impl ContactRow {
    fn into_contact(self) -> Result<Contact> {
        Ok(Contact {
            id: parse_id(&self.id)?,
            first_name: self.first_name,
            last_name: self.last_name,
            middle_name: self.middle_name,
            position: self.position,
            company_id: parse_opt_id(self.company_id.as_deref())?,
            address: self.address,
            source: self.source,
            responsible_id: parse_opt_id(self.responsible_id.as_deref())?,
            department_id: parse_opt_id(self.department_id.as_deref())?,
            custom: serde_json::from_str(&self.custom)
                .map_err(|_| Error::Internal("malformed custom fields in database".into()))?,
            phones: Vec::new(),
            emails: Vec::new(),
            identities: Vec::new(),
            created_at: Timestamp::from_millis(self.created_at),
            updated_at: Timestamp::from_millis(self.updated_at),
        })
    }
}

fn owners(contact: &Contact) -> Owners {
    Owners {
        responsible_id: contact.responsible_id,
        department_id: contact.department_id,
    }
}

fn words(contact: &Contact) -> Vec<String> {
    person_words(
        contact.first_name.as_deref(),
        contact.last_name.as_deref(),
        contact.middle_name.as_deref(),
    )
}

/// Inserts a contact with its phones, e-mails, identities and words, and counts it.
pub(crate) async fn insert(
    conn: &mut Conn,
    contact: &Contact,
    created_by: Option<UserId>,
) -> Result<()> {
    let id = contact.id.to_string();
    sqlx::query(
        "insert into contacts (id, first_name, last_name, middle_name, name_key, position, \
         company_id, address, source, responsible_id, department_id, custom, created_by, \
         created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&id)
    .bind(contact.first_name.as_deref())
    .bind(contact.last_name.as_deref())
    .bind(contact.middle_name.as_deref())
    .bind(person_key(
        contact.first_name.as_deref(),
        contact.last_name.as_deref(),
    ))
    .bind(contact.position.as_deref())
    .bind(contact.company_id.map(|id| id.to_string()))
    .bind(contact.address.as_deref())
    .bind(contact.source.as_deref())
    .bind(contact.responsible_id.map(|id| id.to_string()))
    .bind(contact.department_id.map(|id| id.to_string()))
    .bind(contact.custom.to_string())
    .bind(created_by.map(|id| id.to_string()))
    .bind(contact.created_at.millis())
    .bind(contact.updated_at.millis())
    .execute(&mut *conn)
    .await?;
    let now = contact.created_at;
    reach::replace_phones(conn, Owner::Contact, &id, &contact.phones, now).await?;
    reach::replace_emails(conn, Owner::Contact, &id, &contact.emails, now).await?;
    reach::replace_words(conn, Owner::Contact, &id, &words(contact)).await?;
    for identity in &contact.identities {
        let new = crate::domain::crm::NewIdentity {
            channel: identity.channel,
            external_id: identity.external_id.clone(),
        };
        identities::insert_identity(conn, identity.id, contact.id, &new, now).await?;
    }
    counts::adjust(conn, KIND, &[(owners(contact), 1)], now).await
}

/// Writes `after` over `before` (the same contact as read in this transaction): the row,
/// and the phones, e-mails, words and counts where they changed. Identities are managed on
/// their own.
pub(crate) async fn update(conn: &mut Conn, before: &Contact, after: &Contact) -> Result<()> {
    let id = after.id.to_string();
    let now = after.updated_at;
    sqlx::query(
        "update contacts set first_name = $2, last_name = $3, middle_name = $4, name_key = $5, \
         position = $6, company_id = $7, address = $8, source = $9, responsible_id = $10, \
         department_id = $11, custom = $12, updated_at = $13 where id = $1",
    )
    .bind(&id)
    .bind(after.first_name.as_deref())
    .bind(after.last_name.as_deref())
    .bind(after.middle_name.as_deref())
    .bind(person_key(
        after.first_name.as_deref(),
        after.last_name.as_deref(),
    ))
    .bind(after.position.as_deref())
    .bind(after.company_id.map(|id| id.to_string()))
    .bind(after.address.as_deref())
    .bind(after.source.as_deref())
    .bind(after.responsible_id.map(|id| id.to_string()))
    .bind(after.department_id.map(|id| id.to_string()))
    .bind(after.custom.to_string())
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    if before.phones != after.phones {
        reach::replace_phones(conn, Owner::Contact, &id, &after.phones, now).await?;
    }
    if before.emails != after.emails {
        reach::replace_emails(conn, Owner::Contact, &id, &after.emails, now).await?;
    }
    let new_words = words(after);
    if words(before) != new_words {
        reach::replace_words(conn, Owner::Contact, &id, &new_words).await?;
    }
    counts::adjust(conn, KIND, &[(owners(before), -1), (owners(after), 1)], now).await
}

/// Marks a contact deleted (merged into another when `merged_into` is set), drops it from
/// the word index and the counts. Its phones, e-mails and timeline links stay for history.
pub(crate) async fn soft_delete(
    conn: &mut Conn,
    contact: &Contact,
    merged_into: Option<ContactId>,
    now: Timestamp,
) -> Result<()> {
    let id = contact.id.to_string();
    let done = sqlx::query(
        "update contacts set deleted_at = $2, merged_into_id = $3, updated_at = $2 \
         where id = $1 and deleted_at is null",
    )
    .bind(&id)
    .bind(now.millis())
    .bind(merged_into.map(|id| id.to_string()))
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("contact"));
    }
    reach::replace_words(conn, Owner::Contact, &id, &[]).await?;
    counts::adjust(conn, KIND, &[(owners(contact), -1)], now).await
}

/// A live contact the scope sees, with phones, e-mails and identities.
pub(crate) async fn get(conn: &mut Conn, scope: &Scope, id: ContactId) -> Result<Option<Contact>> {
    Ok(get_many(conn, scope, &[id]).await?.into_iter().next())
}

/// The live contacts among `ids` that the scope sees, in the order of `ids`.
pub(crate) async fn get_many(
    conn: &mut Conn,
    scope: &Scope,
    ids: &[ContactId],
) -> Result<Vec<Contact>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(concat!(
        "select ",
        contact_columns!(),
        " from contacts c where c.deleted_at is null and c.id in ("
    ));
    sql.list(ids).push(")");
    scope.restrict(&mut sql);
    let rows = sql.fetch_all(&mut *conn).await?;
    let mut found = hydrate(conn, rows).await?;
    let position = |contact: &Contact| ids.iter().position(|id| *id == contact.id);
    found.sort_by_key(position);
    Ok(found)
}

/// Appends the conditions of a contact list: live, visible, and the filter's.
fn filtered(
    sql: &mut Sql,
    scope: &Scope,
    filter: &ContactFilter,
    text: Option<&search::Text>,
    mode: search::Mode,
) {
    sql.push(" where c.deleted_at is null");
    scope.restrict(sql);
    if let Some(user) = filter.responsible_id {
        sql.push(" and c.responsible_id = ").text(user);
    }
    if let Some(company) = filter.company_id {
        sql.push(" and c.company_id = ").text(company);
    }
    custom_fields::restrict(sql, &filter.custom);
    if let Some(text) = text {
        text.restrict(sql, Owner::Contact, mode);
    }
}

/// A page of contacts, newest first, older than `filter.after`.
pub(crate) async fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &ContactFilter,
) -> Result<Vec<Contact>> {
    let mut sql = keyset::start(
        concat!("select ", contact_columns!(), " from contacts c"),
        "select c.id from contacts c",
    );
    let text = match &filter.q {
        Some(q) => Some(search::Text::measure(conn, Owner::Contact, q).await?),
        None => None,
    };
    let mode = text
        .as_ref()
        .map_or(search::Mode::Set, search::Text::page_mode);
    filtered(&mut sql, scope, filter, text.as_ref(), mode);
    let after = filter.after.map(|id| SortCursor::id(id.as_uuid()));
    keyset::finish(&mut sql, Order::NEWEST, after, filter.limit);
    let rows = sql.fetch_all(conn).await?;
    hydrate(conn, rows).await
}

/// How many contacts the filter matches (ignoring the cursor), and whether counting stopped
/// at `search::TOTAL_CAP`. Without a search the answer is exact: from `crm_counts` when only
/// visibility and the responsible user filter, else an index count. A name search counts up
/// to the cap, walking whichever is smaller: the rarest word's range, or the records the
/// filter leaves without the search.
pub(crate) async fn count(
    conn: &mut Conn,
    scope: &Scope,
    filter: &ContactFilter,
) -> Result<(i64, bool)> {
    let unsearched = ContactFilter {
        q: None,
        ..filter.clone()
    };
    let before_search = if filter.company_id.is_none() && filter.custom.is_empty() {
        counts::total(conn, KIND, scope, filter.responsible_id).await?
    } else {
        let mut sql = Sql::new("select count(*) from contacts c");
        filtered(&mut sql, scope, &unsearched, None, search::Mode::Set);
        sql.fetch_scalar(&mut *conn).await?
    };
    let Some(q) = &filter.q else {
        return Ok((before_search, false));
    };
    let text = search::Text::measure(conn, Owner::Contact, q).await?;
    if !text.can_drive() {
        // Only phones and e-mails can match: a handful of exact lookups.
        let mut sql = Sql::new("select count(*) from contacts c");
        filtered(&mut sql, scope, filter, Some(&text), search::Mode::Set);
        return Ok((sql.fetch_scalar(conn).await?, false));
    }
    let mut sql = if text.dense() && before_search <= search::RECORD_WALK_MAX {
        let mut sql = Sql::new("select count(*) from (select 1 from contacts c");
        filtered(&mut sql, scope, filter, Some(&text), search::Mode::Probe);
        sql
    } else {
        let mut sql = Sql::new(
            "select count(*) from (select 1 from contact_words w join contacts c on c.id = w.contact_id",
        );
        filtered(&mut sql, scope, filter, Some(&text), search::Mode::Driven);
        sql
    };
    sql.push(" limit ")
        .int(search::TOTAL_CAP + 1)
        .push(") found");
    let found = sql.fetch_scalar(conn).await?;
    Ok((found.min(search::TOTAL_CAP), found > search::TOTAL_CAP))
}

/// Attaches phones, e-mails and identities to contact rows, one query each for the page.
async fn hydrate(conn: &mut Conn, rows: Vec<ContactRow>) -> Result<Vec<Contact>> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let mut reach = reach::reach_of(conn, Owner::Contact, &ids).await?;
    let mut held = identities::identities_of(conn, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let key = row.id.clone();
            let mut contact = row.into_contact()?;
            if let Some((phones, emails)) = reach.remove(&key) {
                contact.phones = phones;
                contact.emails = emails;
            }
            contact.identities = held.remove(&key).unwrap_or_default();
            Ok(contact)
        })
        .collect()
}
