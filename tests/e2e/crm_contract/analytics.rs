//! Analytics: funnel, forecast, conversion and won/lost, exact per currency, split by
//! responsible user or source, and only over what the caller may see.

use crm_core::{
    domain::crm::{
        CalendarDate, Currency, Money, NewDeal, Probability,
        analytics::{GroupBy, Grouping, ReportQuery},
    },
    service::{Analytics, Deals, Leads},
};
use serde_json::json;

use super::{
    sales::{conversion, deal, lead, stage},
    *,
};

super::crm_suite!(
    the_funnel_counts_and_sums_per_stage_within_the_callers_sight,
    the_forecast_weighs_amounts_by_probability_per_month_and_currency,
    conversion_and_won_lost_count_per_period_and_group,
);

fn on(date: &str) -> Option<CalendarDate> {
    Some(CalendarDate::parse("d", date).unwrap())
}

async fn the_funnel_counts_and_sums_per_stage_within_the_callers_sight(store: Store) {
    let org = org(&store).await;
    let deals = Deals::new(store.clone());
    let proposal = stage(&store, &org.admin, "Proposal").await;
    for (owner, amount, at_proposal) in [
        (&org.seller, "100.10", false),
        (&org.seller, "0.20", true),
        (&org.agent, "1000", true),
    ] {
        let mut new = deal("d", amount);
        new.stage_id = at_proposal.then_some(proposal);
        new.source = Some(if at_proposal { "web" } else { "phone" }.into());
        deals.create(Some(owner), new).await.unwrap();
    }
    let usd = Money::parse("5", Currency::parse("USD").unwrap()).unwrap();
    deals
        .create(
            Some(&org.seller),
            NewDeal {
                money: usd,
                ..deal("usd", "0")
            },
        )
        .await
        .unwrap();
    let analytics = Analytics::new(store.clone());
    // Act
    let admin = analytics
        .funnel(&org.admin, ReportQuery::default())
        .await
        .unwrap();
    let seller = analytics
        .funnel(&org.seller, ReportQuery::default())
        .await
        .unwrap();
    let viewer = analytics
        .funnel(&org.viewer, ReportQuery::default())
        .await
        .unwrap();
    // Assert: every stage in order; the admin sees all, the seller theirs.
    assert_eq!(admin.len(), 6);
    assert_eq!(admin[0].stage, "New");
    assert_eq!((admin[0].count, admin[2].count), (2, 2));
    assert_eq!(
        json!(admin[0].amounts),
        json!({"RUB": "100.10", "USD": "5.00"})
    );
    assert_eq!(json!(admin[2].amounts), json!({"RUB": "1000.20"}));
    assert_eq!((seller[0].count, seller[2].count), (2, 1));
    assert_eq!(json!(seller[2].amounts), json!({"RUB": "0.20"}));
    assert!(viewer.iter().all(|row| row.count == 0));
    let by_source = analytics
        .funnel(
            &org.admin,
            ReportQuery {
                group_by: Some(GroupBy::Source),
                ..ReportQuery::default()
            },
        )
        .await
        .unwrap();
    let web_proposal = by_source
        .iter()
        .find(|row| row.group == Grouping::Value(Some("web".into())) && row.stage_id == proposal)
        .unwrap();
    assert_eq!(web_proposal.count, 2);
}

async fn the_forecast_weighs_amounts_by_probability_per_month_and_currency(store: Store) {
    let org = org(&store).await;
    let deals = Deals::new(store.clone());
    let won = stage(&store, &org.admin, "Won").await;
    // New is 10%: 100.01 × 10% = 10.001; an override of 33% on 100 = 33; Won is 100%.
    let cases = [
        ("100.01", None, None, "2026-12-05"),
        ("100", Some(33), None, "2026-12-31"),
        ("50", None, Some(won), "2027-01-10"),
    ];
    for (amount, percent, stage_id, close) in cases {
        let mut new = deal("f", amount);
        new.probability = percent.map(|p| Probability::parse("p", p).unwrap());
        new.stage_id = stage_id;
        new.expected_close = on(close);
        deals.create(Some(&org.seller), new).await.unwrap();
    }
    deals
        .create(Some(&org.seller), deal("no date", "999"))
        .await
        .unwrap();
    let analytics = Analytics::new(store.clone());
    // Act
    let rows = analytics
        .forecast(&org.seller, ReportQuery::default())
        .await
        .unwrap();
    // Assert
    let summary: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.month.as_str(),
                r.currency,
                r.count,
                r.amount.as_str(),
                r.weighted.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("2026-12", "RUB", 2, "200.01", "43.0010"),
            ("2027-01", "RUB", 1, "50.00", "50.00")
        ]
    );
    let december = analytics
        .forecast(
            &org.seller,
            ReportQuery {
                from: on("2026-12-01"),
                to: on("2027-01-01"),
                ..ReportQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(december.len(), 1);
    let hidden = analytics
        .forecast(&org.agent, ReportQuery::default())
        .await
        .unwrap();
    assert!(hidden.is_empty());
    let by_responsible = analytics
        .forecast(
            &org.admin,
            ReportQuery {
                group_by: Some(GroupBy::Responsible),
                ..ReportQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(
        by_responsible
            .iter()
            .all(|r| r.group == Grouping::Value(Some(org.seller.id.to_string())))
    );
}

async fn conversion_and_won_lost_count_per_period_and_group(store: Store) {
    let org = org(&store).await;
    let leads = Leads::new(store.clone());
    let deals = Deals::new(store.clone());
    for (owner, name, convert) in [
        (&org.seller, "a", true),
        (&org.seller, "b", false),
        (&org.agent, "c", true),
        (&org.agent, "d", false),
    ] {
        let created = leads.create(Some(owner), lead(name)).await.unwrap();
        if convert {
            leads
                .convert(owner, created.id, conversion())
                .await
                .unwrap();
        }
    }
    let won = stage(&store, &org.admin, "Won").await;
    let lost = stage(&store, &org.admin, "Lost").await;
    for (amount, stage_id) in [("10", won), ("20", won), ("7", lost)] {
        let created = deals
            .create(Some(&org.seller), deal("w", amount))
            .await
            .unwrap();
        deals
            .update(&org.seller, created.id, super::sales::to_stage(stage_id))
            .await
            .unwrap();
    }
    let analytics = Analytics::new(store.clone());
    // Act
    let all = analytics
        .conversion(&org.admin, ReportQuery::default())
        .await
        .unwrap();
    let split = analytics
        .conversion(
            &org.admin,
            ReportQuery {
                group_by: Some(GroupBy::Responsible),
                ..ReportQuery::default()
            },
        )
        .await
        .unwrap();
    let seller = analytics
        .conversion(&org.seller, ReportQuery::default())
        .await
        .unwrap();
    let future = analytics
        .conversion(
            &org.admin,
            ReportQuery {
                from: on("2099-01-01"),
                ..ReportQuery::default()
            },
        )
        .await
        .unwrap();
    let closed = analytics
        .won_lost(&org.seller, ReportQuery::default())
        .await
        .unwrap();
    // Assert
    assert_eq!((all[0].leads, all[0].converted, all[0].rate), (4, 2, 0.5));
    assert_eq!(split.len(), 2);
    assert!(split.iter().all(|row| row.leads == 2 && row.converted == 1));
    assert_eq!((seller[0].leads, seller[0].converted), (2, 1));
    assert_eq!(future[0].leads, 0);
    assert_eq!(closed.len(), 1);
    assert_eq!((closed[0].won, closed[0].lost), (2, 1));
    assert_eq!(json!(closed[0].won_amounts), json!({"RUB": "30.00"}));
    assert_eq!(json!(closed[0].lost_amounts), json!({"RUB": "7.00"}));
    let agent = analytics
        .won_lost(&org.agent, ReportQuery::default())
        .await
        .unwrap();
    assert!(agent.is_empty());
}
