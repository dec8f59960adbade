//! The `leads` table.

use super::{
    custom_fields,
    deals::like_pattern,
    keyset::{self, Order},
    sql::{Scope, Sql},
};
use crate::{
    Error, Result,
    domain::{
        Timestamp, UserId,
        crm::{Lead, LeadFilter, LeadId, LeadStatus, SortCursor},
    },
    store::{
        Conn,
        rows::{parse_id, parse_opt_id},
    },
};

macro_rules! lead_columns {
    () => {
        "c.id, c.title, c.name, c.phone, c.email, c.company_name, c.status, c.junk_reason, \
         c.source, c.responsible_id, c.department_id, c.contact_id, c.deal_id, c.converted_at, \
         c.custom, c.created_at, c.updated_at"
    };
}

#[derive(sqlx::FromRow)]
struct LeadRow {
    id: String,
    title: Option<String>,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    company_name: Option<String>,
    status: String,
    junk_reason: Option<String>,
    source: Option<String>,
    responsible_id: Option<String>,
    department_id: Option<String>,
    contact_id: Option<String>,
    deal_id: Option<String>,
    converted_at: Option<i64>,
    custom: String,
    created_at: i64,
    updated_at: i64,
}

impl LeadRow {
    fn into_lead(self) -> Result<Lead> {
        Ok(Lead {
            id: parse_id(&self.id)?,
            title: self.title,
            name: self.name,
            phone: self.phone,
            email: self.email,
            company_name: self.company_name,
            status: LeadStatus::parse(&self.status)?,
            junk_reason: self.junk_reason,
            source: self.source,
            responsible_id: parse_opt_id(self.responsible_id.as_deref())?,
            department_id: parse_opt_id(self.department_id.as_deref())?,
            contact_id: parse_opt_id(self.contact_id.as_deref())?,
            deal_id: parse_opt_id(self.deal_id.as_deref())?,
            converted_at: self.converted_at.map(Timestamp::from_millis),
            custom: serde_json::from_str(&self.custom)
                .map_err(|_| Error::Internal("malformed custom fields in database".into()))?,
            created_at: Timestamp::from_millis(self.created_at),
            updated_at: Timestamp::from_millis(self.updated_at),
        })
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds the lead's id as `$1` and its fields as `$2`–`$17`, in the column order both
/// `insert` and `update` name them.
fn bind_lead<'q>(query: AnyQuery<'q>, lead: &'q Lead) -> AnyQuery<'q> {
    query
        .bind(lead.id.to_string())
        .bind(lead.title.as_deref())
        .bind(lead.name.as_deref())
        .bind(lead.phone.as_deref())
        .bind(lead.email.as_deref())
        .bind(lead.company_name.as_deref())
        .bind(lead.search_key())
        .bind(lead.status.as_str())
        .bind(lead.junk_reason.as_deref())
        .bind(lead.source.as_deref())
        .bind(lead.responsible_id.map(|id| id.to_string()))
        .bind(lead.department_id.map(|id| id.to_string()))
        .bind(lead.contact_id.map(|id| id.to_string()))
        .bind(lead.deal_id.map(|id| id.to_string()))
        .bind(lead.converted_at.map(Timestamp::millis))
        .bind(lead.updated_at.millis())
        .bind(lead.custom.to_string())
}

pub(crate) async fn insert(conn: &mut Conn, lead: &Lead, created_by: Option<UserId>) -> Result<()> {
    let query = sqlx::query(
        "insert into leads (id, title, name, phone, email, company_name, search_key, status, \
         junk_reason, source, responsible_id, department_id, contact_id, deal_id, converted_at, \
         updated_at, custom, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         $19)",
    );
    bind_lead(query, lead)
        .bind(created_by.map(|id| id.to_string()))
        .bind(lead.created_at.millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes every field of `lead` over its row.
pub(crate) async fn update(conn: &mut Conn, lead: &Lead) -> Result<()> {
    let query = sqlx::query(
        "update leads set title = $2, name = $3, phone = $4, email = $5, company_name = $6, \
         search_key = $7, status = $8, junk_reason = $9, source = $10, responsible_id = $11, \
         department_id = $12, contact_id = $13, deal_id = $14, converted_at = $15, \
         updated_at = $16, custom = $17 where id = $1",
    );
    bind_lead(query, lead).execute(conn).await?;
    Ok(())
}

pub(crate) async fn soft_delete(conn: &mut Conn, id: LeadId, now: Timestamp) -> Result<()> {
    let done = sqlx::query(
        "update leads set deleted_at = $2, updated_at = $2 where id = $1 and deleted_at is null",
    )
    .bind(id.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found("lead"));
    }
    Ok(())
}

/// A live lead the scope sees.
pub(crate) async fn get(conn: &mut Conn, scope: &Scope, id: LeadId) -> Result<Option<Lead>> {
    let mut sql = Sql::new(concat!(
        "select ",
        lead_columns!(),
        " from leads c where c.deleted_at is null and c.id = "
    ));
    sql.text(id);
    scope.restrict(&mut sql);
    let rows: Vec<LeadRow> = sql.fetch_all(conn).await?;
    rows.into_iter().next().map(LeadRow::into_lead).transpose()
}

fn filtered(sql: &mut Sql, scope: &Scope, filter: &LeadFilter) {
    sql.push(" where c.deleted_at is null");
    scope.restrict(sql);
    custom_fields::restrict(sql, &filter.custom);
    if let Some(status) = filter.status {
        sql.push(" and c.status = ").text(status.as_str());
    }
    if let Some(user) = filter.responsible_id {
        sql.push(" and c.responsible_id = ").text(user);
    }
    if let Some(source) = &filter.source {
        sql.push(" and c.source = ").text(source);
    }
    if let Some(q) = &filter.q {
        sql.push(" and c.search_key like ")
            .text(like_pattern(q))
            .push(" escape '\\'");
    }
}

/// A page of leads, newest first, older than `filter.after`.
pub(crate) async fn list(conn: &mut Conn, scope: &Scope, filter: &LeadFilter) -> Result<Vec<Lead>> {
    let mut sql = keyset::start(
        concat!("select ", lead_columns!(), " from leads c"),
        "select c.id from leads c",
    );
    filtered(&mut sql, scope, filter);
    let after = filter.after.map(|id| SortCursor::id(id.as_uuid()));
    keyset::finish(&mut sql, Order::NEWEST, after, filter.limit);
    sql.fetch_all::<LeadRow>(conn)
        .await?
        .into_iter()
        .map(LeadRow::into_lead)
        .collect()
}

pub(crate) async fn count(conn: &mut Conn, scope: &Scope, filter: &LeadFilter) -> Result<i64> {
    let mut sql = Sql::new("select count(*) from leads c");
    filtered(&mut sql, scope, filter);
    sql.fetch_scalar(conn).await
}
