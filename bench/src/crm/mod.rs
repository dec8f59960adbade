//! CRM at scale through HTTP: the `switchboard` binary is started on the data set that
//! `cargo run -p crm-core --example crm_scale` filled (SQLite file, PostgreSQL database
//! `crm_scale`), and what staff do all day is timed as a browser asks for it — the contact
//! card, list pages for each role, the funnel and forecast, and a full duplicate scan —
//! over one keep-alive connection per role, so the times include routing, authentication,
//! JSON and the socket on top of the services measured in-process by the fill.

pub mod report;

use std::{
    future::Future,
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::{Context, bail};
use serde_json::Value;

use crate::{
    api::{Api, encode},
    inbound::Database,
    server::Server,
};

/// The staff of the fill (crm-core/examples/crm_scale/staff.rs) and their one password.
const ADMIN: &str = "admin";
const SUPERVISOR: &str = "head.sales";
const OPERATOR: &str = "op-00";
const PASSWORD: &str = "a long enough password";
/// Unmeasured runs of each case before the measured ones.
const WARM_UP: usize = 5;
/// Contact ids gathered per role to vary the card over (list pages of 200).
const GATHER: usize = 2_000;

pub struct CrmParams {
    pub switchboard_bin: PathBuf,
    pub sqlite: PathBuf,
    pub postgres: String,
    pub databases: Vec<Database>,
    pub runs: usize,
}

/// One timed case: milliseconds of every measured run, or one total for the duplicate scan.
pub struct Case {
    pub name: String,
    pub samples: Vec<f64>,
}

pub struct Run {
    pub database: Database,
    pub contacts: Option<i64>,
    pub deals: i64,
    pub duplicate_groups: usize,
    pub cases: Vec<Case>,
}

pub async fn run(params: &CrmParams) -> anyhow::Result<Vec<Run>> {
    let mut runs = Vec::new();
    for &database in &params.databases {
        let url = match database {
            Database::Sqlite => sqlite_url(&params.sqlite)?,
            Database::Postgres => params.postgres.clone(),
        };
        eprintln!("crm-http on {}: {url}", database.name());
        let server = Server::switchboard_on(&params.switchboard_bin, &url).await?;
        let result = on_server(&server, database, params.runs.max(1)).await;
        server.stop().await;
        runs.push(result?);
    }
    Ok(runs)
}

/// The fill's file as an absolute URL: the server runs in a scratch directory, and a
/// missing file must not become a fresh empty database.
fn sqlite_url(path: &Path) -> anyhow::Result<String> {
    let path = std::fs::canonicalize(path).with_context(|| {
        format!(
            "{} not found; fill it with cargo run --release -p crm-core --example crm_scale",
            path.display()
        )
    })?;
    Ok(format!("sqlite://{}", path.display()))
}

/// A logged-in member of staff and the contacts they see.
struct Role {
    label: &'static str,
    token: String,
    /// Contact ids from the first list pages, to vary the card over.
    contacts: Vec<String>,
    /// `next_cursor`s of those pages, to vary deep list pages over.
    cursors: Vec<String>,
}

async fn role(api: &Api, label: &'static str, login: &str) -> anyhow::Result<Role> {
    let token = api
        .login(login, PASSWORD)
        .await
        .with_context(|| format!("logging in as {login} (is this a crm_scale fill?)"))?;
    let (mut contacts, mut cursors) = (Vec::new(), Vec::new());
    let mut cursor: Option<String> = None;
    while contacts.len() < GATHER {
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/contacts?limit=200&cursor={}", encode(cursor)),
            None => "/api/v1/contacts?limit=200".to_owned(),
        };
        let page = api.get(&token, &path).await?;
        contacts.extend(ids(&page["items"], "id"));
        match page["next_cursor"].as_str() {
            Some(next) => {
                cursors.push(next.to_owned());
                cursor = Some(next.to_owned());
            }
            None => break,
        }
    }
    if contacts.is_empty() {
        bail!("{login} sees no contacts: fill the database first");
    }
    Ok(Role {
        label,
        token,
        contacts,
        cursors,
    })
}

fn ids(items: &Value, field: &str) -> Vec<String> {
    items
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item[field].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A different element for each run, spread over the list.
fn pick(list: &[String], n: usize) -> &str {
    &list[n * 7919 % list.len()]
}

/// Runs `case` `WARM_UP` times unmeasured, then `runs` times measured.
async fn time<F, Fut>(name: String, runs: usize, mut case: F) -> anyhow::Result<Case>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    for n in 0..WARM_UP {
        case(n).await.with_context(|| format!("{name} (warm-up)"))?;
    }
    let mut samples = Vec::with_capacity(runs);
    for n in WARM_UP..WARM_UP + runs {
        let started = Instant::now();
        case(n).await.with_context(|| name.clone())?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    eprintln!("  {name}: {runs} runs");
    Ok(Case { name, samples })
}

async fn on_server(server: &Server, database: Database, runs: usize) -> anyhow::Result<Run> {
    // One client (one keep-alive pool) per role, as each would be a browser of its own.
    let admin_api = Api::new(server);
    let admin = role(&admin_api, "admin", ADMIN).await?;
    let supervisor_api = Api::new(server);
    let supervisor = role(&supervisor_api, "supervisor", SUPERVISOR).await?;
    let operator_api = Api::new(server);
    let operator = role(&operator_api, "operator", OPERATOR).await?;
    let first = admin_api
        .get(&admin.token, "/api/v1/contacts?limit=1")
        .await?;
    let contacts = first["total"].as_i64();
    let deals = admin_api.get(&admin.token, "/api/v1/deals?limit=1").await?["total"]
        .as_i64()
        .unwrap_or_default();
    // The responsible users of the admin's contacts, to filter a list page by each in turn.
    let mut responsible = {
        let page = admin_api
            .get(&admin.token, "/api/v1/contacts?limit=200")
            .await?;
        ids(&page["items"], "responsible_id")
    };
    responsible.sort();
    responsible.dedup();
    eprintln!(
        "  {} contacts, {deals} deals; ids gathered: admin {}, supervisor {}, operator {}",
        contacts.map_or("?".into(), |n| n.to_string()),
        admin.contacts.len(),
        supervisor.contacts.len(),
        operator.contacts.len()
    );

    let roles = [
        (&admin_api, &admin),
        (&supervisor_api, &supervisor),
        (&operator_api, &operator),
    ];
    let mut cases = Vec::new();
    for (api, who) in roles {
        cases.push(
            time(
                format!("card + 50 timeline entries, {}", who.label),
                runs,
                |n| async move {
                    let id = pick(&who.contacts, n);
                    api.get(&who.token, &format!("/api/v1/contacts/{id}"))
                        .await?;
                    api.get(
                        &who.token,
                        &format!("/api/v1/contacts/{id}/timeline?limit=50"),
                    )
                    .await?;
                    Ok(())
                },
            )
            .await?,
        );
    }
    for (api, who) in roles {
        cases.push(
            time(
                format!("list page 1 + total, {}", who.label),
                runs,
                |_| async move {
                    api.get(&who.token, "/api/v1/contacts?limit=50").await?;
                    Ok(())
                },
            )
            .await?,
        );
    }
    if !responsible.is_empty() {
        let (api, who) = (&admin_api, &admin);
        let responsible = &responsible;
        cases.push(
            time(
                "list page 1 + total, admin, by responsible".into(),
                runs,
                |n| async move {
                    let id = pick(responsible, n);
                    api.get(
                        &who.token,
                        &format!("/api/v1/contacts?responsible_id={id}&limit=50"),
                    )
                    .await?;
                    Ok(())
                },
            )
            .await?,
        );
    }
    for (api, who) in [(&admin_api, &admin), (&supervisor_api, &supervisor)] {
        if who.cursors.is_empty() {
            continue;
        }
        cases.push(
            time(
                format!("list page by cursor, {}", who.label),
                runs,
                |n| async move {
                    let cursor = pick(&who.cursors, n);
                    api.get(
                        &who.token,
                        &format!("/api/v1/contacts?limit=50&cursor={}", encode(cursor)),
                    )
                    .await?;
                    Ok(())
                },
            )
            .await?,
        );
    }
    if deals > 0 {
        for report in ["funnel", "forecast"] {
            for (api, who) in roles {
                cases.push(
                    time(format!("{report}, {}", who.label), runs, |_| async move {
                        api.get(&who.token, &format!("/api/v1/analytics/{report}"))
                            .await?;
                        Ok(())
                    })
                    .await?,
                );
            }
        }
    }
    let (scan, duplicate_groups) = duplicate_scan(&admin_api, &admin.token).await?;
    cases.push(scan);
    Ok(Run {
        database,
        contacts,
        deals,
        duplicate_groups,
        cases,
    })
}

/// Every page of the admin's duplicate groups, 200 at a time: one run, its total time.
async fn duplicate_scan(api: &Api, token: &str) -> anyhow::Result<(Case, usize)> {
    let started = Instant::now();
    let (mut groups, mut pages) = (0, 0);
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!(
                "/api/v1/contacts/duplicate-groups?limit=200&cursor={}",
                encode(cursor)
            ),
            None => "/api/v1/contacts/duplicate-groups?limit=200".to_owned(),
        };
        let page = api.get(token, &path).await?;
        pages += 1;
        groups += page["items"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    eprintln!("  duplicate scan: {groups} groups in {pages} pages, {ms:.0} ms");
    Ok((
        Case {
            name: format!("duplicate scan, admin ({pages} pages of 200, one run)"),
            samples: vec![ms],
        },
        groups,
    ))
}
