//! The workspace's dependency rules (ARCHITECTURE.md, STYLE.md 2–3), checked on the real
//! manifests with `cargo metadata`: adding a forbidden dependency fails this test.

use std::{collections::BTreeMap, process::Command};

use serde_json::Value;

const OURS: [&str; 6] = [
    "crm-core",
    "realtime",
    "connectors",
    "media",
    "gateway",
    "switchboard-tests",
];
/// Crates that tie code to HTTP serving or the command line: the gateway's alone.
const GATEWAY_ONLY: [&str; 4] = ["axum", "tower-http", "clap", "hyper"];

/// Normal (non-dev) dependencies of each workspace crate.
fn dependencies() -> BTreeMap<String, Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            let deps = package["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|dep| dep["kind"].is_null())
                .map(|dep| dep["name"].as_str().unwrap().to_owned())
                .collect();
            (package["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

fn internal(deps: &[String]) -> Vec<&str> {
    deps.iter()
        .map(String::as_str)
        .filter(|dep| OURS.contains(dep))
        .collect()
}

#[test]
fn crm_core_depends_on_no_crate_of_ours() {
    let deps = dependencies();
    assert_eq!(internal(&deps["crm-core"]), Vec::<&str>::new());
}

#[test]
fn connectors_realtime_and_media_depend_only_on_crm_core() {
    let deps = dependencies();
    for name in ["connectors", "realtime", "media"] {
        let found = internal(&deps[name]);
        assert!(
            found.iter().all(|dep| *dep == "crm-core"),
            "{name} depends on {found:?}"
        );
    }
}

#[test]
fn only_the_gateway_depends_on_http_serving_and_cli_crates() {
    for (name, deps) in dependencies() {
        // The gateway is the service's edge; the bench is a standalone load generator.
        if name == "gateway" || name == "bench" {
            continue;
        }
        let forbidden: Vec<&String> = deps
            .iter()
            .filter(|dep| GATEWAY_ONLY.contains(&dep.as_str()))
            .collect();
        assert!(forbidden.is_empty(), "{name} depends on {forbidden:?}");
    }
}

#[test]
fn every_crate_of_ours_is_checked() {
    let deps = dependencies();
    for name in OURS {
        assert!(
            deps.contains_key(name),
            "{name} is missing from the workspace"
        );
    }
}
