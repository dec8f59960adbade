//! Timings through the real services, as the REST handlers call them: each case runs a few
//! times to warm up, then `runs` times on varying inputs; the table shows the median, p95
//! and p99 in milliseconds.

use std::{future::Future, time::Instant};

use crm_core::{
    Store,
    domain::{
        User,
        crm::{ContactFilter, ContactId, EntityRef},
    },
    service::{Contacts, Timeline},
};
use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{Error, staff::Staff};

/// An id above every UUIDv7 id: a cursor that skips nothing and asks for no total.
const NEWEST: &str = "ffffffff-ffff-7fff-bfff-ffffffffffff";

pub struct Stats {
    median: f64,
    p95: f64,
    p99: f64,
}

pub async fn time<F, Fut>(runs: usize, mut case: F) -> Result<Stats, Error>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    for n in 0..5 {
        case(n).await?;
    }
    let mut samples = Vec::with_capacity(runs);
    for n in 0..runs {
        let started = Instant::now();
        case(n + 5).await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: usize| samples[(samples.len() * q / 100).min(samples.len() - 1)];
    Ok(Stats {
        median: at(50),
        p95: at(95),
        p99: at(99),
    })
}

/// A different element for each run.
fn pick(list: &[String], n: usize) -> &str {
    &list[n * 7919 % list.len()]
}

pub fn print(backend: &str, case: &str, stats: &Stats) {
    println!(
        "| {backend} | {case} | {:.2} | {:.2} | {:.2} |",
        stats.median, stats.p95, stats.p99
    );
}

/// The contact card: the contact with phones, e-mails and identities, and its newest 50
/// timeline entries.
async fn card(
    contacts: &Contacts,
    timeline: &Timeline,
    user: &User,
    id: &str,
) -> Result<(), Error> {
    let id: ContactId = id.parse()?;
    contacts.get(user, id).await?;
    timeline
        .page(user, EntityRef::contact(id), None, 50)
        .await?;
    Ok(())
}

pub async fn report(store: &Store, backend: &str, staff: &Staff, runs: usize) -> Result<(), Error> {
    let contacts = Contacts::new(store.clone());
    let timeline = Timeline::new(store.clone());
    let mut rng = StdRng::seed_from_u64(11);
    let random: Vec<String> = (0..runs + 5)
        .map(|_| {
            staff.contacts[rng.gen_range(0..staff.contacts.len())]
                .0
                .clone()
        })
        .collect();
    let operator = &staff.operators[0];
    let own: Vec<String> = staff
        .contacts
        .iter()
        .filter(|(_, owner)| *owner == operator.id)
        .map(|(id, _)| id.clone())
        .collect();
    let sales_ids: Vec<_> = staff.operators[..50].iter().map(|u| u.id).collect();
    let in_sales: Vec<String> = staff
        .contacts
        .iter()
        .filter(|(_, owner)| sales_ids.contains(owner))
        .take(10_000)
        .map(|(id, _)| id.clone())
        .collect();
    let (admin, head) = (&staff.admin, &staff.head_of_sales);
    println!(
        "\n[{backend}] {} contacts; operator op-00 is responsible for {}; head.sales sees 5 departments",
        staff.contacts.len(),
        own.len()
    );
    println!("| backend | case | median ms | p95 ms | p99 ms |\n|---|---|---|---|---|");

    let stats = time(runs, |n| {
        card(&contacts, &timeline, admin, &random[n % random.len()])
    })
    .await?;
    print(backend, "card: random contact, admin", &stats);
    if !staff.heavy.is_empty() {
        let stats = time(runs, |n| {
            card(&contacts, &timeline, admin, pick(&staff.heavy, n))
        })
        .await?;
        print(backend, "card: contact with 1,000 entries, admin", &stats);
    }
    let stats = time(runs, |n| {
        card(&contacts, &timeline, operator, pick(&own, n))
    })
    .await?;
    print(backend, "card: own contact, operator", &stats);
    let stats = time(runs, |n| {
        card(&contacts, &timeline, head, pick(&in_sales, n))
    })
    .await?;
    print(backend, "card: department contact, supervisor", &stats);

    let list = |user: &'static str, filter: ContactFilter| {
        let user = match user {
            "admin" => admin,
            "head" => head,
            _ => operator,
        };
        let contacts = contacts.clone();
        move |_n: usize| {
            let (contacts, filter) = (contacts.clone(), filter.clone());
            async move {
                contacts.list(user, filter).await?;
                Ok::<(), Error>(())
            }
        }
    };
    let page = |filter: ContactFilter| ContactFilter {
        limit: 50,
        ..filter
    };
    let cases: Vec<(&str, &'static str, ContactFilter)> = vec![
        (
            "list page 1 + total: admin, everything",
            "admin",
            page(ContactFilter::default()),
        ),
        (
            "list page 1 + total: operator, own",
            "operator",
            page(ContactFilter::default()),
        ),
        (
            "list page 1 + total: supervisor, 5 departments",
            "head",
            page(ContactFilter::default()),
        ),
        (
            "list page 1 + total: admin, one responsible",
            "admin",
            page(ContactFilter {
                responsible_id: Some(operator.id),
                ..ContactFilter::default()
            }),
        ),
        (
            "list page 1 + total: admin, one company",
            "admin",
            page(ContactFilter {
                company_id: Some(staff.company_ids[staff.company_ids.len() / 2].parse()?),
                ..ContactFilter::default()
            }),
        ),
        (
            "list page deep (cursor mid-table): admin",
            "admin",
            page(ContactFilter {
                after: Some(staff.contacts[staff.contacts.len() / 2].0.parse()?),
                ..ContactFilter::default()
            }),
        ),
        (
            "list page deep (cursor mid-list): supervisor",
            "head",
            page(ContactFilter {
                after: Some(pick(&in_sales, 3).parse()?),
                ..ContactFilter::default()
            }),
        ),
        (
            "search + total: q=\"Иванов Иван\", admin",
            "admin",
            page(ContactFilter {
                q: Some("Иванов Иван".into()),
                ..ContactFilter::default()
            }),
        ),
        (
            "search, page only (no total): q=\"Иванов Иван\", admin",
            "admin",
            page(ContactFilter {
                q: Some("Иванов Иван".into()),
                after: Some(NEWEST.parse()?),
                ..ContactFilter::default()
            }),
        ),
        (
            "search + total: q=\"смирн\", operator",
            "operator",
            page(ContactFilter {
                q: Some("смирн".into()),
                ..ContactFilter::default()
            }),
        ),
        (
            "search + total: q=\"смирн\", admin",
            "admin",
            page(ContactFilter {
                q: Some("смирн".into()),
                ..ContactFilter::default()
            }),
        ),
        (
            "search + total: q=e-mail, admin",
            "admin",
            page(ContactFilter {
                q: Some("client4242@example.com".into()),
                ..ContactFilter::default()
            }),
        ),
    ];
    for (name, user, filter) in cases {
        let stats = time(runs, list(user, filter)).await?;
        print(backend, name, &stats);
    }
    let stats = time(runs, |n| {
        let contacts = contacts.clone();
        let id = random[n % random.len()].clone();
        async move {
            let id: ContactId = id.parse()?;
            let card = contacts.get(admin, id).await?;
            let q = card
                .phones
                .first()
                .map(|p| p.number.to_string())
                .unwrap_or_default();
            contacts
                .list(
                    admin,
                    ContactFilter {
                        q: Some(q),
                        limit: 50,
                        ..ContactFilter::default()
                    },
                )
                .await?;
            Ok(())
        }
    })
    .await?;
    print(
        backend,
        "search + total: q=phone (with a card read), admin",
        &stats,
    );
    let stats = time(runs, |n| {
        let contacts = contacts.clone();
        let id = random[n % random.len()].clone();
        async move {
            contacts.duplicates_of(admin, id.parse()?).await?;
            Ok(())
        }
    })
    .await?;
    print(backend, "duplicates of a contact: admin", &stats);

    let stats = time(runs, |_| {
        let contacts = contacts.clone();
        async move {
            contacts.duplicate_groups(admin, None, 50).await?;
            Ok(())
        }
    })
    .await?;
    print(
        backend,
        "duplicate finder: first page of 50 groups, admin",
        &stats,
    );

    // The duplicate scan: every group of live contacts sharing a phone, an e-mail or a name
    // key, walked through the finder page by page as the web page would.
    let started = Instant::now();
    let (mut cursor, mut groups) = (None, [0_u64; 3]);
    loop {
        let page = contacts
            .duplicate_groups(admin, cursor, crm_core::domain::crm::PAGE_MAX)
            .await?;
        for group in &page.items {
            groups[group.reason as usize] += 1;
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next.parse()?),
            None => break,
        }
    }
    println!(
        "| {backend} | duplicate scan (every group through the finder, 200 a page) | {:.0} | — | — |",
        started.elapsed().as_secs_f64() * 1000.0
    );
    println!(
        "[{backend}] shared phones: {}, shared e-mails: {}, shared name keys: {}",
        groups[0], groups[1], groups[2]
    );
    Ok(())
}
