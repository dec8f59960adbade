//! Deals at scale: N deals in the default pipeline, spread over its stages like a real
//! funnel (fewer further down), owned by the operators, linked to random contacts, with a
//! creation entry in the stage history each, and `deal_totals` rebuilt from them; then the
//! funnel, the forecast and won/lost timed through `Analytics` for each role.

use crm_core::{
    Store,
    domain::{
        User,
        crm::{
            CalendarDate, DealFilter,
            analytics::{GroupBy, ReportQuery},
        },
        now,
    },
    service::{Analytics, Contacts, Deals, Pipelines},
};
use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{
    Error,
    batch::{Batch, I, T},
    measure::{print, time},
    staff::Staff,
};

/// Share of deals per stage of the default pipeline, in percent, in stage order.
const SPREAD: [u32; 6] = [30, 20, 15, 10, 15, 10];
const SOURCES: [&str; 5] = ["web", "phone", "telegram", "referral", "exhibition"];
const DAY_MS: i64 = 86_400_000;

pub async fn fill(store: &Store, staff: &Staff, deals: usize) -> Result<(), Error> {
    let pipeline = Pipelines::new(store.clone())
        .list(&staff.admin)
        .await?
        .into_iter()
        .find(|pipeline| pipeline.is_default)
        .ok_or("no default pipeline")?;
    let mut rng = StdRng::seed_from_u64(23);
    let millis = now().millis();
    let limit = match store.backend() {
        crm_core::Backend::Sqlite => 1_000,
        crm_core::Backend::Postgres => 30_000,
    };
    let mut rows = Batch::new(
        "insert into deals (id, title, title_key, amount_minor, currency, expected_close, \
         pipeline_id, stage_id, probability, contact_id, source, responsible_id, department_id, \
         closed_on, created_at, updated_at) values ",
        &[T, T, T, I, T, I, T, T, I, T, T, T, T, I, I, I],
        limit,
    );
    let mut history = Batch::new(
        "insert into deal_stage_history (id, deal_id, to_stage_id, to_stage_name, changed_by, \
         changed_at, created_at, updated_at) values ",
        &[T, T, T, T, T, I, I, I],
        limit,
    );
    let mut tx = store.begin().await?;
    for n in 0..deals {
        let id = uuid::Uuid::now_v7().to_string();
        let mut roll = rng.gen_range(0..100);
        let stage = SPREAD
            .iter()
            .position(|share| {
                let inside = roll < *share;
                roll = roll.saturating_sub(*share);
                inside
            })
            .and_then(|index| pipeline.stages.get(index))
            .ok_or("the default pipeline has fewer stages than the spread")?;
        let (contact, owner) = &staff.contacts[rng.gen_range(0..staff.contacts.len())];
        let owner = staff
            .operators
            .iter()
            .find(|user| user.id == *owner)
            .unwrap_or(&staff.operators[0]);
        let title = format!("Заказ {n}");
        let currency = match rng.gen_range(0..100) {
            0..=89 => "RUB",
            90..=96 => "USD",
            _ => "EUR",
        };
        let close = CalendarDate::of(crm_core::domain::Timestamp::from_millis(
            millis + rng.gen_range(-180..365) * DAY_MS,
        ));
        let closed = (stage.meaning != crm_core::domain::crm::StageMeaning::Open).then(|| {
            CalendarDate::of(crm_core::domain::Timestamp::from_millis(
                millis - rng.gen_range(0..365) * DAY_MS,
            ))
        });
        rows.text(&id);
        rows.text(&title);
        rows.text(title.to_lowercase());
        rows.int(rng.gen_range(1_000..1_000_000_000));
        rows.text(currency);
        rows.int(close.number());
        rows.text(pipeline.id.to_string());
        rows.text(stage.id.to_string());
        match rng.gen_ratio(1, 10) {
            true => rows.int(rng.gen_range(0..=100)),
            false => rows.opt_int(None),
        }
        rows.text(contact);
        rows.text(SOURCES[rng.gen_range(0..SOURCES.len())]);
        rows.text(owner.id.to_string());
        rows.opt(owner.department_id.map(|d| d.to_string()));
        rows.opt_int(closed.map(CalendarDate::number));
        rows.int(millis);
        rows.int(millis);
        history.text(uuid::Uuid::now_v7().to_string());
        history.text(&id);
        history.text(stage.id.to_string());
        history.text(&stage.name);
        history.text(owner.id.to_string());
        history.int(millis);
        history.int(millis);
        history.int(millis);
        if rows.full() || history.full() {
            rows.flush(&mut tx).await?;
            history.flush(&mut tx).await?;
        }
        if (n + 1) % 50_000 == 0 {
            rows.flush(&mut tx).await?;
            history.flush(&mut tx).await?;
            tx.commit().await?;
            tx = store.begin().await?;
        }
    }
    rows.flush(&mut tx).await?;
    history.flush(&mut tx).await?;
    tx.commit().await?;
    // The rows went around the deal store, which keeps the totals.
    Contacts::new(store.clone()).rebuild_counts(None).await?;
    let mut conn = store.acquire().await?;
    let analyze = match store.backend() {
        crm_core::Backend::Sqlite => "analyze",
        crm_core::Backend::Postgres => "vacuum analyze",
    };
    sqlx::query(analyze).execute(&mut *conn).await?;
    Ok(())
}

pub async fn report(store: &Store, backend: &str, staff: &Staff, runs: usize) -> Result<(), Error> {
    let analytics = Analytics::new(store.clone());
    let deals = Deals::new(store.clone());
    let total = deals
        .list(
            &staff.admin,
            DealFilter {
                limit: 1,
                ..DealFilter::default()
            },
        )
        .await?
        .total
        .unwrap_or_default();
    println!("\n[{backend}] {total} deals");
    // Every deal is in the default pipeline: the admin's funnel must count each once.
    let funnel: i64 = analytics
        .funnel(&staff.admin, ReportQuery::default())
        .await?
        .iter()
        .map(|row| row.count)
        .sum();
    if funnel != total {
        return Err(format!("the funnel counts {funnel} deals of {total}").into());
    }
    println!("| backend | case | median ms | p95 ms | p99 ms |\n|---|---|---|---|---|");
    let (admin, head, operator) = (&staff.admin, &staff.head_of_sales, &staff.operators[0]);
    let roles: [(&str, &User); 3] = [
        ("admin", admin),
        ("head of sales", head),
        ("operator", operator),
    ];
    for (role, user) in roles {
        let stats = time(runs, |_| async {
            analytics.funnel(user, ReportQuery::default()).await?;
            Ok(())
        })
        .await?;
        print(backend, &format!("funnel, {role}"), &stats);
    }
    for (role, user) in roles {
        let stats = time(runs, |_| async {
            analytics.forecast(user, ReportQuery::default()).await?;
            Ok(())
        })
        .await?;
        print(backend, &format!("forecast by month, {role}"), &stats);
    }
    let stats = time(runs, |_| async {
        let query = ReportQuery {
            group_by: Some(GroupBy::Responsible),
            ..ReportQuery::default()
        };
        analytics.forecast(admin, query).await?;
        Ok(())
    })
    .await?;
    print(backend, "forecast by month and responsible, admin", &stats);
    let stats = time(runs, |_| async {
        analytics.won_lost(admin, ReportQuery::default()).await?;
        Ok(())
    })
    .await?;
    print(backend, "won/lost by month, admin", &stats);
    let stats = time(runs, |_| async {
        let filter = DealFilter {
            limit: 50,
            ..DealFilter::default()
        };
        deals.list(operator, filter).await?;
        Ok(())
    })
    .await?;
    print(backend, "deal list first page with total, operator", &stats);
    Ok(())
}
