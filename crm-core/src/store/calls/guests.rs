//! The `call_guest_links` and `call_guests` tables. Tokens are looked up by their hash only.

use super::super::{
    Conn,
    rows::{parse_id, parse_opt_id},
};
use crate::{
    Result,
    domain::{
        CallGuest, CallGuestId, CallId, CallPerson, GuestLink, GuestLinkId, RoomId, Timestamp,
        UserId,
    },
};

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: String,
    room_id: String,
    created_by: Option<String>,
    expires_at: i64,
    revoked_at: Option<i64>,
    created_at: i64,
}

impl LinkRow {
    fn into_link(self) -> Result<GuestLink> {
        Ok(GuestLink {
            id: parse_id(&self.id)?,
            room_id: parse_id(&self.room_id)?,
            created_by: parse_opt_id(self.created_by.as_deref())?,
            expires_at: Timestamp::from_millis(self.expires_at),
            revoked_at: self.revoked_at.map(Timestamp::from_millis),
            created_at: Timestamp::from_millis(self.created_at),
        })
    }
}

macro_rules! link_columns {
    () => {
        "id, room_id, created_by, expires_at, revoked_at, created_at"
    };
}

pub(crate) struct NewLink<'a> {
    pub id: GuestLinkId,
    pub room: RoomId,
    pub token_hash: &'a str,
    pub created_by: UserId,
    pub expires_at: Timestamp,
}

pub(crate) async fn insert_link(conn: &mut Conn, link: &NewLink<'_>, now: Timestamp) -> Result<()> {
    sqlx::query(
        "insert into call_guest_links (id, room_id, token_hash, created_by, expires_at, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(link.id.to_string())
    .bind(link.room.to_string())
    .bind(link.token_hash)
    .bind(link.created_by.to_string())
    .bind(link.expires_at.millis())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn link(conn: &mut Conn, id: GuestLinkId) -> Result<Option<GuestLink>> {
    let row: Option<LinkRow> = sqlx::query_as(concat!(
        "select ",
        link_columns!(),
        " from call_guest_links where id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(LinkRow::into_link).transpose()
}

pub(crate) async fn link_by_token(conn: &mut Conn, token_hash: &str) -> Result<Option<GuestLink>> {
    let row: Option<LinkRow> = sqlx::query_as(concat!(
        "select ",
        link_columns!(),
        " from call_guest_links where token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.map(LinkRow::into_link).transpose()
}

/// A room's links, newest first.
pub(crate) async fn links_of_room(conn: &mut Conn, room: RoomId) -> Result<Vec<GuestLink>> {
    let rows: Vec<LinkRow> = sqlx::query_as(concat!(
        "select ",
        link_columns!(),
        " from call_guest_links where room_id = $1 order by created_at desc, id desc limit 100"
    ))
    .bind(room.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(LinkRow::into_link).collect()
}

/// Revokes a link; revoking twice keeps the first time.
pub(crate) async fn revoke_link(conn: &mut Conn, id: GuestLinkId, now: Timestamp) -> Result<()> {
    sqlx::query(
        "update call_guest_links set revoked_at = $2, updated_at = $2 \
         where id = $1 and revoked_at is null",
    )
    .bind(id.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) struct NewGuest<'a> {
    pub id: CallGuestId,
    pub link: GuestLinkId,
    pub call: CallId,
    pub display_name: &'a str,
    pub token_hash: &'a str,
    pub expires_at: Timestamp,
}

pub(crate) async fn insert_guest(
    conn: &mut Conn,
    guest: &NewGuest<'_>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into call_guests (id, link_id, call_id, display_name, token_hash, expires_at, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(guest.id.to_string())
    .bind(guest.link.to_string())
    .bind(guest.call.to_string())
    .bind(guest.display_name)
    .bind(guest.token_hash)
    .bind(guest.expires_at.millis())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct GuestRow {
    id: String,
    link_id: String,
    call_id: String,
    room_id: String,
    display_name: String,
    expires_at: i64,
}

/// A guest session by its token, with the room of its call.
pub(crate) async fn guest_by_token(conn: &mut Conn, token_hash: &str) -> Result<Option<CallGuest>> {
    let row: Option<GuestRow> = sqlx::query_as(
        "select g.id, g.link_id, g.call_id, c.room_id, g.display_name, g.expires_at \
         from call_guests g join calls c on c.id = g.call_id where g.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(CallGuest {
            id: parse_id(&row.id)?,
            link_id: parse_id(&row.link_id)?,
            call_id: parse_id(&row.call_id)?,
            room_id: parse_id(&row.room_id)?,
            display_name: row.display_name,
            expires_at: Timestamp::from_millis(row.expires_at),
        })
    })
    .transpose()
}

/// Records that the guest's media joined; joining again keeps the first time.
pub(crate) async fn mark_joined(conn: &mut Conn, guest: CallGuestId, now: Timestamp) -> Result<()> {
    sqlx::query(
        "update call_guests set joined_at = $2, updated_at = $2 \
         where id = $1 and joined_at is null",
    )
    .bind(guest.to_string())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The guests who joined a call, in the order they first joined.
pub(crate) async fn joined(conn: &mut Conn, call: CallId) -> Result<Vec<CallPerson>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "select id, display_name from call_guests where call_id = $1 and joined_at is not null \
         order by joined_at, id",
    )
    .bind(call.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, name)| {
            Ok(CallPerson {
                user_id: None,
                guest_id: Some(parse_id(&id)?),
                name,
            })
        })
        .collect()
}
