//! The inbound scenario's markdown: per database and rate, medians over the runs that
//! reached that rate, and the highest sustained rate against the targets.

use std::fmt::Write;

use crate::{
    inbound::{ACHIEVED_SHARE, Database, Run, SUSTAINED_P99_MS, Step},
    stats::median,
};

const TARGET_RATE: f64 = 2_000.0;
const TARGET_P99_MS: f64 = 20.0;
const TARGET_SUSTAINED: f64 = 10_000.0;

fn med(steps: &[&Step], value: impl Fn(&Step) -> f64) -> f64 {
    median(&steps.iter().map(|s| value(s)).collect::<Vec<_>>())
}

/// The highest offered rate at which the run sustained the load.
fn sustained(run: &Run) -> f64 {
    run.steps
        .iter()
        .filter(|s| s.sustained())
        .map(|s| s.offered)
        .fold(0.0, f64::max)
}

pub fn markdown(runs: &[Run], rates: &[f64]) -> String {
    let mut out = String::new();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let _ = writeln!(
        out,
        "Load average at the end {}. Sustained: delivered ≥ {:.0} % of offered, no HTTP error, p99 < {SUSTAINED_P99_MS:.0} ms.\n",
        load.join(" "),
        ACHIEVED_SHARE * 100.0
    );
    let _ = writeln!(
        out,
        "| database | offered/s | posted/s | delivered/s | delivered | HTTP errors | p50 | p90 | p99 | max | cores: server / PostgreSQL / bench / others | server RSS | runs |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for database in [Database::Sqlite, Database::Postgres] {
        let of: Vec<&Run> = runs.iter().filter(|r| r.database == database).collect();
        if of.is_empty() {
            continue;
        }
        for &rate in rates {
            let steps: Vec<&Step> = of
                .iter()
                .filter_map(|r| r.steps.iter().find(|s| s.offered == rate))
                .collect();
            if steps.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "| {} | {rate:.0} | {:.0} | {:.0} | {:.1} % | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {:.1} ms | {:.2} / {} / {:.2} / {:.2} | {:.0} MiB | {} |",
                database.name(),
                med(&steps, |s| s.posted_per_sec),
                med(&steps, |s| s.delivered_per_sec),
                med(&steps, |s| s.delivered_fraction) * 100.0,
                med(&steps, |s| s.http_errors as f64),
                med(&steps, |s| s.p50_ms),
                med(&steps, |s| s.p90_ms),
                med(&steps, |s| s.p99_ms),
                med(&steps, |s| s.max_ms),
                med(&steps, |s| s.cores.server),
                match database {
                    Database::Sqlite => "–".to_owned(),
                    Database::Postgres => format!("{:.2}", med(&steps, |s| s.cores.postgres)),
                },
                med(&steps, |s| s.cores.bench),
                med(&steps, |s| s.cores.others),
                med(&steps, |s| s.server_rss as f64) / 1_048_576.0,
                steps.len()
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| database | p99 at {TARGET_RATE:.0}/s (target < {TARGET_P99_MS:.0} ms) | highest sustained rate (target ≥ {TARGET_SUSTAINED:.0}/s) | per run |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    for database in [Database::Sqlite, Database::Postgres] {
        let of: Vec<&Run> = runs.iter().filter(|r| r.database == database).collect();
        if of.is_empty() {
            continue;
        }
        let at_target: Vec<&Step> = of
            .iter()
            .filter_map(|r| r.steps.iter().find(|s| s.offered == TARGET_RATE))
            .collect();
        let p99 = if at_target.is_empty() {
            "not measured".to_owned()
        } else {
            let p99 = med(&at_target, |s| s.p99_ms);
            let verdict = if p99 < TARGET_P99_MS { "met" } else { "missed" };
            format!("{p99:.2} ms, {verdict}")
        };
        let each: Vec<f64> = of.iter().map(|r| sustained(r)).collect();
        let best = median(&each);
        let verdict = if best >= TARGET_SUSTAINED {
            "met"
        } else {
            "missed"
        };
        // The ladder's top step held: the server may sustain more than was offered.
        let at_least = if rates.iter().all(|r| *r <= best) {
            "≥ "
        } else {
            ""
        };
        let listed: Vec<String> = each.iter().map(|r| format!("{r:.0}")).collect();
        let _ = writeln!(
            out,
            "| {} | {p99} | {at_least}{best:.0}/s, {verdict} | {} |",
            database.name(),
            listed.join(", ")
        );
    }
    out
}
