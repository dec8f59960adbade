//! `contact_identities`: a contact's accounts on channels, unique per channel.

use std::collections::HashMap;

use super::sql::Sql;
use crate::{
    Result,
    domain::{
        ChannelKind, Timestamp,
        crm::{ContactId, Identity, IdentityId, NewIdentity},
    },
    store::{Conn, rows::parse_id},
};

pub(crate) async fn insert_identity(
    conn: &mut Conn,
    id: IdentityId,
    contact: ContactId,
    identity: &NewIdentity,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into contact_identities (id, contact_id, channel, external_id, created_at, \
         updated_at) values ($1, $2, $3, $4, $5, $5)",
    )
    .bind(id.to_string())
    .bind(contact.to_string())
    .bind(identity.channel.as_str())
    .bind(identity.external_id.as_str())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes one identity of a contact; false when the contact has no such identity.
pub(crate) async fn delete_identity(
    conn: &mut Conn,
    contact: ContactId,
    id: IdentityId,
) -> Result<bool> {
    let done = sqlx::query("delete from contact_identities where id = $1 and contact_id = $2")
        .bind(id.to_string())
        .bind(contact.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
struct IdentityRow {
    id: String,
    contact_id: String,
    channel: String,
    external_id: String,
    created_at: i64,
}

/// Identities of the given contacts, by contact id, oldest first.
pub(crate) async fn identities_of(
    conn: &mut Conn,
    ids: &[String],
) -> Result<HashMap<String, Vec<Identity>>> {
    let mut found: HashMap<String, Vec<Identity>> = HashMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let mut sql = Sql::new(
        "select id, contact_id, channel, external_id, created_at from contact_identities \
         where contact_id in (",
    );
    sql.list(ids).push(") order by contact_id, id");
    for row in sql.fetch_all::<IdentityRow>(conn).await? {
        let identity = Identity {
            id: parse_id(&row.id)?,
            channel: ChannelKind::parse(&row.channel)?,
            external_id: row.external_id,
            created_at: Timestamp::from_millis(row.created_at),
        };
        found.entry(row.contact_id).or_default().push(identity);
    }
    Ok(found)
}

/// The contact an identity belongs to, deleted or not.
pub(crate) async fn contact_by_identity(
    conn: &mut Conn,
    channel: ChannelKind,
    external_id: &str,
) -> Result<Option<ContactId>> {
    let id: Option<String> = sqlx::query_scalar(
        "select contact_id from contact_identities where channel = $1 and external_id = $2",
    )
    .bind(channel.as_str())
    .bind(external_id)
    .fetch_optional(conn)
    .await?;
    id.as_deref().map(parse_id).transpose()
}

/// The live (not deleted) contact that holds a channel identity.
pub(crate) async fn live_contact_by_identity(
    conn: &mut Conn,
    channel: ChannelKind,
    external_id: &str,
) -> Result<Option<ContactId>> {
    let id: Option<String> = sqlx::query_scalar(
        "select i.contact_id from contact_identities i join contacts c on c.id = i.contact_id \
         where i.channel = $1 and i.external_id = $2 and c.deleted_at is null",
    )
    .bind(channel.as_str())
    .bind(external_id)
    .fetch_optional(conn)
    .await?;
    id.as_deref().map(parse_id).transpose()
}

/// Moves every identity of `from` to `into` (identities are unique per channel, so there is
/// nothing to reconcile).
pub(crate) async fn move_identities(
    conn: &mut Conn,
    from: ContactId,
    into: ContactId,
    now: Timestamp,
) -> Result<u64> {
    let done = sqlx::query(
        "update contact_identities set contact_id = $2, updated_at = $3 where contact_id = $1",
    )
    .bind(from.to_string())
    .bind(into.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// `live_contact_by_identity` for many accounts on one channel in one statement: the
/// contact of each account that has a live one. `external_ids` is never empty. Each
/// account is looked up by a subquery of its own, through the (channel, external id) key:
/// joined against the list, PostgreSQL walked every live contact of the database instead.
pub(crate) async fn live_contacts_by_identities(
    conn: &mut Conn,
    channel: ChannelKind,
    external_ids: &[&str],
) -> Result<HashMap<String, ContactId>> {
    let mut sql = Sql::new(
        "select v.column1, (select i.contact_id from contact_identities i \
         join contacts c on c.id = i.contact_id where i.channel = ",
    );
    sql.text(channel.as_str())
        .push(" and i.external_id = v.column1 and c.deleted_at is null) from ")
        .values(external_ids)
        .push(" v");
    let rows: Vec<(Option<String>, Option<String>)> = sql.fetch_all(conn).await?;
    rows.into_iter()
        .filter_map(|row| match row {
            (Some(external), Some(contact)) => Some((external, contact)),
            _ => None,
        })
        .map(|(external, contact)| Ok((external, parse_id(&contact)?)))
        .collect()
}
