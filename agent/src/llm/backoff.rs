//! Delays between transport retries: exponential, capped, with jitter.
//!
//! Jitter comes from SplitMix64 over an atomic counter: lock-free, shareable by `&self` across
//! concurrent calls, and reproducible from a seed, so tests can pin it and need no `rand`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// Computes how long to wait before retry number `retry` (0 for the first retry).
#[derive(Debug)]
pub(crate) struct Backoff {
    base: Duration,
    max: Duration,
    state: AtomicU64,
}

impl Backoff {
    pub(crate) fn new(base: Duration, max: Duration, seed: u64) -> Self {
        Self {
            base,
            max,
            state: AtomicU64::new(seed),
        }
    }

    /// `base * 2^retry`, capped at `max`, then scaled into `[½, 1]` of itself ("equal jitter"):
    /// waits still grow, yet clients that failed together do not retry together.
    pub(crate) fn delay(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(30));
        let full = self.base.saturating_mul(factor).min(self.max);
        full.mul_f64(0.5 + 0.5 * self.next_unit())
    }

    /// Next value of the SplitMix64 sequence, as a float in `[0, 1)`.
    fn next_unit(&self) -> f64 {
        let mut z = self
            .state
            .fetch_add(GOLDEN_GAMMA, Ordering::Relaxed)
            .wrapping_add(GOLDEN_GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_within_jitter_bounds() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(60), 7);
        for retry in 0..6 {
            let full = Duration::from_millis(100 * (1 << retry));
            let delay = backoff.delay(retry);
            assert!(
                delay >= full / 2 && delay <= full,
                "retry {retry}: {delay:?}"
            );
        }
    }

    #[test]
    fn delays_are_capped() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1), 1);
        for retry in [10, 31, 1000, u32::MAX] {
            assert!(backoff.delay(retry) <= Duration::from_secs(1));
        }
    }

    #[test]
    fn same_seed_same_sequence_and_jitter_varies() {
        let a = Backoff::new(Duration::from_secs(1), Duration::from_secs(1), 42);
        let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(1), 42);
        let first: Vec<Duration> = (0..8).map(|_| a.delay(0)).collect();
        let second: Vec<Duration> = (0..8).map(|_| b.delay(0)).collect();
        assert_eq!(first, second);
        let distinct: std::collections::BTreeSet<_> = first.iter().collect();
        assert!(distinct.len() > 4, "jitter should vary: {first:?}");
    }

    #[test]
    fn zero_base_means_no_wait() {
        let backoff = Backoff::new(Duration::ZERO, Duration::from_secs(1), 3);
        assert_eq!(backoff.delay(5), Duration::ZERO);
    }
}
