//! Pipelines and stages: the default one, editing, and removing a stage that holds deals.

use crm_core::{
    domain::crm::{NewPipeline, NewStage, PipelinePatch, Probability, StageMeaning, StagePatch},
    service::{Deals, Pipelines},
};

use super::{
    sales::{all_deals, deal, default_pipeline, reread, stage},
    *,
};

super::crm_suite!(
    a_fresh_installation_has_one_default_pipeline_with_ordered_stages,
    admins_add_rename_reorder_and_reprice_stages_and_deals_follow,
    removing_a_stage_that_holds_deals_needs_move_to_and_records_each_move,
);

async fn a_fresh_installation_has_one_default_pipeline_with_ordered_stages(store: Store) {
    let org = org(&store).await;
    let pipelines = Pipelines::new(store.clone())
        .list(&org.seller)
        .await
        .unwrap();
    assert_eq!(pipelines.len(), 1);
    let default = &pipelines[0];
    assert!(default.is_default);
    let names: Vec<&str> = default.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["New", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
    );
    let positions: Vec<i64> = default.stages.iter().map(|s| s.position).collect();
    assert_eq!(positions, [0, 1, 2, 3, 4, 5]);
    assert_eq!(default.stages[4].meaning, StageMeaning::Won);
    assert_eq!(default.stages[5].probability.percent(), 0);
}

async fn admins_add_rename_reorder_and_reprice_stages_and_deals_follow(store: Store) {
    let org = org(&store).await;
    let pipelines = Pipelines::new(store.clone());
    // Arrange: a second pipeline with two stages, and a deal in its first stage.
    let stage = |name: &str, percent| NewStage::parse(name, percent, None).unwrap();
    let service = pipelines
        .create(
            &org.admin,
            NewPipeline {
                name: "Service".into(),
                stages: vec![stage("Request", 20), stage("Done", 100)],
                is_default: false,
            },
        )
        .await
        .unwrap();
    let first = service.stages[0].id;
    let deals = Deals::new(store.clone());
    let mut new = deal("Maintenance", "500");
    new.pipeline_id = Some(service.id);
    let created = deals.create(Some(&org.seller), new).await.unwrap();
    assert_eq!(
        (created.stage_id, created.probability.percent()),
        (first, 20)
    );
    // Act: add a stage in the middle, rename, reprice, reorder.
    let added = pipelines
        .add_stage(&org.admin, service.id, stage("Quote", 60), Some(1))
        .await
        .unwrap();
    let names: Vec<&str> = added.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Request", "Quote", "Done"]);
    pipelines
        .update_stage(
            &org.admin,
            service.id,
            first,
            StagePatch {
                name: Some("Incoming".into()),
                probability: Some(Probability::parse("probability", 35).unwrap()),
                meaning: None,
            },
        )
        .await
        .unwrap();
    let reversed: Vec<_> = added.stages.iter().rev().map(|s| s.id).collect();
    let reordered = pipelines
        .reorder(&org.admin, service.id, reversed.clone())
        .await
        .unwrap();
    pipelines
        .update(
            &org.admin,
            service.id,
            PipelinePatch {
                name: Some("Service desk".into()),
                make_default: true,
            },
        )
        .await
        .unwrap();
    // Assert
    let ids: Vec<_> = reordered.stages.iter().map(|s| s.id).collect();
    assert_eq!(ids, reversed);
    assert_eq!(reordered.stages[2].name, "Incoming");
    let now_default = default_pipeline(&store, &org.seller).await;
    assert_eq!(
        (now_default.id, now_default.name.as_str()),
        (service.id, "Service desk")
    );
    assert_eq!(
        Pipelines::new(store.clone())
            .list(&org.admin)
            .await
            .unwrap()
            .iter()
            .filter(|p| p.is_default)
            .count(),
        1
    );
    assert_eq!(
        reread(&store, &org.seller, &created)
            .await
            .probability
            .percent(),
        35
    );
    // Only admins change pipelines; a reorder must name every stage once.
    let refused = pipelines
        .add_stage(&org.supervisor, service.id, stage("X", 1), None)
        .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))));
    let partial = pipelines.reorder(&org.admin, service.id, vec![first]).await;
    assert!(matches!(partial, Err(Error::Validation { ref field, .. }) if field == "stage_ids"));
}

async fn removing_a_stage_that_holds_deals_needs_move_to_and_records_each_move(store: Store) {
    let org = org(&store).await;
    let pipelines = Pipelines::new(store.clone());
    let deals = Deals::new(store.clone());
    let pipeline = default_pipeline(&store, &org.admin).await;
    let qualified = stage(&store, &org.admin, "Qualified").await;
    let proposal = stage(&store, &org.admin, "Proposal").await;
    let mut held = Vec::new();
    for (owner, title) in [(&org.seller, "One"), (&org.agent, "Two")] {
        let mut new = deal(title, "100");
        new.stage_id = Some(qualified);
        held.push(deals.create(Some(owner), new).await.unwrap());
    }
    // Act: without move_to
    let refused = pipelines
        .remove_stage(&org.admin, pipeline.id, qualified, None)
        .await;
    // Assert: refused, naming the count; nothing changed.
    match refused {
        Err(Error::Refused { code, message }) => {
            assert_eq!(code, "stage_not_empty");
            assert!(message.contains("2 deals"), "{message}");
        }
        other => panic!("expected stage_not_empty, got {other:?}"),
    }
    assert_eq!(default_pipeline(&store, &org.admin).await.stages.len(), 6);
    for deal in &held {
        assert_eq!(reread(&store, &org.admin, deal).await.stage_id, qualified);
    }
    // Act: with move_to
    let moved = pipelines
        .remove_stage(&org.admin, pipeline.id, qualified, Some(proposal))
        .await
        .unwrap();
    // Assert: each deal moved, with history and a timeline entry.
    assert_eq!(moved, 2);
    let after = default_pipeline(&store, &org.admin).await;
    let names: Vec<&str> = after.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["New", "Proposal", "Negotiation", "Won", "Lost"]);
    assert_eq!(
        after.stages.iter().map(|s| s.position).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    let timeline = Timeline::new(store.clone());
    for deal in &held {
        assert_eq!(reread(&store, &org.admin, deal).await.stage_id, proposal);
        let history = deals.history(&org.admin, deal.id).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(
            (
                history[1].from_stage.as_deref(),
                history[1].to_stage.as_str()
            ),
            (Some("Qualified"), "Proposal")
        );
        assert_eq!(history[1].changed_by, Some(org.admin.id));
        let entries = entries_of(&timeline, &org.admin, EntityRef::deal(deal.id)).await;
        assert_eq!(entries[0].kind, TimelineKind::StageChange);
    }
    assert_eq!(
        deals.list(&org.admin, all_deals()).await.unwrap().total,
        Some(2)
    );
}
