//! Sales pipelines: ordered stages, each with a probability and a meaning (still open, won
//! or lost). Several pipelines per installation; one of them is the default.

use serde::Serialize;

use super::{PipelineId, StageId, text::required_text, timeline::text_enum};
use crate::{Error, domain::Timestamp};

/// Longest pipeline or stage name, in characters.
pub const STAGE_NAME_MAX: usize = 100;
/// Most stages one pipeline may have.
pub const STAGES_MAX: usize = 50;

text_enum!(
    /// What being in a stage means for a deal: still being worked on, won, or lost.
    StageMeaning, "meaning", "open, won, lost",
    { Open => "open", Won => "won", Lost => "lost" }
);

/// A percentage 0–100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Probability(u8);

impl Probability {
    pub fn parse(field: &'static str, value: i64) -> Result<Self, Error> {
        u8::try_from(value)
            .ok()
            .filter(|percent| *percent <= 100)
            .map(Self)
            .ok_or_else(|| Error::validation(field, "must be a whole number from 0 to 100"))
    }

    pub fn percent(self) -> i64 {
        i64::from(self.0)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Stage {
    pub id: StageId,
    pub pipeline_id: PipelineId,
    pub name: String,
    /// 0-based, without gaps.
    pub position: i64,
    pub probability: Probability,
    pub meaning: StageMeaning,
}

#[derive(Clone, Debug, Serialize)]
pub struct Pipeline {
    pub id: PipelineId,
    pub name: String,
    pub is_default: bool,
    /// In order of position.
    pub stages: Vec<Stage>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Pipeline {
    pub fn stage(&self, id: StageId) -> Option<&Stage> {
        self.stages.iter().find(|stage| stage.id == id)
    }

    /// Where a deal goes when no stage is named: the first stage.
    pub fn first_stage(&self) -> Option<&Stage> {
        self.stages.first()
    }
}

#[derive(Clone, Debug)]
pub struct NewStage {
    pub name: String,
    pub probability: Probability,
    pub meaning: StageMeaning,
}

impl NewStage {
    pub fn parse(name: &str, probability: i64, meaning: Option<&str>) -> Result<Self, Error> {
        Ok(Self {
            name: required_text("name", name, STAGE_NAME_MAX)?,
            probability: Probability::parse("probability", probability)?,
            meaning: meaning.map_or(Ok(StageMeaning::Open), StageMeaning::parse)?,
        })
    }

    /// The stages a pipeline gets when it is created without any.
    pub fn defaults() -> Vec<NewStage> {
        [
            ("New", 10, StageMeaning::Open),
            ("Qualified", 30, StageMeaning::Open),
            ("Proposal", 50, StageMeaning::Open),
            ("Negotiation", 70, StageMeaning::Open),
            ("Won", 100, StageMeaning::Won),
            ("Lost", 0, StageMeaning::Lost),
        ]
        .into_iter()
        .map(|(name, percent, meaning)| NewStage {
            name: name.to_owned(),
            probability: Probability(percent),
            meaning,
        })
        .collect()
    }
}

#[derive(Clone, Debug)]
pub struct NewPipeline {
    pub name: String,
    /// Empty: `NewStage::defaults()`.
    pub stages: Vec<NewStage>,
    pub is_default: bool,
}

/// A change to a pipeline: rename, or make it the default (the previous default stops
/// being one).
#[derive(Clone, Debug, Default)]
pub struct PipelinePatch {
    pub name: Option<String>,
    pub make_default: bool,
}

/// A change to a stage; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct StagePatch {
    pub name: Option<String>,
    pub probability: Option<Probability>,
    pub meaning: Option<StageMeaning>,
}

/// Checks a new order of a pipeline's stages: each current stage exactly once.
pub fn check_order(current: &[Stage], order: &[StageId]) -> Result<(), Error> {
    let complete = order.len() == current.len()
        && current.iter().all(|stage| order.contains(&stage.id))
        && order
            .iter()
            .enumerate()
            .all(|(index, id)| !order[..index].contains(id));
    if complete {
        Ok(())
    } else {
        Err(Error::validation(
            "stage_ids",
            "must list every stage of the pipeline exactly once",
        ))
    }
}
