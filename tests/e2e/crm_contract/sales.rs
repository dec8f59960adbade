//! Helpers for the pipeline, deal, lead and analytics contracts.

use crm_core::{
    Store,
    domain::{
        User,
        crm::{
            ConvertLead, Currency, Deal, DealFilter, DealPatch, Money, NewDeal, NewLead, Pipeline,
            StageId,
        },
    },
    service::{Deals, Pipelines},
};

pub fn rub(amount: &str) -> Money {
    Money::parse(amount, Currency::parse("RUB").unwrap()).unwrap()
}

pub fn deal(title: &str, amount: &str) -> NewDeal {
    NewDeal {
        title: title.into(),
        money: rub(amount),
        expected_close: None,
        pipeline_id: None,
        stage_id: None,
        probability: None,
        contact_id: None,
        company_id: None,
        source: None,
        responsible_id: None,
        custom: serde_json::json!({}),
    }
}

pub fn lead(name: &str) -> NewLead {
    NewLead {
        name: Some(name.into()),
        ..NewLead::default()
    }
}

pub fn conversion() -> ConvertLead {
    ConvertLead {
        contact_id: None,
        company_id: None,
        title: None,
        money: rub("1000"),
        expected_close: None,
        pipeline_id: None,
        stage_id: None,
    }
}

pub fn all_deals() -> DealFilter {
    DealFilter {
        limit: 200,
        ..DealFilter::default()
    }
}

pub fn to_stage(stage: StageId) -> DealPatch {
    DealPatch {
        stage_id: Some(stage),
        ..DealPatch::default()
    }
}

pub async fn default_pipeline(store: &Store, user: &User) -> Pipeline {
    Pipelines::new(store.clone())
        .list(user)
        .await
        .unwrap()
        .into_iter()
        .find(|pipeline| pipeline.is_default)
        .unwrap()
}

/// The stage of the default pipeline with this name.
pub async fn stage(store: &Store, user: &User, name: &str) -> StageId {
    default_pipeline(store, user)
        .await
        .stages
        .iter()
        .find(|stage| stage.name == name)
        .unwrap()
        .id
}

pub async fn reread(store: &Store, user: &User, deal: &Deal) -> Deal {
    Deals::new(store.clone()).get(user, deal.id).await.unwrap()
}
