//! `switchboard export` and `switchboard import`: CSV files of contacts, companies or deals
//! straight against the configured database, through the same `CsvExchange` as the REST
//! API. A progress bar goes to standard error (when it is a terminal); an import prints
//! every failed row with its line and exits non-zero if any failed.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use crm_core::{
    Store,
    domain::User,
    service::{CsvExchange, Entity, ExportFilter},
};
use gateway::{Settings, store_options};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    Contacts,
    Companies,
    Deals,
}

impl From<Kind> for Entity {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Contacts => Entity::Contacts,
            Kind::Companies => Entity::Companies,
            Kind::Deals => Entity::Deals,
        }
    }
}

#[derive(Args)]
pub struct ExportArgs {
    /// What to export.
    kind: Kind,
    /// Write the file here instead of to standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Export only what this member of staff (login or e-mail) may see; default: everything.
    #[arg(long = "as", value_name = "USER")]
    as_user: Option<String>,
}

#[derive(Args)]
pub struct ImportArgs {
    /// What the file holds.
    kind: Kind,
    /// The CSV file (UTF-8, header row first).
    file: PathBuf,
    /// Import as this member of staff (login or e-mail): they become the responsible user
    /// of rows that name none, and only records they may see are updated or referenced.
    /// Default: the first administrator.
    #[arg(long = "as", value_name = "USER")]
    as_user: Option<String>,
}

pub async fn export(settings: &Settings, args: ExportArgs) -> anyhow::Result<()> {
    let store = open(settings).await?;
    let exchange = CsvExchange::new(store.clone());
    let actor = match &args.as_user {
        Some(who) => Some(staff(&exchange, Some(who)).await?),
        None => None,
    };
    let mut export = exchange
        .export(actor.as_ref(), ExportFilter::all(args.kind.into()))
        .await?;
    let bar = progress(export.total().await?, "records");
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut written = 0;
    while let Some(chunk) = export.next_chunk().await? {
        out.write_all(&chunk.bytes).context("writing the export")?;
        written += chunk.records;
        bar.inc(chunk.records as u64);
    }
    out.flush().context("writing the export")?;
    bar.finish_and_clear();
    eprintln!("exported {written} {}", export.entity().as_str());
    store.close().await;
    Ok(())
}

pub async fn import(settings: &Settings, args: ImportArgs) -> anyhow::Result<()> {
    let data = read(&args.file)?;
    let store = open(settings).await?;
    let exchange = CsvExchange::new(store.clone());
    let actor = staff(&exchange, args.as_user.as_deref()).await?;
    let bar = progress(0, "rows");
    let mut on_row = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let outcome = exchange
        .import(&actor, args.kind.into(), &data, None, &mut on_row)
        .await;
    bar.finish_and_clear();
    store.close().await;
    let report = outcome?;
    let file = args.file.display();
    for error in &report.errors {
        let column = error
            .column
            .as_deref()
            .map(|column| format!(", column {column}"))
            .unwrap_or_default();
        eprintln!(
            "{file}:{}{column}: {} ({})",
            error.line, error.message, error.code
        );
    }
    println!(
        "imported {} {} ({} updated), {} failed",
        report.imported,
        Entity::from(args.kind).as_str(),
        report.updated,
        report.failed
    );
    if report.failed > 0 {
        bail!(
            "{} of the rows failed; they are listed above",
            report.failed
        );
    }
    Ok(())
}

async fn open(settings: &Settings) -> anyhow::Result<Store> {
    Store::open(&store_options(settings))
        .await
        .context("opening the database")
}

async fn staff(exchange: &CsvExchange, who: Option<&str>) -> anyhow::Result<User> {
    exchange.staff_member(who).await.with_context(|| match who {
        Some(who) => format!("finding the user {who}"),
        None => "finding an administrator to import as (or pass --as)".to_owned(),
    })
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// A bar on standard error; indicatif hides it when that is not a terminal.
fn progress(total: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{eta}} left)");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}
