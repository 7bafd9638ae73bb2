//! Limits failed logins per client address, so a chosen token cannot be guessed at network
//! speed: after [`MAX_FAILURES`] wrong tokens within [`WINDOW`], that address gets 429 until the
//! window has passed. Successful logins are never counted.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: u32 = 5;
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses tracked at once; stale entries are dropped first.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl LoginThrottle {
    /// `Some(seconds to wait)` while `client` is locked out.
    pub fn locked_out(&self, client: IpAddr) -> Option<u64> {
        let failures = self.failures.lock().ok()?;
        let (count, since) = failures.get(&client)?;
        let elapsed = since.elapsed();
        (*count >= MAX_FAILURES && elapsed < WINDOW).then(|| (WINDOW - elapsed).as_secs().max(1))
    }

    /// Counts a wrong token from `client`.
    pub fn failed(&self, client: IpAddr) {
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let entry = failures.entry(client).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_out_after_the_allowed_failures_per_address() {
        let throttle = LoginThrottle::default();
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        for _ in 0..MAX_FAILURES - 1 {
            throttle.failed(a);
        }
        assert_eq!(throttle.locked_out(a), None);
        throttle.failed(a);
        assert!(throttle.locked_out(a).is_some_and(|s| s <= 60));
        assert_eq!(throttle.locked_out(b), None, "other addresses unaffected");
    }
}
