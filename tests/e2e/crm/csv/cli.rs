//! `switchboard import` and `switchboard export`, run as the built binary against the test
//! server's database.

use std::{path::PathBuf, process::Output, sync::OnceLock};

use reqwest::StatusCode;

use super::rows;
use crate::{
    crm::get_json,
    support::app::{TempDir, TestApp},
};

crate::on_both_databases!(the_cli_imports_and_exports_a_file_and_lists_the_bad_rows);

/// The `switchboard` binary, built once per test process next to the test binary (cargo
/// builds it for the workspace's own integration tests only).
fn switchboard_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().expect("the test binary's path");
            // target/<profile>/deps/e2e-…
            let profile_dir = exe
                .parent()
                .and_then(|deps| deps.parent())
                .expect("target dir");
            let mut args = vec![
                "build",
                "--offline",
                "-p",
                "gateway",
                "--bin",
                "switchboard",
            ];
            if profile_dir.ends_with("release") {
                args.push("--release");
            }
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            // The test harness's environment (CARGO_PKG_*, NEXTEST_*, …) would change the
            // build's fingerprint and rebuild the binary on every run: pass only what
            // locates the toolchain and shapes the build.
            let mut command = std::process::Command::new(cargo);
            command.env_clear();
            const KEPT: [&str; 8] = [
                "PATH",
                "HOME",
                "CARGO_HOME",
                "RUSTUP_HOME",
                "RUSTUP_TOOLCHAIN",
                "CARGO_TARGET_DIR",
                "CARGO_INCREMENTAL",
                "RUSTFLAGS",
            ];
            for (name, value) in std::env::vars_os() {
                if KEPT.contains(&name.to_string_lossy().as_ref()) {
                    command.env(name, value);
                }
            }
            let status = command
                .args(&args)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("run cargo build");
            assert!(status.success(), "building switchboard failed");
            profile_dir.join("switchboard")
        })
        .clone()
}

async fn run(app: &TestApp, dir: &TempDir, args: &[&str]) -> Output {
    let binary = tokio::task::spawn_blocking(switchboard_binary)
        .await
        .unwrap();
    tokio::process::Command::new(binary)
        .args(args)
        .current_dir(&dir.path)
        .env("DATABASE_URL", &app.database_url)
        .env_remove("RUST_BACKTRACE")
        .env("RUST_LOG", "error")
        .output()
        .await
        .expect("run switchboard")
}

async fn the_cli_imports_and_exports_a_file_and_lists_the_bad_rows(app: TestApp) {
    // Arrange: a good row, a bad phone on line 3, another good row.
    let dir = TempDir::new();
    let file = dir.path.join("people.csv");
    std::fs::write(
        &file,
        "first_name,last_name,phones\nАнна,Иванова,8 916 000-00-01\nBad,Phone,12\nOleg,Smirnov,\n",
    )
    .unwrap();
    let file = file.to_str().unwrap().to_owned();

    // Act
    let imported = run(
        &app,
        &dir,
        &["import", "contacts", &file, "--as", &app.admin_login],
    )
    .await;
    let exported = run(&app, &dir, &["export", "contacts", "--out", "out.csv"]).await;

    // Assert
    let stdout = String::from_utf8_lossy(&imported.stdout);
    let stderr = String::from_utf8_lossy(&imported.stderr);
    assert!(
        !imported.status.success(),
        "a failed row makes the exit non-zero"
    );
    assert!(
        stdout.contains("imported 2 contacts (0 updated), 1 failed"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!("{file}:3, column phones:")),
        "{stderr}"
    );
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let written = std::fs::read_to_string(dir.path.join("out.csv")).unwrap();
    let mut people: Vec<(String, String)> = rows(&written)
        .into_iter()
        .map(|row| (row["first_name"].clone(), row["phones"].clone()))
        .collect();
    people.sort();
    assert_eq!(
        people,
        [
            ("Oleg".to_owned(), String::new()),
            ("Анна".to_owned(), "mobile:+79160000001".to_owned()),
        ]
    );
    // The server sees what the command wrote.
    let admin = app.admin_token().await;
    let list = get_json(&app, "/api/v1/contacts", &admin, StatusCode::OK).await;
    assert_eq!(list["total"], serde_json::json!(2));
    app.stop().await;
}
