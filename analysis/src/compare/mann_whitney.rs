//! Mann-Whitney U test with the p-value method of `scipy.stats.mannwhitneyu(method="auto")`:
//! the exact null distribution when either group has at most 8 values and there are no ties,
//! otherwise the normal approximation with tie correction and continuity correction. The
//! rank-biserial correlation is reported with it as the effect size.
//!
//! The exact distribution depends only on the two group sizes, so it is built once per size
//! pair and cached ([`ExactCache`]); a whole-layer screen without missing values builds it once.

use super::Estimate;
use crate::distributions::{Z_975, normal_sf};
use crate::outcome::{NotTestable, Outcome};
use crate::ranks::{RankScratch, Ties, average_ranks};
use serde::{Deserialize, Serialize};

/// Groups of at most this size (with no ties) get the exact p-value, as in scipy.
pub const EXACT_MAX_SIZE: usize = 8;

/// How the p-value was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MwuMethod {
    Exact,
    /// Normal approximation, tie-corrected, with continuity correction.
    Asymptotic,
}

/// Mann-Whitney U test of group A vs group B.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MannWhitney {
    /// U statistic of group A (`R_A - n_A (n_A + 1) / 2`), as scipy reports for its first sample.
    pub u: f64,
    pub p_value: f64,
    pub method: MwuMethod,
    /// Rank-biserial correlation `2 U / (n_A n_B) - 1`: +1 when every A value exceeds every B
    /// value. Its 95% interval is `tanh(atanh(r) +- 1.96 se)` with
    /// `se = sqrt((n_A + n_B + 1) / (3 n_A n_B))` (the Fisher-z interval of R's `effectsize`);
    /// at complete separation (r = +-1) it collapses to the point.
    pub rank_biserial: Estimate,
}

/// The exact null distribution of U for one pair of group sizes, as cumulative probabilities
/// `P(U <= u)` for `u` up to `m n / 2` (the rest follows by symmetry).
#[derive(Clone, Debug)]
pub struct ExactDistribution {
    m: usize,
    n: usize,
    cdf: Vec<f64>,
}

impl ExactDistribution {
    /// Builds the distribution from the generating function
    /// `prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i)` in exact integer arithmetic, truncated at
    /// `m n / 2`. Returns `None` when the number of arrangements would not fit in an `i128`
    /// (far beyond any real cohort with a group of <= 8).
    pub fn new(size_a: usize, size_b: usize) -> Option<Self> {
        let (m, n) = (size_a.min(size_b), size_a.max(size_b));
        if m == 0 {
            return None;
        }
        let ln_total: f64 = (1..=m)
            .map(|i| ((n + i) as f64).ln() - (i as f64).ln())
            .sum();
        if ln_total > 36.0 * std::f64::consts::LN_10 {
            return None;
        }
        let max_u = m * n / 2;
        let mut counts = vec![0i128; max_u + 1];
        counts[0] = 1;
        let mut total: i128 = 1;
        for i in 1..=m {
            // Multiply by (1 - q^(n+i)), highest power first so each term uses old values.
            let shift = n + i;
            for k in (shift..=max_u).rev() {
                counts[k] -= counts[k - shift];
            }
            // Divide by (1 - q^i): a running sum with stride i.
            for k in i..=max_u {
                counts[k] += counts[k - i];
            }
            total = total * (n + i) as i128 / i as i128;
        }
        let total = total as f64;
        let mut running: i128 = 0;
        let cdf = counts
            .iter()
            .map(|&c| {
                running += c;
                running as f64 / total
            })
            .collect();
        Some(Self { m, n, cdf })
    }

    /// Two-sided p-value for the larger of the two U statistics, `2 P(U >= u_max)`.
    pub fn two_sided_p(&self, u_max: f64) -> f64 {
        let complement = (self.m * self.n) as f64 - u_max;
        let k = complement.round();
        if k < 0.0 {
            return 0.0;
        }
        let p = self
            .cdf
            .get(k as usize)
            .or(self.cdf.last())
            .copied()
            .unwrap_or(1.0);
        (2.0 * p).min(1.0)
    }

    fn sizes(&self) -> (usize, usize) {
        (self.m, self.n)
    }
}

/// A small per-thread cache of exact distributions keyed by group sizes.
#[derive(Clone, Debug, Default)]
pub struct ExactCache {
    entries: Vec<ExactDistribution>,
}

impl ExactCache {
    const CAPACITY: usize = 32;

    pub fn new() -> Self {
        Self::default()
    }

    /// The distribution for these sizes, built on first use.
    pub fn get(&mut self, size_a: usize, size_b: usize) -> Option<&ExactDistribution> {
        let key = (size_a.min(size_b), size_a.max(size_b));
        if let Some(pos) = self.entries.iter().position(|e| e.sizes() == key) {
            return self.entries.get(pos);
        }
        let dist = ExactDistribution::new(key.0, key.1)?;
        if self.entries.len() >= Self::CAPACITY {
            self.entries.clear();
        }
        self.entries.push(dist);
        self.entries.last()
    }
}

/// Mann-Whitney from the rank sum of group A, for callers that have ranked once for many tests
/// (the rank-based gene-set test, the mutation grid). `ties` describes the pooled ranking.
pub fn from_rank_sum(
    rank_sum_a: f64,
    n_a: usize,
    n_b: usize,
    ties: Ties,
    cache: &mut ExactCache,
) -> Outcome<MannWhitney> {
    if n_a == 0 || n_b == 0 {
        return Err(NotTestable::GroupTooSmall {
            group: if n_a == 0 { "A" } else { "B" }.to_owned(),
            observed: 0,
            required: 1,
        });
    }
    let (na, nb) = (n_a as f64, n_b as f64);
    let total = na + nb;
    let u_a = rank_sum_a - na * (na + 1.0) / 2.0;
    let u_b = na * nb - u_a;
    let u_max = u_a.max(u_b);

    let exact = if n_a.min(n_b) <= EXACT_MAX_SIZE && !ties.any {
        cache.get(n_a, n_b).map(|d| d.two_sided_p(u_max))
    } else {
        None
    };
    let (p_value, method) = match exact {
        Some(p) => (p, MwuMethod::Exact),
        None => {
            let variance =
                na * nb / 12.0 * ((total + 1.0) - ties.tie_term / (total * (total - 1.0)));
            if variance.is_nan() || variance <= 0.0 {
                return Err(NotTestable::ConstantValues);
            }
            let z = (u_max - na * nb / 2.0 - 0.5) / variance.sqrt();
            ((2.0 * normal_sf(z)).min(1.0), MwuMethod::Asymptotic)
        }
    };

    let r = 2.0 * u_a / (na * nb) - 1.0;
    let se = ((total + 1.0) / (3.0 * na * nb)).sqrt();
    let z = r.atanh();
    Ok(MannWhitney {
        u: u_a,
        p_value,
        method,
        rank_biserial: Estimate {
            value: r,
            ci_low: (z - Z_975 * se).tanh(),
            ci_high: (z + Z_975 * se).tanh(),
        },
    })
}

/// Buffers for ranking the pooled values of two groups.
#[derive(Clone, Debug, Default)]
pub struct MwuScratch {
    pooled: Vec<f64>,
    ranks: Vec<f64>,
    rank: RankScratch,
    pub(crate) cache: ExactCache,
}

impl MwuScratch {
    pub fn new() -> Self {
        Self::default()
    }
}

/// Mann-Whitney U test of `a` vs `b` (observed values only; NaN must be filtered out first).
pub fn mann_whitney_with(a: &[f64], b: &[f64], scratch: &mut MwuScratch) -> Outcome<MannWhitney> {
    scratch.pooled.clear();
    scratch.pooled.extend_from_slice(a);
    scratch.pooled.extend_from_slice(b);
    let ties = average_ranks(&scratch.pooled, &mut scratch.ranks, &mut scratch.rank);
    let rank_sum_a: f64 = scratch.ranks.iter().take(a.len()).sum();
    from_rank_sum(rank_sum_a, a.len(), b.len(), ties, &mut scratch.cache)
}

/// Mann-Whitney U test of `a` vs `b`; NaN values are dropped. All-equal input is
/// [`NotTestable::ConstantValues`] (the tie-corrected variance is zero).
pub fn mann_whitney(a: &[f64], b: &[f64]) -> Outcome<MannWhitney> {
    let a: Vec<f64> = a.iter().copied().filter(|v| v.is_finite()).collect();
    let b: Vec<f64> = b.iter().copied().filter(|v| v.is_finite()).collect();
    mann_whitney_with(&a, &b, &mut MwuScratch::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_distribution_small_case() {
        // m = n = 2: U takes 0,1,2,2,3,4 over the 6 arrangements -> P(U <= 0) = 1/6,
        // P(U <= 1) = 2/6, P(U <= 2) = 4/6.
        let d = ExactDistribution::new(2, 2).unwrap();
        assert_eq!(d.cdf.len(), 3);
        assert!((d.cdf[0] - 1.0 / 6.0).abs() < 1e-15);
        assert!((d.cdf[1] - 2.0 / 6.0).abs() < 1e-15);
        assert!((d.cdf[2] - 4.0 / 6.0).abs() < 1e-15);
        assert!((d.two_sided_p(4.0) - 1.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn scipy_docstring_example() {
        // scipy.stats.mannwhitneyu(males, females, method="exact") -> U = 17, p = 1/9.
        let males = [19.0, 22.0, 16.0, 29.0, 24.0];
        let females = [20.0, 11.0, 17.0, 12.0];
        let r = mann_whitney(&males, &females).unwrap();
        assert_eq!(r.u, 17.0);
        assert_eq!(r.method, MwuMethod::Exact);
        assert!((r.p_value - 0.111_111_111_111_111_1).abs() < 1e-15);
        assert!((r.rank_biserial.value - (2.0 * 17.0 / 20.0 - 1.0)).abs() < 1e-15);
    }

    #[test]
    fn total_separation_gives_rank_biserial_one() {
        let r = mann_whitney(&[10.0, 11.0, 12.0], &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(r.rank_biserial.value, 1.0);
        assert!((r.p_value - 0.1).abs() < 1e-15); // 2 / C(6,3)
    }

    #[test]
    fn empty_or_constant_is_not_testable() {
        assert!(mann_whitney(&[1.0], &[]).is_err());
        assert_eq!(
            mann_whitney(&[1.0, 1.0], &[1.0, f64::NAN]).unwrap_err(),
            NotTestable::ConstantValues
        );
    }
}
