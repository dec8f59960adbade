//! The HTTP client connectors share, and constant-time secret comparison for webhooks.

use std::time::Duration;

/// A client with timeouts suited to provider APIs. The process uses rustls with ring; the
/// provider is installed here (once) so every caller, tests included, gets a working client.
pub fn client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    // Err means another provider was installed first, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Compares a received secret with the configured one without leaking, through timing, how
/// much of it matched.
pub fn secrets_match(received: &[u8], expected: &[u8]) -> bool {
    if received.len() != expected.len() {
        return false;
    }
    received
        .iter()
        .zip(expected)
        .fold(0u8, |diff, (a, b)| diff | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(secrets_match(b"s3cret", b"s3cret"));
        assert!(!secrets_match(b"s3cret", b"s3creT"));
        assert!(!secrets_match(b"s3cret", b"s3cret-longer"));
    }
}
