//! The study's dominant axes a group difference must be independent of, found from the data and
//! never from column names of one cohort: tumour purity and batch (by the usual names), tumour
//! mutation burden (computed from the mutation layer whenever there is one), the clinical
//! variable that best separates hypermutated tumours (the one explaining most of the burden's
//! variance: MSI or POLE status, a genomic subtype), and the clinical variable that best explains
//! the main axes of the molecular data (histology or a molecular subtype: the expression axis).
//! Mutation effects are the classic case: in a cohort with hypermutated tumours, most single-gene
//! mutations mark hypermutation, and their effects are confounded by it; in a cohort of two
//! histologies, a mutation common in one (TP53 in serous endometrial tumours) marks histology and
//! "shifts" every histology marker. Only the discovery samples an analysis used are read.

use analysis::pca::{PcaOptions, pca};
use datasets::clinical::VariableKind;
use datasets::kinds::LayerKind;
use datasets::{SampleId, Study};
use std::collections::{HashMap, HashSet};

/// The covariate name of the burden computed from the mutation layer (not a clinical column).
pub const MUTATION_BURDEN: &str = "mutation burden";

/// Share of log-burden variance a clinical variable must explain to count as the hypermutation
/// axis.
const AXIS_ETA2: f64 = 0.3;

/// Above this association (Cramer's V) with the grouping tested, a covariate would be the same
/// variable again, and adjusting for it would only remove the effect by collinearity.
const COLLINEAR_V: f64 = 0.7;

/// Fewest samples per level for a variable's level to count.
const MIN_LEVEL: usize = 5;

/// Share of the variance of the molecular data's leading components a clinical grouping must
/// explain to count as the expression axis. Under no association, eta² of k levels on n samples
/// averages (k − 1)/(n − 1), about 0.04 for three levels on 50 samples.
const EXPRESSION_AXIS_ETA2: f64 = 0.3;

/// Leading principal components the expression axis is judged on.
const AXIS_COMPONENTS: usize = 3;

/// Per sample of `samples`: log2(1 + number of mutated genes), NaN where the sample has no
/// mutation calls. `None` when the study has no mutation layer.
pub fn mutation_burden(study: &Study, samples: &[SampleId]) -> Option<Vec<f64>> {
    let layer = study.mutation_layer()?;
    let m = &layer.matrix;
    let index: HashMap<&str, usize> = m
        .samples()
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut counts = vec![0.0_f64; m.n_samples()];
    let mut seen = vec![false; m.n_samples()];
    for column in m.feature_columns() {
        for (i, &v) in column.iter().enumerate() {
            if !v.is_nan() {
                seen[i] = true;
                if v > 0.0 {
                    counts[i] += 1.0;
                }
            }
        }
    }
    Some(
        samples
            .iter()
            .map(|s| match index.get(s.as_str()) {
                Some(&i) if seen[i] => (1.0 + counts[i]).log2(),
                _ => f64::NAN,
            })
            .collect(),
    )
}

/// The grouping a group difference tested.
#[derive(Clone, Copy, Debug)]
pub enum Tested<'a> {
    /// A clinical variable, by name.
    Clinical(&'a str),
    /// Carriers vs wild-type of one gene's mutation.
    Mutation(&'a str),
}

/// What a group difference on `samples` is adjusted for, leaving out anything that is the tested
/// grouping again.
pub fn dominant_axes(study: &Study, samples: &[SampleId], tested: Tested<'_>) -> Vec<String> {
    let tested_variable = match tested {
        Tested::Clinical(v) => Some(v),
        Tested::Mutation(_) => None,
    };
    let tested = tested_labels(study, samples, tested);
    let tested = tested.as_slice();
    let mut out = Vec::new();
    let vars = &study.clinical.variables;
    let mut push = |name: &str| {
        if Some(name) != tested_variable && !out.iter().any(|o| o == name) {
            out.push(name.to_owned());
        }
    };
    if let Some(v) = vars.iter().find(|v| {
        matches!(v.kind, VariableKind::Numeric(_)) && {
            let n = v.name.to_ascii_lowercase();
            n == "purity"
                || n.contains("purity_cancer")
                || n.contains("tumor_purity")
                || n.ends_with("purity")
        }
    }) {
        push(&v.name);
    }
    if let Some(v) = vars.iter().find(|v| {
        matches!(v.kind, VariableKind::Categorical(_))
            && v.name.to_ascii_lowercase().contains("batch")
    }) {
        push(&v.name);
    }
    let clinical_index = study.clinical.sample_index();
    let labels_of = |name: &str| clinical_labels(study, &clinical_index, samples, name);
    if let Some(burden) = mutation_burden(study, samples) {
        push_hypermutation_axis(
            &burden,
            tested,
            tested_variable,
            vars,
            &labels_of,
            &mut push,
        );
    }
    push_expression_axis(study, samples, tested, &labels_of, &mut push);
    out
}

/// Each sample's level of clinical variable `name` (`None` where unknown); `None` for a variable
/// without levels. `index` is `study.clinical.sample_index()`, built once by the caller.
fn clinical_labels(
    study: &Study,
    index: &HashMap<&str, usize>,
    samples: &[SampleId],
    name: &str,
) -> Option<Vec<Option<String>>> {
    let levels = study.clinical.variable(name)?.kind.levels()?;
    Some(
        samples
            .iter()
            .map(|s| {
                index
                    .get(s.as_str())
                    .and_then(|&i| levels.level_name(i))
                    .map(str::to_owned)
            })
            .collect(),
    )
}

/// Adds the hypermutation axis, or the burden itself when no clinical variable is usable as one.
fn push_hypermutation_axis(
    burden: &[f64],
    tested: &[Option<String>],
    tested_variable: Option<&str>,
    vars: &[datasets::clinical::ClinicalVariable],
    labels_of: &dyn Fn(&str) -> Option<Vec<Option<String>>>,
    push: &mut dyn FnMut(&str),
) {
    // The hypermutation axis: the grouping explaining most of the burden's variance.
    let axis = vars
        .iter()
        .filter(|v| {
            matches!(
                v.kind,
                VariableKind::Binary(_) | VariableKind::Categorical(_)
            )
        })
        .filter_map(|v| Some((v.name.as_str(), eta_squared(burden, &labels_of(&v.name)?)?)))
        .filter(|(_, eta2)| *eta2 >= AXIS_ETA2)
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let tested_burden = eta_squared(burden, tested).unwrap_or(0.0);
    let axis_usable = axis.is_some_and(|(name, _)| {
        labels_of(name)
            .and_then(|axis_labels| cramers_v(tested, &axis_labels))
            .is_none_or(|v| v < COLLINEAR_V)
    });
    match axis {
        Some((name, _)) if axis_usable => push(name),
        // No usable clinical axis: the burden itself. A mutation is always adjusted for it (the
        // classic confounding: carriers are hypermutated); a clinical grouping only when it is
        // not the burden again.
        _ if tested_variable.is_none() || tested_burden < AXIS_ETA2 => push(MUTATION_BURDEN),
        _ => {}
    }
}

/// Adds the expression axis (see [`expression_axis`]) unless it is the tested grouping again.
fn push_expression_axis(
    study: &Study,
    samples: &[SampleId],
    tested: &[Option<String>],
    labels_of: &dyn Fn(&str) -> Option<Vec<Option<String>>>,
    push: &mut dyn FnMut(&str),
) {
    let Some((name, _)) = expression_axis(study, samples, labels_of) else {
        return;
    };
    let collinear = labels_of(name)
        .and_then(|axis| cramers_v(tested, &axis))
        .is_some_and(|v| v >= COLLINEAR_V);
    if !collinear {
        push(name);
    }
}

/// The clinical grouping (histology, a molecular subtype, tumour versus normal) that explains
/// most of the variance of the leading principal components of the study's main molecular layer
/// (proteome, else RNA) on `samples`, weighted by each component's share, when that is at least
/// [`EXPRESSION_AXIS_ETA2`]. Judged from the data, so it is whatever divides this cohort.
pub fn expression_axis<'s>(
    study: &'s Study,
    samples: &[SampleId],
    labels_of: &dyn Fn(&str) -> Option<Vec<Option<String>>>,
) -> Option<(&'s str, f64)> {
    let layer = study
        .layer(LayerKind::Proteome)
        .or_else(|| study.layer(LayerKind::Rna))?;
    let rows: Vec<usize> = samples
        .iter()
        .filter_map(|s| layer.matrix.sample_index(s.as_str()))
        .collect();
    let options = PcaOptions {
        n_components: AXIS_COMPONENTS,
        scale: true,
        ..PcaOptions::default()
    };
    let components = pca(&layer.matrix.select_samples(&rows), &options).ok()?;
    // Each sample's scores, placed back in the order of `samples` (NaN where not used).
    let position: HashMap<&str, usize> = components
        .samples
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let weight_total: f64 = components.explained_variance_ratio.iter().sum();
    if weight_total <= 0.0 {
        return None;
    }
    study
        .clinical
        .variables
        .iter()
        .filter(|v| {
            matches!(
                v.kind,
                VariableKind::Binary(_) | VariableKind::Categorical(_)
            )
        })
        .filter_map(|v| {
            let labels = labels_of(&v.name)?;
            let mut explained = 0.0;
            for (scores, share) in components
                .scores
                .iter()
                .zip(&components.explained_variance_ratio)
            {
                let aligned: Vec<f64> = samples
                    .iter()
                    .map(|s| position.get(s.as_str()).map_or(f64::NAN, |&i| scores[i]))
                    .collect();
                explained += share * eta_squared(&aligned, &labels)?;
            }
            Some((v.name.as_str(), explained / weight_total))
        })
        .filter(|(_, eta2)| *eta2 >= EXPRESSION_AXIS_ETA2)
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// The tested grouping's label per sample (`None` where unknown).
fn tested_labels(study: &Study, samples: &[SampleId], tested: Tested<'_>) -> Vec<Option<String>> {
    match tested {
        Tested::Clinical(variable) => {
            let index = study.clinical.sample_index();
            let levels = study
                .clinical
                .variable(variable)
                .and_then(|v| v.kind.levels());
            samples
                .iter()
                .map(|s| {
                    let i = *index.get(s.as_str())?;
                    levels?.level_name(i).map(str::to_owned)
                })
                .collect()
        }
        Tested::Mutation(gene) => {
            let column = study.mutation_layer().and_then(|l| {
                let j = l.matrix.feature_index(gene)?;
                Some((&l.matrix, j))
            });
            samples
                .iter()
                .map(|s| {
                    let (m, j) = column?;
                    let i = m.sample_index(s.as_str())?;
                    let v = m.value(i, j);
                    (!v.is_nan()).then(|| if v > 0.0 { "mutated" } else { "wild-type" }.to_owned())
                })
                .collect()
        }
    }
}

/// Share of the variance of `values` explained by the groups of `labels` (levels with fewer than
/// [`MIN_LEVEL`] samples left out); `None` with fewer than two such levels.
fn eta_squared(values: &[f64], labels: &[Option<String>]) -> Option<f64> {
    let mut groups: HashMap<&str, (f64, f64, usize)> = HashMap::new();
    for (v, l) in values.iter().zip(labels) {
        if let (false, Some(l)) = (v.is_nan(), l) {
            let g = groups.entry(l.as_str()).or_default();
            g.0 += v;
            g.1 += v * v;
            g.2 += 1;
        }
    }
    groups.retain(|_, g| g.2 >= MIN_LEVEL);
    if groups.len() < 2 {
        return None;
    }
    let (sum, sum_sq, n) = groups.values().fold((0.0, 0.0, 0usize), |acc, g| {
        (acc.0 + g.0, acc.1 + g.1, acc.2 + g.2)
    });
    let mean = sum / n as f64;
    let total = sum_sq - n as f64 * mean * mean;
    if total <= 0.0 {
        return None;
    }
    let between: f64 = groups
        .values()
        .map(|g| {
            let m = g.0 / g.2 as f64;
            g.2 as f64 * (m - mean) * (m - mean)
        })
        .sum();
    Some((between / total).clamp(0.0, 1.0))
}

/// Cramer's V between two labellings of the same samples (pairs with a missing label left out).
fn cramers_v(a: &[Option<String>], b: &[Option<String>]) -> Option<f64> {
    let pairs: Vec<(&str, &str)> = a
        .iter()
        .zip(b)
        .filter_map(|(x, y)| Some((x.as_deref()?, y.as_deref()?)))
        .collect();
    let rows: Vec<&str> = distinct(pairs.iter().map(|p| p.0));
    let cols: Vec<&str> = distinct(pairs.iter().map(|p| p.1));
    if rows.len() < 2 || cols.len() < 2 {
        return None;
    }
    let n = pairs.len() as f64;
    let mut table = vec![vec![0.0; cols.len()]; rows.len()];
    for (x, y) in &pairs {
        let (Some(i), Some(j)) = (
            rows.iter().position(|r| r == x),
            cols.iter().position(|c| c == y),
        ) else {
            continue;
        };
        table[i][j] += 1.0;
    }
    let row_sums: Vec<f64> = table.iter().map(|r| r.iter().sum()).collect();
    let col_sums: Vec<f64> = (0..cols.len())
        .map(|j| table.iter().map(|r| r[j]).sum())
        .collect();
    let mut chi2 = 0.0;
    for (i, row) in table.iter().enumerate() {
        for (j, &observed) in row.iter().enumerate() {
            let expected = row_sums[i] * col_sums[j] / n;
            if expected > 0.0 {
                chi2 += (observed - expected).powi(2) / expected;
            }
        }
    }
    let k = (rows.len().min(cols.len()) - 1) as f64;
    Some((chi2 / (n * k)).sqrt().clamp(0.0, 1.0))
}

fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    items.filter(|i| seen.insert(*i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| Some((*s).to_owned())).collect()
    }

    /// A study of 60 tumours whose proteome's main axis is a two-level grouping (`tissue_code`, a
    /// name nothing recognises), with `tissue_copy` the same grouping again and `coin` unrelated.
    fn study_with_an_expression_axis(dir: &std::path::Path) -> Study {
        let n = 60;
        let group = |i: usize| if i.is_multiple_of(2) { "K1" } else { "K2" };
        let mut clinical = String::from("sample_id\ttissue_code\ttissue_copy\tcoin\n");
        for i in 0..n {
            let coin = if (i / 2) % 2 == 0 { "heads" } else { "tails" };
            clinical.push_str(&format!("S{i:02}\t{}\t{}\t{coin}\n", group(i), group(i)));
        }
        std::fs::write(dir.join("clinical.tsv"), clinical).unwrap();
        let mut proteome = String::from("gene");
        for i in 0..n {
            proteome.push_str(&format!("\tS{i:02}"));
        }
        proteome.push('\n');
        // A deterministic pseudo-random background, and 60 of 300 features shifted by group.
        let mut state = 12345_u64;
        let mut noise = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        for f in 0..300 {
            proteome.push_str(&format!("G{f}"));
            for i in 0..n {
                let shift = if f < 60 && group(i) == "K2" { 2.0 } else { 0.0 };
                proteome.push_str(&format!("\t{:.4}", noise() * 2.0 + shift));
            }
            proteome.push('\n');
        }
        std::fs::write(dir.join("proteome.tsv"), proteome).unwrap();
        Study::load(dir).unwrap()
    }

    #[test]
    fn the_grouping_behind_the_main_expression_axis_is_adjusted_for() {
        let dir = tempfile::tempdir().unwrap();
        let study = study_with_an_expression_axis(dir.path());
        let samples: Vec<SampleId> = study
            .layer(LayerKind::Proteome)
            .unwrap()
            .matrix
            .samples()
            .to_vec();
        // A test of the unrelated grouping is adjusted for the expression axis...
        let axes = dominant_axes(&study, &samples, Tested::Clinical("coin"));
        assert!(
            axes.iter()
                .any(|a| a == "tissue_code" || a == "tissue_copy"),
            "{axes:?}"
        );
        // ...but never for the tested grouping itself, or the same grouping under another name.
        let axes = dominant_axes(&study, &samples, Tested::Clinical("tissue_code"));
        assert!(axes.is_empty(), "{axes:?}");
        let axes = dominant_axes(&study, &samples, Tested::Clinical("tissue_copy"));
        assert!(axes.is_empty(), "{axes:?}");
    }

    #[test]
    fn no_axis_is_claimed_where_no_grouping_shapes_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let study = study_with_an_expression_axis(dir.path());
        let samples: Vec<SampleId> = study
            .layer(LayerKind::Proteome)
            .unwrap()
            .matrix
            .samples()
            .to_vec();
        let index = study.clinical.sample_index();
        let labels_of = |name: &str| clinical_labels(&study, &index, &samples, name);
        let (name, eta2) = expression_axis(&study, &samples, &labels_of).unwrap();
        assert!(name.starts_with("tissue_"), "{name}");
        assert!(eta2 > 0.5, "{eta2}");
        // Within one level of the grouping the data have no clinical axis left.
        let k1: Vec<SampleId> = samples
            .iter()
            .filter(|s| s.as_str()[1..].parse::<usize>().unwrap() % 2 == 0)
            .cloned()
            .collect();
        let labels_k1 = |name: &str| clinical_labels(&study, &index, &k1, name);
        assert!(expression_axis(&study, &k1, &labels_k1).is_none());
    }

    #[test]
    fn eta_squared_is_the_between_group_share() {
        // Groups 1,2,3 and 7,8,9 (and one of each pair padded to five): between / total by hand.
        let values = [1.0, 2.0, 3.0, 2.0, 2.0, 7.0, 8.0, 9.0, 8.0, 8.0];
        let l = labels(&["a", "a", "a", "a", "a", "b", "b", "b", "b", "b"]);
        // Means 2 and 8, grand mean 5: between 10 * 9 = 90; within 2 + 2 = 4; total 94.
        let eta2 = eta_squared(&values, &l).unwrap();
        assert!((eta2 - 90.0 / 94.0).abs() < 1e-12, "{eta2}");
        // A level under five samples does not count, leaving one group.
        let short = labels(&["a", "a", "a", "a", "a", "b", "b", "b", "b", "c"]);
        assert!(eta_squared(&values[..10], &short).is_none());
    }

    #[test]
    fn cramers_v_matches_a_hand_computed_table() {
        // 2x2 table [[4, 1], [1, 4]]: chi2 = 3.6, n = 10, V = sqrt(0.36) = 0.6.
        let a = labels(&["x", "x", "x", "x", "x", "y", "y", "y", "y", "y"]);
        let b = labels(&["p", "p", "p", "p", "q", "p", "q", "q", "q", "q"]);
        let v = cramers_v(&a, &b).unwrap();
        assert!((v - 0.6).abs() < 1e-12, "{v}");
        assert!((cramers_v(&a, &a).unwrap() - 1.0).abs() < 1e-12);
    }
}
