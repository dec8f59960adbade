//! A contact's channel identities, the lookup the open lines use, and recounting totals.

use super::{Contacts, contacts::identity_conflict, require_writer, scope_of};
use crate::{
    Error, Result,
    domain::{
        ChannelKind, User,
        crm::{Contact, ContactId, Identity, IdentityId, NewIdentity},
        now,
    },
    store::crm::{self as crm_store, Scope, contacts as contact_store, identities},
};

impl Contacts {
    /// Adds a channel identity to a contact the caller may change.
    #[tracing::instrument(skip_all, fields(contact.id = %id), err(level = "warn"))]
    pub async fn add_identity(
        &self,
        actor: &User,
        id: ContactId,
        identity: NewIdentity,
    ) -> Result<Identity> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        contact_store::get(&mut tx, &scope, id)
            .await?
            .ok_or(Error::not_found("contact"))?;
        let now = now();
        let identity_id = IdentityId::new();
        identities::insert_identity(&mut tx, identity_id, id, &identity, now)
            .await
            .map_err(identity_conflict)?;
        tx.commit().await?;
        Ok(Identity {
            id: identity_id,
            channel: identity.channel,
            external_id: identity.external_id,
            created_at: now,
        })
    }

    /// Removes a channel identity from a contact the caller may change.
    #[tracing::instrument(skip_all, fields(contact.id = %id), err(level = "warn"))]
    pub async fn remove_identity(
        &self,
        actor: &User,
        id: ContactId,
        identity: IdentityId,
    ) -> Result<()> {
        require_writer(actor)?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        contact_store::get(&mut tx, &scope, id)
            .await?
            .ok_or(Error::not_found("contact"))?;
        if !identities::delete_identity(&mut tx, id, identity).await? {
            return Err(Error::not_found("identity"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Recounts the per-owner totals and the deal totals behind the funnel and the forecast
    /// from the records themselves: after a bulk load that went around the services (an
    /// import, the scale example) or to repair drift. Admins only, or the system (`None`).
    pub async fn rebuild_counts(&self, actor: Option<&User>) -> Result<()> {
        if actor.is_some_and(|actor| actor.role != crate::domain::Role::Admin) {
            return Err(Error::Forbidden(
                "this action requires the admin role".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        crm_store::rebuild_counts(&mut tx, now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The id of the live contact that holds a channel identity: what every inbound message
    /// needs, in one query (no caller checks).
    pub async fn contact_id_by_identity(
        &self,
        channel: ChannelKind,
        external_id: &str,
    ) -> Result<Option<ContactId>> {
        let mut conn = self.store.acquire().await?;
        identities::live_contact_by_identity(&mut conn, channel, external_id).await
    }

    /// The live contact that holds a channel identity, for the open lines (no caller checks).
    /// A merged contact's identities belong to the contact it was merged into.
    pub async fn find_by_identity(
        &self,
        channel: ChannelKind,
        external_id: &str,
    ) -> Result<Option<Contact>> {
        let mut conn = self.store.acquire().await?;
        let Some(id) = identities::contact_by_identity(&mut conn, channel, external_id).await?
        else {
            return Ok(None);
        };
        contact_store::get(&mut conn, &Scope::All, id).await
    }
}
