//! Confidence intervals for a rate of rare events counted over independent repetitions: how many
//! false hypotheses a label-shuffled run produces, on average, with its uncertainty.
//!
//! The interval is Garwood's exact Poisson interval (Garwood 1936, Biometrika 28:437) for the
//! total count over the `runs` repetitions, divided by `runs`:
//! `[chi2_q(a/2; 2x) / 2, chi2_q(1 - a/2; 2x + 2) / 2] / runs` for a total of `x`.
//! Why this one rather than a t or bootstrap interval for the mean of the per-run counts: with
//! about ten runs whose counts are mostly zero, the t interval is symmetric about a skewed mean
//! (and can go below zero) and the bootstrap has almost no distinct resamples; both collapse to
//! `[0, 0]` when every run counted zero, which is exactly when the upper bound matters (ten clean
//! runs bound the mean at 0.37 per run, not at 0). Garwood's interval covers at least the
//! nominal level for any Poisson mean. It assumes the events are independent; hypotheses that
//! come in clusters (several from one chance analysis) are over-dispersed, which makes it too
//! narrow, so [`RateInterval::dispersion`] (variance over mean of the per-run counts, 1 for
//! Poisson) is reported beside it for the reader to judge.

use crate::distributions::chi2_sf;

/// A mean count per run with its interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateInterval {
    /// Mean count per run.
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
    /// Variance over mean of the per-run counts (NaN with fewer than two runs or a zero mean).
    pub dispersion: f64,
}

/// Garwood's exact interval for the mean per-run count of `counts` (one count per independent
/// run) at confidence `level`; `None` without runs or with a level outside (0, 1).
pub fn poisson_rate_interval(counts: &[usize], level: f64) -> Option<RateInterval> {
    if counts.is_empty() || !(level > 0.0 && level < 1.0) {
        return None;
    }
    let runs = counts.len() as f64;
    let total: usize = counts.iter().sum();
    let (low, high) = garwood(total as f64, 1.0 - level);
    let mean = total as f64 / runs;
    let dispersion = if counts.len() >= 2 && mean > 0.0 {
        let var = counts
            .iter()
            .map(|&c| (c as f64 - mean).powi(2))
            .sum::<f64>()
            / (runs - 1.0);
        var / mean
    } else {
        f64::NAN
    };
    Some(RateInterval {
        mean,
        low: low / runs,
        high: high / runs,
        level,
        dispersion,
    })
}

/// Garwood's two-sided interval for a Poisson mean from one observed count `x`.
fn garwood(x: f64, alpha: f64) -> (f64, f64) {
    let low = if x == 0.0 {
        0.0
    } else {
        chi2_quantile(alpha / 2.0, 2.0 * x) / 2.0
    };
    (low, chi2_quantile(1.0 - alpha / 2.0, 2.0 * x + 2.0) / 2.0)
}

/// The `p`-quantile of a chi-square distribution, by bisection on its survival function (which
/// is monotone, so bisection cannot fail; 200 halvings reach double precision from any bracket).
fn chi2_quantile(p: f64, df: f64) -> f64 {
    let target = 1.0 - p;
    let mut hi = df.max(1.0);
    while chi2_sf(hi, df) > target {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if chi2_sf(mid, df) > target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degenerate_input_has_no_interval() {
        assert!(poisson_rate_interval(&[], 0.95).is_none());
        assert!(poisson_rate_interval(&[1, 2], 1.0).is_none());
        assert!(poisson_rate_interval(&[1, 2], f64::NAN).is_none());
    }

    #[test]
    fn all_zero_runs_still_bound_the_rate() {
        let r = poisson_rate_interval(&[0; 10], 0.95).unwrap();
        assert_eq!((r.mean, r.low), (0.0, 0.0));
        // -ln(0.025) / 10: the exact upper bound for zero events.
        assert!(
            (r.high - 0.025f64.ln().abs() / 10.0).abs() < 1e-10,
            "{}",
            r.high
        );
        assert!(r.dispersion.is_nan());
    }
}
