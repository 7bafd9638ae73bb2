//! Group comparisons for every feature of a layer: two groups (Welch and Student t, Mann-Whitney
//! U, mean difference, Cohen's d, Hedges' g, rank-biserial correlation) and k groups (one-way
//! ANOVA, Kruskal-Wallis).
//!
//! Each feature is tested on its own observed samples (finite values; NaN and infinities count as
//! missing); a group with fewer observed values than `min_per_group` makes that feature
//! [`NotTestable::GroupTooSmall`] rather than a silent NaN.
//! Effects are group A minus group B; for log-scale data the mean difference is the log fold
//! change.

mod k_groups;
mod mann_whitney;
mod moments;

pub use k_groups::{
    Anova, KGroupComparison, KGroupOptions, KruskalWallis, compare_k_groups,
    compare_k_groups_layer, kruskal_wallis, one_way_anova,
};
pub use mann_whitney::{
    EXACT_MAX_SIZE, ExactCache, ExactDistribution, MannWhitney, MwuMethod, MwuScratch,
    from_rank_sum as mann_whitney_from_rank_sum, mann_whitney, mann_whitney_with,
};
pub use moments::Moments;
pub(crate) use moments::{Parametric, WelchEffects, parametric, welch_effects};

use crate::groups::{Membership, TwoGroups, split_observed};
use crate::outcome::Outcome;
use datasets::Matrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A point estimate with its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// A t statistic with its degrees of freedom and two-sided p-value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TTest {
    pub statistic: f64,
    pub df: f64,
    pub p_value: f64,
}

/// Settings shared by the two-group comparisons.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareOptions {
    /// Minimum observed values per group (at least 2 is always enforced: a variance needs two).
    pub min_per_group: usize,
    /// Whether to run the Mann-Whitney test (one sort per feature) in addition to the t-tests.
    pub rank_test: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            min_per_group: 3,
            rank_test: true,
        }
    }
}

/// Group A vs group B on one feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwoGroupComparison {
    pub n_a: usize,
    pub n_b: usize,
    pub mean_a: f64,
    pub mean_b: f64,
    /// Mean of A minus mean of B, with the Welch t interval (Welch-Satterthwaite df), the
    /// interval `scipy.stats.ttest_ind(equal_var=False).confidence_interval()` gives.
    pub mean_difference: Estimate,
    /// Mean difference over the pooled SD.
    pub cohens_d: f64,
    /// Cohen's d times the exact small-sample correction; interval from its approximate SE
    /// `J sqrt((n_A + n_B)/(n_A n_B) + d^2 / (2 (n_A + n_B)))` with a normal quantile.
    pub hedges_g: Estimate,
    pub welch: TTest,
    pub student: TTest,
    /// Mann-Whitney U and rank-biserial correlation, when requested.
    pub mann_whitney: Option<MannWhitney>,
}

impl TwoGroupComparison {
    pub(crate) fn from_parts(
        a: &Moments,
        b: &Moments,
        p: Parametric,
        mann_whitney: Option<MannWhitney>,
    ) -> Self {
        Self {
            n_a: a.n,
            n_b: b.n,
            mean_a: a.mean,
            mean_b: b.mean,
            mean_difference: p.mean_difference,
            cohens_d: p.cohens_d,
            hedges_g: p.hedges_g,
            welch: p.welch,
            student: p.student,
            mann_whitney,
        }
    }
}

/// Per-thread buffers for two-group comparisons over many features.
#[derive(Clone, Debug, Default)]
pub struct TwoGroupScratch {
    a: Vec<f64>,
    b: Vec<f64>,
    mwu: MwuScratch,
}

impl TwoGroupScratch {
    pub fn new() -> Self {
        Self::default()
    }
}

/// Compares observed (finite) values of group A and group B, which must already be filtered.
fn compare_observed(
    a: &[f64],
    b: &[f64],
    names: (&str, &str),
    options: &CompareOptions,
    mwu: &mut MwuScratch,
) -> Outcome<TwoGroupComparison> {
    let (ma, mb) = (Moments::of(a), Moments::of(b));
    let p = parametric(&ma, &mb, names, options.min_per_group)?;
    let rank = if options.rank_test {
        Some(mann_whitney_with(a, b, mwu)?)
    } else {
        None
    };
    Ok(TwoGroupComparison::from_parts(&ma, &mb, p, rank))
}

/// Compares two samples of one feature; missing (NaN or infinite) values are dropped first.
pub fn compare_two_groups(
    a: &[f64],
    b: &[f64],
    options: &CompareOptions,
) -> Outcome<TwoGroupComparison> {
    let mut scratch = TwoGroupScratch::new();
    compare_two_groups_with(a, b, options, &mut scratch)
}

/// As [`compare_two_groups`], reusing `scratch` across calls.
pub fn compare_two_groups_with(
    a: &[f64],
    b: &[f64],
    options: &CompareOptions,
    scratch: &mut TwoGroupScratch,
) -> Outcome<TwoGroupComparison> {
    let TwoGroupScratch {
        a: buf_a,
        b: buf_b,
        mwu,
    } = scratch;
    buf_a.clear();
    buf_a.extend(a.iter().copied().filter(|v| v.is_finite()));
    buf_b.clear();
    buf_b.extend(b.iter().copied().filter(|v| v.is_finite()));
    compare_observed(buf_a, buf_b, ("A", "B"), options, mwu)
}

/// Compares group A vs group B for every feature of `matrix`, in feature order. Samples are
/// matched to the grouping by ID; samples the grouping does not mention are excluded.
pub fn compare_layer(
    matrix: &Matrix,
    groups: &TwoGroups,
    options: &CompareOptions,
) -> Vec<Outcome<TwoGroupComparison>> {
    let membership = groups.aligned_to(matrix.samples());
    let names = (groups.name(Membership::A), groups.name(Membership::B));
    (0..matrix.n_features())
        .into_par_iter()
        .map_init(TwoGroupScratch::new, |scratch, f| {
            split_observed(
                matrix.feature(f),
                &membership,
                &mut scratch.a,
                &mut scratch.b,
            );
            compare_observed(&scratch.a, &scratch.b, names, options, &mut scratch.mwu)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::NotTestable;
    use datasets::{FeatureId, SampleId};

    #[test]
    fn layer_matches_per_feature_calls() {
        let samples: Vec<SampleId> = (0..8).map(|i| SampleId::from(format!("s{i}"))).collect();
        let features = vec![FeatureId::from("G1"), FeatureId::from("G2")];
        let g1 = vec![1.0, 2.0, 3.5, f64::NAN, 5.0, 6.0, 7.5, 8.0];
        let g2 = vec![4.0; 8];
        let m = Matrix::from_features(samples.clone(), features, vec![g1.clone(), g2]).unwrap();
        // Reverse the grouping's sample order to exercise alignment by ID.
        let membership = [
            Membership::A,
            Membership::A,
            Membership::A,
            Membership::A,
            Membership::B,
            Membership::B,
            Membership::B,
            Membership::Excluded,
        ];
        let groups = TwoGroups::new(
            samples.iter().rev().cloned().collect(),
            membership.iter().rev().copied().collect(),
            "mut",
            "wt",
        )
        .unwrap();
        let out = compare_layer(&m, &groups, &CompareOptions::default());
        let direct = compare_two_groups(&g1[..4], &g1[4..7], &CompareOptions::default()).unwrap();
        assert_eq!(out[0].as_ref().unwrap(), &direct);
        assert_eq!(direct.n_a, 3);
        assert_eq!(out[1], Err(NotTestable::ConstantValues));
    }

    #[test]
    fn group_too_small_names_the_group() {
        let r = compare_two_groups(&[1.0, 2.0, f64::NAN], &[1.0, 2.0, 3.0], &Default::default());
        assert_eq!(
            r.unwrap_err(),
            NotTestable::GroupTooSmall {
                group: "A".into(),
                observed: 2,
                required: 3
            }
        );
        let r = compare_two_groups(&[], &[1.0, 2.0, 3.0], &Default::default());
        assert!(matches!(
            r,
            Err(NotTestable::GroupTooSmall { observed: 0, .. })
        ));
    }
}
