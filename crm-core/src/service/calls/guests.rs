//! Guests: a room member makes a link (expiring, revocable); someone without an account opens
//! it, gives a name and gets a guest session whose token reaches the one call that was live in
//! the room at that moment, nothing else. Both tokens are 256 random bits shown once and
//! stored as SHA-256 hashes, like session tokens.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;

use super::{Calls, require_member};
use crate::{
    Error, Result,
    domain::{CallGuest, CallGuestId, GuestLink, GuestLinkId, RoomId, Timestamp, User, now},
    service::SessionToken,
    store::calls::{self as call_store, guests as guest_store},
};

/// Links live a day unless their creator says otherwise, and at most a week.
pub const DEFAULT_LINK_MINUTES: i64 = 24 * 60;
pub const MAX_LINK_MINUTES: i64 = 7 * 24 * 60;
/// A guest session outlives no call, and no call lasts longer than this.
const GUEST_SESSION_MS: i64 = 12 * 60 * 60 * 1000;
const NAME_MAX_CHARS: usize = 64;

const LINK_PREFIX: &str = "sbl_";
/// Guest tokens are recognisable by their prefix, so that the REST API can refuse them with
/// 403 (a guest has no account) instead of 401 (sign in again).
pub const GUEST_TOKEN_PREFIX: &str = "sbg_";

/// A new link and its token, which is shown only now.
#[derive(Debug, serde::Serialize)]
pub struct GuestLinkCreated {
    #[serde(flatten)]
    pub link: GuestLink,
    pub token: String,
}

/// A new guest session and its bearer token.
#[derive(Debug)]
pub struct GuestSession {
    pub guest: CallGuest,
    pub token: String,
}

fn token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn hash(token: &str) -> String {
    SessionToken::from_bearer(token).hash()
}

/// A link that still admits guests, or why not (`link_revoked`, `link_expired`: gone for good).
fn open(link: GuestLink, now: Timestamp) -> Result<GuestLink> {
    match link.closed_reason(now) {
        Some((code, message)) => Err(Error::refused(code, message)),
        None => Ok(link),
    }
}

fn display_name(raw: &str) -> Result<String> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(Error::validation("display_name", "enter your name"));
    }
    if name.chars().count() > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(Error::validation(
            "display_name",
            "a name is at most 64 characters, without control characters",
        ));
    }
    Ok(name)
}

impl Calls {
    /// A member of the room makes a guest link valid for `minutes` (1 to a week).
    pub async fn create_guest_link(
        &self,
        actor: &User,
        room: RoomId,
        minutes: Option<i64>,
    ) -> Result<GuestLinkCreated> {
        let minutes = minutes.unwrap_or(DEFAULT_LINK_MINUTES);
        if !(1..=MAX_LINK_MINUTES).contains(&minutes) {
            return Err(Error::validation(
                "expires_in_minutes",
                "must be between 1 and 10080 (a week)",
            ));
        }
        let mut tx = self.store.begin().await?;
        require_member(&mut tx, room, actor).await?;
        let now = now();
        let token = token(LINK_PREFIX);
        let id = GuestLinkId::new();
        let token_hash = hash(&token);
        let new = guest_store::NewLink {
            id,
            room,
            token_hash: &token_hash,
            created_by: actor.id,
            expires_at: Timestamp::from_millis(now.millis() + minutes * 60_000),
        };
        guest_store::insert_link(&mut tx, &new, now).await?;
        let link = guest_store::link(&mut tx, id)
            .await?
            .ok_or(Error::not_found("guest link"))?;
        tx.commit().await?;
        Ok(GuestLinkCreated { link, token })
    }

    /// The room's links, newest first, for its members.
    pub async fn guest_links(&self, actor: &User, room: RoomId) -> Result<Vec<GuestLink>> {
        let mut conn = self.store.acquire().await?;
        require_member(&mut conn, room, actor).await?;
        guest_store::links_of_room(&mut conn, room).await
    }

    /// Any member of the link's room revokes it; guests already in the call stay.
    pub async fn revoke_guest_link(&self, actor: &User, id: GuestLinkId) -> Result<GuestLink> {
        let mut tx = self.store.begin().await?;
        let link = guest_store::link(&mut tx, id)
            .await?
            .ok_or(Error::not_found("guest link"))?;
        require_member(&mut tx, link.room_id, actor).await?;
        guest_store::revoke_link(&mut tx, id, now()).await?;
        let link = guest_store::link(&mut tx, id)
            .await?
            .ok_or(Error::not_found("guest link"))?;
        tx.commit().await?;
        Ok(link)
    }

    /// What the guest page shows before asking for a name: whether the link still works and
    /// whether its room has a call going on.
    pub async fn inspect_guest_link(&self, token: &str) -> Result<(GuestLink, bool)> {
        let mut conn = self.store.acquire().await?;
        let link = guest_store::link_by_token(&mut conn, &hash(token))
            .await?
            .ok_or(Error::not_found("guest link"))?;
        let link = open(link, now())?;
        let live = call_store::live_in_room(&mut conn, link.room_id)
            .await?
            .is_some();
        Ok((link, live))
    }

    /// Someone opens a link and names themself: a guest session for the room's live call.
    pub async fn redeem_guest_link(&self, token: &str, name: &str) -> Result<GuestSession> {
        let name = display_name(name)?;
        let now = now();
        let mut tx = self.store.begin().await?;
        let link = guest_store::link_by_token(&mut tx, &hash(token))
            .await?
            .ok_or(Error::not_found("guest link"))?;
        let link = open(link, now)?;
        let call = call_store::live_in_room(&mut tx, link.room_id)
            .await?
            .ok_or_else(|| Error::refused("no_call", "the call has not started yet"))?;
        let session = token_for_guest();
        let id = CallGuestId::new();
        let token_hash = hash(&session);
        let new = guest_store::NewGuest {
            id,
            link: link.id,
            call: call.id,
            display_name: &name,
            token_hash: &token_hash,
            expires_at: Timestamp::from_millis(now.millis() + GUEST_SESSION_MS),
        };
        guest_store::insert_guest(&mut tx, &new, now).await?;
        let guest = guest_store::guest_by_token(&mut tx, &token_hash)
            .await?
            .ok_or(Error::not_found("guest"))?;
        tx.commit().await?;
        Ok(GuestSession {
            guest,
            token: session,
        })
    }

    /// The guest a token belongs to, while its session lasts and its call goes on.
    pub async fn authenticate_guest(&self, token: &str) -> Result<CallGuest> {
        if !token.starts_with(GUEST_TOKEN_PREFIX) {
            return Err(Error::Unauthenticated);
        }
        let mut conn = self.store.acquire().await?;
        let guest = guest_store::guest_by_token(&mut conn, &hash(token))
            .await?
            .ok_or(Error::Unauthenticated)?;
        if guest.expires_at <= now() {
            return Err(Error::Unauthenticated);
        }
        Ok(guest)
    }

    /// Whether a guest's call is still going on.
    pub async fn guest_call_live(&self, guest: &CallGuest) -> Result<bool> {
        let mut conn = self.store.acquire().await?;
        Ok(call_store::get(&mut conn, guest.call_id)
            .await?
            .is_some_and(|call| call.ended_at.is_none()))
    }

    /// Records that the guest's media joined the call (they count as a participant).
    pub async fn guest_joined(&self, guest: CallGuestId) -> Result<()> {
        let mut conn = self.store.acquire().await?;
        guest_store::mark_joined(&mut conn, guest, now()).await
    }
}

fn token_for_guest() -> String {
    token(GUEST_TOKEN_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(display_name("  Olga   K. ").unwrap(), "Olga K.");
        assert!(display_name("   ").is_err());
        assert!(display_name(&"x".repeat(65)).is_err());
        assert!(display_name("a\u{7}b").is_err());
    }

    #[test]
    fn guest_tokens_carry_their_prefix() {
        assert!(token_for_guest().starts_with(GUEST_TOKEN_PREFIX));
        assert_ne!(token_for_guest(), token_for_guest());
    }
}
