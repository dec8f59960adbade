//! The markdown report: medians over repetitions for each server, the Switchboard/socket.io
//! ratios, and the figures set against the targets of the benchmark issue.

use std::fmt::Write;

use crate::{
    fanout::Step,
    runner::{Outcome, Scenarios},
    server::Kind,
    stats::median,
};

/// p99 send-to-receive latency a fanout phase must stay under to count as sustained.
pub const P99_TARGET_MS: f64 = 50.0;
/// Share of expected deliveries a sustained phase must make.
pub const DELIVERED_TARGET: f64 = 0.99;
const DELIVERIES_PER_CORE_TARGET: f64 = 100_000.0;
const IDLE_BYTES_TARGET: f64 = 10_000.0;

fn of(outcomes: &[Outcome], kind: Kind) -> Vec<&Outcome> {
    outcomes.iter().filter(|o| o.kind == kind).collect()
}

fn med<T>(items: &[T], value: impl Fn(&T) -> f64) -> f64 {
    median(&items.iter().map(value).collect::<Vec<_>>())
}

/// Highest deliveries/s in any phase, and in a phase meeting the latency target.
fn peaks(steps: &[Step]) -> (f64, f64) {
    let peak = steps
        .iter()
        .map(|s| s.deliveries_per_sec)
        .fold(0.0, f64::max);
    let sustained = steps
        .iter()
        .filter(|s| s.p99_ms < P99_TARGET_MS && s.delivered_fraction >= DELIVERED_TARGET)
        .map(|s| s.deliveries_per_sec)
        .fold(0.0, f64::max);
    (peak, sustained)
}

/// Median figures of one server, used for the ratios.
#[derive(Default)]
struct Summary {
    peak: f64,
    sustained: f64,
    idle_rss: f64,
    idle_anon: f64,
    dm_p50: f64,
}

fn summary(outcomes: &[&Outcome]) -> Summary {
    let idle: Vec<_> = outcomes.iter().filter_map(|o| o.idle).collect();
    let dms: Vec<_> = outcomes.iter().filter_map(|o| o.dm).collect();
    Summary {
        peak: med(outcomes, |o| peaks(&o.fanout).0),
        sustained: med(outcomes, |o| peaks(&o.fanout).1),
        idle_rss: med(&idle, |r| r.per_connection().0),
        idle_anon: med(&idle, |r| r.per_connection().1),
        dm_p50: med(&dms, |r| r.p50_ms),
    }
}

pub fn markdown(outcomes: &[Outcome], scenarios: &Scenarios) -> String {
    let mut out = String::new();
    let kinds: Vec<Kind> = [Kind::Switchboard, Kind::SocketIo]
        .into_iter()
        .filter(|k| outcomes.iter().any(|o| o.kind == *k))
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let reps = kinds.first().map_or(0, |k| of(outcomes, *k).len());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    let _ = writeln!(
        out,
        "Machine: {cores} cores, {}; load average at the end {}; medians of {reps} repetition(s).\n",
        cpu_model(),
        load.join(" ")
    );
    if scenarios.idle.is_some() {
        out.push_str("### Idle connections: memory\n\n");
        out.push_str("| server | connections | connect time | server VmRSS before → after | server VmRSS / conn | server RssAnon / conn |\n|---|---|---|---|---|---|\n");
        for &kind in &kinds {
            let idle: Vec<_> = of(outcomes, kind).iter().filter_map(|o| o.idle).collect();
            let mib = |b: f64| b / 1_048_576.0;
            let _ = writeln!(
                out,
                "| {} | {:.0} | {:.1} s | {:.1} → {:.1} MiB | {:.0} B | {:.0} B |",
                kind.name(),
                med(&idle, |r| r.connections as f64),
                med(&idle, |r| r.connect_secs),
                mib(med(&idle, |r| r.server_before.rss as f64)),
                mib(med(&idle, |r| r.server_after.rss as f64)),
                med(&idle, |r| r.per_connection().0),
                med(&idle, |r| r.per_connection().1),
            );
        }
        // Later runs reuse what the first one freed, so only the first shows the growth.
        if let Some(first) = outcomes.iter().find_map(|o| o.idle) {
            let _ = writeln!(
                out,
                "\nThe load generator itself (not included above) grew by {:.0} B of VmRSS per connection in its first run.",
                first.per_connection().2
            );
        }
        out.push('\n');
    }
    if let Some(fanout) = &scenarios.fanout {
        let _ = writeln!(
            out,
            "### Channel fanout: {} receiving connections, {} senders, {} s measured per rate\n",
            fanout.connections,
            fanout.senders,
            fanout.duration.as_secs_f64()
        );
        out.push_str("| server | msg/s offered | msg/s sent | deliveries/s | per server core | p50 | p99 | max | delivered | cores: server / load gen. / others | resyncs / errors | runs |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for &kind in &kinds {
            let runs = of(outcomes, kind);
            for (index, rate) in fanout.rates.iter().enumerate() {
                let steps: Vec<Step> = runs
                    .iter()
                    .filter_map(|o| o.fanout.get(index).copied())
                    .collect();
                if steps.is_empty() {
                    continue;
                }
                let _ = writeln!(
                    out,
                    "| {} | {rate:.0} | {:.0} | {:.0} | {:.0} | {:.1} ms | {:.1} ms | {:.0} ms | {:.1} % | {:.2} / {:.2} / {:.2} | {:.0} / {:.0} | {} |",
                    kind.name(),
                    med(&steps, |s| s.sent_per_sec),
                    med(&steps, |s| s.deliveries_per_sec),
                    med(&steps, Step::per_server_core),
                    med(&steps, |s| s.p50_ms),
                    med(&steps, |s| s.p99_ms),
                    med(&steps, |s| s.max_ms),
                    med(&steps, |s| s.delivered_fraction * 100.0),
                    med(&steps, |s| s.server_cores),
                    med(&steps, |s| s.client_cores),
                    med(&steps, |s| s.other_cores),
                    med(&steps, |s| s.resyncs as f64),
                    med(&steps, |s| s.errors as f64),
                    steps.len(),
                );
            }
        }
        out.push('\n');
    }
    if scenarios.dm.is_some() {
        out.push_str("### DM ping-pong: round trip (send → other side receives → answers → received)\n\n| server | round trips | p50 | p99 | max | mean |\n|---|---|---|---|---|---|\n");
        for &kind in &kinds {
            let dms: Vec<_> = of(outcomes, kind).iter().filter_map(|o| o.dm).collect();
            let _ = writeln!(
                out,
                "| {} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |",
                kind.name(),
                med(&dms, |r| r.round_trips as f64),
                med(&dms, |r| r.p50_ms),
                med(&dms, |r| r.p99_ms),
                med(&dms, |r| r.max_ms),
                med(&dms, |r| r.mean_ms),
            );
        }
        out.push('\n');
    }
    targets(&mut out, outcomes, scenarios, cores);
    out
}

/// The figures the benchmark issue sets targets for; only when both servers ran.
fn targets(out: &mut String, outcomes: &[Outcome], scenarios: &Scenarios, cores: usize) {
    let (sb, sio) = (
        of(outcomes, Kind::Switchboard),
        of(outcomes, Kind::SocketIo),
    );
    if sb.is_empty() || sio.is_empty() {
        return;
    }
    let (sb, sio) = (summary(&sb), summary(&sio));
    out.push_str("### Against the targets\n\n| figure | Switchboard | socket.io | Switchboard / socket.io | target | |\n|---|---|---|---|---|---|\n");
    let verdict = |ok: bool| if ok { "met" } else { "missed" };
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            format!("{:.2}", a / b)
        } else {
            "–".into()
        }
    };
    let mut row =
        |figure: String, ours: String, theirs: String, ratio: String, target: &str, ok: &str| {
            let _ = writeln!(
                out,
                "| {figure} | {ours} | {theirs} | {ratio} | {target} | {ok} |"
            );
        };
    if scenarios.fanout.is_some() {
        let per_core = sb.sustained / cores as f64;
        row(
            format!("deliveries/s per core with p99 < {P99_TARGET_MS} ms ({cores} cores)"),
            format!("{per_core:.0}"),
            format!("{:.0}", sio.sustained / cores as f64),
            ratio(sb.sustained, sio.sustained),
            "≥ 100000",
            verdict(per_core >= DELIVERIES_PER_CORE_TARGET),
        );
        row(
            "peak deliveries/s (any latency)".into(),
            format!("{:.0}", sb.peak),
            format!("{:.0}", sio.peak),
            ratio(sb.peak, sio.peak),
            "≥ 2× socket.io",
            verdict(sb.peak >= 2.0 * sio.peak),
        );
    }
    if scenarios.idle.is_some() {
        for (name, ours, theirs) in [
            ("VmRSS", sb.idle_rss, sio.idle_rss),
            ("RssAnon", sb.idle_anon, sio.idle_anon),
        ] {
            row(
                format!("server {name} per idle connection"),
                format!("{ours:.0} B"),
                format!("{theirs:.0} B"),
                ratio(ours, theirs),
                "≤ 10000 B",
                verdict(ours <= IDLE_BYTES_TARGET),
            );
        }
    }
    if scenarios.dm.is_some() {
        row(
            "DM round trip p50".into(),
            format!("{:.2} ms", sb.dm_p50),
            format!("{:.2} ms", sio.dm_p50),
            ratio(sb.dm_p50, sio.dm_p50),
            "–",
            "",
        );
    }
}

/// The CPU model from /proc/cpuinfo.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
