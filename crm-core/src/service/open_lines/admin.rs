//! Lines and their channels, configured by admins.

use super::{OpenLines, require_admin};
use crate::{
    Error, Result,
    domain::{Channel, ChannelId, ChannelKind, Distribution, Line, LineId, User, UserId, now},
    store::{lines, user_store},
};

pub struct NewLineRequest {
    pub name: String,
    pub distribution: Distribution,
    pub max_open_per_operator: i64,
    pub greeting: Option<String>,
    pub sla_seconds: i64,
    pub operators: Vec<UserId>,
}

impl OpenLines {
    pub async fn create_line(&self, actor: &User, request: NewLineRequest) -> Result<Line> {
        require_admin(actor)?;
        let name = request.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::validation(
                "name",
                "must be 1 to 100 characters long",
            ));
        }
        if !(1..=1000).contains(&request.max_open_per_operator) {
            return Err(Error::validation(
                "max_open_per_operator",
                "must be 1 to 1000",
            ));
        }
        if request.sla_seconds < 0 {
            return Err(Error::validation("sla_seconds", "must not be negative"));
        }
        let id = LineId::new();
        let now = now();
        let mut tx = self.store.begin().await?;
        for operator in &request.operators {
            user_store::get(&mut tx, *operator).await?.ok_or_else(|| {
                Error::validation("operators", format!("no such user: {operator}"))
            })?;
        }
        let new = lines::NewLine {
            name,
            distribution: request.distribution,
            max_open_per_operator: request.max_open_per_operator,
            greeting: request.greeting.as_deref().filter(|g| !g.trim().is_empty()),
            sla_seconds: request.sla_seconds,
        };
        lines::insert_line(&mut tx, id, &new, now).await?;
        lines::set_operators(&mut tx, id, &request.operators, now).await?;
        let line = lines::get_line(&mut tx, id)
            .await?
            .ok_or(Error::not_found("line"))?;
        tx.commit().await?;
        Ok(line)
    }

    pub async fn line(&self, actor: &User, id: LineId) -> Result<Line> {
        require_admin(actor)?;
        let mut conn = self.store.acquire().await?;
        lines::get_line(&mut conn, id)
            .await?
            .ok_or(Error::not_found("line"))
    }

    /// Connects a provider account (already verified with the provider by the caller).
    pub async fn add_channel(
        &self,
        actor: &User,
        line: LineId,
        kind: ChannelKind,
        account: &str,
        name: &str,
        config: serde_json::Value,
    ) -> Result<Channel> {
        require_admin(actor)?;
        let mut tx = self.store.begin().await?;
        lines::get_line(&mut tx, line)
            .await?
            .ok_or_else(|| Error::validation("line_id", "no such line"))?;
        let channel = Channel {
            id: ChannelId::new(),
            line_id: Some(line),
            kind,
            account: account.to_owned(),
            name: name.to_owned(),
            config,
            created_at: now(),
        };
        lines::insert_channel(&mut tx, &channel, now())
            .await
            .map_err(|error| match error {
                Error::Conflict { constraint, .. } => Error::Conflict {
                    constraint,
                    message: "this provider account is already connected".into(),
                },
                other => other,
            })?;
        tx.commit().await?;
        Ok(channel)
    }

    pub async fn channels(&self, actor: &User) -> Result<Vec<Channel>> {
        require_admin(actor)?;
        let mut conn = self.store.acquire().await?;
        lines::list_channels(&mut conn).await
    }

    /// A channel with its credentials, for the gateway's webhook and delivery code.
    pub async fn channel(&self, id: ChannelId) -> Result<Channel> {
        let mut conn = self.store.acquire().await?;
        lines::get_channel(&mut conn, id)
            .await?
            .ok_or(Error::not_found("channel"))
    }

    pub async fn channel_by_account(&self, kind: ChannelKind, account: &str) -> Result<Channel> {
        let mut conn = self.store.acquire().await?;
        lines::find_channel(&mut conn, kind, account)
            .await?
            .ok_or(Error::not_found("channel"))
    }
}
