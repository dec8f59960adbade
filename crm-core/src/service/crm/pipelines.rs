//! Pipelines and their stages: everyone reads them, admins change them. Removing a stage
//! that still holds deals moves them to a stage the caller names, each move recorded like
//! any other stage change.

use super::{deals::placement, require_writer};
use crate::{
    Error, Result, Store,
    domain::{
        Role, User,
        crm::{
            NewPipeline, NewStage, Pipeline, PipelineId, PipelinePatch, STAGES_MAX, StageId,
            StagePatch, check_order,
        },
        now,
    },
    store::crm::{self as crm_store, deals as deal_store, pipelines as pipeline_store},
};

#[derive(Clone)]
pub struct Pipelines {
    store: Store,
}

fn require_admin(user: &User) -> Result<()> {
    require_writer(user)?;
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::Forbidden("only admins change pipelines".into()))
    }
}

impl Pipelines {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Every pipeline with its stages, the default first.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn list(&self, _actor: &User) -> Result<Vec<Pipeline>> {
        let mut conn = self.store.acquire().await?;
        pipeline_store::all(&mut conn).await
    }

    #[tracing::instrument(skip_all, fields(pipeline.id = %id), err(level = "warn"))]
    pub async fn get(&self, _actor: &User, id: PipelineId) -> Result<Pipeline> {
        let mut conn = self.store.acquire().await?;
        pipeline_store::get(&mut conn, id)
            .await?
            .ok_or(Error::not_found("pipeline"))
    }

    /// Creates a pipeline, with the default stages when none are given.
    #[tracing::instrument(skip_all, err(level = "warn"))]
    pub async fn create(&self, actor: &User, new: NewPipeline) -> Result<Pipeline> {
        require_admin(actor)?;
        let stages = if new.stages.is_empty() {
            NewStage::defaults()
        } else {
            new.stages
        };
        if stages.len() > STAGES_MAX {
            return Err(Error::validation("stages", "at most 50 stages"));
        }
        let mut tx = self.store.begin().await?;
        let id = PipelineId::new();
        let now = now();
        pipeline_store::insert(&mut tx, id, &new.name, &stages, now).await?;
        if new.is_default {
            pipeline_store::make_default(&mut tx, id, now).await?;
        }
        let pipeline = fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(pipeline)
    }

    /// Renames a pipeline or makes it the default.
    #[tracing::instrument(skip_all, fields(pipeline.id = %id), err(level = "warn"))]
    pub async fn update(
        &self,
        actor: &User,
        id: PipelineId,
        patch: PipelinePatch,
    ) -> Result<Pipeline> {
        require_admin(actor)?;
        let mut tx = self.locked(id).await?;
        fetch(&mut tx, id).await?;
        let now = now();
        if let Some(name) = &patch.name {
            pipeline_store::rename(&mut tx, id, name, now).await?;
        }
        if patch.make_default {
            pipeline_store::make_default(&mut tx, id, now).await?;
        }
        let pipeline = fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(pipeline)
    }

    /// Deletes a pipeline that is not the default and never held a deal.
    #[tracing::instrument(skip_all, fields(pipeline.id = %id), err(level = "warn"))]
    pub async fn delete(&self, actor: &User, id: PipelineId) -> Result<()> {
        require_admin(actor)?;
        let mut tx = self.locked(id).await?;
        let pipeline = fetch(&mut tx, id).await?;
        if pipeline.is_default {
            return Err(Error::refused(
                "default_pipeline",
                "the default pipeline cannot be deleted; make another one the default first",
            ));
        }
        let deals = pipeline_store::deals_in_pipeline(&mut tx, id).await?;
        if deals > 0 {
            return Err(Error::refused(
                "pipeline_not_empty",
                format!("the pipeline holds {deals} deals; move them to another pipeline first"),
            ));
        }
        pipeline_store::delete(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a stage at `position` (0-based; the end when `None` or past it).
    #[tracing::instrument(skip_all, fields(pipeline.id = %id), err(level = "warn"))]
    pub async fn add_stage(
        &self,
        actor: &User,
        id: PipelineId,
        stage: NewStage,
        position: Option<i64>,
    ) -> Result<Pipeline> {
        require_admin(actor)?;
        let mut tx = self.locked(id).await?;
        let pipeline = fetch(&mut tx, id).await?;
        if pipeline.stages.len() >= STAGES_MAX {
            return Err(Error::validation(
                "stages",
                "a pipeline has at most 50 stages",
            ));
        }
        let count = pipeline.stages.len() as i64;
        let position = position.unwrap_or(count).clamp(0, count);
        let now = now();
        for mut later in pipeline
            .stages
            .into_iter()
            .filter(|s| s.position >= position)
        {
            later.position += 1;
            pipeline_store::update_stage(&mut tx, &later, now).await?;
        }
        pipeline_store::insert_stage(&mut tx, StageId::new(), id, &stage, position, now).await?;
        let pipeline = fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(pipeline)
    }

    /// Renames a stage or changes its probability or meaning. Deals that follow the stage's
    /// probability follow the new one.
    #[tracing::instrument(skip_all, fields(pipeline.id = %id), err(level = "warn"))]
    pub async fn update_stage(
        &self,
        actor: &User,
        id: PipelineId,
        stage: StageId,
        patch: StagePatch,
    ) -> Result<Pipeline> {
        require_admin(actor)?;
        let mut tx = self.locked(id).await?;
        let pipeline = fetch(&mut tx, id).await?;
        let mut changed = pipeline
            .stage(stage)
            .cloned()
            .ok_or(Error::not_found("stage"))?;
        if let Some(name) = patch.name {
            changed.name = name;
        }
        if let Some(probability) = patch.probability {
            changed.probability = probability;
        }
        if let Some(meaning) = patch.meaning {
            changed.meaning = meaning;
        }
        pipeline_store::update_stage(&mut tx, &changed, now()).await?;
        let pipeline = fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(pipeline)
    }

    /// Puts the stages in the order given (every stage exactly once).
    #[tracing::instrument(skip_all, fields(pipeline.id = %id), err(level = "warn"))]
    pub async fn reorder(
        &self,
        actor: &User,
        id: PipelineId,
        order: Vec<StageId>,
    ) -> Result<Pipeline> {
        require_admin(actor)?;
        let mut tx = self.locked(id).await?;
        let pipeline = fetch(&mut tx, id).await?;
        check_order(&pipeline.stages, &order)?;
        let now = now();
        for mut stage in pipeline.stages {
            let position = order
                .iter()
                .position(|id| *id == stage.id)
                .unwrap_or_default() as i64;
            if stage.position != position {
                stage.position = position;
                pipeline_store::update_stage(&mut tx, &stage, now).await?;
            }
        }
        let pipeline = fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(pipeline)
    }

    /// Removes a stage. Deals still in it move to `move_to` (another stage of the same
    /// pipeline), each move written to the deal's stage history and timeline; without
    /// `move_to` a stage holding deals is refused with `stage_not_empty`. Returns how many
    /// deals moved.
    #[tracing::instrument(skip_all, fields(pipeline.id = %id), err(level = "warn"))]
    pub async fn remove_stage(
        &self,
        actor: &User,
        id: PipelineId,
        stage: StageId,
        move_to: Option<StageId>,
    ) -> Result<usize> {
        require_admin(actor)?;
        let mut tx = self.locked(id).await?;
        let pipeline = fetch(&mut tx, id).await?;
        let removed = pipeline
            .stage(stage)
            .cloned()
            .ok_or(Error::not_found("stage"))?;
        if pipeline.stages.len() == 1 {
            return Err(Error::refused(
                "last_stage",
                "a pipeline keeps at least one stage",
            ));
        }
        let target =
            match move_to {
                Some(target) if target == stage => {
                    return Err(Error::validation("move_to", "must be another stage"));
                }
                Some(target) => Some(pipeline.stage(target).cloned().ok_or_else(|| {
                    Error::validation("move_to", "is not a stage of this pipeline")
                })?),
                None => None,
            };
        let deals = deal_store::ids_in_stage(&mut tx, stage).await?;
        let target = match target {
            Some(target) => target,
            None if deals.is_empty() => pipeline
                .stages
                .iter()
                .find(|other| other.id != stage)
                .cloned()
                .ok_or(Error::not_found("stage"))?,
            None => {
                return Err(Error::refused(
                    "stage_not_empty",
                    format!(
                        "the stage \"{}\" holds {} deals; name the stage they move to in move_to",
                        removed.name,
                        deals.len()
                    ),
                ));
            }
        };
        let now = now();
        crm_store::lock(&mut tx, self.store.backend(), "deals", &ids(&deals)).await?;
        let moving = deal_store::get_many(&mut tx, &crm_store::Scope::All, &deals).await?;
        for deal in &moving {
            placement::move_deal(&mut tx, deal, &removed, &target, Some(actor.id), now).await?;
        }
        deal_store::move_deleted(&mut tx, stage, target.id).await?;
        pipeline_store::delete_stage(&mut tx, stage).await?;
        let mut rest = pipeline.stages;
        rest.retain(|other| other.id != stage);
        for (position, mut other) in rest.into_iter().enumerate() {
            if other.position != position as i64 {
                other.position = position as i64;
                pipeline_store::update_stage(&mut tx, &other, now).await?;
            }
        }
        tx.commit().await?;
        Ok(moving.len())
    }

    /// A transaction holding the pipeline's row lock (PostgreSQL), so two edits of one
    /// pipeline's stages run one after the other.
    async fn locked(&self, id: PipelineId) -> Result<crate::store::Tx<'static>> {
        let mut tx = self.store.begin().await?;
        crm_store::lock(
            &mut tx,
            self.store.backend(),
            "pipelines",
            &[id.to_string()],
        )
        .await?;
        Ok(tx)
    }
}

fn ids<T: ToString>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

async fn fetch(conn: &mut crate::store::Conn, id: PipelineId) -> Result<Pipeline> {
    pipeline_store::get(conn, id)
        .await?
        .ok_or(Error::not_found("pipeline"))
}
