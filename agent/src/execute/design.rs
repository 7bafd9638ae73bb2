//! Which two-group test a comparison's design calls for, and its rows.
//!
//! - **Paired t** when the samples hold matched pairs (the same participant in both groups,
//!   `datasets::participants`: a tumour and its normal) and the pairs are at least half of the
//!   smaller group: within-patient differences remove the between-patient variation that
//!   dominates tissue comparisons, and treating pairs as independent misstates the evidence.
//! - **Moderated t** (limma's eBayes) when the smaller group has at most
//!   [`MODERATE_MAX_GROUP`] samples and the layer has at least [`MODERATE_MIN_FEATURES`]
//!   features: per-feature variances from a handful of samples are noisy, and borrowing strength
//!   across the layer keeps power and controls false positives from accidentally tiny variances.
//!   With larger groups the moderated and Welch tests agree and Welch's unequal variances are the
//!   safer assumption.
//!   Only designed comparisons (tumour vs normal, where `pairs` is given) use it: for screens of
//!   clinical groups and mutations see the next point.
//! - **Mann-Whitney U** (p-value; effect: the mean difference with its Welch interval) otherwise,
//!   and whenever a moderated fit is impossible. Label-shuffled runs of the demo study showed
//!   that parametric tests of small groups (5 to 10 tumours, as rare clinical levels and
//!   mutations give) on skewed proteome features reach p < 1e-5 about 50 times too often, and the
//!   run-wide error control's thresholds live in exactly that tail; moderation stabilises the
//!   variance but not the skew. The rank test's null holds for any feature distribution when
//!   labels are exchangeable, which is the null calibration shuffles.
//!
//! Every row names its test ([`graph::TestKind`]), which findings.tsv writes in its `test` column.

use super::{Untestable, collect_rows, comparison_row};
use crate::ledger::TestRow;
use crate::profile::MIN_GROUP;
use analysis::compare::{CompareOptions, compare_layer};
use analysis::groups::{GroupLabels, Membership, TwoGroups};
use analysis::moderated::{ModerationOptions, moderated_two_groups};
use analysis::paired::{Pairs, compare_paired_layer};
use datasets::participants::Participants;
use datasets::{FeatureId, Matrix, Study};

/// Fewest matched pairs for the paired test.
pub const MIN_PAIRS: usize = 6;
/// Largest smaller-group size at which the moderated t is preferred.
pub const MODERATE_MAX_GROUP: usize = 20;
/// Fewest features for the prior of the moderated t to be estimated well.
pub const MODERATE_MIN_FEATURES: usize = 100;

/// The test a two-group comparison used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwoGroupTest {
    MannWhitney,
    Moderated,
    Paired,
}

impl TwoGroupTest {
    /// The name written in an analysis's params.
    pub fn name(self) -> &'static str {
        match self {
            Self::MannWhitney => "mann_whitney",
            Self::Moderated => "moderated_t",
            Self::Paired => "paired_t",
        }
    }
}

/// The test for groups of `n_a` and `n_b` samples over `n_features` features, with `pairs`
/// matched pairs among them.
pub fn choose(n_a: usize, n_b: usize, n_features: usize, pairs: usize) -> TwoGroupTest {
    let smaller = n_a.min(n_b);
    if pairs >= MIN_PAIRS && 2 * pairs >= smaller {
        TwoGroupTest::Paired
    } else if smaller <= MODERATE_MAX_GROUP && n_features >= MODERATE_MIN_FEATURES {
        TwoGroupTest::Moderated
    } else {
        TwoGroupTest::MannWhitney
    }
}

/// Matched pairs of `groups` among the rows of `matrix`: samples of one participant, one in
/// each group.
pub fn matched_pairs(study: &Study, matrix: &Matrix, groups: &TwoGroups) -> Pairs {
    let clinical = &study.clinical;
    let participants = Participants::of(clinical);
    let index = clinical.sample_index();
    let labels: Vec<Option<String>> = matrix
        .samples()
        .iter()
        .map(|s| {
            index
                .get(s.as_str())
                .and_then(|&i| participants.of_index(i))
                .map(str::to_owned)
        })
        .collect();
    match GroupLabels::new(matrix.samples().to_vec(), &labels) {
        Ok(patients) => Pairs::within(matrix.samples(), groups, &patients),
        Err(_) => Pairs {
            a_rows: Vec::new(),
            b_rows: Vec::new(),
            patients: Vec::new(),
        },
    }
}

/// Group A minus group B for every feature of `matrix` with the test the design calls for
/// (`pairs` from [`matched_pairs`], or `None` where pairing does not apply).
pub fn two_group_rows(
    layer_name: &str,
    matrix: &Matrix,
    groups: &TwoGroups,
    pairs: Option<&Pairs>,
    variable: &str,
    contrast: &str,
    untestable: &mut Untestable,
) -> (Vec<TestRow>, TwoGroupTest) {
    let n_a = groups
        .aligned_to(matrix.samples())
        .iter()
        .filter(|m| **m == Membership::A)
        .count();
    let n_b = groups
        .aligned_to(matrix.samples())
        .iter()
        .filter(|m| **m == Membership::B)
        .count();
    let n_pairs = pairs.map_or(0, Pairs::len);
    let base = |f: &FeatureId| TestRow {
        layer: layer_name.to_owned(),
        feature: f.to_string(),
        gene: f.gene_symbol().to_owned(),
        variable: variable.to_owned(),
        contrast: contrast.to_owned(),
        test: graph::TestKind::WelchT,
        effect: f64::NAN,
        ci_low: f64::NAN,
        ci_high: f64::NAN,
        std_effect: f64::NAN,
        statistic: f64::NAN,
        p: f64::NAN,
        n: 0,
        warning: None,
    };
    match (choose(n_a, n_b, matrix.n_features(), n_pairs), pairs) {
        (TwoGroupTest::Paired, Some(pairs)) => {
            let outcomes = compare_paired_layer(matrix, pairs, MIN_GROUP);
            let rows = collect_rows(&outcomes, matrix.features(), untestable, |f, c| {
                let t = c.t;
                Some(TestRow {
                    test: graph::TestKind::PairedT,
                    effect: c.mean_difference.value,
                    ci_low: c.mean_difference.ci_low,
                    ci_high: c.mean_difference.ci_high,
                    // Cohen's d_z: the mean difference over the sd of the differences.
                    std_effect: t.statistic / (c.n_pairs as f64).sqrt(),
                    statistic: t.statistic,
                    p: t.p_value,
                    n: 2 * c.n_pairs,
                    ..base(f)
                })
            });
            return (rows, TwoGroupTest::Paired);
        }
        // Moderation only for designed (pairable) comparisons: see the module docs.
        (TwoGroupTest::Moderated, Some(_)) => {
            if let Ok(fit) =
                moderated_two_groups(matrix, groups, ModerationOptions { trend: false })
            {
                let rows = collect_rows(&fit.features, matrix.features(), untestable, |f, m| {
                    let c = m.coefficients.first()?;
                    let (ci_low, ci_high) = m.interval(0)?;
                    Some(TestRow {
                        test: graph::TestKind::ModeratedT,
                        effect: c.estimate,
                        ci_low,
                        ci_high,
                        std_effect: c.estimate / m.posterior_variance.sqrt(),
                        statistic: c.t,
                        p: c.p_value,
                        n: m.n,
                        ..base(f)
                    })
                });
                return (rows, TwoGroupTest::Moderated);
            }
        }
        _ => {}
    }
    let options = CompareOptions {
        min_per_group: 3,
        rank_test: true,
    };
    let outcomes = compare_layer(matrix, groups, &options);
    let rows = collect_rows(&outcomes, matrix.features(), untestable, |f, c| {
        Some(comparison_row(
            layer_name,
            f,
            variable,
            contrast.to_owned(),
            c,
        ))
    });
    (rows, TwoGroupTest::MannWhitney)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_picks_the_test() {
        // Matched pairs covering the normals: paired.
        assert_eq!(choose(90, 30, 5000, 25), TwoGroupTest::Paired);
        // Too few pairs, or pairs a small share of the smaller group: not paired.
        assert_eq!(choose(90, 30, 5000, 4), TwoGroupTest::MannWhitney);
        assert_eq!(choose(12, 10, 5000, 3), TwoGroupTest::Moderated);
        // Small groups over a whole layer: moderated (where the design allows it); large groups
        // or few features: the rank test.
        assert_eq!(choose(40, 40, 5000, 0), TwoGroupTest::MannWhitney);
        assert_eq!(choose(8, 9, 50, 0), TwoGroupTest::MannWhitney);
    }

    /// The demo (CPTAC UCEC) holds tumours with matched normals of the same participants: the
    /// tumour-vs-normal screen pairs them, and every row says so; a small clinical contrast over
    /// the whole proteome is moderated.
    #[test]
    fn demo_tumour_vs_normal_is_paired_and_rows_name_the_test() {
        use crate::execute::{Context, groups};
        use std::collections::HashSet;
        let study = datasets::demo::load().expect("demo study");
        let scope: HashSet<datasets::SampleId> = study.clinical.samples.iter().cloned().collect();
        let ctx = Context {
            study: &study,
            scope: &scope,
            gene_sets: &[],
            seed: 1,
        };
        let layer = study
            .layers
            .iter()
            .find(|l| l.name.to_ascii_lowercase().contains("proteom"))
            .expect("a proteome layer");
        let produced = groups::tumor_vs_normal(&ctx, &layer.name).unwrap();
        assert_eq!(produced.params["test"], "paired_t");
        assert!(produced.params["pairs"].as_u64().unwrap() >= MIN_PAIRS as u64);
        assert!(!produced.rows.is_empty());
        assert!(
            produced
                .rows
                .iter()
                .all(|r| r.test == graph::TestKind::PairedT && r.n % 2 == 0)
        );

        // Ten tumours against ten others, as a designed comparison (pairing considered, none
        // found): moderated; as a screen of a clinical grouping: the rank test.
        let matrix = ctx.scoped(layer, false);
        let membership: Vec<Membership> = (0..matrix.n_samples())
            .map(|i| match i {
                0..10 => Membership::A,
                10..20 => Membership::B,
                _ => Membership::Excluded,
            })
            .collect();
        let groups = TwoGroups::new(matrix.samples().to_vec(), membership, "a", "b").unwrap();
        let no_pairs = Pairs {
            a_rows: Vec::new(),
            b_rows: Vec::new(),
            patients: Vec::new(),
        };
        let (rows, test) = two_group_rows(
            &layer.name,
            &matrix,
            &groups,
            Some(&no_pairs),
            "v",
            "a vs b",
            &mut Untestable::default(),
        );
        assert_eq!(test, TwoGroupTest::Moderated);
        assert!(!rows.is_empty() && rows.iter().all(|r| r.test == graph::TestKind::ModeratedT));
        assert!(
            rows.iter()
                .all(|r| r.ci_low <= r.effect && r.effect <= r.ci_high)
        );
        let (rows, test) = two_group_rows(
            &layer.name,
            &matrix,
            &groups,
            None,
            "v",
            "a vs b",
            &mut Untestable::default(),
        );
        assert_eq!(test, TwoGroupTest::MannWhitney);
        assert!(!rows.is_empty() && rows.iter().all(|r| r.test == graph::TestKind::MannWhitney));
    }
}
