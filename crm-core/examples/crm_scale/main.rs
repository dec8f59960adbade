//! CRM at scale: fills a SQLite file and a PostgreSQL database with N contacts (companies,
//! phones, e-mails, identities, search words and timelines) using batched multi-row inserts,
//! then times what staff do all day through the real services — the contact card (the
//! contact with phones, e-mails and identities, plus the first 50 timeline entries) and list
//! pages for each role — and prints medians and tails of repeated runs.
//!
//! ```text
//! cargo run --release -p crm-core --example crm_scale -- \
//!     --contacts 1000000 --backend both --runs 200
//! ```
//!
//! Options: `--contacts N` (default 1,000,000), `--deals N` (default 0: deals are filled and
//! their funnel, forecast and won/lost timed only when given; with `--measure-only`, give
//! it to time the deals of the previous fill), `--backend sqlite|postgres|both`,
//! `--sqlite PATH` (default `target/crm_scale.db`), `--postgres URL` (an admin URL; the
//! database `crm_scale` is dropped and created there; default the local server),
//! `--runs R` (default 200), `--measure-only` (reuse the data of a previous fill),
//! `--timeline N` (about N timeline entries in all; default about six per contact).
//!
//! Errors are boxed here: this is a measuring tool, not a service.

mod batch;
mod deals;
mod fill;
mod measure;
mod staff;

use std::time::Instant;

use crm_core::{Store, StoreOptions};

type Error = Box<dyn std::error::Error + Send + Sync>;

pub struct Config {
    contacts: usize,
    deals: usize,
    /// Timeline entries wanted in all; `None` keeps the default spread.
    timeline: Option<usize>,
    backends: Vec<&'static str>,
    sqlite_path: String,
    postgres_admin: String,
    runs: usize,
    measure_only: bool,
}

fn config() -> Result<Config, Error> {
    let mut config = Config {
        contacts: 1_000_000,
        deals: 0,
        timeline: None,
        backends: vec!["sqlite", "postgres"],
        sqlite_path: "target/crm_scale.db".into(),
        postgres_admin: std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
        runs: 200,
        measure_only: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--contacts" => config.contacts = value()?.replace('_', "").parse()?,
            "--deals" => config.deals = value()?.replace('_', "").parse()?,
            "--runs" => config.runs = value()?.parse()?,
            "--timeline" => config.timeline = Some(value()?.replace('_', "").parse()?),
            "--sqlite" => config.sqlite_path = value()?,
            "--postgres" => config.postgres_admin = value()?,
            "--measure-only" => config.measure_only = true,
            "--backend" => {
                config.backends = match value()?.as_str() {
                    "sqlite" => vec!["sqlite"],
                    "postgres" => vec!["postgres"],
                    "both" => vec!["sqlite", "postgres"],
                    other => return Err(format!("unknown backend {other}").into()),
                }
            }
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(config)
}

/// Creates (or, with `--measure-only`, reuses) the database of one backend.
async fn database_url(config: &Config, backend: &str) -> Result<String, Error> {
    match backend {
        "sqlite" => {
            if !config.measure_only {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", config.sqlite_path));
                }
            }
            Ok(format!("sqlite://{}", config.sqlite_path))
        }
        _ => {
            use sqlx::Connection;
            if !config.measure_only {
                let mut admin = sqlx::PgConnection::connect(&config.postgres_admin).await?;
                sqlx::query("drop database if exists crm_scale with (force)")
                    .execute(&mut admin)
                    .await?;
                sqlx::query("create database crm_scale")
                    .execute(&mut admin)
                    .await?;
            }
            let (base, _) = config
                .postgres_admin
                .rsplit_once('/')
                .ok_or("the PostgreSQL URL names no database")?;
            Ok(format!("{base}/crm_scale"))
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = config()?;
    for backend in config.backends.clone() {
        let url = database_url(&config, backend).await?;
        let mut options = StoreOptions::new(url);
        options.max_connections = 4;
        let store = Store::open(&options).await?;
        let staff = if config.measure_only {
            staff::existing_staff(&store).await?
        } else {
            let started = Instant::now();
            let staff = fill::fill(&store, config.contacts, config.timeline).await?;
            println!(
                "[{backend}] filled {} contacts in {:.0} s",
                config.contacts,
                started.elapsed().as_secs_f64()
            );
            if config.deals > 0 {
                let started = Instant::now();
                deals::fill(&store, &staff, config.deals).await?;
                println!(
                    "[{backend}] filled {} deals in {:.0} s",
                    config.deals,
                    started.elapsed().as_secs_f64()
                );
            }
            staff
        };
        measure::report(&store, backend, &staff, config.runs).await?;
        if config.deals > 0 {
            deals::report(&store, backend, &staff, config.runs).await?;
        }
        store.close().await;
    }
    Ok(())
}
