//! The `switchboard` binary as a user runs it: configuration errors, the documented
//! defaults, and the first start on embedded defaults printing a login that works.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::json;

/// Kills the server if the test fails before stopping it, so no process outlives the run.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An empty working folder, removed on drop.
struct TempDir {
    path: std::path::PathBuf,
}

impl TempDir {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path =
            std::env::temp_dir().join(format!("switchboard-cli-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Self { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn switchboard() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SWITCHBOARD__") || key == "DATABASE_URL" || key == "REDIS_URL" {
            command.env_remove(key);
        }
    }
    command
}

#[test]
fn default_config_prints_the_documented_configuration() {
    let output = switchboard().arg("default-config").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("[database]"));
    assert!(text.contains("url = \"sqlite://data/switchboard.db\""));
}

#[test]
fn an_invalid_value_fails_at_start_naming_the_key_and_the_accepted_values() {
    let dir = TempDir::new();
    let output = switchboard()
        .current_dir(&dir.path)
        .arg("migrate")
        .env("SWITCHBOARD__LOG__FORMAT", "xml")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("log.format") && stderr.contains("`text` or `json`"),
        "{stderr}"
    );

    let output = switchboard()
        .current_dir(&dir.path)
        .arg("migrate")
        .env("DATABASE_URL", "mysql://db/x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("database.url") && stderr.contains("sqlite:, postgres://"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_first_start_on_defaults_prints_a_url_and_an_admin_login_that_works() {
    // Arrange: an empty folder, as on a fresh machine; port 0 so parallel runs do not clash.
    let dir = TempDir::new();
    let mut child = KillOnDrop(
        switchboard()
            .current_dir(&dir.path)
            .env("SWITCHBOARD__HTTP__PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    // Act: read the banner.
    let lines = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take(4)
            .collect::<Vec<_>>()
    });
    let lines = tokio::time::timeout(Duration::from_secs(30), lines)
        .await
        .unwrap()
        .unwrap();
    let url = lines[0]
        .trim_start_matches("Switchboard is listening on ")
        .trim_end_matches('/')
        .to_owned();
    let field = |name: &str| {
        lines
            .iter()
            .find_map(|line| line.trim().strip_prefix(name))
            .map(|value| value.trim().to_owned())
            .unwrap()
    };
    let (login, password) = (field("login:"), field("password:"));
    // Assert
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{url}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let response = http
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(dir.path.join("data/switchboard.db").exists());
    assert!(dir.path.join("data/media").is_dir());
    // SIGTERM drains and exits cleanly.
    Command::new("kill")
        .arg("-TERM")
        .arg(child.0.id().to_string())
        .status()
        .unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let mut child = child;
        child.0.wait()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(status.success(), "{status:?}");
}
