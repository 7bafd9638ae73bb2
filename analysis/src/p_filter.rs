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
use std::rc::Rc;

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
    #[error("the family has {expected} layers but {given} partitions were given")]
    Layers { expected: usize, given: usize },
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

/// One layer: each row's group, each group's Simes p, and how many groups are testable.
#[derive(Clone, Debug)]
struct Layer {
    /// Every row its own group so far (the row layer): its step-up reads rows in p order.
    singletons: bool,
    group_of: Vec<usize>,
    group_p: Vec<f64>,
    /// Groups with a non-NaN Simes p: the `G` of the layer's thresholds `alpha k / G`.
    testable: usize,
}

impl Default for Layer {
    fn default() -> Self {
        Self {
            singletons: true,
            group_of: Vec::new(),
            group_p: Vec::new(),
            testable: 0,
        }
    }
}

impl Layer {
    /// Appends a block of rows whose groups (`partition`, numbered within the block) are new.
    fn extend(&mut self, p: &[f64], partition: &Partition) {
        let offset = self.group_p.len();
        // Singletons stay singletons when the block's groups follow on from the earlier ones.
        let singletons = partition.is_singletons();
        self.singletons &= singletons && offset == self.group_of.len();
        let group_p = if singletons {
            p.to_vec()
        } else {
            group_simes(p, partition)
        };
        self.testable += group_p.iter().filter(|g| !g.is_nan()).count();
        self.group_p.extend(group_p);
        self.group_of
            .extend(partition.group_of.iter().map(|&g| g + offset));
    }

    fn p_of_row(&self, row: usize) -> f64 {
        self.group_p[self.group_of[row]]
    }
}

/// The rows of one block, ascending by their largest p-value over the layers: a row can take
/// part in a selection at level `alpha` only when it passes every layer, and every threshold is
/// at most `alpha`, so a selection starts from the prefix of each block with key `<= alpha`.
#[derive(Clone, Debug, Default)]
struct Block {
    keys: Vec<f64>,
    rows: Vec<usize>,
}

/// The p-values and partitions prepared once, so selections at several levels are cheap.
///
/// Built in blocks whose groups are their own (an agent's analyses: every row, question and
/// analysis group lies within one analysis), so a ledger that grows by one analysis at a time
/// prepares only the new one; a selection touches only rows that could pass at its level.
#[derive(Clone, Debug, Default)]
pub struct PFilter {
    p: Vec<f64>,
    layers: Vec<Layer>,
    blocks: Vec<Block>,
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

/// A selection as the claimed rows only: what a large family needs (most rows are never claimed).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RowSelection {
    /// Claimed rows, ascending.
    pub rows: Vec<usize>,
    /// Per layer: the `k` of the layer's threshold `alpha k / G`.
    pub groups_selected: Vec<usize>,
}

impl PFilter {
    /// Prepares `p_values` with its `partitions` (each as long as `p_values`). Pass
    /// [`Partition::singletons`] among them to control the row-level FDR.
    pub fn new(p_values: &[f64], partitions: &[Partition]) -> Result<Self, PartitionError> {
        let mut filter = Self::with_layers(partitions.len());
        filter.push_block(p_values, partitions)?;
        Ok(filter)
    }

    /// An empty family with `layers` partitions, to be filled by [`PFilter::push_block`].
    pub fn with_layers(layers: usize) -> Self {
        Self {
            p: Vec::new(),
            layers: vec![Layer::default(); layers],
            blocks: Vec::new(),
        }
    }

    /// Number of rows so far.
    pub fn len(&self) -> usize {
        self.p.len()
    }

    pub fn is_empty(&self) -> bool {
        self.p.is_empty()
    }

    /// Appends rows whose groups in every layer are new: `partitions[m]` numbers the block's
    /// groups of layer `m` from zero, and no group of an earlier block gains a row. The family
    /// is then the same as if it had been built in one piece.
    pub fn push_block(
        &mut self,
        p_values: &[f64],
        partitions: &[Partition],
    ) -> Result<(), PartitionError> {
        if partitions.len() != self.layers.len() {
            return Err(PartitionError::Layers {
                expected: self.layers.len(),
                given: partitions.len(),
            });
        }
        for (layer, partition) in partitions.iter().enumerate() {
            if partition.len() != p_values.len() {
                return Err(PartitionError::Length {
                    layer,
                    labelled: partition.len(),
                    rows: p_values.len(),
                });
            }
        }
        let offset = self.p.len();
        self.p.extend_from_slice(p_values);
        for (layer, partition) in self.layers.iter_mut().zip(partitions) {
            layer.extend(p_values, partition);
        }
        let mut keyed: Vec<(f64, usize)> = (offset..self.p.len())
            .filter(|&i| !self.p[i].is_nan())
            .map(|i| {
                let key = self
                    .layers
                    .iter()
                    .map(|l| l.p_of_row(i))
                    .fold(0.0, f64::max);
                (key, i)
            })
            .filter(|(key, _)| !key.is_nan())
            .collect();
        keyed.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.blocks.push(Block {
            keys: keyed.iter().map(|k| k.0).collect(),
            rows: keyed.iter().map(|k| k.1).collect(),
        });
        Ok(())
    }

    /// The p-filter at level `alpha` on every layer (Barber and Ramdas 2017, Algorithm 1):
    /// thresholds start at alpha and each is lowered in turn to the largest `alpha k / G` whose
    /// layer has at least `k` groups that pass it and hold a row passing every other layer,
    /// until none moves. Thresholds only fall, on a finite grid, so this ends.
    pub fn select(&self, alpha: f64) -> Result<Selection, PartitionError> {
        let sparse = self.select_rows(alpha)?;
        let mut selected = vec![false; self.p.len()];
        for &i in &sparse.rows {
            selected[i] = true;
        }
        Ok(Selection {
            selected,
            groups_selected: sparse.groups_selected,
        })
    }

    /// [`PFilter::select`] returning the claimed rows only. Its cost grows with the rows that
    /// could pass at `alpha`, not with the family.
    pub fn select_rows(&self, alpha: f64) -> Result<RowSelection, PartitionError> {
        if !(alpha > 0.0 && alpha <= 1.0) {
            return Err(PartitionError::Alpha(alpha));
        }
        let s = self.select_from_scratch(alpha, &mut Scratch::new(&self.layers));
        let mut rows = s.rows_by_p;
        rows.sort_unstable();
        Ok(RowSelection {
            rows,
            groups_selected: s.k,
        })
    }

    /// The selection at `alpha` starting from every row that could pass it.
    fn select_from_scratch(&self, alpha: f64, scratch: &mut Scratch) -> Claims {
        let k: Vec<usize> = self.layers.iter().map(|l| l.testable).collect();
        let mut candidates: Vec<usize> = self
            .blocks
            .iter()
            .flat_map(|b| {
                // A hair above alpha: `passes` compares products, which round differently.
                let end = b.keys.partition_point(|&key| key <= alpha * (1.0 + 1e-12));
                b.rows[..end].iter().copied()
            })
            .collect();
        candidates.sort_unstable_by(|&a, &b| self.by_p(a, b));
        let layer_p = candidates
            .iter()
            .flat_map(|&i| self.layers.iter().map(move |l| l.p_of_row(i)))
            .collect();
        let layer_group = candidates
            .iter()
            .flat_map(|&i| self.layers.iter().map(move |l| l.group_of[i]))
            .collect();
        self.fixed_point(
            alpha,
            Claims {
                rows_by_p: candidates,
                layer_p,
                layer_group,
                k,
            },
            scratch,
        )
    }

    /// Rows in ascending order of p, ties by row: the order the singleton layer's step-up reads
    /// them in, kept through every selection so that it never sorts again.
    fn by_p(&self, a: usize, b: usize) -> Ordering {
        self.p[a].total_cmp(&self.p[b]).then(a.cmp(&b))
    }

    /// The selection at `alpha` given the selection `above` at a level at least `alpha`.
    ///
    /// Selections grow with the level (each layer's update only loosens as alpha grows, so its
    /// largest fixed point does too): the thresholds at `alpha` are at most those of `above`,
    /// and a row passing them passes `above`'s, so the search starts from `above`'s thresholds
    /// and rows. This is what makes quoting q-values cheap: each level of the search costs the
    /// rows claimed at the level above it, not the family.
    fn select_below(&self, alpha: f64, above: &Claims, scratch: &mut Scratch) -> Claims {
        self.fixed_point(alpha, above.clone(), scratch)
    }

    /// Barber and Ramdas' iteration from `start`: thresholds `k` (an upper bound on the answer)
    /// and the rows that could pass them, in the order of [`PFilter::by_p`]. A row that fails
    /// any layer at the current thresholds can make no group of any layer count (its own group
    /// in the layer it fails lies above that layer's threshold, which only falls), so it is
    /// dropped for good. The rows' layer p-values travel with them, side by side, so the
    /// checks read memory in order rather than looking each row's groups up in the family.
    fn fixed_point(&self, alpha: f64, start: Claims, scratch: &mut Scratch) -> Claims {
        let layers = self.layers.len();
        let Claims {
            mut rows_by_p,
            mut layer_p,
            mut layer_group,
            mut k,
        } = start;
        let groups: Vec<usize> = self.layers.iter().map(|l| l.testable).collect();
        let passing = |p: &[f64], k: &[usize], skip: usize| {
            (0..layers).all(|m| m == skip || passes(p[m], alpha, k[m], groups[m]))
        };
        loop {
            // Rows failing the thresholds as they now stand (on entry, or after some fell).
            retain_rows(
                &mut rows_by_p,
                &mut layer_p,
                &mut layer_group,
                layers,
                |p| passing(p, &k, usize::MAX),
            );
            let mut moved = false;
            for m in 0..layers {
                let layer = &self.layers[m];
                if layer.testable == 0 {
                    continue;
                }
                // Groups of layer m holding a row that passes every other layer, ascending by p.
                let hits = layer_group
                    .chunks_exact(layers)
                    .zip(layer_p.chunks_exact(layers))
                    .filter(|(_, p)| passing(p, &k, m));
                let hit_p: &[f64] = if layer.singletons {
                    // Each row its own group, and the rows are already in order of p.
                    scratch.hit_p.clear();
                    scratch.hit_p.extend(hits.map(|(_, p)| p[m]));
                    &scratch.hit_p
                } else {
                    scratch.hit_groups(m, hits.map(|(g, _)| g[m]), &layer.group_p)
                };
                // Largest k' <= k[m] with at least k' hit groups at p <= alpha k' / G: a step-up
                // over the hit groups in ascending order of p.
                let mut best = 0;
                for (count, &p) in hit_p.iter().enumerate().map(|(c, p)| (c + 1, p)) {
                    if count > k[m] {
                        break;
                    }
                    if passes(p, alpha, count, layer.testable) {
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
        Claims {
            rows_by_p,
            layer_p,
            layer_group,
            k,
        }
    }

    /// Per row, the smallest level at which the p-filter claims it (its q-value; 1 when it is not
    /// claimed even at 1, NaN when untestable).
    ///
    /// The level is searched, not solved: between two levels a row's q lies between its
    /// threshold crossings (`max_m p_m G_m / k_m`) with the upper and the lower level's `k`s
    /// (equal, and exact, when the `k`s are the same). An interval is split until every row
    /// entering in it has those bounds within `QUOTE_PRECISION` (`COARSE_PRECISION` outside
    /// `FINE_LEVELS_DOWN_TO..=FINE_LEVELS_UP_TO`), or its ends are; the row gets its upper
    /// bound, so a quoted q is never smaller than the true one.
    pub fn q_values(&self) -> Vec<f64> {
        let mut q: Vec<f64> = self
            .p
            .iter()
            .map(|p| if p.is_nan() { f64::NAN } else { 1.0 })
            .collect();
        let mut scratch = Scratch::new(&self.layers);
        let top = Rc::new(self.select_from_scratch(1.0, &mut scratch));
        if top.rows_by_p.is_empty() {
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
        let bottom = Rc::new(self.select_below(floor, &top, &mut scratch));
        // Rows selected at the floor level get the floor (or their exact crossing).
        let nothing = Claims {
            rows_by_p: Vec::new(),
            layer_p: Vec::new(),
            layer_group: Vec::new(),
            k: bottom.k.clone(),
        };
        self.assign_between(0.0, &nothing, floor, &bottom, &mut q);
        let mut stack = vec![(floor, bottom, 1.0, top)];
        while let Some((lo, s_lo, hi, s_hi)) = stack.pop() {
            if s_lo.rows_by_p.len() == s_hi.rows_by_p.len() {
                // Selections grow with the level: the same size is the same rows.
                continue;
            }
            // Every interval lies within one band of precision: it is split at the borders.
            let precision = if hi > FINE_LEVELS_DOWN_TO && hi <= FINE_LEVELS_UP_TO {
                QUOTE_PRECISION
            } else {
                COARSE_PRECISION
            };
            if hi / lo <= 1.0 + precision || self.resolved(lo, &s_lo, hi, &s_hi, precision) {
                self.assign_between(lo, &s_lo, hi, &s_hi, &mut q);
                continue;
            }
            // Split at the geometric middle, or at a border of the fine band when one lies inside.
            let mid = [FINE_LEVELS_UP_TO, FINE_LEVELS_DOWN_TO]
                .into_iter()
                .find(|&border| lo < border && border < hi)
                .unwrap_or_else(|| (lo * hi).sqrt());
            let s_mid = Rc::new(self.select_below(mid, &s_hi, &mut scratch));
            stack.push((lo, s_lo, mid, Rc::clone(&s_mid)));
            stack.push((mid, s_mid, hi, s_hi));
        }
        q
    }

    /// The level at which row `i` passes every layer with thresholds `alpha k_m / G_m`: its
    /// q-value when the `k`s hold there (infinite when a layer has no group to count).
    fn crossing(&self, i: usize, k: &[usize]) -> f64 {
        self.layers
            .iter()
            .zip(k)
            .map(|(l, &k)| {
                if k == 0 {
                    f64::INFINITY
                } else {
                    l.p_of_row(i) * l.testable as f64 / k as f64
                }
            })
            .fold(0.0, f64::max)
    }

    /// Rows claimed at `hi` but not at `lo` (both in the order of `by_p`, the lower part of the
    /// upper), with the bounds on their q: every `k` only grows with the level, so between the
    /// two a row's thresholds are at least those with `lo`'s `k`s and at most those with `hi`'s.
    /// Its q is therefore at most its crossing with `lo`'s `k`s (the thresholds there already
    /// let it pass, and the selection is every row passing them) and at least its crossing with
    /// `hi`'s, both within `[lo, hi]`.
    fn entering<'s>(
        &'s self,
        lo: f64,
        s_lo: &'s Claims,
        hi: f64,
        s_hi: &'s Claims,
    ) -> impl Iterator<Item = (usize, f64, f64)> + 's {
        let mut below = s_lo.rows_by_p.iter().peekable();
        s_hi.rows_by_p.iter().filter_map(move |&i| {
            if below.peek() == Some(&&i) {
                below.next();
                return None;
            }
            let upper = self.crossing(i, &s_lo.k).clamp(lo, hi);
            let lower = self.crossing(i, &s_hi.k).clamp(lo, hi);
            Some((i, lower, upper))
        })
    }

    /// Whether every row entering between `lo` and `hi` has its q bounded to within `precision`
    /// (always so when the `k`s are the same at both ends: the bounds meet), so the interval
    /// needs no further split. In a large family neighbouring levels differ in a few claims out
    /// of thousands, the bounds are tight, and most of the search ends here.
    fn resolved(&self, lo: f64, s_lo: &Claims, hi: f64, s_hi: &Claims, precision: f64) -> bool {
        self.entering(lo, s_lo, hi, s_hi)
            .all(|(_, lower, upper)| upper <= lower * (1.0 + precision))
    }

    /// Rows claimed at `hi` but not at `lo` get their q in `(lo, hi]`: the upper bound of
    /// [`PFilter::entering`], so a quoted q is never below the true one (exact when every
    /// layer's `k` is the same at both ends).
    fn assign_between(&self, lo: f64, s_lo: &Claims, hi: f64, s_hi: &Claims, q: &mut [f64]) {
        for (i, _, upper) in self.entering(lo, s_lo, hi, s_hi) {
            q[i] = upper;
        }
    }
}

/// A selection as the q-value search keeps it: rows in the order of [`PFilter::by_p`], each
/// with its p-value and group in every layer (`layer_p[j * layers + m]` for the `j`th row).
#[derive(Clone)]
struct Claims {
    rows_by_p: Vec<usize>,
    layer_p: Vec<f64>,
    layer_group: Vec<usize>,
    k: Vec<usize>,
}

/// Keeps the rows (with their layer p-values and groups) whose layer p-values satisfy `keep`.
fn retain_rows(
    rows: &mut Vec<usize>,
    layer_p: &mut Vec<f64>,
    layer_group: &mut Vec<usize>,
    layers: usize,
    mut keep: impl FnMut(&[f64]) -> bool,
) {
    let mut kept = 0;
    for j in 0..rows.len() {
        let own = j * layers..(j + 1) * layers;
        if keep(&layer_p[own.clone()]) {
            rows[kept] = rows[j];
            layer_p.copy_within(own.clone(), kept * layers);
            layer_group.copy_within(own, kept * layers);
            kept += 1;
        }
    }
    rows.truncate(kept);
    layer_p.truncate(kept * layers);
    layer_group.truncate(kept * layers);
}

/// Work space reused by every selection of one search, so none allocates per iteration.
struct Scratch {
    /// Per layer, per group: the last pass that marked it (for de-duplicating hit groups).
    stamp: Vec<Vec<u32>>,
    pass: u32,
    groups: Vec<usize>,
    hit_p: Vec<f64>,
}

impl Scratch {
    fn new(layers: &[Layer]) -> Self {
        Self {
            stamp: layers
                .iter()
                .map(|l| {
                    if l.singletons {
                        Vec::new()
                    } else {
                        vec![0; l.group_p.len()]
                    }
                })
                .collect(),
            pass: 0,
            groups: Vec::new(),
            hit_p: Vec::new(),
        }
    }

    /// The p of each distinct group in `groups` (of layer `m`), ascending.
    fn hit_groups(
        &mut self,
        m: usize,
        groups: impl Iterator<Item = usize>,
        group_p: &[f64],
    ) -> &[f64] {
        self.pass = self.pass.wrapping_add(1);
        if self.pass == 0 {
            self.stamp.iter_mut().for_each(|s| s.fill(0));
            self.pass = 1;
        }
        let (stamp, pass) = (&mut self.stamp[m], self.pass);
        self.groups.clear();
        self.groups.extend(groups.filter(|&g| {
            let fresh = stamp[g] != pass;
            stamp[g] = pass;
            fresh
        }));
        self.groups
            .sort_unstable_by(|&a, &b| group_p[a].total_cmp(&group_p[b]).then(a.cmp(&b)));
        self.hit_p.clear();
        self.hit_p.extend(self.groups.iter().map(|&g| group_p[g]));
        &self.hit_p
    }
}

/// Relative width below which a level interval is not split further when quoting q-values.
pub const QUOTE_PRECISION: f64 = 0.01;

/// Levels up to which q-values are quoted to `QUOTE_PRECISION`: every level a run claims at.
/// Above it a q is only ever read as "not claimed", and is quoted to `COARSE_PRECISION`
/// (rounded up, like every quoted q); the search there would otherwise cost most of the time,
/// because nearly every row is selected at such levels.
pub const FINE_LEVELS_UP_TO: f64 = 0.1;

/// Levels down to which q-values are quoted to `QUOTE_PRECISION`. Below it a q says "far inside
/// any threshold a reader applies" and is quoted to `COARSE_PRECISION` (rounded up): a full
/// cohort claims tens of thousands of rows there (tumour against normal tissue), and quoting
/// each to 1% would cost a selection over all of them per 1% of level.
pub const FINE_LEVELS_DOWN_TO: f64 = 1e-4;

/// Relative width of the level intervals outside the fine band
/// (`FINE_LEVELS_DOWN_TO`..=`FINE_LEVELS_UP_TO`) when quoting q-values.
pub const COARSE_PRECISION: f64 = 0.1;

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

    /// How far above the true q a quoted q may lie, for a true q near `level`.
    fn precision_at(level: f64) -> f64 {
        if level > FINE_LEVELS_DOWN_TO && level <= FINE_LEVELS_UP_TO / (1.0 + COARSE_PRECISION) {
            QUOTE_PRECISION
        } else {
            COARSE_PRECISION
        }
    }

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
                    *qi <= bi * (1.0 + precision_at(*bi)) + 1e-15,
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
                    let precision = precision_at(alpha);
                    if q[i] <= alpha / (1.0 + precision) {
                        assert!(
                            s.selected[i],
                            "row {i}: q {} but not claimed at {alpha}",
                            q[i]
                        );
                    }
                    if q[i] > alpha * (1.0 + precision) {
                        assert!(!s.selected[i], "row {i}: q {} but claimed at {alpha}", q[i]);
                    }
                }
                previous = s.selected;
            }
        }
    }

    /// A family pushed one block at a time (an analysis each, as the agent's ledger grows)
    /// selects and quotes exactly as the same family prepared in one piece.
    #[test]
    fn blocks_pushed_one_at_a_time_equal_the_whole_family() {
        let mut rng = ChaCha8Rng::seed_from_u64(23);
        for _ in 0..100 {
            let mut whole_p = Vec::new();
            let mut questions = Vec::new();
            let mut analyses = Vec::new();
            let mut filter = PFilter::with_layers(3);
            for analysis in 0..rng.random_range(1..8) {
                let n = rng.random_range(0..30);
                let p = random_p(&mut rng, n);
                let local_q: Vec<usize> = (0..n).map(|_| rng.random_range(0..3)).collect();
                filter
                    .push_block(
                        &p,
                        &[
                            Partition::singletons(n),
                            Partition::from_labels(&local_q),
                            Partition::from_labels(&vec![0u8; n]),
                        ],
                    )
                    .expect("valid block");
                whole_p.extend(p);
                questions.extend(local_q.iter().map(|&g| (analysis, g)));
                analyses.extend(std::iter::repeat_n(analysis, n));
            }
            let whole = PFilter::new(
                &whole_p,
                &[
                    Partition::singletons(whole_p.len()),
                    Partition::from_labels(&questions),
                    Partition::from_labels(&analyses),
                ],
            )
            .expect("valid");
            for alpha in [0.01, 0.05, 0.3, 1.0] {
                assert_eq!(filter.select(alpha), whole.select(alpha));
            }
            let (a, b) = (filter.q_values(), whole.q_values());
            assert!(
                a.iter()
                    .zip(&b)
                    .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
            );
        }
        let mut filter = PFilter::with_layers(2);
        assert!(matches!(
            filter.push_block(&[0.1], &[Partition::singletons(1)]),
            Err(PartitionError::Layers { .. })
        ));
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
