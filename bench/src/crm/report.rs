//! The crm-http scenario's markdown: one row per case, p50, p95 and p99 per database, and
//! the targets beside them.

use std::fmt::Write;

use crate::crm::{Case, Run};

/// The targets for the case names that start with these.
const TARGETS: [(&str, &str); 6] = [
    ("card", "p99 < 10 ms"),
    ("list", "p99 < 50 ms"),
    ("funnel", "< 300 ms"),
    ("forecast", "< 300 ms"),
    ("duplicate scan", "< 60 s at 1M"),
    ("", ""),
];

/// The value at quantile `q` of the samples, nearest rank; 0 when empty.
pub fn quantile(samples: &[f64], q: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n => sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1],
    }
}

fn cells(case: Option<&Case>) -> String {
    match case {
        // One run (the duplicate scan) has no tail to speak of.
        Some(case) if case.samples.len() == 1 => format!("{:.0} | – | –", case.samples[0]),
        Some(case) => format!(
            "{:.2} | {:.2} | {:.2}",
            quantile(&case.samples, 0.50),
            quantile(&case.samples, 0.95),
            quantile(&case.samples, 0.99)
        ),
        None => "– | – | –".into(),
    }
}

pub fn markdown(runs: &[Run]) -> String {
    let mut out = String::new();
    for run in runs {
        let _ = writeln!(
            out,
            "{}: {} contacts, {} deals, {} duplicate groups.",
            run.database.name(),
            run.contacts.map_or("?".into(), |n| n.to_string()),
            run.deals,
            run.duplicate_groups
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let _ = writeln!(
        out,
        "Load average at the end {}. Milliseconds, over HTTP with keep-alive.\n",
        load.join(" ")
    );
    let mut header = String::from("| case |");
    let mut rule = String::from("|---|");
    for run in runs {
        let name = run.database.name();
        let _ = write!(header, " {name} p50 | {name} p95 | {name} p99 |");
        rule.push_str("---|---|---|");
    }
    let _ = writeln!(out, "{header} target |\n{rule}---|");
    // The cases in the order of the first run; a case one database lacks shows dashes.
    let names: Vec<&str> = runs
        .iter()
        .flat_map(|r| r.cases.iter().map(|c| c.name.as_str()))
        .fold(Vec::new(), |mut names, name| {
            if !names.contains(&name) {
                names.push(name);
            }
            names
        });
    for name in names {
        let mut row = format!("| {name} |");
        for run in runs {
            let _ = write!(
                row,
                " {} |",
                cells(run.cases.iter().find(|c| c.name == name))
            );
        }
        let target = TARGETS
            .iter()
            .find(|(prefix, _)| name.starts_with(prefix))
            .map_or("", |(_, target)| target);
        let _ = writeln!(out, "{row} {target} |");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&samples, 0.50), 50.0);
        assert_eq!(quantile(&samples, 0.99), 99.0);
        assert_eq!(quantile(&[7.0], 0.99), 7.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
