//! What the inbound scenario needs around the server: a fresh PostgreSQL database (when
//! asked for), the Telegram Bot API emulator that answers the `getMe` of connecting a bot,
//! and an open line with one online-capable operator and a webhook-mode Telegram channel,
//! all created through the REST API as an administrator would.

use std::{path::Path, process::Stdio, time::Duration};

use anyhow::{Context, bail};
use serde_json::json;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use crate::{
    api::{Api, string},
    server::{Server, nonce},
};

const POSTGRES_ADMIN: &str = "postgres://postgres@127.0.0.1:5432";
const BOT_TOKEN: &str = "123:ABC";
pub const SECRET: &str = "bench-webhook-secret";

/// A database created for one server run on the local PostgreSQL (trust auth), dropped by
/// `drop_now`.
pub struct ScratchDatabase {
    pub name: String,
}

impl ScratchDatabase {
    pub async fn create() -> anyhow::Result<Self> {
        let name = format!("sb_bench_{}", nonce() % 1_000_000_000_000);
        psql(&format!("create database {name}")).await?;
        Ok(Self { name })
    }

    pub fn url(&self) -> String {
        format!("{POSTGRES_ADMIN}/{}", self.name)
    }

    /// Drops the database; its server must have stopped (or the drop forces it off).
    pub async fn drop_now(self) {
        if let Err(error) = psql(&format!(
            "drop database if exists {} with (force)",
            self.name
        ))
        .await
        {
            eprintln!("  could not drop {}: {error:#}", self.name);
        }
    }
}

async fn psql(sql: &str) -> anyhow::Result<()> {
    let output = Command::new("psql")
        .args([POSTGRES_ADMIN, "-v", "ON_ERROR_STOP=1", "-qc", sql])
        .stdin(Stdio::null())
        .output()
        .await
        .context("running psql (is the PostgreSQL client installed?)")?;
    if !output.status.success() {
        bail!(
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// `node tests/peers/telegram.js <port>`, killed when dropped.
pub struct Emulator {
    pub url: String,
    _child: Child,
}

impl Emulator {
    pub async fn start(peers: &Path) -> anyhow::Result<Self> {
        if !peers.join("node_modules").is_dir() {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                .arg(peers)
                .status()
                .await
                .context("running npm ci for the Telegram emulator")?;
            if !status.success() {
                bail!("npm ci --prefix {} failed: {status}", peers.display());
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .context("finding a free port")?
            .port();
        let mut child = Command::new("node")
            .arg("telegram.js")
            .arg(port.to_string())
            .current_dir(peers)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting node telegram.js")?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .context("waiting for the Telegram emulator")??;
        if ready.as_deref() != Some("ready") {
            bail!("the Telegram emulator did not start: {ready:?}");
        }
        Ok(Self {
            url: format!("http://127.0.0.1:{port}"),
            _child: child,
        })
    }
}

/// The open line as the load generator uses it.
pub struct OpenLine {
    pub operator_token: String,
    /// `http://…/webhooks/telegram/{channel}`.
    pub webhook: String,
}

/// An operator, a line where that operator may hold `max_open` conversations, and a
/// Telegram bot on the emulator connected to it in webhook mode with a secret.
pub async fn open_line(
    server: &Server,
    emulator: &Emulator,
    max_open: usize,
) -> anyhow::Result<OpenLine> {
    let (login, password) = server
        .admin
        .clone()
        .context("the Switchboard admin login is unknown")?;
    let api = Api::new(server);
    let admin = api.login(&login, &password).await?;
    let operator_login = format!("inbound{}", nonce() % 1_000_000_000);
    let operator_password = "bench-operator-password";
    let operator = api
        .create_user(&admin, &operator_login, operator_password)
        .await?;
    let operator_token = api.login(&operator_login, operator_password).await?;
    let line = api
        .post(
            Some(&admin),
            "/api/v1/lines",
            json!({"name": "Bench", "operators": [operator], "max_open_per_operator": max_open}),
        )
        .await?;
    let channel = api
        .post(
            Some(&admin),
            "/api/v1/channels/telegram",
            json!({"line_id": line["id"], "token": BOT_TOKEN, "api_url": emulator.url,
                   "webhook_secret": SECRET, "mode": "webhook"}),
        )
        .await?;
    let path = string(&channel["webhook_path"], "webhook_path")?;
    Ok(OpenLine {
        operator_token,
        webhook: format!("{}{path}", server.base_url()),
    })
}
