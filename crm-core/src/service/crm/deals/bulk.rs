//! Bulk changes of deals: one stage and/or one responsible user for many deals, all or
//! nothing. Every deal is checked in one transaction; if any fails, none changes and the
//! caller learns which ones failed and why.

use super::{Deals, placement};
use crate::{
    Error, Result,
    domain::{
        User,
        crm::{BulkDealUpdate, Deal, EntityRef, Stage, TimelineEntryId},
        now,
    },
    service::crm::{
        changes, custom_fields::hide_all, require_writer, responsible_department, scope_of,
    },
    store::crm::{self as crm_store, deals as deal_store, pipelines as pipeline_store, timeline},
};

impl Deals {
    /// Applies `update` to every deal it names, or to none. A deal the caller may not see
    /// fails as "not found"; a stage must belong to each deal's pipeline. Each stage move
    /// is recorded as in `update`.
    #[tracing::instrument(skip_all, fields(deals = update.ids.len()), err(level = "warn"))]
    pub async fn bulk_update(&self, actor: &User, update: BulkDealUpdate) -> Result<Vec<Deal>> {
        require_writer(actor)?;
        update.check()?;
        let mut tx = self.store.begin().await?;
        let scope = scope_of(&mut tx, actor).await?;
        let stage: Option<Stage> = match update.stage_id {
            Some(id) => {
                let pipeline = pipeline_store::of_stage(&mut tx, id)
                    .await?
                    .ok_or_else(|| Error::validation("stage_id", "no such stage"))?;
                pipeline.stage(id).cloned()
            }
            None => None,
        };
        let department = match update.responsible_id {
            Some(user) => Some(responsible_department(&mut tx, user).await?),
            None => None,
        };
        let keys: Vec<String> = update.ids.iter().map(ToString::to_string).collect();
        crm_store::lock(&mut tx, self.store.backend(), "deals", &keys).await?;
        let found = deal_store::get_many(&mut tx, &scope, &update.ids).await?;
        let mut failures = Vec::new();
        for (index, id) in update.ids.iter().enumerate() {
            if update.ids[..index].contains(id) {
                failures.push((index, "named twice".to_owned()));
                continue;
            }
            match found.iter().find(|deal| deal.id == *id) {
                None => failures.push((index, "deal not found".to_owned())),
                Some(deal) => {
                    if let Some(stage) = &stage
                        && stage.pipeline_id != deal.pipeline_id
                    {
                        failures.push((
                            index,
                            "the stage belongs to another pipeline than the deal's".to_owned(),
                        ));
                    }
                }
            }
        }
        if !failures.is_empty() {
            return Err(Error::Batch { failures });
        }
        let now = now();
        let mut changed = Vec::with_capacity(found.len());
        for deal in found {
            let mut after = deal.clone();
            if let (Some(user), Some(department)) = (update.responsible_id, department)
                && Some(user) != deal.responsible_id
            {
                after.responsible_id = Some(user);
                after.department_id = department;
                after.updated_at = now;
                deal_store::update(&mut tx, &after).await?;
                let changes = changes::responsible_change(&mut tx, deal.responsible_id, Some(user))
                    .await?
                    .into_iter()
                    .collect();
                let mut links = vec![EntityRef::deal(deal.id)];
                links.extend(deal.contact_id.map(EntityRef::contact));
                links.extend(deal.company_id.map(EntityRef::company));
                if let Some(entry) = changes::entry(actor.id, changes, links, now) {
                    timeline::insert(&mut tx, TimelineEntryId::new(), &entry, now).await?;
                }
            }
            if let Some(to) = &stage
                && to.id != deal.stage_id
            {
                let (_, from) =
                    placement::place(&mut tx, None, Some(deal.stage_id), Some(deal.pipeline_id))
                        .await?;
                after =
                    placement::move_deal(&mut tx, &after, &from, to, Some(actor.id), now).await?;
            }
            changed.push(after);
        }
        hide_all(&mut tx, actor, &mut changed).await?;
        tx.commit().await?;
        Ok(changed)
    }
}
