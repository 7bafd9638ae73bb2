//! Step 3 of the loop: turning a question into analyses over whole layers and their test rows.
//! Each kind calls the functions here from its `execute` (`kinds/`).
//! Everything here is deterministic for a given study, sample scope and question, which is what
//! lets a resumed run replay earlier steps and lets validation re-ask a question on held-out samples.

pub mod association;
pub mod design;
pub mod explore;
pub mod gene_sets;
pub mod groups;
pub mod phospho;
pub mod reference;
pub mod survival;

use crate::ledger::TestRow;
use analysis::compare::TwoGroupComparison;
use analysis::{NotTestable, Outcome};
use datasets::clinical::{Levels, Tissue, VariableKind};
use datasets::{FeatureId, Layer, Matrix, SampleId, Study};
use std::collections::{BTreeMap, HashSet};

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum ExecError {
    #[error("no layer named {0:?} in the study")]
    UnknownLayer(String),
    #[error("no usable clinical variable {0:?}")]
    UnknownVariable(String),
    #[error("nothing to test: {0}")]
    NothingToTest(String),
}

/// What an analysis produced, before the ledger numbers it.
#[derive(Debug, Default)]
pub struct Produced {
    pub module: &'static str,
    pub params: serde_json::Value,
    pub layers: Vec<String>,
    pub samples: Vec<SampleId>,
    pub rows: Vec<TestRow>,
    pub not_testable: usize,
    pub notes: Vec<String>,
}

/// The data an analysis may see: the study, the samples in scope (discovery or validation half)
/// and prior-knowledge gene sets.
pub struct Context<'a> {
    pub study: &'a Study,
    pub scope: &'a HashSet<SampleId>,
    pub gene_sets: &'a [analysis::gmt::GeneSet],
    pub seed: u64,
}

impl Context<'_> {
    pub fn layer(&self, name: &str) -> Result<&Layer, ExecError> {
        self.study
            .layer_named(name)
            .ok_or_else(|| ExecError::UnknownLayer(name.to_owned()))
    }

    /// The layer restricted to in-scope samples (and to tumours, unless `with_normals`).
    pub fn scoped(&self, layer: &Layer, with_normals: bool) -> Matrix {
        self.scoped_matrix(&layer.matrix, with_normals)
    }

    /// [`Context::scoped`] for any matrix over the study's samples (a layer already narrowed to
    /// a few features, say, so that checking one gene does not copy the whole layer).
    pub fn scoped_matrix(&self, matrix: &Matrix, with_normals: bool) -> Matrix {
        let c = &self.study.clinical;
        // Built once per call: looking each sample up by building the index anew was
        // quadratic in the cohort and took a tenth of a demo run.
        let index = (!with_normals && c.tissue.is_some()).then(|| c.sample_index());
        let is_tumor = |sample: &SampleId| match &index {
            None => true,
            Some(index) => index
                .get(sample.as_str())
                .is_some_and(|&i| c.tissue_of(i) == Some(Tissue::Tumor)),
        };
        let rows: Vec<usize> = matrix
            .samples()
            .iter()
            .enumerate()
            .filter(|(_, s)| self.scope.contains(*s) && is_tumor(s))
            .map(|(i, _)| i)
            .collect();
        matrix.select_samples(&rows)
    }

    /// A clinical variable's levels, by sample ID.
    pub fn levels(&self, variable: &str) -> Result<(&Levels, &VariableKind), ExecError> {
        let v = self
            .study
            .clinical
            .variable(variable)
            .ok_or_else(|| ExecError::UnknownVariable(variable.to_owned()))?;
        let levels = v
            .kind
            .levels()
            .ok_or_else(|| ExecError::UnknownVariable(variable.to_owned()))?;
        Ok((levels, &v.kind))
    }

    /// A numeric clinical variable (or ordinal ranks) per sample of `samples`, NaN when missing.
    pub fn numeric_values(
        &self,
        variable: &str,
        samples: &[SampleId],
    ) -> Result<Vec<f64>, ExecError> {
        let c = &self.study.clinical;
        let v = c
            .variable(variable)
            .ok_or_else(|| ExecError::UnknownVariable(variable.to_owned()))?;
        let index = c.sample_index();
        let value_at = |i: usize| -> f64 {
            match &v.kind {
                VariableKind::Numeric(values) => values.get(i).copied().unwrap_or(f64::NAN),
                // Ordinal (and binary) levels as ranks 0, 1, 2, ... in their order.
                VariableKind::Ordinal(l) | VariableKind::Binary(l) => l
                    .codes
                    .get(i)
                    .copied()
                    .flatten()
                    .map_or(f64::NAN, f64::from),
                _ => f64::NAN,
            }
        };
        if !matches!(
            v.kind,
            VariableKind::Numeric(_) | VariableKind::Ordinal(_) | VariableKind::Binary(_)
        ) {
            return Err(ExecError::UnknownVariable(variable.to_owned()));
        }
        Ok(samples
            .iter()
            .map(|s| index.get(s.as_str()).map_or(f64::NAN, |&i| value_at(i)))
            .collect())
    }

    /// The values per sample of a numeric covariate: a numeric clinical variable, or the
    /// mutation burden computed from the mutation layer (`confounders.rs`) unless the clinical
    /// table has a variable of that name. `None` for a variable with levels or an unknown name.
    pub fn numeric_covariate(
        &self,
        name: &str,
        samples: &[SampleId],
    ) -> Result<Option<Vec<f64>>, ExecError> {
        match self.study.clinical.variable(name).map(|v| &v.kind) {
            Some(VariableKind::Numeric(_)) => Ok(Some(self.numeric_values(name, samples)?)),
            Some(_) => Ok(None),
            None if name == crate::confounders::MUTATION_BURDEN => {
                crate::confounders::mutation_burden(self.study, samples)
                    .map(Some)
                    .ok_or_else(|| {
                        ExecError::NothingToTest("no mutation layer for the mutation burden".into())
                    })
            }
            None => Ok(None),
        }
    }

    /// Level name per sample of `samples`.
    pub fn labels(
        &self,
        variable: &str,
        samples: &[SampleId],
    ) -> Result<Vec<Option<String>>, ExecError> {
        let (levels, _) = self.levels(variable)?;
        let index = self.study.clinical.sample_index();
        Ok(samples
            .iter()
            .map(|s| {
                index
                    .get(s.as_str())
                    .and_then(|&i| levels.level_name(i))
                    .map(str::to_owned)
            })
            .collect())
    }
}

/// Keeps the features whose ID (or gene symbol, with `by_gene`) is listed.
pub fn restrict_features(matrix: &Matrix, wanted: &[String], by_gene: bool) -> Matrix {
    let wanted: HashSet<&str> = wanted.iter().map(String::as_str).collect();
    let keep: Vec<bool> = matrix
        .features()
        .iter()
        .map(|f| wanted.contains(if by_gene { f.gene_symbol() } else { f.as_str() }))
        .collect();
    matrix.select_features(&keep)
}

/// Tally of not-testable reasons, for the analysis notes.
#[derive(Default)]
pub struct Untestable {
    counts: BTreeMap<String, usize>,
}

impl Untestable {
    pub fn add(&mut self, reason: &NotTestable) {
        let key = match reason {
            NotTestable::TooFewObservations { .. } => "too few observations",
            NotTestable::GroupTooSmall { .. } => "a group too small",
            NotTestable::ConstantValues => "constant values",
            NotTestable::NoEvents => "no events",
            NotTestable::DidNotConverge { .. } => "fit did not converge",
            NotTestable::SingularDesign => "singular design",
            NotTestable::InvalidInput { .. } => "invalid input",
        };
        *self.counts.entry(key.to_owned()).or_default() += 1;
    }

    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    pub fn notes(&self) -> Vec<String> {
        self.counts
            .iter()
            .map(|(k, n)| format!("{n} not testable: {k}"))
            .collect()
    }
}

/// A test row from a two-group comparison (A minus B): the mean difference and Hedges' g as the
/// effect, the Mann-Whitney p-value when the comparison has one (group screens ask for it), else
/// Welch's.
pub fn comparison_row(
    layer: &str,
    feature: &FeatureId,
    variable: &str,
    contrast: String,
    c: &TwoGroupComparison,
) -> TestRow {
    TestRow {
        layer: layer.to_owned(),
        feature: feature.to_string(),
        gene: feature.gene_symbol().to_owned(),
        variable: variable.to_owned(),
        contrast,
        test: if c.mann_whitney.is_some() {
            graph::TestKind::MannWhitney
        } else {
            graph::TestKind::WelchT
        },
        effect: c.mean_difference.value,
        ci_low: c.mean_difference.ci_low,
        ci_high: c.mean_difference.ci_high,
        std_effect: c.hedges_g.value,
        statistic: c
            .mann_whitney
            .map_or(c.welch.statistic, |m| m.rank_biserial.value),
        p: c.mann_whitney.map_or(c.welch.p_value, |m| m.p_value),
        n: c.n_a + c.n_b,
        warning: None,
    }
}

/// Collects rows from per-feature outcomes, counting the untestable ones.
pub fn collect_rows<T>(
    outcomes: &[Outcome<T>],
    features: &[FeatureId],
    untestable: &mut Untestable,
    mut row: impl FnMut(&FeatureId, &T) -> Option<TestRow>,
) -> Vec<TestRow> {
    let mut rows = Vec::with_capacity(outcomes.len());
    for (outcome, feature) in outcomes.iter().zip(features) {
        match outcome {
            Ok(value) => rows.extend(row(feature, value)),
            Err(reason) => untestable.add(reason),
        }
    }
    rows
}
