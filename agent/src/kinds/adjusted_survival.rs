//! Follow-up: do prognostic features hold in a Cox model adjusted for stage and grade?

use super::QuestionKind;
use super::novelty::clinical_link;
use super::priors::abbreviate;
use super::relations::DirectionClasses;
use super::survival::{prognostic_claim, prognostic_classes};
use crate::execute::{Context, ExecError, Produced, survival};
use crate::hypothesis::Candidate;
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use graph::Claim;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AdjustedSurvival {
    pub layer: String,
    pub features: Vec<String>,
    pub covariates: Vec<String>,
    /// The survival outcome (`None`: the study's first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

impl QuestionKind for AdjustedSurvival {
    const FOLLOW_UP: bool = true;
    const LABEL_DEPENDENT: bool = true;

    super::follow_up_parts!();

    fn describe(&self) -> String {
        format!(
            "{} {} -> survival, adjusted for {}",
            self.layer,
            abbreviate(&self.features),
            self.covariates.join(", ")
        )
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        survival::survival(
            ctx,
            &self.layer,
            self.outcome.as_deref(),
            Some((&self.features, &self.covariates)),
        )
    }

    fn claim(&self, row: &TestRow, _ledger: &Ledger) -> Option<Claim> {
        prognostic_claim(row)
    }

    fn direction_classes(&self, layers: &[String]) -> DirectionClasses {
        prognostic_classes(layers)
    }

    fn novelty(h: &Candidate, _knowledge: &Knowledge) -> (f64, String) {
        clinical_link(h)
    }

    fn clinical_relevance(_h: &Candidate) -> f64 {
        1.0
    }
}
