//! k-group comparisons: one-way ANOVA (as `scipy.stats.f_oneway`) and Kruskal-Wallis with tie
//! correction (as `scipy.stats.kruskal`).
//!
//! Values are handled as a flat list with a level index per value so a whole layer can reuse the
//! same buffers for every feature.

use crate::distributions::{chi2_sf, f_sf};
use crate::groups::GroupLabels;
use crate::outcome::{NotTestable, Outcome};
use crate::ranks::{RankScratch, average_ranks};
use datasets::Matrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Settings for k-group comparisons.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct KGroupOptions {
    /// Minimum observed values in every group (at least 1 is always enforced).
    pub min_per_group: usize,
    /// Whether to run Kruskal-Wallis (one sort per feature) in addition to ANOVA.
    pub rank_test: bool,
}

impl Default for KGroupOptions {
    fn default() -> Self {
        Self {
            min_per_group: 3,
            rank_test: true,
        }
    }
}

/// One-way ANOVA F test.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Anova {
    pub statistic: f64,
    pub df_between: f64,
    pub df_within: f64,
    pub p_value: f64,
    /// Between-group over total sum of squares.
    pub eta_squared: f64,
}

/// Kruskal-Wallis H test, tie-corrected.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct KruskalWallis {
    pub statistic: f64,
    pub df: f64,
    pub p_value: f64,
}

/// All k-group results for one feature. Vectors follow the level order of the grouping (levels
/// with no samples in the matrix are left out of a layer screen).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KGroupComparison {
    pub n_per_group: Vec<usize>,
    pub means: Vec<f64>,
    pub anova: Anova,
    pub kruskal_wallis: Option<KruskalWallis>,
}

/// Reusable buffers for one thread.
#[derive(Clone, Debug, Default)]
struct Scratch {
    values: Vec<f64>,
    labels: Vec<usize>,
    counts: Vec<usize>,
    sums: Vec<f64>,
    ranks: Vec<f64>,
    rank: RankScratch,
}

/// Fills per-level counts and checks the minimum-n rule and constant input.
fn check(
    values: &[f64],
    labels: &[usize],
    names: &[String],
    required: usize,
    counts: &mut Vec<usize>,
) -> Outcome<()> {
    let k = names.len();
    if k < 2 {
        return Err(NotTestable::InvalidInput {
            detail: format!("{k} group(s); at least two are needed"),
        });
    }
    counts.clear();
    counts.resize(k, 0);
    for &l in labels {
        if let Some(c) = counts.get_mut(l) {
            *c += 1;
        }
    }
    for (name, &observed) in names.iter().zip(counts.iter()) {
        if observed < required {
            return Err(NotTestable::GroupTooSmall {
                group: name.clone(),
                observed,
                required,
            });
        }
    }
    if values.len() <= k {
        return Err(NotTestable::TooFewObservations {
            observed: values.len(),
            required: k + 1,
        });
    }
    if values.iter().all(|&v| v == values[0]) {
        return Err(NotTestable::ConstantValues);
    }
    Ok(())
}

fn anova_kernel(
    values: &[f64],
    labels: &[usize],
    counts: &[usize],
    sums: &mut Vec<f64>,
) -> Outcome<Anova> {
    let k = counts.len();
    let n = values.len() as f64;
    sums.clear();
    sums.resize(k, 0.0);
    for (&v, &l) in values.iter().zip(labels) {
        sums[l] += v;
    }
    let grand = values.iter().sum::<f64>() / n;
    for (s, &c) in sums.iter_mut().zip(counts) {
        *s /= c as f64; // now the group mean
    }
    let ss_between: f64 = sums
        .iter()
        .zip(counts)
        .map(|(&m, &c)| c as f64 * (m - grand) * (m - grand))
        .sum();
    let ss_within: f64 = values
        .iter()
        .zip(labels)
        .map(|(&v, &l)| (v - sums[l]) * (v - sums[l]))
        .sum();
    if ss_within.is_nan() || ss_within <= 0.0 {
        return Err(NotTestable::InvalidInput {
            detail: "no variance within any group".to_owned(),
        });
    }
    let df_between = (k - 1) as f64;
    let df_within = n - k as f64;
    let statistic = (ss_between / df_between) / (ss_within / df_within);
    Ok(Anova {
        statistic,
        df_between,
        df_within,
        p_value: f_sf(statistic, df_between, df_within),
        eta_squared: ss_between / (ss_between + ss_within),
    })
}

fn kruskal_kernel(
    values: &[f64],
    labels: &[usize],
    counts: &[usize],
    sums: &mut Vec<f64>,
    ranks: &mut Vec<f64>,
    rank: &mut RankScratch,
) -> Outcome<KruskalWallis> {
    let ties = average_ranks(values, ranks, rank);
    let k = counts.len();
    sums.clear();
    sums.resize(k, 0.0);
    for (&r, &l) in ranks.iter().zip(labels) {
        sums[l] += r;
    }
    let n = values.len() as f64;
    let sum_sq: f64 = sums
        .iter()
        .zip(counts)
        .map(|(&r, &c)| r * r / c as f64)
        .sum();
    let h = 12.0 / (n * (n + 1.0)) * sum_sq - 3.0 * (n + 1.0);
    let correction = 1.0 - ties.tie_term / (n * n * n - n);
    if correction.is_nan() || correction <= 0.0 {
        return Err(NotTestable::ConstantValues);
    }
    let statistic = h / correction;
    let df = (k - 1) as f64;
    Ok(KruskalWallis {
        statistic,
        df,
        p_value: chi2_sf(statistic, df),
    })
}

fn compare_labelled(
    names: &[String],
    options: &KGroupOptions,
    s: &mut Scratch,
) -> Outcome<KGroupComparison> {
    check(
        &s.values,
        &s.labels,
        names,
        options.min_per_group.max(1),
        &mut s.counts,
    )?;
    let anova = anova_kernel(&s.values, &s.labels, &s.counts, &mut s.sums)?;
    let means = s.sums.clone();
    let kruskal_wallis = if options.rank_test {
        Some(kruskal_kernel(
            &s.values,
            &s.labels,
            &s.counts,
            &mut s.sums,
            &mut s.ranks,
            &mut s.rank,
        )?)
    } else {
        None
    };
    Ok(KGroupComparison {
        n_per_group: s.counts.clone(),
        means,
        anova,
        kruskal_wallis,
    })
}

/// Flattens per-group slices (dropping NaN) into the scratch buffers.
fn load_groups(groups: &[&[f64]], s: &mut Scratch) -> Vec<String> {
    s.values.clear();
    s.labels.clear();
    for (l, g) in groups.iter().enumerate() {
        for &v in g.iter().filter(|v| v.is_finite()) {
            s.values.push(v);
            s.labels.push(l);
        }
    }
    (0..groups.len()).map(|i| format!("group {i}")).collect()
}

/// ANOVA and (optionally) Kruskal-Wallis for one feature given as one slice per group; NaN
/// values are dropped.
pub fn compare_k_groups(groups: &[&[f64]], options: &KGroupOptions) -> Outcome<KGroupComparison> {
    let mut s = Scratch::default();
    let names = load_groups(groups, &mut s);
    compare_labelled(&names, options, &mut s)
}

/// One-way ANOVA over the groups (NaN dropped; every group needs one value).
pub fn one_way_anova(groups: &[&[f64]]) -> Outcome<Anova> {
    let options = KGroupOptions {
        min_per_group: 1,
        rank_test: false,
    };
    compare_k_groups(groups, &options).map(|c| c.anova)
}

/// Kruskal-Wallis H test over the groups (NaN dropped; every group needs one value).
pub fn kruskal_wallis(groups: &[&[f64]]) -> Outcome<KruskalWallis> {
    let mut s = Scratch::default();
    let names = load_groups(groups, &mut s);
    check(&s.values, &s.labels, &names, 1, &mut s.counts)?;
    kruskal_kernel(
        &s.values,
        &s.labels,
        &s.counts,
        &mut s.sums,
        &mut s.ranks,
        &mut s.rank,
    )
}

/// k-group comparison for every feature of `matrix`, samples matched to `labels` by ID. Levels
/// that no sample of the matrix carries are left out, so result vectors follow the order of the
/// remaining levels.
pub fn compare_k_groups_layer(
    matrix: &Matrix,
    labels: &GroupLabels,
    options: &KGroupOptions,
) -> Vec<Outcome<KGroupComparison>> {
    let aligned = labels.aligned_to(matrix.samples());
    let mut present = vec![false; labels.levels().len()];
    for &l in aligned.iter().flatten() {
        present[l] = true;
    }
    let mut compact = vec![usize::MAX; present.len()];
    let mut names = Vec::new();
    for (i, level) in labels.levels().iter().enumerate() {
        if present[i] {
            compact[i] = names.len();
            names.push(level.clone());
        }
    }
    let rows: Vec<Option<usize>> = aligned.iter().map(|l| l.map(|l| compact[l])).collect();
    (0..matrix.n_features())
        .into_par_iter()
        .map_init(Scratch::default, |s, f| {
            s.values.clear();
            s.labels.clear();
            for (&v, &l) in matrix.feature(f).iter().zip(&rows) {
                if let (true, Some(l)) = (v.is_finite(), l) {
                    s.values.push(v);
                    s.labels.push(l);
                }
            }
            compare_labelled(&names, options, s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anova_closed_form() {
        // Means 2, 5, 8; SSB = 3 * (9 + 0 + 9) = 54, SSW = 3 * 2 = 6; F = 27 / 1 = 27.
        let r = one_way_anova(&[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], &[7.0, 8.0, 9.0]]).unwrap();
        assert!((r.statistic - 27.0).abs() < 1e-12);
        assert_eq!((r.df_between, r.df_within), (2.0, 6.0));
        // F(2, 6) upper tail is (1 + 2F/6)^-3.
        assert!((r.p_value - (1.0f64 + 9.0).powi(-3)).abs() < 1e-15);
        assert!((r.eta_squared - 0.9).abs() < 1e-12);
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(
            one_way_anova(&[&[1.0, 1.0], &[1.0, f64::NAN]]).unwrap_err(),
            NotTestable::ConstantValues
        );
        assert!(matches!(
            one_way_anova(&[&[1.0, 2.0]]),
            Err(NotTestable::InvalidInput { .. })
        ));
        assert!(matches!(
            kruskal_wallis(&[&[1.0, 2.0], &[]]),
            Err(NotTestable::GroupTooSmall { observed: 0, .. })
        ));
    }
}
