//! Follow-up: is a phosphosite's change phosphorylation beyond its protein's abundance?
//!
//! A site can look hyperphosphorylated in mutated tumours only because its protein is more
//! abundant there. Where the study has a proteome besides the phosphosites, strong site findings
//! of a mutation or clinical screen are re-fitted as `site ~ group + protein` (OLS per site,
//! `analysis::phospho`); the group coefficient is the change in phosphorylation with the
//! protein held fixed, and the hypothesis states it (`assemble.rs`).

use super::QuestionKind;
use super::clinical_groups::{clinical_classes, grouping_claim};
use super::novelty::{clinical_link, clinical_variables_relevance};
use super::priors::abbreviate;
use super::relations::DirectionClasses;
use crate::execute::{Context, ExecError, Produced, phospho};
use crate::hypothesis::Candidate;
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use graph::Claim;
use serde::{Deserialize, Serialize};

/// What a contrast row of the re-fit says after the screen's contrast.
pub const BEYOND_PROTEIN: &str = "beyond protein abundance";

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhosphoAdjusted {
    /// The screen whose site findings are re-fitted.
    pub source_step: usize,
    /// The grouping: a clinical variable or `<GENE> mutation`.
    pub variable: String,
    /// The screen's two-group contrasts of the strong findings (`mutated vs wild-type`, ...).
    pub contrasts: Vec<String>,
    /// The phosphosite layer and its sites.
    pub layer: String,
    pub features: Vec<String>,
}

impl QuestionKind for PhosphoAdjusted {
    const FOLLOW_UP: bool = true;
    const LABEL_DEPENDENT: bool = true;

    super::follow_up_parts!();

    fn describe(&self) -> String {
        format!(
            "{} -> {} {}, {BEYOND_PROTEIN}",
            self.variable,
            self.layer,
            abbreviate(&self.features)
        )
    }

    /// The study's proteome holds the protein levels (`execute::phospho::protein_layer_for`).
    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        let protein = phospho::protein_layer_for(ctx.study, &self.layer).ok_or_else(|| {
            ExecError::NothingToTest(format!("{} has no proteome to adjust for", self.layer))
        })?;
        phospho::beyond_protein(
            ctx,
            &self.variable,
            &self.contrasts,
            &self.layer,
            &self.features,
            &protein.name,
        )
    }

    fn claim(&self, row: &TestRow, _ledger: &Ledger) -> Option<Claim> {
        grouping_claim(&self.variable, row)
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
