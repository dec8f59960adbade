//! The servers under test: a `switchboard` release binary started in a scratch directory
//! with a fresh database, the socket.io baseline started with `node`, or a server that is
//! already running. Only the process boundary is used: the printed URL and admin login.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use anyhow::{Context, bail};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Switchboard,
    SocketIo,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Switchboard => "switchboard",
            Kind::SocketIo => "socket.io",
        }
    }
}

/// A running server and what a client needs to reach it.
pub struct Server {
    pub kind: Kind,
    pub addr: SocketAddr,
    /// The process to read memory and CPU from, when it is on this machine.
    pub pid: Option<u32>,
    /// The administrator's login and password (Switchboard only).
    pub admin: Option<(String, String)>,
    child: Option<Child>,
    scratch: Option<PathBuf>,
}

impl Server {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Starts `switchboard serve` on a free loopback port with the default embedded setup
    /// (SQLite, in-process bus) in a new scratch directory, and reads the first admin login.
    /// `database_url` replaces the embedded SQLite (a fresh PostgreSQL database).
    pub async fn switchboard(binary: &Path, database_url: Option<&str>) -> anyhow::Result<Self> {
        Self::start_switchboard(binary, database_url, true).await
    }

    /// Starts `switchboard serve` on a database that already has its users (a filled data
    /// set): no first administrator is printed, so only the address is awaited.
    pub async fn switchboard_on(binary: &Path, database_url: &str) -> anyhow::Result<Self> {
        Self::start_switchboard(binary, Some(database_url), false).await
    }

    async fn start_switchboard(
        binary: &Path,
        database_url: Option<&str>,
        first_admin: bool,
    ) -> anyhow::Result<Self> {
        // The server runs in the scratch directory, so a relative path must be resolved first.
        let binary = &std::fs::canonicalize(binary).with_context(|| {
            format!(
                "{} not found; build it with cargo build --release -p gateway",
                binary.display()
            )
        })?;
        let scratch = std::env::temp_dir().join(format!(
            "switchboard-bench-{}-{}",
            std::process::id(),
            nonce()
        ));
        std::fs::create_dir_all(&scratch)
            .with_context(|| format!("creating {}", scratch.display()))?;
        let log = std::fs::File::create(scratch.join("server.log")).context("creating the log")?;
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .current_dir(&scratch)
            .env("SWITCHBOARD__HTTP__HOST", "127.0.0.1")
            .env("SWITCHBOARD__HTTP__PORT", "0")
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .env_remove("RUST_LOG")
            .stderr(Stdio::from(log));
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        match Self::spawn(Kind::Switchboard, command, &scratch, binary, first_admin).await {
            Ok(mut server) => {
                server.scratch = Some(scratch);
                Ok(server)
            }
            Err(error) => {
                let _ = std::fs::remove_dir_all(&scratch);
                Err(error)
            }
        }
    }

    /// Starts `node server.js 0` from the socket.io baseline directory, installing its
    /// locked dependencies with `npm ci` the first time.
    pub async fn socket_io(dir: &Path) -> anyhow::Result<Self> {
        if !dir.join("node_modules").is_dir() {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(dir)
                .status()
                .await
                .context("running npm ci for the socket.io baseline")?;
            if !status.success() {
                bail!("npm ci in {} failed: {status}", dir.display());
            }
        }
        let mut command = Command::new("node");
        command
            .args(["server.js", "0"])
            .current_dir(dir)
            .stderr(Stdio::inherit());
        Self::spawn(Kind::SocketIo, command, dir, Path::new("node"), false).await
    }

    /// A server started by someone else; `pid` enables the memory and CPU readings.
    pub fn external(
        kind: Kind,
        url: &str,
        admin: Option<(String, String)>,
        pid: Option<u32>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            kind,
            addr: parse_url(url)?,
            pid,
            admin,
            child: None,
            scratch: None,
        })
    }

    async fn spawn(
        kind: Kind,
        mut command: Command,
        dir: &Path,
        program: &Path,
        first_admin: bool,
    ) -> anyhow::Result<Self> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {} in {}", program.display(), dir.display()))?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        let mut lines = BufReader::new(stdout).lines();
        let banner = async {
            let mut addr = None;
            let mut login = None;
            while let Some(line) = lines.next_line().await? {
                if let Some(url) = line.split("listening on ").nth(1) {
                    addr = Some(parse_url(url)?);
                } else if let Some(value) = line.trim().strip_prefix("login:") {
                    login = Some(value.trim().to_owned());
                } else if let Some(value) = line.trim().strip_prefix("password:") {
                    let admin = login.take().map(|l| (l, value.trim().to_owned()));
                    return Ok::<_, anyhow::Error>((addr, admin));
                }
                if !first_admin && addr.is_some() {
                    return Ok((addr, None));
                }
            }
            bail!("{} exited before printing its address", program.display())
        };
        let (addr, admin) = tokio::time::timeout(STARTUP_TIMEOUT, banner)
            .await
            .context("waiting for the server to start")??;
        let addr = addr.context("the server printed no address")?;
        // Later output is read and dropped so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            kind,
            addr,
            pid: child.id(),
            admin,
            child: Some(child),
            scratch: None,
        })
    }

    /// Stops a server this program started and removes its scratch directory.
    pub async fn stop(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
        if let Some(scratch) = self.scratch.take() {
            let _ = std::fs::remove_dir_all(scratch);
        }
    }
}

/// `http://127.0.0.1:8080/` (or `ws://…`, with or without a path) to its socket address.
pub fn parse_url(url: &str) -> anyhow::Result<SocketAddr> {
    let rest = url
        .trim()
        .split_once("://")
        .map_or(url.trim(), |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    authority
        .parse()
        .with_context(|| format!("{url:?} is not http://<ip>:<port>/"))
}

/// A value that differs between calls within one process, for unique names.
pub fn nonce() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_url_gives_the_socket_address() {
        let addr = parse_url("http://127.0.0.1:40123/").unwrap();
        assert_eq!(addr.port(), 40123);
        assert!(parse_url("ws://127.0.0.1:9/api").is_ok());
        assert!(parse_url("http://localhost:80/").is_err());
    }
}
