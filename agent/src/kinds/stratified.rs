//! Follow-up: does a group difference hold within each level of a categorical confounder (MSI
//! status, histology)? An effect that vanishes after adjustment may still hold inside one
//! stratum (a mutation's effect seen only in microsatellite-stable tumours); the stratified
//! rows are what `refine.rs` narrows a failing hypothesis with. Each stratum's test is an
//! ordinary ledger row, so the run's error control counts it.
//!
//! Within a stratum the difference is re-fitted by OLS with the remaining confounders (the same
//! as `adjusted_groups`, restricted to the stratum's samples); the row's contrast names the
//! stratum (`mutated vs wild-type within MSI_status=MSS adjusted for purity`).

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
    /// The categorical confounders whose levels are the strata.
    pub by: Vec<String>,
}

impl QuestionKind for Stratified {
    const FOLLOW_UP: bool = true;
    const LABEL_DEPENDENT: bool = true;

    super::follow_up_parts!();

    fn describe(&self) -> String {
        format!(
            "{} -> {} {}, within each level of {}",
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
            let rest: Vec<String> = self
                .covariates
                .iter()
                .filter(|c| *c != by)
                .cloned()
                .collect();
            for (level, scope) in strata(ctx, by)? {
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

/// The in-scope samples of each level of `by` with at least [`MIN_STRATUM`] of them, by level.
fn strata(ctx: &Context<'_>, by: &str) -> Result<BTreeMap<String, HashSet<SampleId>>, ExecError> {
    let samples: Vec<SampleId> = ctx
        .study
        .clinical
        .samples
        .iter()
        .filter(|s| ctx.scope.contains(*s))
        .cloned()
        .collect();
    let labels = ctx.labels(by, &samples)?;
    let mut out: BTreeMap<String, HashSet<SampleId>> = BTreeMap::new();
    for (s, l) in samples.into_iter().zip(labels) {
        if let Some(l) = l {
            out.entry(l).or_default().insert(s);
        }
    }
    out.retain(|_, s| s.len() >= MIN_STRATUM);
    Ok(out)
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
}
