//! Locating the Redis the end-to-end tests run against. Owns the skip-or-fail policy: a
//! missing Redis skips Redis tests on a laptop but fails the run when `CI=true`.
#![allow(clippy::expect_used)]

use std::time::Duration;

/// Used when `TEST_REDIS_URL` is not set.
const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// The URL of a Redis that answers `PING`, or `None` (after printing a skip notice) when
/// there is none and we are not in CI.
///
/// # Panics
/// When Redis does not answer and the environment variable `CI` is `"true"`: CI must
/// exercise the Redis bus, never silently skip it.
pub async fn redis_url() -> Option<String> {
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.to_owned());
    match ping(&url).await {
        Ok(()) => Some(url),
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("Redis is required when CI=true: no answer to PING at {url}: {e}")
        }
        Err(e) => {
            eprintln!("skipping: no Redis at {url} ({e}); set TEST_REDIS_URL to run Redis tests");
            None
        }
    }
}

async fn ping(url: &str) -> Result<(), String> {
    let attempt = async {
        let client = redis::Client::open(url)?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<()>(&mut conn).await
    };
    match tokio::time::timeout(Duration::from_secs(3), attempt).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("timed out after 3 s".to_owned()),
    }
}

/// Kills the connection whose `CLIENT SETNAME` is `client_name` (`CLIENT KILL ID`), leaving
/// every other client, including other tests' buses, untouched.
///
/// # Panics
/// When Redis cannot be reached or no client has that name.
pub async fn kill_client_named(url: &str, client_name: &str) {
    let client = redis::Client::open(url).expect("valid Redis URL");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to Redis");
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(&mut conn)
        .await
        .expect("CLIENT LIST");
    let wanted = format!("name={client_name}");
    let id = list
        .lines()
        .filter(|line| line.split(' ').any(|field| field == wanted))
        .find_map(|line| line.split(' ').find_map(|field| field.strip_prefix("id=")))
        .unwrap_or_else(|| panic!("no Redis client named {client_name} in CLIENT LIST"))
        .to_owned();
    let killed: usize = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(&id)
        .query_async(&mut conn)
        .await
        .expect("CLIENT KILL ID");
    assert_eq!(killed, 1, "CLIENT KILL ID {id} should kill one connection");
}
