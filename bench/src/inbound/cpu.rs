//! Who used the CPU during a phase: the server, the PostgreSQL backends serving its
//! database (found by their process title, `postgres: … <user> <database> …`), this load
//! generator, and everything else on the machine.

use std::collections::HashMap;

use crate::stats::{cpu_seconds, machine_busy_seconds};

#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    server: f64,
    postgres: HashMap<u32, f64>,
    bench: f64,
    machine: f64,
}

/// Cores in use over an interval (CPU seconds per second).
#[derive(Clone, Copy, Debug, Default)]
pub struct Cores {
    pub server: f64,
    pub postgres: f64,
    pub bench: f64,
    pub others: f64,
}

pub fn snapshot(server: Option<u32>, database: Option<&str>) -> Snapshot {
    Snapshot {
        server: server
            .and_then(|pid| cpu_seconds(pid).ok())
            .unwrap_or_default(),
        postgres: database.map(backends).unwrap_or_default(),
        bench: cpu_seconds(std::process::id()).unwrap_or_default(),
        machine: machine_busy_seconds().unwrap_or_default(),
    }
}

impl Snapshot {
    /// Cores used from `self` to `later`, over `seconds`. Backends that started in between
    /// count from zero.
    pub fn until(&self, later: &Snapshot, seconds: f64) -> Cores {
        let server = later.server - self.server;
        let postgres: f64 = later
            .postgres
            .iter()
            .map(|(pid, cpu)| cpu - self.postgres.get(pid).copied().unwrap_or_default())
            .sum();
        let bench = later.bench - self.bench;
        let machine = later.machine - self.machine;
        let seconds = seconds.max(1e-9);
        Cores {
            server: server / seconds,
            postgres: postgres.max(0.0) / seconds,
            bench: bench / seconds,
            others: (machine - server - postgres - bench).max(0.0) / seconds,
        }
    }
}

/// CPU seconds of every PostgreSQL backend connected to `database`.
fn backends(database: &str) -> HashMap<u32, f64> {
    let needle = format!(" {database} ");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return HashMap::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|title| {
                let title = String::from_utf8_lossy(&title);
                title.starts_with("postgres:") && title.contains(&needle)
            })
        })
        .filter_map(|pid| Some((pid, cpu_seconds(pid).ok()?)))
        .collect()
}
