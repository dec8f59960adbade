//! Where a deal sits: resolving a pipeline and stage from what a request names, moving a
//! deal into a stage, and recording each move in the stage history and on the timeline of
//! the deal, its contact and its company, in the caller's transaction.

use serde_json::json;

use crate::{
    Error, Result,
    domain::{
        Timestamp, UserId,
        crm::{
            CalendarDate, Deal, EntityRef, NewTimelineEntry, Pipeline, PipelineId, Stage,
            StageChange, StageChangeId, StageId, StageMeaning, TimelineEntryId, TimelineKind,
            summarize,
        },
    },
    store::{
        Conn,
        crm::{deals as deal_store, pipelines as pipeline_store, stage_history, timeline},
    },
};

/// The pipeline and stage a deal goes to. A named stage must exist and belong to the
/// named pipeline (or to `current` when none is named and the deal has one); a pipeline
/// without a stage means its first stage; neither means the default pipeline.
pub(crate) async fn place(
    conn: &mut Conn,
    pipeline_id: Option<PipelineId>,
    stage_id: Option<StageId>,
    current: Option<PipelineId>,
) -> Result<(Pipeline, Stage)> {
    let pipeline = match pipeline_id.or(current) {
        Some(id) => pipeline_store::get(conn, id)
            .await?
            .ok_or_else(|| Error::validation("pipeline_id", "no such pipeline"))?,
        None => match stage_id {
            Some(stage) => pipeline_store::of_stage(conn, stage)
                .await?
                .ok_or_else(|| Error::validation("stage_id", "no such stage"))?,
            None => pipeline_store::default(conn)
                .await?
                .ok_or(Error::Internal("no default pipeline".into()))?,
        },
    };
    let stage = match stage_id {
        Some(id) => match pipeline.stage(id) {
            Some(stage) => stage.clone(),
            None if pipeline_store::of_stage(conn, id).await?.is_some() => {
                return Err(Error::validation(
                    "stage_id",
                    "belongs to another pipeline than the deal's",
                ));
            }
            None => return Err(Error::validation("stage_id", "no such stage")),
        },
        None => pipeline
            .first_stage()
            .cloned()
            .ok_or(Error::Internal("a pipeline without stages".into()))?,
    };
    Ok((pipeline, stage))
}

/// Puts `deal` into `stage` (in memory): the deal closes on `now`'s date in a won or lost
/// stage and reopens in an open one; a probability it does not override follows the stage.
pub(crate) fn enter(deal: &mut Deal, stage: &Stage, now: Timestamp) {
    deal.pipeline_id = stage.pipeline_id;
    deal.stage_id = stage.id;
    deal.closed_on = match stage.meaning {
        StageMeaning::Open => None,
        StageMeaning::Won | StageMeaning::Lost => Some(CalendarDate::of(now)),
    };
    if !deal.probability_overridden {
        deal.probability = stage.probability;
    }
}

/// A stage history entry: `from` is `None` for the entry that records a deal's creation.
pub(crate) async fn record_history(
    conn: &mut Conn,
    deal: &Deal,
    from: Option<&Stage>,
    to: &Stage,
    author: Option<UserId>,
    now: Timestamp,
) -> Result<()> {
    stage_history::insert(
        conn,
        &StageChange {
            id: StageChangeId::new(),
            deal_id: deal.id,
            from_stage_id: from.map(|stage| stage.id),
            from_stage: from.map(|stage| stage.name.clone()),
            to_stage_id: Some(to.id),
            to_stage: to.name.clone(),
            changed_by: author,
            changed_at: now,
        },
    )
    .await
}

/// Records a move of `deal` (as it is after the move) from one stage to another: a history
/// entry, and a `stage_change` timeline entry on the deal, its contact and its company.
pub(crate) async fn record_move(
    conn: &mut Conn,
    deal: &Deal,
    from: &Stage,
    to: &Stage,
    author: Option<UserId>,
    now: Timestamp,
) -> Result<()> {
    record_history(conn, deal, Some(from), to, author, now).await?;
    let mut links = vec![EntityRef::deal(deal.id)];
    links.extend(deal.contact_id.map(EntityRef::contact));
    links.extend(deal.company_id.map(EntityRef::company));
    let entry = NewTimelineEntry {
        kind: TimelineKind::StageChange,
        author_id: author,
        occurred_at: now,
        summary: summarize(&format!("{}: {} → {}", deal.title, from.name, to.name)),
        payload: json!({
            "deal_id": deal.id,
            "from_stage_id": from.id,
            "from": from.name,
            "to_stage_id": to.id,
            "to": to.name,
            "meaning": to.meaning,
        }),
        links,
    };
    timeline::insert(conn, TimelineEntryId::new(), &entry, now).await
}

/// Moves a deal (read in this transaction) into another stage and records the move.
pub(crate) async fn move_deal(
    conn: &mut Conn,
    deal: &Deal,
    from: &Stage,
    to: &Stage,
    author: Option<UserId>,
    now: Timestamp,
) -> Result<Deal> {
    let mut moved = deal.clone();
    enter(&mut moved, to, now);
    moved.updated_at = now;
    deal_store::update(conn, &moved).await?;
    record_move(conn, &moved, from, to, author, now).await?;
    Ok(moved)
}
