//! The `companies` table, with phones, e-mails, words and counts kept in step as for
//! contacts (`contacts.rs`).

use super::{
    counts::{self, Owners},
    custom_fields,
    keyset::{self, Order},
    reach::{self, Owner},
    search,
    sql::{Scope, Sql},
};
use crate::{
    Error, Result,
    domain::{
        Timestamp, UserId,
        crm::{Company, CompanyFilter, CompanyId, SortCursor, company_key, company_words},
    },
    store::{
        Conn,
        rows::{parse_id, parse_opt_id},
    },
};

const KIND: &str = "company";

macro_rules! company_columns {
    () => {
        "c.id, c.name, c.address, c.responsible_id, c.department_id, c.custom, c.created_at, \
         c.updated_at"
    };
}

#[derive(sqlx::FromRow)]
struct CompanyRow {
    id: String,
    name: String,
    address: Option<String>,
    responsible_id: Option<String>,
    department_id: Option<String>,
    custom: String,
    created_at: i64,
    updated_at: i64,
}

impl CompanyRow {
    fn into_company(self) -> Result<Company> {
        Ok(Company {
            id: parse_id(&self.id)?,
            name: self.name,
            address: self.address,
            responsible_id: parse_opt_id(self.responsible_id.as_deref())?,
            department_id: parse_opt_id(self.department_id.as_deref())?,
            custom: serde_json::from_str(&self.custom)
                .map_err(|_| Error::Internal("malformed custom fields in database".into()))?,
            phones: Vec::new(),
            emails: Vec::new(),
            created_at: Timestamp::from_millis(self.created_at),
            updated_at: Timestamp::from_millis(self.updated_at),
        })
    }
}

fn owners(company: &Company) -> Owners {
    Owners {
        responsible_id: company.responsible_id,
        department_id: company.department_id,
    }
}

pub(crate) async fn insert(
    conn: &mut Conn,
    company: &Company,
    created_by: Option<UserId>,
) -> Result<()> {
    let id = company.id.to_string();
    sqlx::query(
        "insert into companies (id, name, name_key, address, responsible_id, department_id, \
         custom, created_by, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(company.name.as_str())
    .bind(company_key(&company.name))
    .bind(company.address.as_deref())
    .bind(company.responsible_id.map(|id| id.to_string()))
    .bind(company.department_id.map(|id| id.to_string()))
    .bind(company.custom.to_string())
    .bind(created_by.map(|id| id.to_string()))
    .bind(company.created_at.millis())
    .bind(company.updated_at.millis())
    .execute(&mut *conn)
    .await?;
    let now = company.created_at;
    reach::replace_phones(conn, Owner::Company, &id, &company.phones, now).await?;
    reach::replace_emails(conn, Owner::Company, &id, &company.emails, now).await?;
    reach::replace_words(conn, Owner::Company, &id, &company_words(&company.name)).await?;
    counts::adjust(conn, KIND, &[(owners(company), 1)], now).await
}

/// Writes `after` over `before`, as `contacts::update`.
pub(crate) async fn update(conn: &mut Conn, before: &Company, after: &Company) -> Result<()> {
    let id = after.id.to_string();
    let now = after.updated_at;
    sqlx::query(
        "update companies set name = $2, name_key = $3, address = $4, responsible_id = $5, \
         department_id = $6, custom = $7, updated_at = $8 where id = $1",
    )
    .bind(&id)
    .bind(after.name.as_str())
    .bind(company_key(&after.name))
    .bind(after.address.as_deref())
    .bind(after.responsible_id.map(|id| id.to_string()))
    .bind(after.department_id.map(|id| id.to_string()))
    .bind(after.custom.to_string())
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    if before.phones != after.phones {
        reach::replace_phones(conn, Owner::Company, &id, &after.phones, now).await?;
    }
    if before.emails != after.emails {
        reach::replace_emails(conn, Owner::Company, &id, &after.emails, now).await?;
    }
    if before.name != after.name {
        reach::replace_words(conn, Owner::Company, &id, &company_words(&after.name)).await?;
    }
    counts::adjust(conn, KIND, &[(owners(before), -1), (owners(after), 1)], now).await
}

/// Marks a company deleted and drops it from the word index and the counts. Contacts keep
/// their `company_id`; the company's timeline stays for history.
pub(crate) async fn soft_delete(conn: &mut Conn, company: &Company, now: Timestamp) -> Result<()> {
    let id = company.id.to_string();
    let done = sqlx::query(
        "update companies set deleted_at = $2, updated_at = $2 where id = $1 and deleted_at is null",
    )
    .bind(&id)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("company"));
    }
    reach::replace_words(conn, Owner::Company, &id, &[]).await?;
    counts::adjust(conn, KIND, &[(owners(company), -1)], now).await
}

pub(crate) async fn get(conn: &mut Conn, scope: &Scope, id: CompanyId) -> Result<Option<Company>> {
    Ok(get_many(conn, scope, &[id]).await?.into_iter().next())
}

/// The live companies among `ids` that the scope sees, in the order of `ids`.
pub(crate) async fn get_many(
    conn: &mut Conn,
    scope: &Scope,
    ids: &[CompanyId],
) -> Result<Vec<Company>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(concat!(
        "select ",
        company_columns!(),
        " from companies c where c.deleted_at is null and c.id in ("
    ));
    sql.list(ids).push(")");
    scope.restrict(&mut sql);
    let rows = sql.fetch_all(&mut *conn).await?;
    let mut found = hydrate(conn, rows).await?;
    found.sort_by_key(|company| ids.iter().position(|id| *id == company.id));
    Ok(found)
}

fn filtered(
    sql: &mut Sql,
    scope: &Scope,
    filter: &CompanyFilter,
    text: Option<&search::Text>,
    mode: search::Mode,
) {
    sql.push(" where c.deleted_at is null");
    scope.restrict(sql);
    if let Some(user) = filter.responsible_id {
        sql.push(" and c.responsible_id = ").text(user);
    }
    custom_fields::restrict(sql, &filter.custom);
    if let Some(text) = text {
        text.restrict(sql, Owner::Company, mode);
    }
}

/// A page of companies, newest first, older than `filter.after`.
pub(crate) async fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &CompanyFilter,
) -> Result<Vec<Company>> {
    let mut sql = keyset::start(
        concat!("select ", company_columns!(), " from companies c"),
        "select c.id from companies c",
    );
    let text = match &filter.q {
        Some(q) => Some(search::Text::measure(conn, Owner::Company, q).await?),
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

/// How many companies the filter matches (ignoring the cursor), and whether counting stopped
/// at `search::TOTAL_CAP`. Without a search the answer is exact: from `crm_counts` when only
/// visibility and the responsible user filter, else an index count. A name search counts up
/// to the cap, walking whichever is smaller: the rarest word's range, or the records the
/// filter leaves without the search.
pub(crate) async fn count(
    conn: &mut Conn,
    scope: &Scope,
    filter: &CompanyFilter,
) -> Result<(i64, bool)> {
    let before_search = if filter.custom.is_empty() {
        counts::total(conn, KIND, scope, filter.responsible_id).await?
    } else {
        let unsearched = CompanyFilter {
            q: None,
            ..filter.clone()
        };
        let mut sql = Sql::new("select count(*) from companies c");
        filtered(&mut sql, scope, &unsearched, None, search::Mode::Set);
        sql.fetch_scalar(&mut *conn).await?
    };
    let Some(q) = &filter.q else {
        return Ok((before_search, false));
    };
    let text = search::Text::measure(conn, Owner::Company, q).await?;
    if !text.can_drive() {
        // Only phones and e-mails can match: a handful of exact lookups.
        let mut sql = Sql::new("select count(*) from companies c");
        filtered(&mut sql, scope, filter, Some(&text), search::Mode::Set);
        return Ok((sql.fetch_scalar(conn).await?, false));
    }
    let mut sql = if text.dense() && before_search <= search::RECORD_WALK_MAX {
        let mut sql = Sql::new("select count(*) from (select 1 from companies c");
        filtered(&mut sql, scope, filter, Some(&text), search::Mode::Probe);
        sql
    } else {
        let mut sql = Sql::new(
            "select count(*) from (select 1 from company_words w join companies c on c.id = w.company_id",
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

async fn hydrate(conn: &mut Conn, rows: Vec<CompanyRow>) -> Result<Vec<Company>> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let mut reach = reach::reach_of(conn, Owner::Company, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let key = row.id.clone();
            let mut company = row.into_company()?;
            if let Some((phones, emails)) = reach.remove(&key) {
                company.phones = phones;
                company.emails = emails;
            }
            Ok(company)
        })
        .collect()
}
