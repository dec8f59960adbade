//! The funnel and the forecast read totals kept beside the deals; after every kind of deal
//! write they must equal a recount of the deals each caller sees, and a rebuild from the
//! deals must change nothing.

use std::collections::BTreeMap;

use crm_core::domain::crm::{
    BulkDealUpdate, CalendarDate, ConvertLead, Currency, Deal, DealPatch, MergeContacts, Money,
    NewDeal, NewPipeline, NewStage, Pipeline, Probability, StagePatch,
    analytics::{GroupBy, Grouping, ReportQuery},
    decimal_text, month_text, weighted_text,
};
use crm_core::service::{Analytics, Deals, Leads, Pipelines};

use super::{
    sales::{all_deals, conversion, deal, default_pipeline, lead, stage},
    *,
};

super::crm_suite!(the_funnel_and_forecast_equal_a_recount_after_every_kind_of_deal_write);

fn on(date: &str) -> Option<CalendarDate> {
    Some(CalendarDate::parse("d", date).unwrap())
}

fn money(amount: &str, code: &str) -> Money {
    Money::parse(amount, Currency::parse(code).unwrap()).unwrap()
}

fn group_of(deal: &Deal, group_by: Option<GroupBy>) -> Grouping {
    match group_by {
        None => Grouping::Whole,
        Some(GroupBy::Responsible) => Grouping::Value(deal.responsible_id.map(|id| id.to_string())),
        Some(GroupBy::Source) => Grouping::Value(deal.source.clone()),
    }
}

/// Minor units per currency code.
type Sums = BTreeMap<&'static str, (Currency, i128)>;
/// (group, month, currency code).
type ForecastKey = (Grouping, String, &'static str);

/// Non-empty funnel cells recounted from deals: (group, stage) → (count, amounts).
fn recount_funnel(
    deals: &[Deal],
    pipeline: &Pipeline,
    group_by: Option<GroupBy>,
) -> BTreeMap<(Grouping, String), (i64, serde_json::Value)> {
    let mut cells: BTreeMap<(Grouping, String), (i64, Sums)> = BTreeMap::new();
    for deal in deals.iter().filter(|d| d.pipeline_id == pipeline.id) {
        let cell = cells
            .entry((group_of(deal, group_by), deal.stage_id.to_string()))
            .or_default();
        cell.0 += 1;
        let currency = deal.money.currency;
        cell.1.entry(currency.code()).or_insert((currency, 0)).1 += i128::from(deal.money.minor);
    }
    cells
        .into_iter()
        .map(|(key, (count, sums))| {
            let amounts: BTreeMap<_, _> = sums
                .into_iter()
                .map(|(code, (c, minor))| (code, decimal_text(minor, c.exponent())))
                .collect();
            (key, (count, json!(amounts)))
        })
        .collect()
}

/// Forecast rows recounted from deals, in the report's order.
fn recount_forecast(
    deals: &[Deal],
    pipeline: &Pipeline,
    query: &ReportQuery,
) -> Vec<(Grouping, String, &'static str, i64, String, String)> {
    let mut cells: BTreeMap<ForecastKey, (Currency, i64, i128, i128)> = BTreeMap::new();
    for deal in deals.iter().filter(|d| d.pipeline_id == pipeline.id) {
        let Some(close) = deal.expected_close else {
            continue;
        };
        if query.from.is_some_and(|from| close < from) || query.to.is_some_and(|to| close >= to) {
            continue;
        }
        let currency = deal.money.currency;
        let month = month_text(close.number() / 100);
        let key = (group_of(deal, query.group_by), month, currency.code());
        let cell = cells.entry(key).or_insert((currency, 0, 0, 0));
        let minor = i128::from(deal.money.minor);
        cell.1 += 1;
        cell.2 += minor;
        cell.3 += minor * i128::from(deal.probability.percent());
    }
    cells
        .into_iter()
        .map(|((group, month, code), (currency, n, total, weighted))| {
            let amount = decimal_text(total, currency.exponent());
            (
                group,
                month,
                code,
                n,
                amount,
                weighted_text(weighted, currency),
            )
        })
        .collect()
}

/// Checks every report variant of `user` against a recount of the deals they see, and
/// returns the reports as JSON for a later comparison.
async fn check_against_recount(
    store: &Store,
    user: &User,
    pipeline: &Pipeline,
) -> serde_json::Value {
    let analytics = Analytics::new(store.clone());
    let seen = Deals::new(store.clone())
        .list(user, all_deals())
        .await
        .unwrap();
    assert!(seen.next_cursor.is_none(), "the recount needs every deal");
    let mut reports = Vec::new();
    for group_by in [None, Some(GroupBy::Responsible), Some(GroupBy::Source)] {
        let query = ReportQuery {
            group_by,
            ..ReportQuery::default()
        };
        let funnel = analytics.funnel(user, query).await.unwrap();
        let mut expected = recount_funnel(&seen.items, pipeline, group_by);
        for row in &funnel {
            let key = (row.group.clone(), row.stage_id.to_string());
            match expected.remove(&key) {
                Some(cell) => assert_eq!((row.count, json!(row.amounts)), cell, "{key:?}"),
                None => assert_eq!((row.count, json!(row.amounts)), (0, json!({})), "{key:?}"),
            }
        }
        assert!(
            expected.is_empty(),
            "cells missing from the funnel: {expected:?}"
        );
        reports.push(json!(funnel));
        // Whole months come from the totals, a bound inside a month from the deals.
        for (from, to) in [
            (None, None),
            (on("2026-12-01"), on("2027-03-01")),
            (on("2026-12-10"), None),
        ] {
            let query = ReportQuery {
                from,
                to,
                group_by,
                ..ReportQuery::default()
            };
            let forecast = analytics.forecast(user, query.clone()).await.unwrap();
            let rows: Vec<_> = forecast
                .iter()
                .map(|r| {
                    let (month, amount) = (r.month.clone(), r.amount.clone());
                    (
                        r.group.clone(),
                        month,
                        r.currency,
                        r.count,
                        amount,
                        r.weighted.clone(),
                    )
                })
                .collect();
            assert_eq!(rows, recount_forecast(&seen.items, pipeline, &query));
            reports.push(json!(forecast));
        }
    }
    json!(reports)
}

async fn the_funnel_and_forecast_equal_a_recount_after_every_kind_of_deal_write(store: Store) {
    // Arrange: deals of two operators in two departments, several currencies and sources.
    let org = org(&store).await;
    let deals = Deals::new(store.clone());
    let pipelines = Pipelines::new(store.clone());
    let contacts = Contacts::new(store.clone());
    let (seller, agent) = (&org.seller, &org.agent);
    let keep = contacts
        .create(Some(seller), person("Keep", "Me"))
        .await
        .unwrap();
    let gone = contacts
        .create(Some(seller), person("Merge", "Me"))
        .await
        .unwrap();
    let proposal = stage(&store, &org.admin, "Proposal").await;
    let qualified = stage(&store, &org.admin, "Qualified").await;
    let negotiation = stage(&store, &org.admin, "Negotiation").await;
    let won = stage(&store, &org.admin, "Won").await;
    let create = |owner: &User, new: NewDeal| {
        let (deals, owner) = (deals.clone(), owner.clone());
        async move { deals.create(Some(&owner), new).await.unwrap() }
    };
    let none = DealPatch::default;
    let d1 = NewDeal {
        source: Some("web".into()),
        expected_close: on("2026-12-05"),
        contact_id: Some(gone.id),
        ..deal("d1", "100.10")
    };
    let d1 = create(seller, d1).await;
    let d2 = NewDeal {
        stage_id: Some(proposal),
        probability: Some(Probability::parse("p", 33).unwrap()),
        expected_close: on("2026-12-31"),
        ..deal("d2", "0.20")
    };
    let d2 = create(seller, d2).await;
    let d3 = NewDeal {
        money: money("5", "USD"),
        source: Some("phone".into()),
        expected_close: on("2027-01-10"),
        ..deal("d3", "0")
    };
    let d3 = create(agent, d3).await;
    let d4 = NewDeal {
        money: money("7.5", "EUR"),
        source: Some("web".into()),
        ..deal("d4", "0")
    };
    let d4 = create(agent, d4).await;
    let d5 = NewDeal {
        stage_id: Some(qualified),
        source: Some("referral".into()),
        expected_close: on("2027-02-01"),
        ..deal("d5", "1000")
    };
    let d5 = create(seller, d5).await;
    let d6 = NewDeal {
        expected_close: on("2027-01-15"),
        ..deal("d6", "42")
    };
    let d6 = create(seller, d6).await;
    let d7 = NewDeal {
        stage_id: Some(negotiation),
        expected_close: on("2026-12-20"),
        ..deal("d7", "3.33")
    };
    let d7 = create(agent, d7).await;
    let pipeline = default_pipeline(&store, &org.admin).await;
    for user in [&org.admin, &org.supervisor, seller, agent, &org.viewer] {
        check_against_recount(&store, user, &pipeline).await;
    }
    let service = pipelines
        .create(
            &org.admin,
            NewPipeline {
                name: "Service".into(),
                stages: vec![NewStage::parse("Request", 20, None).unwrap()],
                is_default: false,
            },
        )
        .await
        .unwrap();

    // Act: stage moves, amount, currency, probability, close date, responsible and source
    // changes, a bulk update, a move to another pipeline, a delete, a merge, a conversion,
    // a stage's new probability and a stage removed with its deals moved.
    for (id, change) in [
        (
            d1.id,
            DealPatch {
                stage_id: Some(proposal),
                ..none()
            },
        ),
        (
            d1.id,
            DealPatch {
                stage_id: Some(won),
                ..none()
            },
        ),
        (
            d2.id,
            DealPatch {
                amount: Some("12.34".into()),
                currency: Some(Currency::parse("USD").unwrap()),
                ..none()
            },
        ),
        (
            d2.id,
            DealPatch {
                probability: Some(None),
                ..none()
            },
        ),
        (
            d5.id,
            DealPatch {
                probability: Some(Some(Probability::parse("p", 90).unwrap())),
                ..none()
            },
        ),
        (
            d3.id,
            DealPatch {
                expected_close: Some(on("2027-03-15")),
                source: Some(None),
                ..none()
            },
        ),
        (
            d4.id,
            DealPatch {
                expected_close: Some(on("2026-12-20")),
                ..none()
            },
        ),
        (
            d7.id,
            DealPatch {
                expected_close: Some(None),
                ..none()
            },
        ),
        (
            d5.id,
            DealPatch {
                responsible_id: Some(agent.id),
                ..none()
            },
        ),
        (
            d6.id,
            DealPatch {
                title: Some("only the title".into()),
                ..none()
            },
        ),
    ] {
        deals.update(&org.admin, id, change).await.unwrap();
    }
    let bulk = BulkDealUpdate {
        ids: vec![d3.id, d4.id],
        stage_id: Some(negotiation),
        responsible_id: Some(seller.id),
    };
    deals.bulk_update(&org.admin, bulk).await.unwrap();
    let elsewhere = DealPatch {
        pipeline_id: Some(service.id),
        ..DealPatch::default()
    };
    deals.update(&org.admin, d7.id, elsewhere).await.unwrap();
    deals.delete(&org.admin, d6.id, &client()).await.unwrap();
    let merge = MergeContacts::parse(keep.id, vec![gone.id], vec![]).unwrap();
    contacts.merge(seller, merge, &client()).await.unwrap();
    let leads = Leads::new(store.clone());
    let converted = leads
        .create(Some(seller), lead("from a lead"))
        .await
        .unwrap();
    let how = ConvertLead {
        expected_close: on("2027-01-31"),
        ..conversion()
    };
    leads.convert(seller, converted.id, how).await.unwrap();
    let percent = StagePatch {
        probability: Some(Probability::parse("p", 45).unwrap()),
        ..StagePatch::default()
    };
    pipelines
        .update_stage(&org.admin, pipeline.id, negotiation, percent)
        .await
        .unwrap();
    pipelines
        .remove_stage(&org.admin, pipeline.id, proposal, Some(qualified))
        .await
        .unwrap();

    // Assert: every caller's reports equal the recount, on known numbers too, and a rebuild
    // from the deals gives the same reports.
    let pipeline = default_pipeline(&store, &org.admin).await;
    let mut before = Vec::new();
    for user in [&org.admin, &org.supervisor, seller, agent, &org.viewer] {
        before.push(check_against_recount(&store, user, &pipeline).await);
    }
    let analytics = Analytics::new(store.clone());
    let funnel = analytics
        .funnel(&org.admin, ReportQuery::default())
        .await
        .unwrap();
    let counts: Vec<_> = funnel
        .iter()
        .map(|row| (row.stage.as_str(), row.count))
        .collect();
    assert_eq!(
        counts,
        [
            ("New", 1),
            ("Qualified", 2),
            ("Negotiation", 2),
            ("Won", 1),
            ("Lost", 0)
        ]
    );
    let december = analytics
        .forecast(
            &org.admin,
            ReportQuery {
                from: on("2026-12-01"),
                to: on("2027-01-01"),
                ..ReportQuery::default()
            },
        )
        .await
        .unwrap();
    let summary: Vec<_> = december
        .iter()
        .map(|r| (r.currency, r.count, r.amount.as_str(), r.weighted.as_str()))
        .collect();
    // d4 is EUR 7.50 in Negotiation (now 45 %), d1 won (100 %), d2 USD 12.34 moved with
    // Proposal's removal to Qualified (30 %).
    assert_eq!(
        summary,
        [
            ("EUR", 1, "7.50", "3.3750"),
            ("RUB", 1, "100.10", "100.10"),
            ("USD", 1, "12.34", "3.7020")
        ]
    );
    contacts.rebuild_counts(Some(&org.admin)).await.unwrap();
    let mut after = Vec::new();
    for user in [&org.admin, &org.supervisor, seller, agent, &org.viewer] {
        after.push(check_against_recount(&store, user, &pipeline).await);
    }
    assert_eq!(before, after);
}
