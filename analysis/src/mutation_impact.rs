//! Mutation impact: mutated vs wild-type samples for every (mutated gene, feature) pair, i.e.
//! the full mutation x feature grid of Welch tests and effect sizes (optionally Mann-Whitney).
//!
//! The mutation matrix has samples as rows and genes as columns with 0 = wild-type, a positive
//! value = mutated (a count of mutations works too) and NaN = unknown (excluded). Samples are
//! matched to the layer by ID.
//!
//! The grid is large (tens of thousands of features x hundreds of genes), which shapes the
//! design:
//! - A gene with too few mutated or wild-type samples is rejected once, for the whole row,
//!   instead of producing one "group too small" per feature.
//! - Each feature's observed values are summarised once (count, centred sum and sum of squares,
//!   and ranks if requested); each gene then only visits its mutated samples, and wild-type
//!   moments follow by subtraction. When that subtraction could lose precision (a nearly
//!   constant wild-type group) or a sample with unknown status is observed, the cell is
//!   recomputed directly from the values, so every cell equals
//!   [`compare_two_groups`](crate::compare::compare_two_groups) on its mutated and wild-type
//!   values.
//! - A cell keeps only what a screen needs ([`MutationEffect`]): Welch's test, the mean
//!   difference with its interval and Hedges' g (no Student t), so a 73k x 200 grid fits in
//!   memory.

use crate::align::shared_rows;
use crate::compare::{
    Estimate, ExactCache, Moments, MwuScratch, TTest, WelchEffects, mann_whitney_from_rank_sum,
    mann_whitney_with, welch_effects,
};
use crate::groups::{Membership, split_observed};
use crate::outcome::{NotTestable, Outcome};
use crate::ranks::{RankScratch, Ties, average_ranks};
use datasets::{FeatureId, Matrix};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

const MUTATED: &str = "mutated";
const WILD_TYPE: &str = "wild-type";

/// Wild-type spread below this fraction of the feature's total spread is recomputed directly.
const SUBTRACTION_GUARD: f64 = 1e-6;

/// Settings for the mutation grid.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MutationOptions {
    /// Minimum observed values in the mutated and in the wild-type group (at least 2).
    pub min_per_group: usize,
    /// Whether to add the Mann-Whitney test to each cell.
    pub rank_test: bool,
}

impl Default for MutationOptions {
    fn default() -> Self {
        Self {
            min_per_group: 3,
            rank_test: false,
        }
    }
}

/// Mutated vs wild-type for one feature; effects are mutated minus wild-type.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MutationEffect {
    pub n_mutated: u32,
    pub n_wild_type: u32,
    pub mean_mutated: f64,
    pub mean_wild_type: f64,
    /// With the Welch t interval.
    pub mean_difference: Estimate,
    pub hedges_g: Estimate,
    pub welch: TTest,
    /// Mann-Whitney two-sided p-value, when requested.
    pub mann_whitney_p: Option<f64>,
    /// Rank-biserial correlation (+1: every mutated value above every wild-type one).
    pub rank_biserial: Option<f64>,
}

impl MutationEffect {
    fn new(mutated: &Moments, wild: &Moments, w: WelchEffects, rank: Option<(f64, f64)>) -> Self {
        Self {
            n_mutated: mutated.n as u32,
            n_wild_type: wild.n as u32,
            mean_mutated: mutated.mean,
            mean_wild_type: wild.mean,
            mean_difference: w.mean_difference,
            hedges_g: w.hedges_g,
            welch: w.welch,
            mann_whitney_p: rank.map(|r| r.0),
            rank_biserial: rank.map(|r| r.1),
        }
    }
}

/// One mutated gene's row of the grid.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MutationRow {
    pub gene: FeatureId,
    /// Shared samples with the mutation / without it (unknown status not counted).
    pub n_mutated: usize,
    pub n_wild_type: usize,
    /// One result per feature of the layer, or why the gene could not be tested at all.
    pub results: Outcome<Vec<Outcome<MutationEffect>>>,
}

impl MutationRow {
    /// The cell for one feature; a gene-level reason applies to every feature.
    pub fn effect(&self, feature: usize) -> Outcome<&MutationEffect> {
        match &self.results {
            Err(reason) => Err(reason.clone()),
            Ok(cells) => match cells.get(feature) {
                Some(Ok(effect)) => Ok(effect),
                Some(Err(reason)) => Err(reason.clone()),
                None => Err(NotTestable::InvalidInput {
                    detail: format!("feature index {feature} out of range"),
                }),
            },
        }
    }
}

/// Mutated-minus-wild-type comparisons for every mutated gene and feature.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MutationGrid {
    pub features: Vec<FeatureId>,
    /// Samples present in both matrices.
    pub shared_samples: usize,
    /// One row per gene (column) of the mutation matrix, in its order.
    pub rows: Vec<MutationRow>,
}

/// One mutated gene's split of the layer's rows.
struct Gene {
    /// Per layer row; rows not shared with the mutation matrix are excluded.
    membership: Vec<Membership>,
    mutated: Vec<usize>,
    /// Shared rows with unknown status.
    unknown: Vec<usize>,
}

/// One feature's summary over the shared rows.
#[derive(Clone, Copy, Default)]
struct Totals {
    n: usize,
    center: f64,
    s1: f64,
    s2: f64,
    constant: bool,
    ties: Ties,
}

/// Per-feature summaries, plus ranks by layer row (f32 holds half-integer ranks exactly and
/// halves the memory) when the rank test is requested.
struct Summaries {
    totals: Vec<Totals>,
    ranks: Vec<f32>,
    n_rows: usize,
}

#[derive(Default)]
struct Scratch {
    observed: Vec<f64>,
    rows: Vec<usize>,
    ranks: Vec<f64>,
    rank: RankScratch,
    a: Vec<f64>,
    b: Vec<f64>,
    mwu: MwuScratch,
    cache: ExactCache,
}

fn summarise(column: &[f64], shared: &[usize], rank_out: &mut [f32], s: &mut Scratch) -> Totals {
    s.observed.clear();
    s.rows.clear();
    for &r in shared {
        let v = column[r];
        if v.is_finite() {
            s.observed.push(v);
            s.rows.push(r);
        }
    }
    let n = s.observed.len();
    let m = Moments::of(&s.observed);
    let center = if n > 0 { m.mean } else { 0.0 };
    let (mut s1, mut s2) = (0.0, 0.0);
    for &v in &s.observed {
        let d = v - center;
        s1 += d;
        s2 += d * d;
    }
    let mut ties = Ties::default();
    if !rank_out.is_empty() {
        ties = average_ranks(&s.observed, &mut s.ranks, &mut s.rank);
        rank_out.fill(f32::NAN);
        for (&r, &rank) in s.rows.iter().zip(&s.ranks) {
            rank_out[r] = rank as f32;
        }
    }
    Totals {
        n,
        center,
        s1,
        s2,
        constant: n > 0 && m.m2 == 0.0,
        ties,
    }
}

fn summarise_all(layer: &Matrix, shared: &[usize], rank_test: bool) -> Summaries {
    let n_rows = layer.n_samples();
    let mut ranks = if rank_test {
        vec![f32::NAN; n_rows * layer.n_features()]
    } else {
        Vec::new()
    };
    let totals = if rank_test && n_rows > 0 {
        ranks
            .par_chunks_mut(n_rows)
            .enumerate()
            .map_init(Scratch::default, |s, (f, out)| {
                summarise(layer.feature(f), shared, out, s)
            })
            .collect()
    } else {
        (0..layer.n_features())
            .into_par_iter()
            .map_init(Scratch::default, |s, f| {
                summarise(layer.feature(f), shared, &mut [], s)
            })
            .collect()
    };
    Summaries {
        totals,
        ranks,
        n_rows,
    }
}

/// Moments of a group from centred sums.
fn from_sums(n: usize, center: f64, s1: f64, s2: f64) -> Moments {
    if n == 0 {
        return Moments {
            n,
            mean: f64::NAN,
            m2: 0.0,
        };
    }
    Moments {
        n,
        mean: center + s1 / n as f64,
        m2: (s2 - s1 * s1 / n as f64).max(0.0),
    }
}

/// The cell computed from the values themselves, as `compare_two_groups` would.
fn direct(
    column: &[f64],
    gene: &Gene,
    options: &MutationOptions,
    s: &mut Scratch,
) -> Outcome<MutationEffect> {
    split_observed(column, &gene.membership, &mut s.a, &mut s.b);
    let (ma, mb) = (Moments::of(&s.a), Moments::of(&s.b));
    let w = welch_effects(&ma, &mb, (MUTATED, WILD_TYPE), options.min_per_group)?;
    let rank = if options.rank_test {
        let mw = mann_whitney_with(&s.a, &s.b, &mut s.mwu)?;
        Some((mw.p_value, mw.rank_biserial.value))
    } else {
        None
    };
    Ok(MutationEffect::new(&ma, &mb, w, rank))
}

fn cell(
    column: &[f64],
    totals: &Totals,
    ranks: &[f32],
    gene: &Gene,
    options: &MutationOptions,
    s: &mut Scratch,
) -> Outcome<MutationEffect> {
    if gene.unknown.iter().any(|&r| column[r].is_finite()) {
        return direct(column, gene, options, s);
    }
    let (mut n_m, mut s1_m, mut s2_m) = (0usize, 0.0, 0.0);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut rank_sum = 0.0;
    for &r in &gene.mutated {
        let v = column[r];
        if !v.is_finite() {
            continue;
        }
        let d = v - totals.center;
        n_m += 1;
        s1_m += d;
        s2_m += d * d;
        lo = lo.min(v);
        hi = hi.max(v);
        if let Some(&rank) = ranks.get(r) {
            rank_sum += f64::from(rank);
        }
    }
    let n_w = totals.n - n_m;
    let (mutated, wild) = if totals.constant {
        // Exactly constant: both groups share the value and have no spread.
        let at = |n| Moments {
            n,
            mean: totals.center,
            m2: 0.0,
        };
        (at(n_m), at(n_w))
    } else {
        let mut mutated = from_sums(n_m, totals.center, s1_m, s2_m);
        if n_m > 0 && lo == hi {
            mutated.mean = lo;
            mutated.m2 = 0.0;
        }
        let wild = from_sums(n_w, totals.center, totals.s1 - s1_m, totals.s2 - s2_m);
        if n_w > 1 && wild.m2 < SUBTRACTION_GUARD * totals.s2 {
            return direct(column, gene, options, s);
        }
        (mutated, wild)
    };
    let w = welch_effects(&mutated, &wild, (MUTATED, WILD_TYPE), options.min_per_group)?;
    let rank = if options.rank_test {
        let mw = mann_whitney_from_rank_sum(rank_sum, n_m, n_w, totals.ties, &mut s.cache)?;
        Some((mw.p_value, mw.rank_biserial.value))
    } else {
        None
    };
    Ok(MutationEffect::new(&mutated, &wild, w, rank))
}

/// Tests every feature of `layer` between mutated and wild-type samples of every gene (column)
/// of `mutations`.
pub fn mutation_impact(
    mutations: &Matrix,
    layer: &Matrix,
    options: &MutationOptions,
) -> MutationGrid {
    let shared = shared_rows(layer.samples(), mutations.samples());
    let summaries = summarise_all(layer, &shared.left, options.rank_test);
    let required = options.min_per_group.max(2);

    let rows = (0..mutations.n_features())
        .map(|g| {
            let status = mutations.feature(g);
            let mut gene = Gene {
                membership: vec![Membership::Excluded; layer.n_samples()],
                mutated: Vec::new(),
                unknown: Vec::new(),
            };
            for (&lr, &mr) in shared.left.iter().zip(&shared.right) {
                let v = status[mr];
                if v.is_nan() {
                    gene.unknown.push(lr);
                } else if v > 0.0 {
                    gene.membership[lr] = Membership::A;
                    gene.mutated.push(lr);
                } else {
                    gene.membership[lr] = Membership::B;
                }
            }
            let n_mutated = gene.mutated.len();
            let n_wild_type = shared.len() - n_mutated - gene.unknown.len();
            let results = if n_mutated < required || n_wild_type < required {
                let (group, observed) = if n_mutated < required {
                    (MUTATED, n_mutated)
                } else {
                    (WILD_TYPE, n_wild_type)
                };
                Err(NotTestable::GroupTooSmall {
                    group: group.to_owned(),
                    observed,
                    required,
                })
            } else {
                Ok((0..layer.n_features())
                    .into_par_iter()
                    .map_init(Scratch::default, |s, f| {
                        let ranks = summaries
                            .ranks
                            .get(f * summaries.n_rows..(f + 1) * summaries.n_rows)
                            .unwrap_or(&[]);
                        cell(
                            layer.feature(f),
                            &summaries.totals[f],
                            ranks,
                            &gene,
                            options,
                            s,
                        )
                    })
                    .collect())
            };
            MutationRow {
                gene: mutations.features()[g].clone(),
                n_mutated,
                n_wild_type,
                results,
            }
        })
        .collect();
    MutationGrid {
        features: layer.features().to_vec(),
        shared_samples: shared.len(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{CompareOptions, compare_two_groups};
    use datasets::SampleId;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-10 * b.abs().max(1e-300)
    }

    #[test]
    fn grid_equals_direct_comparisons() {
        let samples: Vec<SampleId> = (0..12).map(|i| SampleId::from(format!("s{i}"))).collect();
        let f1: Vec<f64> = (0..12)
            .map(|i| (i as f64 * 1.7).sin() * 3.0 + 20.0)
            .collect();
        let mut f2 = f1.iter().map(|v| v * 0.5 - 3.0).collect::<Vec<_>>();
        f2[3] = f64::NAN;
        let f3 = vec![7.0; 12];
        // Non-zero only in TP53-mutated samples: the wild-type group is constant, which the
        // subtraction guard must catch.
        let f4: Vec<f64> = (0..12)
            .map(|i| if i % 3 == 2 { i as f64 } else { 0.0 })
            .collect();
        let layer = Matrix::from_features(
            samples.clone(),
            ["F1", "F2", "F3", "F4"].map(FeatureId::from).to_vec(),
            vec![f1, f2, f3, f4],
        )
        .unwrap();
        // Mutation matrix with a different sample order and one unknown status.
        let mut_samples: Vec<SampleId> = samples.iter().rev().cloned().collect();
        let g1: Vec<f64> = (0..12)
            .map(|i| if i % 3 == 0 { 1.0 } else { 0.0 })
            .collect();
        let mut g2: Vec<f64> = (0..12).map(|i| if i < 5 { 2.0 } else { 0.0 }).collect();
        g2[7] = f64::NAN;
        let mut g3 = vec![0.0; 12];
        g3[0] = 1.0;
        let mutations = Matrix::from_features(
            mut_samples,
            ["TP53", "KRAS", "RARE"].map(FeatureId::from).to_vec(),
            vec![g1.clone(), g2.clone(), g3],
        )
        .unwrap();
        let options = MutationOptions {
            min_per_group: 3,
            rank_test: true,
        };
        let grid = mutation_impact(&mutations, &layer, &options);
        assert_eq!(grid.shared_samples, 12);
        for (g, status) in [g1, g2].iter().enumerate() {
            for f in 0..4 {
                // Mutation row i is layer sample 11 - i.
                let col = layer.feature(f);
                let (mut a, mut b) = (Vec::new(), Vec::new());
                for (i, &st) in status.iter().enumerate() {
                    let v = col[11 - i];
                    if st.is_nan() {
                        continue;
                    }
                    if st > 0.0 { a.push(v) } else { b.push(v) }
                }
                let expect = compare_two_groups(&a, &b, &CompareOptions::default());
                match (grid.rows[g].effect(f), &expect) {
                    (Ok(x), Ok(y)) => {
                        assert_eq!(
                            (x.n_mutated as usize, x.n_wild_type as usize),
                            (y.n_a, y.n_b)
                        );
                        assert!(close(x.welch.p_value, y.welch.p_value), "{g} {f}");
                        assert!(close(x.hedges_g.value, y.hedges_g.value));
                        assert!(close(x.mean_difference.ci_low, y.mean_difference.ci_low));
                        let my = y.mann_whitney.unwrap();
                        assert!(close(x.mann_whitney_p.unwrap(), my.p_value));
                        assert_eq!(x.rank_biserial, Some(my.rank_biserial.value));
                    }
                    (x, y) => assert_eq!(x.err(), y.clone().err(), "{g} {f}"),
                }
            }
        }
        assert_eq!(grid.rows[0].effect(2), Err(NotTestable::ConstantValues));
        assert_eq!(grid.rows[2].n_mutated, 1);
        assert_eq!(
            grid.rows[2].effect(0),
            Err(NotTestable::GroupTooSmall {
                group: MUTATED.into(),
                observed: 1,
                required: 3
            })
        );
    }
}
