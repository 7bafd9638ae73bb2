//! False-discovery control over a run's whole, grouped family of tests: the p-filter.
//!
//! An exploring agent runs many analyses (a family of per-feature tests each), chooses the next
//! from what it has seen, and claims individual findings. The error rate it quotes must hold over
//! everything the run tested. The options and their conditions are in `shared/docs/error-control.md`;
//! this module implements the one that fits:
//!
//! - **Why not BH per kind of question** (what the agent did before): each stratum's BH rejects
//!   something under the global null with probability about alpha, so a run with K strata claims
//!   something with probability about `1 - (1 - alpha)^K`.
//! - **Why not one pooled BH**: it controls row-level FDR, but a few analyses with thousands of
//!   true effects (cis correlations) let any other analysis's noise through; the claims of a
//!   weak analysis are then mostly false even though the pooled FDR is fine.
//! - **Why not a hierarchical two-step (Benjamini-Bogomolov 2014)**: it controls the average FDR
//!   within the selected families, not the FDR of the rows the run claims.
//! - **The p-filter** (Barber and Ramdas 2017, JRSS-B 79:1247; Ramdas, Barber, Wainwright and
//!   Jordan 2019, Ann. Statist. 47:2790) takes the p-values with one or more partitions into
//!   groups (here: singletons, and the analyses each row belongs to) and selects rows such that
//!   the FDR is controlled *at every layer at once*: among claimed rows, and among analyses with a
//!   claimed row. Group p-values are Simes'. Under PRDS both hold at alpha. With only the
//!   singleton layer it is exactly Benjamini-Hochberg; with one group of everything it is Simes'
//!   global test. Under the global null, FDR at the row layer equals the probability of claiming
//!   anything, so a run claims something with probability at most alpha however many analyses
//!   and kinds it spans.
//!
//! Adaptivity (the agent picks follow-ups from interim results) is outside the theorem: the
//! simulation in `analysis/tests/p_filter.rs` runs an adaptive loop under the global null and
//! under mixtures and measures the FDR with its Monte Carlo error.
//!
//! NaN p-values stand for untestable rows: they are never selected and do not count, and a group
//! with no testable row does not count either.

use std::cmp::Ordering;

/// A partition of the rows into groups: `group_of[i]` is row `i`'s group, `0..n_groups`.
#[derive(Clone, Debug, PartialEq)]
pub struct Partition {
    group_of: Vec<usize>,
    n_groups: usize,
}

/// A partition that does not fit the p-values it is used with.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PartitionError {
    #[error("partition {layer} labels {labelled} rows but there are {rows} p-values")]
    Length {
        layer: usize,
        labelled: usize,
        rows: usize,
    },
    #[error("alpha must be in (0, 1], got {0}")]
    Alpha(f64),
}

impl Partition {
    /// Every row its own group: the layer whose FDR is the usual row-level FDR.
    pub fn singletons(n: usize) -> Self {
        Self {
            group_of: (0..n).collect(),
            n_groups: n,
        }
    }

    /// Groups from any labels (an analysis index, a question kind, ...); groups are numbered in
    /// order of first appearance.
    pub fn from_labels<L: Eq + std::hash::Hash + Clone>(labels: &[L]) -> Self {
        let mut ids = std::collections::HashMap::new();
        let group_of = labels
            .iter()
            .map(|l| {
                let next = ids.len();
                *ids.entry(l.clone()).or_insert(next)
            })
            .collect();
        Self {
            group_of,
            n_groups: ids.len(),
        }
    }

    pub fn len(&self) -> usize {
        self.group_of.len()
    }

    fn is_singletons(&self) -> bool {
        self.n_groups == self.group_of.len()
            && self.group_of.iter().enumerate().all(|(i, &g)| i == g)
    }

    pub fn is_empty(&self) -> bool {
        self.group_of.is_empty()
    }
}

/// Simes' p-value for the intersection of the nulls in a set, `min_k m p_(k) / k`, over the
/// non-NaN values; NaN when there are none.
pub fn simes(p_values: &[f64]) -> f64 {
    let mut p: Vec<f64> = p_values.iter().copied().filter(|p| !p.is_nan()).collect();
    if p.is_empty() {
        return f64::NAN;
    }
    p.sort_by(f64::total_cmp);
    let m = p.len() as f64;
    p.iter()
        .enumerate()
        .map(|(k, &pk)| pk * m / (k + 1) as f64)
        .fold(f64::INFINITY, f64::min)
        .min(1.0)
}

/// Simes p of every group: rows sorted by (group, p) once, then one pass per group.
fn group_simes(p: &[f64], partition: &Partition) -> Vec<f64> {
    let mut rows: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    rows.sort_by(|&a, &b| {
        partition.group_of[a]
            .cmp(&partition.group_of[b])
            .then(p[a].total_cmp(&p[b]))
    });
    let mut out = vec![f64::NAN; partition.n_groups];
    for run in rows.chunk_by(|&a, &b| partition.group_of[a] == partition.group_of[b]) {
        let m = run.len() as f64;
        let simes = run
            .iter()
            .enumerate()
            .map(|(k, &i)| p[i] * m / (k + 1) as f64)
            .fold(f64::INFINITY, f64::min);
        out[partition.group_of[run[0]]] = simes.min(1.0);
    }
    out
}

/// One layer prepared once: Simes p per group and the groups in ascending order of it.
struct Layer {
    group_of: Vec<usize>,
    group_p: Vec<f64>,
    /// Testable groups (non-NaN Simes p), ascending by p.
    order: Vec<usize>,
}

impl Layer {
    fn new(p: &[f64], partition: &Partition) -> Self {
        let group_p = if partition.is_singletons() {
            p.to_vec()
        } else {
            group_simes(p, partition)
        };
        let mut order: Vec<usize> = (0..group_p.len())
            .filter(|&g| !group_p[g].is_nan())
            .collect();
        order.sort_by(|&a, &b| group_p[a].total_cmp(&group_p[b]));
        Self {
            group_of: partition.group_of.clone(),
            group_p,
            order,
        }
    }

    fn testable_groups(&self) -> usize {
        self.order.len()
    }

    fn p_of_row(&self, row: usize) -> f64 {
        self.group_p[self.group_of[row]]
    }
}

/// The p-values and partitions prepared once, so selections at several levels are cheap.
pub struct PFilter {
    p: Vec<f64>,
    layers: Vec<Layer>,
}

/// What the p-filter selects at one level.
#[derive(Clone, Debug, PartialEq)]
pub struct Selection {
    /// Per row: claimed or not.
    pub selected: Vec<bool>,
    /// Per layer: how many of its groups hold a claimed row (the `k` of the layer's threshold
    /// `alpha k / G`).
    pub groups_selected: Vec<usize>,
}

impl Selection {
    pub fn count(&self) -> usize {
        self.selected.iter().filter(|&&s| s).count()
    }
}

impl PFilter {
    /// Prepares `p_values` with its `partitions` (each as long as `p_values`). Pass
    /// [`Partition::singletons`] among them to control the row-level FDR.
    pub fn new(p_values: &[f64], partitions: &[Partition]) -> Result<Self, PartitionError> {
        for (layer, partition) in partitions.iter().enumerate() {
            if partition.len() != p_values.len() {
                return Err(PartitionError::Length {
                    layer,
                    labelled: partition.len(),
                    rows: p_values.len(),
                });
            }
        }
        Ok(Self {
            p: p_values.to_vec(),
            layers: partitions
                .iter()
                .map(|part| Layer::new(p_values, part))
                .collect(),
        })
    }

    /// The p-filter at level `alpha` on every layer (Barber and Ramdas 2017, Algorithm 1):
    /// thresholds start at alpha and each is lowered in turn to the largest `alpha k / G` whose
    /// layer has at least `k` groups that pass it and hold a row passing every other layer,
    /// until none moves. Thresholds only fall, on a finite grid, so this ends.
    pub fn select(&self, alpha: f64) -> Result<Selection, PartitionError> {
        if !(alpha > 0.0 && alpha <= 1.0) {
            return Err(PartitionError::Alpha(alpha));
        }
        let n = self.p.len();
        let testable: Vec<bool> = self.p.iter().map(|p| !p.is_nan()).collect();
        let mut k: Vec<usize> = self.layers.iter().map(Layer::testable_groups).collect();
        let mut hit: Vec<Vec<bool>> = self
            .layers
            .iter()
            .map(|l| vec![false; l.group_p.len()])
            .collect();
        loop {
            let mut moved = false;
            for m in 0..self.layers.len() {
                let layer = &self.layers[m];
                let groups = layer.testable_groups();
                if groups == 0 {
                    continue;
                }
                // Groups of layer m holding a row that passes every other layer.
                let hits = &mut hit[m];
                hits.iter_mut().for_each(|h| *h = false);
                for i in (0..n).filter(|&i| testable[i]) {
                    let passes_others = self.layers.iter().enumerate().all(|(o, other)| {
                        o == m || passes(other.p_of_row(i), alpha, k[o], other.testable_groups())
                    });
                    if passes_others {
                        hits[layer.group_of[i]] = true;
                    }
                }
                // Largest k' <= k[m] with at least k' hit groups at p <= alpha k' / G: a step-up
                // over the hit groups in ascending order of p.
                let mut best = 0;
                let mut count = 0;
                for &g in layer.order.iter().filter(|&&g| hits[g]) {
                    count += 1;
                    if count > k[m] {
                        break;
                    }
                    if passes(layer.group_p[g], alpha, count, groups) {
                        best = count;
                    }
                }
                if best < k[m] {
                    k[m] = best;
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
        let selected: Vec<bool> = (0..n)
            .map(|i| {
                testable[i]
                    && self
                        .layers
                        .iter()
                        .enumerate()
                        .all(|(m, l)| passes(l.p_of_row(i), alpha, k[m], l.testable_groups()))
            })
            .collect();
        Ok(Selection {
            selected,
            groups_selected: k,
        })
    }

    /// Per row, the smallest level at which the p-filter claims it (its q-value; 1 when it is not
    /// claimed even at 1, NaN when untestable).
    ///
    /// The level is searched, not solved: between two levels where every layer's `k` is the
    /// same, a row's threshold crossing is exact (`max_m p_m G_m / k_m`); where the `k`s differ
    /// the interval is split until its ends are within `QUOTE_PRECISION`, and a row entering
    /// there gets the upper end, so a quoted q is never smaller than the true one.
    pub fn q_values(&self) -> Vec<f64> {
        let n = self.p.len();
        let mut q: Vec<f64> = self
            .p
            .iter()
            .map(|p| if p.is_nan() { f64::NAN } else { 1.0 })
            .collect();
        let Ok(top) = self.select(1.0) else {
            return q;
        };
        if top.count() == 0 {
            return q;
        }
        // The smallest level worth looking at: below the smallest row p no row passes the
        // singleton-like bound p <= alpha (every threshold is at most alpha).
        let floor = self
            .p
            .iter()
            .copied()
            .filter(|p| !p.is_nan())
            .fold(f64::INFINITY, f64::min)
            .max(f64::MIN_POSITIVE);
        let empty = Selection {
            selected: vec![false; n],
            groups_selected: vec![0; self.layers.len()],
        };
        let bottom = match self.select(floor) {
            Ok(s) => s,
            Err(_) => empty,
        };
        // Rows selected at the floor level get the floor (or their exact crossing).
        self.assign_between(0.0, &empty_like(&bottom), floor, &bottom, &mut q);
        let mut stack = vec![(floor, bottom, 1.0, top)];
        while let Some((lo, s_lo, hi, s_hi)) = stack.pop() {
            if s_lo.selected == s_hi.selected {
                continue;
            }
            if s_lo.groups_selected == s_hi.groups_selected || hi / lo <= 1.0 + QUOTE_PRECISION {
                self.assign_between(lo, &s_lo, hi, &s_hi, &mut q);
                continue;
            }
            let mid = (lo * hi).sqrt();
            let Ok(s_mid) = self.select(mid) else {
                self.assign_between(lo, &s_lo, hi, &s_hi, &mut q);
                continue;
            };
            stack.push((lo, s_lo, mid, s_mid.clone()));
            stack.push((mid, s_mid, hi, s_hi));
        }
        q
    }

    /// Rows claimed at `hi` but not at `lo` get their q in `(lo, hi]`: exact when every layer's
    /// `k` is the same at both ends, else `hi`.
    fn assign_between(&self, lo: f64, s_lo: &Selection, hi: f64, s_hi: &Selection, q: &mut [f64]) {
        let same_k = s_lo.groups_selected == s_hi.groups_selected;
        for (i, qi) in q.iter_mut().enumerate() {
            if !s_hi.selected[i] || s_lo.selected[i] {
                continue;
            }
            *qi = if same_k {
                let crossing = self
                    .layers
                    .iter()
                    .zip(&s_hi.groups_selected)
                    .map(|(l, &k)| l.p_of_row(i) * l.testable_groups() as f64 / k as f64)
                    .fold(0.0, f64::max);
                crossing.clamp(lo, hi)
            } else {
                hi
            };
        }
    }
}

/// Relative width below which a level interval is not split further when quoting q-values.
pub const QUOTE_PRECISION: f64 = 0.01;

fn empty_like(s: &Selection) -> Selection {
    Selection {
        selected: vec![false; s.selected.len()],
        groups_selected: s.groups_selected.clone(),
    }
}

/// `p <= alpha k / groups`, written to avoid dividing (exact at the grid points).
fn passes(p: f64, alpha: f64, k: usize, groups: usize) -> bool {
    if k == 0 || p.is_nan() {
        return false;
    }
    (p * groups as f64).partial_cmp(&(alpha * k as f64)) != Some(Ordering::Greater)
}

/// The p-filter with the two layers the agent uses: rows, and the analyses (`family_of[i]`) they
/// belong to. Returns per-row q-values (see [`PFilter::q_values`]).
pub fn rows_and_families_q<L: Eq + std::hash::Hash + Clone>(
    p_values: &[f64],
    family_of: &[L],
) -> Result<Vec<f64>, PartitionError> {
    let filter = PFilter::new(
        p_values,
        &[
            Partition::singletons(p_values.len()),
            Partition::from_labels(family_of),
        ],
    )?;
    Ok(filter.q_values())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::multiple_testing::benjamini_hochberg;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn random_p(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let u: f64 = rng.random();
                // A mix of signal-like small values and uniform noise.
                if rng.random_bool(0.2) { u.powi(6) } else { u }
            })
            .collect()
    }

    #[test]
    fn singleton_layer_alone_is_benjamini_hochberg() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let n = rng.random_range(1..60);
            let p = random_p(&mut rng, n);
            let bh = benjamini_hochberg(&p);
            let f = PFilter::new(&p, &[Partition::singletons(n)]).expect("valid");
            for alpha in [0.01, 0.05, 0.2] {
                let s = f.select(alpha).expect("alpha");
                let expected: Vec<bool> = bh.iter().map(|&q| q <= alpha).collect();
                assert_eq!(s.selected, expected, "at {alpha}: {p:?}");
            }
            // The q-values are BH's, to the quoting precision, and never below them.
            for (qi, bi) in f.q_values().iter().zip(&bh) {
                assert!(*qi >= bi * (1.0 - 1e-12), "q {qi} below BH {bi}");
                assert!(
                    *qi <= bi * (1.0 + QUOTE_PRECISION) + 1e-15,
                    "q {qi} vs BH {bi}"
                );
            }
        }
    }

    #[test]
    fn one_group_of_everything_is_simes_global_test() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..200 {
            let n = rng.random_range(1..40);
            let p = random_p(&mut rng, n);
            let f = PFilter::new(&p, &[Partition::from_labels(&vec![0u8; n])]).expect("valid");
            for alpha in [0.01, 0.05, 0.2] {
                let s = f.select(alpha).expect("alpha");
                // Simes rejects the global null: every row is "claimed" with its group.
                let all = s.selected.iter().all(|&x| x);
                let none = s.selected.iter().all(|&x| !x);
                assert!(all || none);
                assert_eq!(all, simes(&p) <= alpha);
            }
        }
    }

    /// The output is the largest fixed point: checked against brute force over every pair of
    /// thresholds on the grid for small problems.
    #[test]
    fn two_layers_match_brute_force_over_the_threshold_grid() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for _ in 0..300 {
            let n = rng.random_range(1..14);
            let p = random_p(&mut rng, n);
            let fam: Vec<usize> = (0..n).map(|_| rng.random_range(0..4)).collect();
            let parts = [Partition::singletons(n), Partition::from_labels(&fam)];
            let f = PFilter::new(&p, &parts).expect("valid");
            let g1 = n;
            let fam_p: std::collections::HashMap<usize, f64> = fam
                .iter()
                .map(|&g| {
                    let m: Vec<f64> = (0..n).filter(|&i| fam[i] == g).map(|i| p[i]).collect();
                    (g, simes(&m))
                })
                .collect();
            let g2 = fam_p.len();
            let alpha = 0.1;
            let mut best: (usize, usize) = (0, 0);
            for k1 in 0..=g1 {
                for k2 in 0..=g2 {
                    let sel: Vec<usize> = (0..n)
                        .filter(|&i| {
                            passes(p[i], alpha, k1, g1) && passes(fam_p[&fam[i]], alpha, k2, g2)
                        })
                        .collect();
                    let r1 = sel.len();
                    let r2 = sel
                        .iter()
                        .map(|&i| fam[i])
                        .collect::<std::collections::HashSet<_>>()
                        .len();
                    if k1 <= r1 && k2 <= r2 && k1 >= best.0 && k2 >= best.1 {
                        best = (k1, k2);
                    }
                }
            }
            let s = f.select(alpha).expect("alpha");
            let expected: Vec<bool> = (0..n)
                .map(|i| {
                    passes(p[i], alpha, best.0, g1) && passes(fam_p[&fam[i]], alpha, best.1, g2)
                })
                .collect();
            assert_eq!(s.selected, expected, "p {p:?} families {fam:?}");
        }
    }

    #[test]
    fn selections_grow_with_alpha_and_q_values_agree_with_them() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        for _ in 0..100 {
            let n = rng.random_range(1..80);
            let p = random_p(&mut rng, n);
            let fam: Vec<usize> = (0..n).map(|_| rng.random_range(0..6)).collect();
            let f = PFilter::new(
                &p,
                &[Partition::singletons(n), Partition::from_labels(&fam)],
            )
            .expect("valid");
            let q = f.q_values();
            let mut previous = vec![false; n];
            for step in 1..=60 {
                let alpha = 10f64.powf(-6.0 + step as f64 * 0.1);
                let s = f.select(alpha.min(1.0)).expect("alpha");
                for i in 0..n {
                    assert!(
                        !previous[i] || s.selected[i],
                        "row {i} left the selection at {alpha}"
                    );
                    // q is the entry level, rounded up by at most the quoting precision.
                    if q[i] <= alpha / (1.0 + QUOTE_PRECISION) {
                        assert!(
                            s.selected[i],
                            "row {i}: q {} but not claimed at {alpha}",
                            q[i]
                        );
                    }
                    if q[i] > alpha * (1.0 + QUOTE_PRECISION) {
                        assert!(!s.selected[i], "row {i}: q {} but claimed at {alpha}", q[i]);
                    }
                }
                previous = s.selected;
            }
        }
    }

    #[test]
    fn untestable_rows_and_bad_input() {
        let p = [0.001, f64::NAN, 0.002, 0.9];
        let f = PFilter::new(&p, &[Partition::singletons(4)]).expect("valid");
        let s = f.select(0.05).expect("alpha");
        assert_eq!(s.selected, vec![true, false, true, false]);
        assert!(f.q_values()[1].is_nan());
        assert!(matches!(f.select(0.0), Err(PartitionError::Alpha(_))));
        assert!(matches!(
            PFilter::new(&p, &[Partition::singletons(3)]),
            Err(PartitionError::Length { .. })
        ));
        assert!(simes(&[f64::NAN]).is_nan());
        assert!((simes(&[0.04, 0.01, 0.5]) - 0.03).abs() < 1e-15);
    }
}
