//! `deal_stage_history`: every stage a deal entered, with who moved it and when. Stage
//! names are copied so that history reads the same after a stage is renamed or removed.

use crate::{
    Result,
    domain::{
        Timestamp,
        crm::{DealId, StageChange},
    },
    store::{
        Conn,
        rows::{parse_id, parse_opt_id},
    },
};

pub(crate) async fn insert(conn: &mut Conn, change: &StageChange) -> Result<()> {
    sqlx::query(
        "insert into deal_stage_history (id, deal_id, from_stage_id, to_stage_id, \
         from_stage_name, to_stage_name, changed_by, changed_at, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)",
    )
    .bind(change.id.to_string())
    .bind(change.deal_id.to_string())
    .bind(change.from_stage_id.map(|id| id.to_string()))
    .bind(change.to_stage_id.map(|id| id.to_string()))
    .bind(change.from_stage.as_deref())
    .bind(change.to_stage.as_str())
    .bind(change.changed_by.map(|id| id.to_string()))
    .bind(change.changed_at.millis())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    id: String,
    deal_id: String,
    from_stage_id: Option<String>,
    to_stage_id: Option<String>,
    from_stage_name: Option<String>,
    to_stage_name: String,
    changed_by: Option<String>,
    changed_at: i64,
}

/// A deal's history, oldest first. The caller checks that the deal is visible.
pub(crate) async fn of_deal(conn: &mut Conn, deal: DealId) -> Result<Vec<StageChange>> {
    let rows = sqlx::query_as::<_, ChangeRow>(
        "select id, deal_id, from_stage_id, to_stage_id, from_stage_name, to_stage_name, \
         changed_by, changed_at from deal_stage_history where deal_id = $1 \
         order by changed_at, id",
    )
    .bind(deal.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(StageChange {
                id: parse_id(&row.id)?,
                deal_id: parse_id(&row.deal_id)?,
                from_stage_id: parse_opt_id(row.from_stage_id.as_deref())?,
                from_stage: row.from_stage_name,
                to_stage_id: parse_opt_id(row.to_stage_id.as_deref())?,
                to_stage: row.to_stage_name,
                changed_by: parse_opt_id(row.changed_by.as_deref())?,
                changed_at: Timestamp::from_millis(row.changed_at),
            })
        })
        .collect()
}
