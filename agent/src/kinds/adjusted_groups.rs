//! Follow-up: do group differences (or a numeric variable's rank correlation) hold after adjusting
//! for the study's confounders (purity, batch, the hypermutation axis or mutation burden; see
//! `confounders.rs`; for numeric variables also stage and grade)?

use super::QuestionKind;
use super::clinical_groups::{clinical_classes, grouping_claim};
use super::novelty::{clinical_link, clinical_variables_relevance};
use super::priors::abbreviate;
use super::relations::DirectionClasses;
use crate::execute::{Context, ExecError, Produced, groups};
use crate::hypothesis::Candidate;
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use graph::Claim;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AdjustedGroups {
    /// The grouping re-tested: a clinical variable (numeric ones by ranks), or `<GENE> mutation`.
    pub variable: String,
    pub layer: String,
    pub features: Vec<String>,
    pub covariates: Vec<String>,
}

impl QuestionKind for AdjustedGroups {
    const FOLLOW_UP: bool = true;
    const LABEL_DEPENDENT: bool = true;

    super::follow_up_parts!();

    fn describe(&self) -> String {
        format!(
            "{} -> {} {}, adjusted for {}",
            self.variable,
            self.layer,
            abbreviate(&self.features),
            self.covariates.join(", ")
        )
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        groups::adjusted_groups(
            ctx,
            &self.variable,
            &self.layer,
            &self.features,
            &self.covariates,
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
