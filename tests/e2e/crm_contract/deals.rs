//! Deals: defaults, stage changes on the history and on every linked timeline, links that
//! must be visible, filters, sort and pages, and all-or-nothing bulk changes.

use crm_core::{
    domain::crm::{
        BulkDealUpdate, CalendarDate, DealFilter, DealPatch, DealSort, Probability, StageId,
    },
    service::{Deals, Pipelines},
};

use super::{
    sales::{all_deals, deal, default_pipeline, reread, rub, stage, to_stage},
    *,
};

super::crm_suite!(
    a_stage_change_lands_on_the_history_and_on_the_deal_contact_and_company_timelines,
    a_stage_of_another_pipeline_or_an_invisible_contact_is_invalid,
    deals_filter_sort_and_page_without_skipping_equal_keys,
    a_bulk_update_changes_every_deal_or_none,
);

async fn a_stage_change_lands_on_the_history_and_on_the_deal_contact_and_company_timelines(
    store: Store,
) {
    // Arrange
    let org = org(&store).await;
    let deals = Deals::new(store.clone());
    let contact = Contacts::new(store.clone())
        .create(Some(&org.seller), person("Анна", "Сделкина"))
        .await
        .unwrap();
    let firm = Companies::new(store.clone())
        .create(Some(&org.seller), company("Вектор"))
        .await
        .unwrap();
    let mut new = deal("Поставка", "1250.50");
    new.contact_id = Some(contact.id);
    new.company_id = Some(firm.id);
    new.expected_close = Some(CalendarDate::parse("expected_close", "2026-12-15").unwrap());
    let created = deals.create(Some(&org.seller), new).await.unwrap();
    let first = default_pipeline(&store, &org.seller).await.stages[0].clone();
    assert_eq!(created.stage_id, first.id);
    assert_eq!(created.probability, first.probability);
    assert!(!created.probability_overridden);
    assert_eq!(created.money.minor, 125_050);
    assert_eq!(created.responsible_id, Some(org.seller.id));
    assert_eq!(created.closed_on, None);
    // Act: into Won
    let won = stage(&store, &org.seller, "Won").await;
    let moved = deals
        .update(&org.seller, created.id, to_stage(won))
        .await
        .unwrap();
    // Assert
    assert_eq!((moved.stage_id, moved.probability.percent()), (won, 100));
    assert!(moved.closed_on.is_some());
    let history = deals.history(&org.seller, created.id).await.unwrap();
    let steps: Vec<(Option<&str>, &str)> = history
        .iter()
        .map(|h| (h.from_stage.as_deref(), h.to_stage.as_str()))
        .collect();
    assert_eq!(steps, [(None, "New"), (Some("New"), "Won")]);
    assert_eq!(history[1].changed_by, Some(org.seller.id));
    let timeline = Timeline::new(store.clone());
    let on_deal = entries_of(&timeline, &org.seller, EntityRef::deal(created.id)).await;
    let on_contact = entries_of(&timeline, &org.seller, EntityRef::contact(contact.id)).await;
    let on_company = entries_of(&timeline, &org.seller, EntityRef::company(firm.id)).await;
    assert_eq!(on_deal[0].kind, TimelineKind::StageChange);
    assert_eq!(on_deal[0].summary, "Поставка: New → Won");
    assert_eq!(on_contact[0].id, on_deal[0].id);
    assert_eq!(on_company[0].id, on_deal[0].id);
    // A probability override sticks across stages; clearing it follows the stage again.
    let overridden = deals
        .update(
            &org.seller,
            created.id,
            DealPatch {
                probability: Some(Some(Probability::parse("p", 42).unwrap())),
                amount: Some("99.9".into()),
                ..to_stage(first.id)
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            overridden.probability.percent(),
            overridden.closed_on,
            overridden.money.minor
        ),
        (42, None, 9_990)
    );
    let followed = deals
        .update(
            &org.seller,
            created.id,
            DealPatch {
                probability: Some(None),
                ..DealPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(followed.probability, first.probability);
    let entries = entries_of(&timeline, &org.seller, EntityRef::deal(created.id)).await;
    assert!(
        entries
            .iter()
            .any(|e| e.summary.contains("Amount: 1250.50 RUB → 99.90 RUB")),
        "{entries:?}"
    );
}

async fn a_stage_of_another_pipeline_or_an_invisible_contact_is_invalid(store: Store) {
    let org = org(&store).await;
    let deals = Deals::new(store.clone());
    let other = Pipelines::new(store.clone())
        .create(
            &org.admin,
            crm_core::domain::crm::NewPipeline {
                name: "Other".into(),
                stages: vec![],
                is_default: false,
            },
        )
        .await
        .unwrap();
    let invalid = |result: Result<_, Error>, name: &str| matches!(result, Err(Error::Validation { ref field, .. }) if field == name);
    let mut foreign = deal("Foreign stage", "1");
    foreign.pipeline_id = Some(default_pipeline(&store, &org.admin).await.id);
    foreign.stage_id = Some(other.stages[0].id);
    assert!(invalid(
        deals.create(Some(&org.seller), foreign).await,
        "stage_id"
    ));
    let mut unknown = deal("Unknown stage", "1");
    unknown.stage_id = Some(StageId::new());
    assert!(invalid(
        deals.create(Some(&org.seller), unknown).await,
        "stage_id"
    ));
    let hidden = Contacts::new(store.clone())
        .create(Some(&org.agent), person("Чужой", "Контакт"))
        .await
        .unwrap();
    let mut linked = deal("Hidden contact", "1");
    linked.contact_id = Some(hidden.id);
    assert!(invalid(
        deals.create(Some(&org.seller), linked).await,
        "contact_id"
    ));
    // A stage named alone may be of another pipeline: the deal goes there.
    let mut elsewhere = deal("Elsewhere", "1");
    elsewhere.stage_id = Some(other.stages[1].id);
    let placed = deals.create(Some(&org.seller), elsewhere).await.unwrap();
    assert_eq!(placed.pipeline_id, other.id);
    // But moving an existing deal to another pipeline's stage must name that pipeline.
    let current = deals
        .create(Some(&org.seller), deal("Current", "1"))
        .await
        .unwrap();
    assert!(invalid(
        deals
            .update(&org.seller, current.id, to_stage(other.stages[2].id))
            .await,
        "stage_id"
    ));
    assert_eq!(
        reread(&store, &org.seller, &current).await.stage_id,
        current.stage_id
    );
    let total = deals.list(&org.admin, all_deals()).await.unwrap().total;
    assert_eq!(total, Some(2));
}

async fn deals_filter_sort_and_page_without_skipping_equal_keys(store: Store) {
    let org = org(&store).await;
    let deals = Deals::new(store.clone());
    let won = stage(&store, &org.seller, "Won").await;
    let amounts = ["300", "100", "200", "100", "500", "100.01"];
    let mut created = Vec::new();
    for (n, amount) in amounts.iter().enumerate() {
        let mut new = deal(&format!("Заказ номер {n}"), amount);
        new.source = Some(if n % 2 == 0 { "web" } else { "phone" }.into());
        if n == 4 {
            new.stage_id = Some(won);
        }
        created.push(deals.create(Some(&org.seller), new).await.unwrap());
    }
    // Act: page through by amount, ascending, two at a time.
    let mut seen = Vec::new();
    let mut filter = DealFilter {
        sort: DealSort::parse("amount").unwrap(),
        limit: 2,
        ..DealFilter::default()
    };
    loop {
        let page = deals.list(&org.seller, filter.clone()).await.unwrap();
        seen.extend(page.items.iter().map(|d| d.money.amount_text()));
        match page.next_cursor {
            Some(cursor) => filter.after = Some(cursor.parse().unwrap()),
            None => break,
        }
    }
    // Assert
    assert_eq!(
        seen,
        ["100.00", "100.00", "100.01", "200.00", "300.00", "500.00"]
    );
    let query = |filter: DealFilter| {
        let deals = deals.clone();
        let user = org.seller.clone();
        async move {
            let page = deals.list(&user, filter).await.unwrap();
            (page.items.len(), page.total.unwrap())
        }
    };
    let range = DealFilter {
        amount_min: Some(rub("100.01")),
        amount_max: Some(rub("300")),
        ..all_deals()
    };
    assert_eq!(query(range).await, (3, 3));
    let text = DealFilter {
        q: Some("НОМЕР 3".into()),
        ..all_deals()
    };
    assert_eq!(query(text).await, (1, 1));
    let by_source = DealFilter {
        source: Some("web".into()),
        ..all_deals()
    };
    assert_eq!(query(by_source).await, (3, 3));
    let closed = DealFilter {
        status: Some(crm_core::domain::crm::StageMeaning::Won),
        ..all_deals()
    };
    assert_eq!(query(closed).await, (1, 1));
    let in_won = DealFilter {
        stage_id: Some(won),
        ..all_deals()
    };
    assert_eq!(query(in_won).await, (1, 1));
    let newest = deals.list(&org.seller, all_deals()).await.unwrap();
    assert_eq!(newest.items[0].id, created[5].id);
}

async fn a_bulk_update_changes_every_deal_or_none(store: Store) {
    let org = org(&store).await;
    let deals = Deals::new(store.clone());
    let mine: Vec<_> = [
        deals
            .create(Some(&org.seller), deal("A", "1"))
            .await
            .unwrap(),
        deals
            .create(Some(&org.seller), deal("B", "2"))
            .await
            .unwrap(),
    ]
    .into();
    let foreign = deals
        .create(Some(&org.agent), deal("C", "3"))
        .await
        .unwrap();
    let proposal = stage(&store, &org.seller, "Proposal").await;
    // Act: one deal the seller may not see.
    let failed = deals
        .bulk_update(
            &org.seller,
            BulkDealUpdate {
                ids: vec![mine[0].id, foreign.id, mine[1].id],
                stage_id: Some(proposal),
                responsible_id: None,
            },
        )
        .await;
    // Assert: it names the failed item and nothing moved.
    match failed {
        Err(Error::Batch { failures }) => assert_eq!(failures.len(), 1, "{failures:?}"),
        other => panic!("expected a batch failure, got {other:?}"),
    }
    for deal in &mine {
        assert_eq!(
            reread(&store, &org.seller, deal).await.stage_id,
            deal.stage_id
        );
        assert_eq!(deals.history(&org.seller, deal.id).await.unwrap().len(), 1);
    }
    // Act: only the seller's own, moved and handed to the supervisor.
    let done = deals
        .bulk_update(
            &org.seller,
            BulkDealUpdate {
                ids: vec![mine[0].id, mine[1].id],
                stage_id: Some(proposal),
                responsible_id: Some(org.supervisor.id),
            },
        )
        .await
        .unwrap();
    assert_eq!(done.len(), 2);
    for deal in &mine {
        let after = reread(&store, &org.admin, deal).await;
        assert_eq!(
            (after.stage_id, after.responsible_id),
            (proposal, Some(org.supervisor.id))
        );
        assert_eq!(deals.history(&org.admin, deal.id).await.unwrap().len(), 2);
        assert!(is_not_found(deals.get(&org.seller, deal.id).await));
    }
}
