//! Throttling of failed logins, per account and per client address: after too many failures
//! within a window the key is locked for a while, whatever password comes next. Counts live
//! in this process; with several nodes each node enforces the limits on its own share.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::settings::AuthSettings;

pub struct LoginThrottle {
    accounts: Mutex<HashMap<String, Failures>>,
    addresses: Mutex<HashMap<String, Failures>>,
    max_per_account: u32,
    max_per_address: u32,
    window: Duration,
    lockout: Duration,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    first_at: Instant,
    locked_until: Option<Instant>,
}

/// Entries kept before stale ones are swept, bounding memory under a spray of logins.
const SWEEP_THRESHOLD: usize = 10_000;

impl LoginThrottle {
    pub fn new(settings: &AuthSettings) -> Self {
        Self {
            accounts: Mutex::default(),
            addresses: Mutex::default(),
            max_per_account: settings.max_failures_per_account,
            max_per_address: settings.max_failures_per_address,
            window: Duration::from_secs(settings.failure_window_secs),
            lockout: Duration::from_secs(settings.lockout_secs),
        }
    }

    /// `Err(seconds)` while the account or the address is locked.
    pub fn check(&self, login: &str, addr: Option<&str>, now: Instant) -> Result<(), u64> {
        let account = remaining(&self.accounts, &login.to_lowercase(), now);
        let address = addr.and_then(|addr| remaining(&self.addresses, addr, now));
        match account.max(address) {
            Some(wait) => Err(wait.as_secs().max(1)),
            None => Ok(()),
        }
    }

    pub fn failed(&self, login: &str, addr: Option<&str>, now: Instant) {
        self.count(
            &self.accounts,
            &login.to_lowercase(),
            self.max_per_account,
            now,
        );
        if let Some(addr) = addr {
            self.count(&self.addresses, addr, self.max_per_address, now);
        }
    }

    /// A successful login clears the account's failures (not the address's: one correct
    /// password must not reset a spray across many accounts).
    pub fn succeeded(&self, login: &str) {
        if let Ok(mut accounts) = self.accounts.lock() {
            accounts.remove(&login.to_lowercase());
        }
    }

    fn count(&self, map: &Mutex<HashMap<String, Failures>>, key: &str, max: u32, now: Instant) {
        let Ok(mut map) = map.lock() else { return };
        if map.len() >= SWEEP_THRESHOLD {
            let window = self.window;
            map.retain(|_, f| {
                now.duration_since(f.first_at) < window || f.locked_until.is_some_and(|t| t > now)
            });
        }
        let entry = map.entry(key.to_owned()).or_insert(Failures {
            count: 0,
            first_at: now,
            locked_until: None,
        });
        if now.duration_since(entry.first_at) >= self.window
            && entry.locked_until.is_none_or(|t| t <= now)
        {
            *entry = Failures {
                count: 0,
                first_at: now,
                locked_until: None,
            };
        }
        entry.count += 1;
        if entry.count >= max {
            entry.locked_until = Some(now + self.lockout);
        }
    }
}

fn remaining(map: &Mutex<HashMap<String, Failures>>, key: &str, now: Instant) -> Option<Duration> {
    let map = map.lock().ok()?;
    let locked_until = map.get(key)?.locked_until?;
    (locked_until > now).then(|| locked_until - now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(&AuthSettings {
            max_failures_per_account: 3,
            max_failures_per_address: 5,
            failure_window_secs: 60,
            lockout_secs: 120,
            ..AuthSettings::default()
        })
    }

    #[test]
    fn an_account_locks_after_the_limit_and_unlocks_after_the_lockout() {
        let throttle = throttle();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(throttle.check("anna", None, start).is_ok());
            throttle.failed("anna", None, start);
        }
        assert_eq!(throttle.check("ANNA", None, start), Err(120));
        assert!(throttle.check("boris", None, start).is_ok());
        assert!(
            throttle
                .check("anna", None, start + Duration::from_secs(121))
                .is_ok()
        );
    }

    #[test]
    fn one_address_trying_many_accounts_is_locked() {
        let throttle = throttle();
        let now = Instant::now();
        for n in 0..5 {
            throttle.failed(&format!("user{n}"), Some("10.0.0.9"), now);
        }
        assert!(
            throttle
                .check("someone-else", Some("10.0.0.9"), now)
                .is_err()
        );
        assert!(
            throttle
                .check("someone-else", Some("10.0.0.10"), now)
                .is_ok()
        );
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up() {
        let throttle = throttle();
        let start = Instant::now();
        throttle.failed("anna", None, start);
        throttle.failed("anna", None, start);
        throttle.failed("anna", None, start + Duration::from_secs(61));
        assert!(
            throttle
                .check("anna", None, start + Duration::from_secs(61))
                .is_ok()
        );
    }
}
