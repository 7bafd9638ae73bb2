//! Follow-up: does a group difference hold within each stratum of a confounder: each level of a
//! categorical one (MSI status, histology), each half of a numeric one (purity, mutation
//! burden)? An effect that vanishes after adjustment may still hold inside one stratum (a
//! mutation's effect seen only in microsatellite-stable tumours, a tumour-cell effect seen only
//! in the purer half, where stroma does not dilute it); the stratified rows are what
//! `refine.rs` narrows a failing hypothesis with. Each stratum's test is an ordinary ledger row,
//! so the run's error control counts it.
//!
//! Within a stratum the difference is re-fitted by OLS with the remaining confounders (the same
//! as `adjusted_groups`, restricted to the stratum's samples); a numeric confounder stays in the
//! model inside its own halves, since a half still spans a range of it. The row's contrast
//! names the stratum (`mutated vs wild-type within MSI_status=MSS adjusted for purity`).
//! Numeric halves are cut at the median of the samples tested, so the held-out re-test of a
//! narrowed claim cuts its own samples at their own median: the claim is about the purer half
//! of a cohort, not about a purity value read off one sample.

use super::QuestionKind;
use super::clinical_groups::clinical_classes;
use super::novelty::{clinical_link, clinical_variables_relevance};
use super::priors::abbreviate;
use super::relations::DirectionClasses;
use crate::execute::{Context, ExecError, Produced, groups};
use crate::hypothesis::Candidate;
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use crate::profile::MIN_GROUP;
use datasets::SampleId;
use graph::Claim;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Fewest samples a stratum needs to be tested: two groups of the screen's minimum size.
const MIN_STRATUM: usize = 2 * MIN_GROUP;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stratified {
    /// The grouping re-tested: a clinical variable, or `<GENE> mutation`.
    pub variable: String,
    pub layer: String,
    pub features: Vec<String>,
    /// The confounders of the adjusted re-test; within a stratum of one of them, the others
    /// stay in the model.
    pub covariates: Vec<String>,
    /// The confounders whose levels (categorical) or halves (numeric) are the strata.
    pub by: Vec<String>,
}

impl QuestionKind for Stratified {
    const FOLLOW_UP: bool = true;
    const LABEL_DEPENDENT: bool = true;

    super::follow_up_parts!();

    fn describe(&self) -> String {
        format!(
            "{} -> {} {}, within each stratum of {}",
            self.variable,
            self.layer,
            abbreviate(&self.features),
            self.by.join(", ")
        )
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        let mut out = Produced {
            module: "linear_regression",
            params: serde_json::json!({"variable": self.variable, "by": self.by,
                "covariates": self.covariates, "features": self.features.len()}),
            layers: vec![self.layer.clone()],
            ..Produced::default()
        };
        let mut samples = HashSet::new();
        for by in &self.by {
            let (strata, split) = strata(ctx, by)?;
            let rest: Vec<String> = self
                .covariates
                .iter()
                .filter(|c| *c != by || split == Split::Halves)
                .cloned()
                .collect();
            for (level, scope) in strata {
                let inside = Context {
                    study: ctx.study,
                    scope: &scope,
                    gene_sets: ctx.gene_sets,
                    seed: ctx.seed,
                };
                match groups::adjusted_groups(
                    &inside,
                    &self.variable,
                    &self.layer,
                    &self.features,
                    &rest,
                ) {
                    Ok(produced) => {
                        samples.extend(produced.samples);
                        out.not_testable += produced.not_testable;
                        out.rows.extend(produced.rows.into_iter().map(|mut row| {
                            let base = row
                                .contrast
                                .rsplit_once(" adjusted for ")
                                .map_or(row.contrast.as_str(), |(b, _)| b);
                            row.contrast = within(base, by, &level, &rest);
                            row
                        }));
                    }
                    Err(e) => out.notes.push(format!("{by}={level}: {e}")),
                }
            }
        }
        if out.rows.is_empty() {
            return Err(ExecError::NothingToTest(format!(
                "no stratum of {} testable for {}",
                self.by.join(", "),
                self.variable
            )));
        }
        let mut samples: Vec<SampleId> = samples.into_iter().collect();
        samples.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        out.samples = samples;
        Ok(out)
    }

    /// A difference inside one stratum is not a relation of the whole cohort: no graph claim.
    fn claim(&self, _row: &TestRow, _ledger: &Ledger) -> Option<Claim> {
        None
    }

    fn direction_classes(&self, layers: &[String]) -> DirectionClasses {
        clinical_classes(&self.variable, layers)
    }

    fn novelty(h: &Candidate, _knowledge: &Knowledge) -> (f64, String) {
        clinical_link(h)
    }

    fn clinical_relevance(h: &Candidate) -> f64 {
        clinical_variables_relevance(h)
    }
}

/// Stratum label of the samples at or below the median of a numeric confounder.
pub const LOWER_HALF: &str = "at or below median";
/// Stratum label of the samples above the median of a numeric confounder.
pub const UPPER_HALF: &str = "above median";

/// How a confounder's samples were split into strata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Split {
    /// One stratum per level of a categorical, binary or ordinal variable.
    Levels,
    /// Two halves of a numeric variable, cut at the median of the in-scope samples.
    Halves,
}

/// The in-scope samples of each stratum of `by` with at least [`MIN_STRATUM`] of them, by
/// stratum label, and how they were split.
fn strata(
    ctx: &Context<'_>,
    by: &str,
) -> Result<(BTreeMap<String, HashSet<SampleId>>, Split), ExecError> {
    let samples: Vec<SampleId> = ctx
        .study
        .clinical
        .samples
        .iter()
        .filter(|s| ctx.scope.contains(*s))
        .cloned()
        .collect();
    let (labels, split) = match ctx.numeric_covariate(by, &samples)? {
        Some(values) => (halves(&values), Split::Halves),
        None => (ctx.labels(by, &samples)?, Split::Levels),
    };
    let mut out: BTreeMap<String, HashSet<SampleId>> = BTreeMap::new();
    for (s, l) in samples.into_iter().zip(labels) {
        if let Some(l) = l {
            out.entry(l).or_default().insert(s);
        }
    }
    out.retain(|_, s| s.len() >= MIN_STRATUM);
    Ok((out, split))
}

/// [`LOWER_HALF`] or [`UPPER_HALF`] per value, cut at the median of the finite values; `None`
/// where the value is missing.
fn halves(values: &[f64]) -> Vec<Option<String>> {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return vec![None; values.len()];
    }
    finite.sort_by(f64::total_cmp);
    let mid = finite.len() / 2;
    let median = if finite.len().is_multiple_of(2) {
        (finite[mid - 1] + finite[mid]) / 2.0
    } else {
        finite[mid]
    };
    values
        .iter()
        .map(|&v| {
            v.is_finite()
                .then(|| if v <= median { LOWER_HALF } else { UPPER_HALF }.to_owned())
        })
        .collect()
}

/// How a statement names a stratum: "MSS (MSI_status)" for a level, "purity above median" for
/// a half of a numeric confounder.
pub fn stratum_phrase(by: &str, level: &str) -> String {
    if level == LOWER_HALF || level == UPPER_HALF {
        format!("{by} {level}")
    } else {
        format!("{level} ({by})")
    }
}

/// The contrast of a row tested within `by = level`, the rest of the confounders adjusted for.
pub fn within(base: &str, by: &str, level: &str, rest: &[String]) -> String {
    let mut contrast = format!("{base} within {by}={level}");
    if !rest.is_empty() {
        contrast.push_str(" adjusted for ");
        contrast.push_str(&rest.join(", "));
    }
    contrast
}

/// The stratum (`by`, `level`) a row's contrast was tested within, when it re-tests `base`.
pub fn stratum_of<'c>(contrast: &'c str, base: &str) -> Option<(&'c str, &'c str)> {
    let rest = contrast.strip_prefix(base)?.strip_prefix(" within ")?;
    let stratum = rest.split_once(" adjusted for ").map_or(rest, |(s, _)| s);
    stratum.split_once('=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stratum_reads_back_from_its_contrast() {
        let rest = vec!["purity".to_owned()];
        let c = within("mutated vs wild-type", "MSI_status", "MSS", &rest);
        assert_eq!(
            c,
            "mutated vs wild-type within MSI_status=MSS adjusted for purity"
        );
        assert_eq!(
            stratum_of(&c, "mutated vs wild-type"),
            Some(("MSI_status", "MSS"))
        );
        let bare = within("MSI-H vs MSS", "Histology", "Serous", &[]);
        assert_eq!(
            stratum_of(&bare, "MSI-H vs MSS"),
            Some(("Histology", "Serous"))
        );
        // Another contrast's stratum is not this one's.
        assert_eq!(stratum_of(&c, "MSI-H vs MSS"), None);
    }
    #[test]
    fn numeric_halves_are_cut_at_the_median_and_name_their_stratum() {
        let labels = halves(&[0.3, f64::NAN, 0.9, 0.5, 0.7]);
        // Median of the four observed values: 0.6.
        let want = [
            Some(LOWER_HALF),
            None,
            Some(UPPER_HALF),
            Some(LOWER_HALF),
            Some(UPPER_HALF),
        ];
        assert_eq!(
            labels,
            want.iter()
                .map(|l| l.map(str::to_owned))
                .collect::<Vec<_>>()
        );
        assert_eq!(halves(&[f64::NAN]), vec![None]);
        assert_eq!(stratum_phrase("purity", UPPER_HALF), "purity above median");
        assert_eq!(stratum_phrase("MSI_status", "MSS"), "MSS (MSI_status)");
    }

    /// 120 tumours with a purity between 0.2 and 0.9; TGT1 is higher in group B only in the purer
    /// half. The stratified re-test over purity tests each half, keeps purity in the model inside
    /// them, and finds the difference in the upper half alone.
    #[test]
    fn a_numeric_confounder_is_stratified_into_halves() {
        use crate::execute::Context;
        use std::fmt::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let n = 120;
        let purity = |i: usize| 0.2 + 0.7 * ((i * 37) % n) as f64 / n as f64;
        let group = |i: usize| if i.is_multiple_of(2) { "A" } else { "B" };
        let mut clinical = String::from("sample_id\tpurity\tgroup\n");
        for i in 0..n {
            let _ = writeln!(clinical, "S{i:03}\t{:.4}\t{}", purity(i), group(i));
        }
        std::fs::write(dir.path().join("clinical.tsv"), clinical).unwrap();
        let mut state = 99_u64;
        let mut noise = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let mut proteome = String::from("gene");
        for i in 0..n {
            let _ = write!(proteome, "\tS{i:03}");
        }
        proteome.push('\n');
        for f in 0..30 {
            proteome.push_str(if f == 0 { "TGT1" } else { "BG" });
            if f > 0 {
                proteome.push_str(&f.to_string());
            }
            for i in 0..n {
                let shift = if f == 0 && group(i) == "B" && purity(i) > 0.548 {
                    3.0
                } else {
                    0.0
                };
                let _ = write!(proteome, "\t{:.4}", noise() * 3.0 + shift);
            }
            proteome.push('\n');
        }
        std::fs::write(dir.path().join("proteome.tsv"), proteome).unwrap();
        let study = datasets::Study::load(dir.path()).unwrap();
        let layer = study.layers[0].name.clone();
        let scope: HashSet<SampleId> = study.clinical.samples.iter().cloned().collect();
        let ctx = Context {
            study: &study,
            scope: &scope,
            gene_sets: &[],
            seed: 1,
        };
        let question = Stratified {
            variable: "group".into(),
            layer,
            features: vec!["TGT1".into()],
            covariates: vec!["purity".into()],
            by: vec!["purity".into()],
        };
        let produced = question.execute(&ctx).unwrap();
        let row_of = |half: &str| {
            produced
                .rows
                .iter()
                .find(|r| {
                    r.contrast
                        .contains(&format!("within purity={half} adjusted for purity"))
                })
                .unwrap_or_else(|| panic!("no row for {half}: {:?}", produced.rows))
        };
        let (upper, lower) = (row_of(UPPER_HALF), row_of(LOWER_HALF));
        assert_eq!(upper.n + lower.n, n);
        assert!(upper.p < 1e-4 && upper.effect.abs() > 1.5, "{upper:?}");
        assert!(lower.p > 0.01, "{lower:?}");
        let base = upper.contrast.split(" within ").next().unwrap();
        assert_eq!(
            stratum_of(&upper.contrast, base),
            Some(("purity", UPPER_HALF))
        );
    }
}
