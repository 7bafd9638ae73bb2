//! Follow-up: gene sets over-represented among the features an analysis found changed.

use super::QuestionKind;
use super::novelty::{clinical_link, clinical_variables_relevance};
use super::relations::{DirectionClasses, claim};
use crate::execute::{Context, ExecError, Produced, explore};
use crate::hypothesis::Candidate;
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use graph::{Claim, EntityClass, EntityKind, EntityRef, RelationKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Enrichment {
    /// The analysis whose changed features are tested.
    pub source_step: usize,
    pub label: String,
    pub up: Vec<String>,
    pub down: Vec<String>,
    pub universe: Vec<String>,
}

impl QuestionKind for Enrichment {
    const FOLLOW_UP: bool = true;
    const LABEL_DEPENDENT: bool = true;

    super::follow_up_parts!();

    fn describe(&self) -> String {
        format!("pathways enriched among {}", self.label)
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        explore::enrichment(ctx, &self.label, &self.up, &self.down, &self.universe)
    }

    fn claim(&self, row: &TestRow, ledger: &Ledger) -> Option<Claim> {
        let source = ledger.analysis(self.source_step)?;
        let object = source.direction.question.enrichment_target()?;
        claim(
            EntityRef::GeneSet(row.feature.clone()),
            RelationKind::EnrichedIn,
            object,
        )
    }

    fn direction_classes(&self, _layers: &[String]) -> DirectionClasses {
        DirectionClasses::new(
            EntityClass::new(EntityKind::GeneSet),
            RelationKind::EnrichedIn,
            EntityClass::new(EntityKind::ClinicalVariable),
        )
    }

    fn novelty(h: &Candidate, _knowledge: &Knowledge) -> (f64, String) {
        clinical_link(h)
    }

    fn clinical_relevance(h: &Candidate) -> f64 {
        clinical_variables_relevance(h)
    }
}
