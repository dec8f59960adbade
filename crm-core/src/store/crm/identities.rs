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
        // The contact by its key: joined, PostgreSQL without statistics yet (a new database)
        // walked every live contact for each identity.
        "select c.id from contacts c where c.id = (select i.contact_id from contact_identities i \
         where i.channel = $1 and i.external_id = $2) and c.deleted_at is null",
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
