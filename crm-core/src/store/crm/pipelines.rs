//! `pipelines` and `pipeline_stages`. Stage positions are kept 0-based and without gaps by
//! the functions that add, remove and reorder stages.

use crate::{
    Result,
    domain::{
        Timestamp,
        crm::{NewStage, Pipeline, PipelineId, Probability, Stage, StageId, StageMeaning},
    },
    store::{Conn, flag, rows::parse_id},
};

#[derive(sqlx::FromRow)]
struct PipelineRow {
    id: String,
    name: String,
    is_default: i64,
    created_at: i64,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct StageRow {
    id: String,
    pipeline_id: String,
    name: String,
    position: i64,
    probability: i64,
    meaning: String,
}

impl StageRow {
    fn into_stage(self) -> Result<Stage> {
        Ok(Stage {
            id: parse_id(&self.id)?,
            pipeline_id: parse_id(&self.pipeline_id)?,
            name: self.name,
            position: self.position,
            probability: Probability::parse("probability", self.probability)?,
            meaning: StageMeaning::parse(&self.meaning)?,
        })
    }
}

async fn stages_of(conn: &mut Conn, ids: &[String]) -> Result<Vec<Stage>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = super::sql::Sql::new(
        "select id, pipeline_id, name, position, probability, meaning from pipeline_stages \
         where pipeline_id in (",
    );
    sql.list(ids).push(") order by pipeline_id, position");
    sql.fetch_all::<StageRow>(conn)
        .await?
        .into_iter()
        .map(StageRow::into_stage)
        .collect()
}

async fn with_stages(conn: &mut Conn, rows: Vec<PipelineRow>) -> Result<Vec<Pipeline>> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let stages = stages_of(conn, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let id: PipelineId = parse_id(&row.id)?;
            Ok(Pipeline {
                id,
                name: row.name,
                is_default: row.is_default != 0,
                stages: stages
                    .iter()
                    .filter(|stage| stage.pipeline_id == id)
                    .cloned()
                    .collect(),
                created_at: Timestamp::from_millis(row.created_at),
                updated_at: Timestamp::from_millis(row.updated_at),
            })
        })
        .collect()
}

/// Every pipeline with its stages, the default first, then in the order they were made.
pub(crate) async fn all(conn: &mut Conn) -> Result<Vec<Pipeline>> {
    let rows = sqlx::query_as::<_, PipelineRow>(
        "select id, name, is_default, created_at, updated_at from pipelines \
         order by is_default desc, position, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    with_stages(conn, rows).await
}

pub(crate) async fn get(conn: &mut Conn, id: PipelineId) -> Result<Option<Pipeline>> {
    let rows = sqlx::query_as::<_, PipelineRow>(
        "select id, name, is_default, created_at, updated_at from pipelines where id = $1",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    Ok(with_stages(conn, rows).await?.into_iter().next())
}

/// The default pipeline; the migration creates one and nothing removes the flag without
/// giving it to another.
pub(crate) async fn default(conn: &mut Conn) -> Result<Option<Pipeline>> {
    let rows = sqlx::query_as::<_, PipelineRow>(
        "select id, name, is_default, created_at, updated_at from pipelines where is_default = 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(with_stages(conn, rows).await?.into_iter().next())
}

/// The pipeline holding a stage.
pub(crate) async fn of_stage(conn: &mut Conn, stage: StageId) -> Result<Option<Pipeline>> {
    let pipeline: Option<String> =
        sqlx::query_scalar("select pipeline_id from pipeline_stages where id = $1")
            .bind(stage.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    match pipeline {
        Some(id) => get(conn, parse_id(&id)?).await,
        None => Ok(None),
    }
}

pub(crate) async fn insert(
    conn: &mut Conn,
    id: PipelineId,
    name: &str,
    stages: &[NewStage],
    now: Timestamp,
) -> Result<()> {
    let position: i64 =
        sqlx::query_scalar("select cast(coalesce(max(position), -1) + 1 as bigint) from pipelines")
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query(
        "insert into pipelines (id, name, is_default, position, created_at, updated_at) \
         values ($1, $2, 0, $3, $4, $4)",
    )
    .bind(id.to_string())
    .bind(name)
    .bind(position)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    for (index, stage) in stages.iter().enumerate() {
        insert_stage(conn, StageId::new(), id, stage, index as i64, now).await?;
    }
    Ok(())
}

pub(crate) async fn rename(
    conn: &mut Conn,
    id: PipelineId,
    name: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("update pipelines set name = $2, updated_at = $3 where id = $1")
        .bind(id.to_string())
        .bind(name)
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes `id` the default, taking the flag from the previous one first (the unique index
/// admits one default at a time).
pub(crate) async fn make_default(conn: &mut Conn, id: PipelineId, now: Timestamp) -> Result<()> {
    sqlx::query(
        "update pipelines set is_default = 0, updated_at = $2 where is_default = 1 and id <> $1",
    )
    .bind(id.to_string())
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    sqlx::query("update pipelines set is_default = $2, updated_at = $3 where id = $1")
        .bind(id.to_string())
        .bind(flag(true))
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn delete(conn: &mut Conn, id: PipelineId) -> Result<()> {
    sqlx::query("delete from pipelines where id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn insert_stage(
    conn: &mut Conn,
    id: StageId,
    pipeline: PipelineId,
    stage: &NewStage,
    position: i64,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "insert into pipeline_stages (id, pipeline_id, name, position, probability, meaning, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(id.to_string())
    .bind(pipeline.to_string())
    .bind(stage.name.as_str())
    .bind(position)
    .bind(stage.probability.percent())
    .bind(stage.meaning.as_str())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes a stage's name, probability, meaning and position.
pub(crate) async fn update_stage(conn: &mut Conn, stage: &Stage, now: Timestamp) -> Result<()> {
    sqlx::query(
        "update pipeline_stages set name = $2, probability = $3, meaning = $4, position = $5, \
         updated_at = $6 where id = $1",
    )
    .bind(stage.id.to_string())
    .bind(stage.name.as_str())
    .bind(stage.probability.percent())
    .bind(stage.meaning.as_str())
    .bind(stage.position)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn delete_stage(conn: &mut Conn, id: StageId) -> Result<()> {
    sqlx::query("delete from pipeline_stages where id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Deals of any state in a pipeline (deleted ones still reference its stages).
pub(crate) async fn deals_in_pipeline(conn: &mut Conn, id: PipelineId) -> Result<i64> {
    Ok(
        sqlx::query_scalar("select count(*) from deals where pipeline_id = $1")
            .bind(id.to_string())
            .fetch_one(conn)
            .await?,
    )
}
