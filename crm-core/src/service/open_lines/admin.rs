//! Lines and their channels, configured by admins.

use std::sync::Arc;

use super::{OpenLines, require_admin};
use crate::{
    Error, Result,
    domain::{
        Channel, ChannelId, ChannelKind, Distribution, Line, LineId, NewClientCreates, RatingMode,
        Role, Timestamp, User, UserId, WorkingHours,
        crm::{Currency, PipelineId},
        now,
    },
    store::{crm::pipelines as pipeline_store, lines, user_store},
};

/// A line's settings as an admin sends them: `None` keeps what is there (the defaults when
/// creating); for clearable texts `Some(None)` clears.
#[derive(Clone, Debug, Default)]
pub struct LinePatch {
    pub name: Option<String>,
    pub distribution: Option<Distribution>,
    pub max_open_per_operator: Option<i64>,
    pub greeting: Option<Option<String>>,
    pub off_hours_message: Option<Option<String>>,
    pub working_hours: Option<Option<WorkingHours>>,
    pub sla_seconds: Option<i64>,
    pub auto_close_minutes: Option<i64>,
    pub rating_mode: Option<RatingMode>,
    pub reopen_minutes: Option<i64>,
    pub new_client_creates: Option<NewClientCreates>,
    pub deal_pipeline_id: Option<Option<PipelineId>>,
    pub deal_currency: Option<Currency>,
    pub operators: Option<Vec<UserId>>,
    pub supervisors: Option<Vec<UserId>>,
}

/// Creating a line: its name and any settings besides the defaults.
pub type NewLineRequest = LinePatch;

impl LinePatch {
    fn apply(self, line: &mut Line) {
        let text = |value: Option<String>| value.filter(|text| !text.trim().is_empty());
        if let Some(name) = self.name {
            line.name = name.trim().to_owned();
        }
        line.distribution = self.distribution.unwrap_or(line.distribution);
        line.max_open_per_operator = self
            .max_open_per_operator
            .unwrap_or(line.max_open_per_operator);
        if let Some(greeting) = self.greeting {
            line.greeting = text(greeting);
        }
        if let Some(message) = self.off_hours_message {
            line.off_hours_message = text(message);
        }
        if let Some(hours) = self.working_hours {
            line.working_hours = hours;
        }
        line.sla_seconds = self.sla_seconds.unwrap_or(line.sla_seconds);
        line.auto_close_minutes = self.auto_close_minutes.unwrap_or(line.auto_close_minutes);
        line.rating_mode = self.rating_mode.unwrap_or(line.rating_mode);
        line.reopen_minutes = self.reopen_minutes.unwrap_or(line.reopen_minutes);
        line.new_client_creates = self.new_client_creates.unwrap_or(line.new_client_creates);
        if let Some(pipeline) = self.deal_pipeline_id {
            line.deal_pipeline_id = pipeline;
        }
        line.deal_currency = self.deal_currency.unwrap_or(line.deal_currency);
        if let Some(operators) = self.operators {
            line.operators = operators;
        }
        if let Some(supervisors) = self.supervisors {
            line.supervisors = supervisors;
        }
    }
}

fn check(line: &Line) -> Result<()> {
    if line.name.is_empty() || line.name.chars().count() > 100 {
        return Err(Error::validation(
            "name",
            "must be 1 to 100 characters long",
        ));
    }
    if !(1..=1000).contains(&line.max_open_per_operator) {
        return Err(Error::validation(
            "max_open_per_operator",
            "must be 1 to 1000",
        ));
    }
    let week = 7 * 24 * 60;
    for (field, value, max) in [
        ("sla_seconds", line.sla_seconds, week * 60),
        ("auto_close_minutes", line.auto_close_minutes, week),
        ("reopen_minutes", line.reopen_minutes, week),
    ] {
        if !(0..=max).contains(&value) {
            return Err(Error::validation(field, format!("must be 0 to {max}")));
        }
    }
    for (field, text) in [
        ("greeting", &line.greeting),
        ("off_hours_message", &line.off_hours_message),
    ] {
        if text
            .as_ref()
            .is_some_and(|text| text.chars().count() > 2000)
        {
            return Err(Error::validation(
                field,
                "must be at most 2000 characters long",
            ));
        }
    }
    if let Some(both) = line
        .supervisors
        .iter()
        .find(|id| line.operators.contains(id))
    {
        return Err(Error::validation(
            "supervisors",
            format!("{both} is listed as an operator too"),
        ));
    }
    Ok(())
}

impl OpenLines {
    pub async fn create_line(&self, actor: &User, request: NewLineRequest) -> Result<Line> {
        require_admin(actor)?;
        let now = now();
        let mut line = Line {
            id: LineId::new(),
            name: String::new(),
            distribution: Distribution::RoundRobin,
            max_open_per_operator: 10,
            greeting: None,
            off_hours_message: None,
            working_hours: None,
            sla_seconds: 0,
            auto_close_minutes: 0,
            rating_mode: RatingMode::Off,
            reopen_minutes: 0,
            new_client_creates: NewClientCreates::Contact,
            deal_pipeline_id: None,
            deal_currency: Currency::parse("RUB")?,
            operators: Vec::new(),
            supervisors: Vec::new(),
            created_at: now,
        };
        request.apply(&mut line);
        self.save(line, false, now).await
    }

    /// Changes a line's settings, operators and supervisors (admins).
    pub async fn update_line(&self, actor: &User, id: LineId, patch: LinePatch) -> Result<Line> {
        require_admin(actor)?;
        let mut line = self.line(actor, id).await?;
        patch.apply(&mut line);
        self.save(line, true, now()).await
    }

    async fn save(&self, line: Line, exists: bool, now: Timestamp) -> Result<Line> {
        check(&line)?;
        let mut tx = self.store.begin().await?;
        for (field, people) in [
            ("operators", &line.operators),
            ("supervisors", &line.supervisors),
        ] {
            for person in people {
                user_store::get(&mut tx, *person)
                    .await?
                    .ok_or_else(|| Error::validation(field, format!("no such user: {person}")))?;
            }
        }
        if let Some(pipeline) = line.deal_pipeline_id {
            pipeline_store::get(&mut tx, pipeline)
                .await?
                .ok_or_else(|| Error::validation("deal_pipeline_id", "no such pipeline"))?;
        }
        lines::save_line(&mut tx, &line, exists, now).await?;
        lines::set_operators(&mut tx, line.id, &line.operators, &line.supervisors, now).await?;
        let line = lines::get_line(&mut tx, line.id)
            .await?
            .ok_or(Error::not_found("line"))?;
        tx.commit().await?;
        Ok(line)
    }

    /// Every line with its settings: admins configure them, supervisors pick one to keep its
    /// canned responses.
    pub async fn lines(&self, actor: &User) -> Result<Vec<Line>> {
        if !matches!(actor.role, Role::Admin | Role::Supervisor) {
            return Err(Error::Forbidden(
                "listing lines requires the admin or supervisor role".into(),
            ));
        }
        let mut conn = self.store.acquire().await?;
        lines::list_lines(&mut conn).await
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

    /// `channel` for a provider's webhook, read from memory while fresh (see
    /// `channel_cache`): the channel as it was at most a few seconds ago.
    pub async fn webhook_channel(&self, id: ChannelId) -> Result<Arc<Channel>> {
        if let Some(channel) = self.channels.get(id) {
            return Ok(channel);
        }
        Ok(self.channels.keep(self.channel(id).await?))
    }

    pub async fn channel_by_account(&self, kind: ChannelKind, account: &str) -> Result<Channel> {
        let mut conn = self.store.acquire().await?;
        lines::find_channel(&mut conn, kind, account)
            .await?
            .ok_or(Error::not_found("channel"))
    }
}
