//! Duplicate groups: the phones, e-mails and name keys shared by two or more live records
//! the scope sees, in value order, and the records that share one of them.
//!
//! A page walks one index in value order (`contact_phones_number`, `contact_emails_email`,
//! `contacts_name_key` and their company twins) and stops after `limit` shared values, so a
//! page costs the stretch of index up to its last group, not a pass over the whole table.

use super::{reach::Owner, sql::Scope, sql::Sql};
use crate::{Result, domain::crm::MatchReason, store::Conn};

/// One value shared by `members` records.
#[derive(sqlx::FromRow)]
pub(crate) struct SharedValue {
    pub value: String,
    pub members: i64,
}

/// The column holding the value of `reason`, under the aliases `source` writes.
fn column(reason: MatchReason) -> &'static str {
    match reason {
        MatchReason::Phone => "x.number",
        MatchReason::Email => "x.email",
        MatchReason::Name => "c.name_key",
    }
}

/// `from … where …` for the live records (`c`) and their values of `reason`.
fn source(sql: &mut Sql, owner: Owner, reason: MatchReason) {
    let values = match reason {
        MatchReason::Phone => owner.phones(),
        MatchReason::Email => owner.emails(),
        MatchReason::Name => {
            sql.push(" from ")
                .push(owner.table())
                .push(" c where c.deleted_at is null and c.name_key is not null");
            return;
        }
    };
    sql.push(" from ")
        .push(values)
        .push(" x join ")
        .push(owner.table())
        .push(" c on c.id = x.")
        .push(owner.key())
        .push(" where c.deleted_at is null");
}

/// Values of `reason` shared by at least two live records the scope sees, after `after`
/// in byte order, at most `limit`, each with how many records share it.
pub(crate) async fn shared_values(
    conn: &mut Conn,
    owner: Owner,
    scope: &Scope,
    reason: MatchReason,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<SharedValue>> {
    let column = column(reason);
    let mut sql = Sql::new("select ");
    sql.push(column).push(" as value, count(*) as members");
    source(&mut sql, owner, reason);
    if let Some(after) = after {
        sql.push(" and ").push(column).push(" > ").text(after);
    }
    scope.restrict(&mut sql);
    sql.push(" group by ")
        .push(column)
        .push(" having count(*) > 1 order by ")
        .push(column)
        .push(" limit ")
        .int(limit);
    sql.fetch_all(conn).await
}

#[derive(sqlx::FromRow)]
pub(crate) struct Member {
    pub value: String,
    pub id: String,
}

/// For each of `values` of `reason`, the ids of the live records the scope sees that hold
/// it, newest first, at most `limit` each: one statement for a page of groups rather than
/// one per group.
pub(crate) async fn sharing(
    conn: &mut Conn,
    owner: Owner,
    scope: &Scope,
    reason: MatchReason,
    values: &[String],
    limit: i64,
) -> Result<Vec<Member>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let column = column(reason);
    let mut sql = Sql::new("select value, id from (select ");
    sql.push(column)
        .push(" as value, c.id, row_number() over (partition by ")
        .push(column)
        .push(" order by c.id desc) as n");
    source(&mut sql, owner, reason);
    sql.push(" and ")
        .push(column)
        .push(" in (")
        .list(values)
        .push(")");
    scope.restrict(&mut sql);
    sql.push(") ranked where n <= ")
        .int(limit)
        .push(" order by value, id desc");
    sql.fetch_all(conn).await
}
