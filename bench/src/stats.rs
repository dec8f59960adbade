//! Measurement helpers: a lock-free latency histogram, medians, and readings of a process's
//! memory and CPU time from `/proc`. Nothing here talks to a server.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;

/// Values below this are counted exactly (one bucket per microsecond).
const LINEAR: u64 = 128;
/// Sub-buckets per power of two above `LINEAR`: a relative precision of 1/64.
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
/// Values are clamped below 2^40 µs (about 12 days).
const MAX_EXP: u32 = 40;
const BUCKETS: usize = (LINEAR + (MAX_EXP as u64 - 7) * SUB) as usize;

/// A log-linear histogram of microsecond latencies that many tasks record into at once,
/// in the spirit of HdrHistogram: exact below 128 µs, within 1/64 above.
pub struct Histogram {
    counts: Vec<AtomicU64>,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl Histogram {
    pub fn record(&self, micros: u64) {
        let index = bucket(micros.min((1 << MAX_EXP) - 1));
        if let Some(count) = self.counts.get(index) {
            count.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// The value at quantile `q` (0..=1), in microseconds; 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        let total = self.count();
        if total == 0 {
            return 0;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count.load(Ordering::Relaxed);
            if seen >= rank {
                return middle(index);
            }
        }
        0
    }

    /// The largest recorded value (to the bucket's precision).
    pub fn max(&self) -> u64 {
        self.counts
            .iter()
            .rposition(|c| c.load(Ordering::Relaxed) > 0)
            .map_or(0, middle)
    }
}

fn bucket(value: u64) -> usize {
    if value < LINEAR {
        return value as usize;
    }
    let exp = 63 - value.leading_zeros();
    let mantissa = (value >> (exp - SUB_BITS)) - SUB;
    (LINEAR + u64::from(exp - 7) * SUB + mantissa) as usize
}

/// The middle of a bucket's range.
fn middle(index: usize) -> u64 {
    let index = index as u64;
    if index < LINEAR {
        return index;
    }
    let exp = 7 + (index - LINEAR) / SUB;
    let mantissa = SUB + (index - LINEAR) % SUB;
    let width = 1u64 << (exp - u64::from(SUB_BITS));
    mantissa * width + width / 2
}

/// The median of the values (the mean of the middle two for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Resident memory of a process, from `/proc/<pid>/status`, in bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    /// `VmRSS`: everything resident (anonymous, file-backed and shared).
    pub rss: u64,
    /// `RssAnon`: resident anonymous memory (heap, stacks) — what connections allocate.
    pub anon: u64,
}

pub fn memory(pid: u32) -> anyhow::Result<Memory> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let field = |name: &str| -> anyhow::Result<u64> {
        let line = status
            .lines()
            .find(|line| line.starts_with(name))
            .with_context(|| format!("{path} has no {name}"))?;
        let kib: u64 = line
            .trim_start_matches(name)
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .with_context(|| format!("parsing {line:?}"))?;
        Ok(kib * 1024)
    };
    Ok(Memory {
        rss: field("VmRSS:")?,
        anon: field("RssAnon:")?,
    })
}

/// User plus system CPU time a process has used, in seconds, from `/proc/<pid>/stat`.
/// Linux reports it in USER_HZ ticks, which are 1/100 s on every mainstream architecture.
pub fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    const USER_HZ: f64 = 100.0;
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // The command name may contain spaces; fields are counted after its closing parenthesis,
    // where field 3 (state) comes first, so utime (14) and stime (15) are the 12th and 13th.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .with_context(|| format!("parsing {path}"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |index: usize| -> anyhow::Result<f64> {
        let raw = fields
            .get(index)
            .with_context(|| format!("{path} is too short"))?;
        Ok(raw
            .parse::<u64>()
            .with_context(|| format!("parsing {raw:?}"))? as f64)
    };
    Ok((ticks(11)? + ticks(12)?) / USER_HZ)
}

/// CPU seconds the whole machine has spent busy (all but idle and iowait), from
/// `/proc/stat`: with the server's and the load generator's own, what else ran meanwhile.
pub fn machine_busy_seconds() -> anyhow::Result<f64> {
    const USER_HZ: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
    let line = stat
        .lines()
        .find(|l| l.starts_with("cpu "))
        .context("/proc/stat has no cpu line")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .context("parsing /proc/stat")?;
    // user nice system idle iowait irq softirq steal; guest time is already in user.
    let total: u64 = ticks.iter().take(8).sum();
    let idle =
        ticks.get(3).copied().unwrap_or_default() + ticks.get(4).copied().unwrap_or_default();
    Ok(total.saturating_sub(idle) as f64 / USER_HZ)
}

/// Datagrams dropped so far on the UDP sockets process `pid` holds (the `drops` column of
/// `/proc/net/udp` for the inodes behind its descriptors): tells the server's socket apart
/// from the synthetic peers'.
pub fn udp_socket_drops(pid: u32) -> anyhow::Result<u64> {
    let inodes: std::collections::HashSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .with_context(|| format!("listing /proc/{pid}/fd"))?
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy();
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_owned(),
            )
        })
        .collect();
    let mut drops = 0;
    for table in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if let (Some(inode), Some(dropped)) = (fields.get(9), fields.get(12))
                && inodes.contains(*inode)
            {
                drops += dropped.parse::<u64>().unwrap_or(0);
            }
        }
    }
    Ok(drops)
}

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` prints them.
pub fn load_average() -> anyhow::Result<String> {
    let load = std::fs::read_to_string("/proc/loadavg").context("reading /proc/loadavg")?;
    Ok(load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" "))
}

/// How many more files a process may open: its soft `Max open files` limit less the
/// descriptors it holds, from `/proc/<pid>/limits` and `/proc/<pid>/fd`.
pub fn fd_headroom(pid: u32) -> anyhow::Result<usize> {
    let path = format!("/proc/{pid}/limits");
    let limits = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let soft = limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next())
        .with_context(|| format!("{path} has no open-file limit"))?;
    let soft: usize = match soft {
        "unlimited" => usize::MAX,
        number => number
            .parse()
            .with_context(|| format!("parsing {number:?}"))?,
    };
    let open = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .with_context(|| format!("listing /proc/{pid}/fd"))?
        .count();
    Ok(soft.saturating_sub(open))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact_and_large_ones_within_two_percent() {
        for value in [0, 1, 127, 128, 1_000, 49_999, 1_234_567, 3_000_000_000] {
            let found = middle(bucket(value)) as f64;
            assert!(
                (found - value as f64).abs() <= value as f64 / 50.0,
                "{value} -> {found}"
            );
        }
        assert_eq!(middle(bucket(100)), 100);
    }

    #[test]
    fn quantiles_follow_the_recorded_distribution() {
        let histogram = Histogram::default();
        for value in 1..=1_000 {
            histogram.record(value);
        }
        assert_eq!(histogram.count(), 1_000);
        let p50 = histogram.quantile(0.5) as f64;
        let p99 = histogram.quantile(0.99) as f64;
        assert!((p50 - 500.0).abs() < 10.0, "{p50}");
        assert!((p99 - 990.0).abs() < 20.0, "{p99}");
        assert!((histogram.max() as f64 - 1_000.0).abs() < 20.0);
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn this_process_has_memory_and_cpu_readings() {
        let memory = memory(std::process::id()).unwrap();
        assert!(memory.rss > 0 && memory.anon <= memory.rss);
        assert!(cpu_seconds(std::process::id()).unwrap() >= 0.0);
        assert!(fd_headroom(std::process::id()).unwrap() > 0);
        assert!(machine_busy_seconds().unwrap() > 0.0);
    }
}
