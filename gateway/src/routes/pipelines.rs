//! Pipelines and their stages: everyone signed in reads them, admins change them.

use axum::{
    Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::{get, patch, post},
};
use crm_core::{
    domain::crm::{
        NewPipeline, NewStage, Pipeline, PipelineId, PipelinePatch, Probability, STAGE_NAME_MAX,
        StageId, StageMeaning, StagePatch,
        text::{nested, required_text},
    },
    service::Pipelines,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::contacts::wire::{parse_opt, path_id};
use crate::{
    error::{ApiError, Result},
    http::{auth::AuthUser, json::ApiJson},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/pipelines", get(list).post(create))
        .route(
            "/api/v1/pipelines/{id}",
            get(show).patch(update).delete(remove),
        )
        .route("/api/v1/pipelines/{id}/stages", post(add_stage))
        .route("/api/v1/pipelines/{id}/stages/order", post(reorder))
        .route(
            "/api/v1/pipelines/{id}/stages/{stage_id}",
            patch(update_stage).delete(remove_stage),
        )
}

fn pipelines(state: &AppState) -> Pipelines {
    Pipelines::new(state.store.clone())
}

#[derive(Deserialize)]
pub struct StageRequest {
    name: String,
    probability: i64,
    /// `open` (default), `won` or `lost`.
    meaning: Option<String>,
    /// 0-based; the end when omitted.
    position: Option<i64>,
}

impl TryFrom<&StageRequest> for NewStage {
    type Error = ApiError;

    fn try_from(request: &StageRequest) -> Result<Self> {
        Ok(NewStage::parse(
            &request.name,
            request.probability,
            request.meaning.as_deref(),
        )?)
    }
}

#[derive(Deserialize)]
pub struct CreatePipelineRequest {
    name: String,
    #[serde(default)]
    stages: Vec<StageRequest>,
    #[serde(default)]
    is_default: bool,
}

impl TryFrom<CreatePipelineRequest> for NewPipeline {
    type Error = ApiError;

    fn try_from(request: CreatePipelineRequest) -> Result<Self> {
        let stages = request
            .stages
            .iter()
            .enumerate()
            .map(|(index, stage)| {
                NewStage::parse(&stage.name, stage.probability, stage.meaning.as_deref())
                    .map_err(nested("stages", index))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NewPipeline {
            name: required_text("name", &request.name, STAGE_NAME_MAX)?,
            stages,
            is_default: request.is_default,
        })
    }
}

#[derive(Deserialize)]
pub struct UpdatePipelineRequest {
    name: Option<String>,
    /// `true` makes this pipeline the default.
    #[serde(default)]
    is_default: bool,
}

#[derive(Deserialize)]
pub struct UpdateStageRequest {
    name: Option<String>,
    probability: Option<i64>,
    meaning: Option<String>,
}

impl TryFrom<UpdateStageRequest> for StagePatch {
    type Error = ApiError;

    fn try_from(request: UpdateStageRequest) -> Result<Self> {
        Ok(StagePatch {
            name: request
                .name
                .map(|name| required_text("name", &name, STAGE_NAME_MAX))
                .transpose()?,
            probability: request
                .probability
                .map(|value| Probability::parse("probability", value))
                .transpose()?,
            meaning: request
                .meaning
                .map(|raw| StageMeaning::parse(raw.trim()))
                .transpose()?,
        })
    }
}

#[derive(Deserialize)]
pub struct ReorderRequest {
    stage_ids: Vec<String>,
}

#[derive(Deserialize)]
pub struct RemoveStageQuery {
    move_to: Option<String>,
}

/// # GET /api/v1/pipelines
///
/// Every pipeline with its stages (`{id, name, position, probability, meaning}` in order),
/// the default first.
async fn list(State(state): State<AppState>, caller: AuthUser) -> Result<ApiJson<Vec<Pipeline>>> {
    Ok(ApiJson(pipelines(&state).list(&caller.user).await?))
}

/// # POST /api/v1/pipelines
///
/// `{name, stages: [{name, probability, meaning}], is_default}` (admins); without stages
/// the pipeline gets New, Qualified, Proposal, Negotiation, Won and Lost. 201.
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(request): ApiJson<CreatePipelineRequest>,
) -> Result<(StatusCode, ApiJson<Pipeline>)> {
    let pipeline = pipelines(&state)
        .create(&caller.user, request.try_into()?)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(pipeline)))
}

/// # GET /api/v1/pipelines/{id}
async fn show(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<ApiJson<Pipeline>> {
    let id = path_id::<PipelineId>(&id, "pipeline")?;
    Ok(ApiJson(pipelines(&state).get(&caller.user, id).await?))
}

/// # PATCH /api/v1/pipelines/{id}
///
/// `{name}` renames; `{is_default: true}` makes it the default (admins).
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<UpdatePipelineRequest>,
) -> Result<ApiJson<Pipeline>> {
    let id = path_id::<PipelineId>(&id, "pipeline")?;
    let patch = PipelinePatch {
        name: request
            .name
            .map(|name| required_text("name", &name, STAGE_NAME_MAX))
            .transpose()?,
        make_default: request.is_default,
    };
    Ok(ApiJson(
        pipelines(&state).update(&caller.user, id, patch).await?,
    ))
}

/// # DELETE /api/v1/pipelines/{id}
///
/// 204; 409 `default_pipeline` for the default, `pipeline_not_empty` when it holds deals.
async fn remove(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let id = path_id::<PipelineId>(&id, "pipeline")?;
    pipelines(&state).delete(&caller.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// # POST /api/v1/pipelines/{id}/stages
///
/// `{name, probability, meaning, position}`; 201 with the pipeline.
async fn add_stage(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<StageRequest>,
) -> Result<(StatusCode, ApiJson<Pipeline>)> {
    let id = path_id::<PipelineId>(&id, "pipeline")?;
    let stage = NewStage::try_from(&request)?;
    let pipeline = pipelines(&state)
        .add_stage(&caller.user, id, stage, request.position)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(pipeline)))
}

/// # PATCH /api/v1/pipelines/{id}/stages/{stage_id}
///
/// `{name, probability, meaning}`; deals that follow the stage's probability follow the
/// new one.
async fn update_stage(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((id, stage)): Path<(String, String)>,
    ApiJson(request): ApiJson<UpdateStageRequest>,
) -> Result<ApiJson<Pipeline>> {
    let id = path_id::<PipelineId>(&id, "pipeline")?;
    let stage = path_id::<StageId>(&stage, "stage")?;
    let patch = request.try_into()?;
    Ok(ApiJson(
        pipelines(&state)
            .update_stage(&caller.user, id, stage, patch)
            .await?,
    ))
}

/// # POST /api/v1/pipelines/{id}/stages/order
///
/// `{stage_ids: […]}`: every stage of the pipeline once, in the new order.
async fn reorder(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReorderRequest>,
) -> Result<ApiJson<Pipeline>> {
    let id = path_id::<PipelineId>(&id, "pipeline")?;
    let order = request
        .stage_ids
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            raw.trim().parse::<StageId>().map_err(|_| {
                ApiError::invalid_field(format!("stage_ids[{index}]"), "not a valid stage id")
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ApiJson(
        pipelines(&state).reorder(&caller.user, id, order).await?,
    ))
}

/// # DELETE /api/v1/pipelines/{id}/stages/{stage_id}?move_to=…
///
/// Removes the stage. Deals still in it move to `move_to` (another stage of the pipeline),
/// each move in the deal's stage history and timeline; without `move_to` a stage that holds
/// deals is a 409 `stage_not_empty` saying how many. 200 `{moved}`.
async fn remove_stage(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((id, stage)): Path<(String, String)>,
    Query(query): Query<RemoveStageQuery>,
) -> Result<ApiJson<Value>> {
    let id = path_id::<PipelineId>(&id, "pipeline")?;
    let stage = path_id::<StageId>(&stage, "stage")?;
    let move_to =
        parse_opt::<StageId>("move_to", query.move_to.as_deref(), "not a valid stage id")?;
    let moved = pipelines(&state)
        .remove_stage(&caller.user, id, stage, move_to)
        .await?;
    Ok(ApiJson(json!({"moved": moved})))
}
