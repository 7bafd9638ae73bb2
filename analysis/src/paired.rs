//! Paired two-sample tests for matched designs, e.g. tumour versus normal tissue of the same
//! patient (CPTAC cohorts have both): the paired t-test and the Wilcoxon signed-rank test on the
//! within-patient differences, as `scipy.stats.ttest_rel` and `scipy.stats.wilcoxon(
//! zero_method="wilcox", correction=False, method="auto")`. The patient-blocked linear model
//! (`~ patient + group`, moderated or not) is in [`crate::moderated::moderated_paired`] and
//! [`crate::regression`].
//!
//! Pairs are found once per study ([`Pairs::within`]); each feature is then tested on the pairs
//! where both values are observed.

use crate::compare::{Estimate, TTest};
use crate::distributions::{normal_sf, t_quantile, t_two_sided_p};
use crate::groups::{GroupLabels, Membership, TwoGroups};
use crate::outcome::{NotTestable, Outcome};
use crate::ranks::{RankScratch, average_ranks};
use datasets::{Matrix, SampleId};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Pairs with at most this many differences (zeros included) and no ties or zeros get the exact
/// null distribution, as scipy.
pub const WILCOXON_EXACT_MAX: usize = 50;
/// With ties or zeros, scipy enumerates all sign flips up to this many differences.
pub const WILCOXON_PERMUTATION_MAX: usize = 13;

/// How the signed-rank p-value was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WilcoxonMethod {
    /// The exact null distribution of the signed-rank sum (no ties, no zeros).
    Exact,
    /// Every sign flip of the observed (tied) ranks enumerated: scipy's permutation test at
    /// sizes where it is deterministic.
    Permutation,
    /// Normal approximation with the tie correction, no continuity correction.
    Asymptotic,
}

/// The Wilcoxon signed-rank test of differences against zero.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignedRank {
    /// `min(R+, R-)`, what scipy reports for a two-sided test.
    pub statistic: f64,
    /// Sum of the ranks of the positive differences.
    pub r_plus: f64,
    /// Non-zero differences ranked.
    pub n_nonzero: usize,
    pub p_value: f64,
    pub method: WilcoxonMethod,
}

/// Group A minus group B within pairs, on one feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedComparison {
    /// Pairs with both values observed.
    pub n_pairs: usize,
    /// Mean within-pair difference with its t interval (n - 1 df).
    pub mean_difference: Estimate,
    pub t: TTest,
    pub signed_rank: SignedRank,
}

/// The paired t-test of `differences` against zero.
pub fn paired_t(differences: &[f64]) -> Outcome<(Estimate, TTest)> {
    let n = differences.len();
    if n < 2 {
        return Err(NotTestable::TooFewObservations {
            observed: n,
            required: 2,
        });
    }
    let mean = differences.iter().sum::<f64>() / n as f64;
    let ss: f64 = differences.iter().map(|d| (d - mean) * (d - mean)).sum();
    if ss <= 0.0 || ss <= 1e-28 * mean * mean * n as f64 {
        return Err(NotTestable::ConstantValues);
    }
    let df = (n - 1) as f64;
    let se = (ss / df / n as f64).sqrt();
    let statistic = mean / se;
    let half = t_quantile(0.975, df) * se;
    Ok((
        Estimate {
            value: mean,
            ci_low: mean - half,
            ci_high: mean + half,
        },
        TTest {
            statistic,
            df,
            p_value: t_two_sided_p(statistic, df),
        },
    ))
}

/// Buffers reused across features.
#[derive(Clone, Debug, Default)]
pub struct SignedRankScratch {
    magnitudes: Vec<f64>,
    ranks: Vec<f64>,
    rank: RankScratch,
    counts: Vec<u64>,
}

/// The Wilcoxon signed-rank test of `differences` against zero (zeros dropped, Wilcox's method).
pub fn signed_rank(differences: &[f64], s: &mut SignedRankScratch) -> Outcome<SignedRank> {
    let n_total = differences.len();
    s.magnitudes.clear();
    s.magnitudes
        .extend(differences.iter().filter(|&&d| d != 0.0).map(|d| d.abs()));
    let n = s.magnitudes.len();
    if n == 0 {
        return Err(NotTestable::ConstantValues);
    }
    let ties = average_ranks(&s.magnitudes, &mut s.ranks, &mut s.rank);
    let r_plus: f64 = differences
        .iter()
        .filter(|&&d| d != 0.0)
        .zip(&s.ranks)
        .filter(|(d, _)| **d > 0.0)
        .map(|(_, r)| r)
        .sum();
    let total = (n * (n + 1)) as f64 / 2.0;
    let statistic = r_plus.min(total - r_plus);
    let zeros = n < n_total;
    let (p_value, method) = if n_total <= WILCOXON_EXACT_MAX && !ties.any && !zeros {
        (exact_p(n, r_plus, &mut s.counts), WilcoxonMethod::Exact)
    } else if n_total <= WILCOXON_PERMUTATION_MAX {
        (
            permutation_p(&s.ranks, r_plus, &mut s.counts),
            WilcoxonMethod::Permutation,
        )
    } else {
        let nf = n as f64;
        let variance = (nf * (nf + 1.0) * (2.0 * nf + 1.0) - ties.tie_term / 2.0) / 24.0;
        let z = (r_plus - nf * (nf + 1.0) / 4.0) / variance.sqrt();
        (
            (2.0 * normal_sf(z.abs())).min(1.0),
            WilcoxonMethod::Asymptotic,
        )
    };
    Ok(SignedRank {
        statistic,
        r_plus,
        n_nonzero: n,
        p_value,
        method,
    })
}

/// Fills `counts[k]` with the number of sign patterns whose rank sum is `k`, for integer
/// `weights` (subset-sum counting; exact in u64 up to 2^63 patterns).
fn subset_sum_counts(weights: impl Iterator<Item = usize>, counts: &mut Vec<u64>) {
    counts.clear();
    counts.push(1);
    for w in weights {
        let old = counts.len();
        counts.resize(old + w, 0);
        for k in (w..old + w).rev() {
            counts[k] += counts[k - w];
        }
    }
}

/// `2 min(P(T >= t), P(T <= t))` from exact counts, summed as integers and divided once so deep
/// tails keep full relative precision (scipy forms `1 - cdf` there and loses it).
fn two_sided_from_counts(counts: &[u64], lower_at: usize, upper_from: usize, n: usize) -> f64 {
    let below: u64 = counts[..=lower_at.min(counts.len() - 1)].iter().sum();
    let above: u64 = counts[upper_from.min(counts.len())..].iter().sum();
    let total = 2f64.powi(n as i32);
    (2.0 * below.min(above) as f64 / total).min(1.0)
}

/// The exact two-sided p-value of rank sum `r_plus` among `n` untied non-zero differences.
fn exact_p(n: usize, r_plus: f64, counts: &mut Vec<u64>) -> f64 {
    subset_sum_counts(1..=n, counts);
    // Without ties the rank sum is an integer.
    let t = r_plus.round() as usize;
    two_sided_from_counts(counts, t, t, n)
}

/// All sign flips of the tied ranks: sums of doubled ranks (integers) are counted exactly.
fn permutation_p(ranks: &[f64], r_plus: f64, counts: &mut Vec<u64>) -> f64 {
    subset_sum_counts(ranks.iter().map(|r| (2.0 * r).round() as usize), counts);
    let t = (2.0 * r_plus).round() as usize;
    two_sided_from_counts(counts, t, t, ranks.len())
}

/// Paired comparison of `a` and `b` (same length, pair i is `(a[i], b[i])`); pairs with a
/// missing (non-finite) value are dropped.
pub fn compare_paired(a: &[f64], b: &[f64]) -> Outcome<PairedComparison> {
    if a.len() != b.len() {
        return Err(NotTestable::InvalidInput {
            detail: format!("{} values paired with {}", a.len(), b.len()),
        });
    }
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| x - y)
        .collect();
    from_differences(&d, &mut SignedRankScratch::default())
}

fn from_differences(d: &[f64], s: &mut SignedRankScratch) -> Outcome<PairedComparison> {
    let (mean_difference, t) = paired_t(d)?;
    Ok(PairedComparison {
        n_pairs: d.len(),
        mean_difference,
        t,
        signed_rank: signed_rank(d, s)?,
    })
}

/// Matched samples: row `a_rows[i]` (group A) and `b_rows[i]` (group B) of a matrix belong to
/// the same patient.
#[derive(Clone, Debug, PartialEq)]
pub struct Pairs {
    pub a_rows: Vec<usize>,
    pub b_rows: Vec<usize>,
    /// The patient of each pair.
    pub patients: Vec<String>,
}

impl Pairs {
    /// Pairs the rows of `samples` (a matrix's samples) by patient: a patient with exactly one
    /// sample in group A and one in group B forms a pair; patients with only one side, or with
    /// several samples on a side (replicates would need averaging first), are left out.
    pub fn within(samples: &[SampleId], groups: &TwoGroups, patients: &GroupLabels) -> Pairs {
        let membership = groups.aligned_to(samples);
        let patient = patients.aligned_to(samples);
        let levels = patients.levels();
        let mut sides: Vec<(Vec<usize>, Vec<usize>)> = vec![(Vec::new(), Vec::new()); levels.len()];
        for (row, (m, p)) in membership.iter().zip(&patient).enumerate() {
            match (m, p) {
                (Membership::A, Some(p)) => sides[*p].0.push(row),
                (Membership::B, Some(p)) => sides[*p].1.push(row),
                _ => {}
            }
        }
        let mut pairs = Pairs {
            a_rows: Vec::new(),
            b_rows: Vec::new(),
            patients: Vec::new(),
        };
        for (level, (a, b)) in sides.iter().enumerate() {
            if let ([a], [b]) = (a.as_slice(), b.as_slice()) {
                pairs.a_rows.push(*a);
                pairs.b_rows.push(*b);
                pairs.patients.push(levels[level].clone());
            }
        }
        pairs
    }

    pub fn len(&self) -> usize {
        self.a_rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.a_rows.is_empty()
    }
}

/// Paired t and signed-rank tests of every feature of `matrix`, in feature order. A feature
/// with fewer than `min_pairs` observed pairs is [`NotTestable::TooFewObservations`].
pub fn compare_paired_layer(
    matrix: &Matrix,
    pairs: &Pairs,
    min_pairs: usize,
) -> Vec<Outcome<PairedComparison>> {
    let required = min_pairs.max(2);
    (0..matrix.n_features())
        .into_par_iter()
        .map_init(
            || (Vec::new(), SignedRankScratch::default()),
            |(d, s), f| {
                let y = matrix.feature(f);
                d.clear();
                d.extend(
                    pairs
                        .a_rows
                        .iter()
                        .zip(&pairs.b_rows)
                        .map(|(&a, &b)| (y[a], y[b]))
                        .filter(|(a, b)| a.is_finite() && b.is_finite())
                        .map(|(a, b)| a - b),
                );
                if d.len() < required {
                    return Err(NotTestable::TooFewObservations {
                        observed: d.len(),
                        required,
                    });
                }
                from_differences(d, s)
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_tail_is_two_over_two_to_the_n() {
        // All 20 differences positive: only the all-plus pattern reaches R+ = 210.
        let d: Vec<f64> = (1..=20).map(|i| i as f64 * 0.1).collect();
        let r = signed_rank(&d, &mut SignedRankScratch::default()).unwrap();
        assert_eq!(r.method, WilcoxonMethod::Exact);
        assert_eq!(r.r_plus, 210.0);
        assert_eq!(r.p_value, 2.0 / 2f64.powi(20));
    }

    #[test]
    fn degenerate_pairs_are_reasons() {
        assert!(matches!(
            compare_paired(&[1.0, 2.0, 3.0], &[0.0, 1.0, 2.0]),
            Err(NotTestable::ConstantValues)
        ));
        assert!(compare_paired(&[1.0], &[1.0, 2.0]).is_err());
        assert!(matches!(
            compare_paired(&[1.0, f64::NAN], &[0.0, 1.0]),
            Err(NotTestable::TooFewObservations { .. })
        ));
    }
}
