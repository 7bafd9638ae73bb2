//! Follow-up: for features a mutation changed in one layer, is the same change in another layer
//! (protein change with RNA change = transcriptional; without = post-transcriptional)?

use super::QuestionKind;
use super::novelty::clinical_link;
use super::priors::abbreviate;
use super::relations::{DirectionClasses, claim, feature_entity, features, sign_relation};
use crate::execute::{Context, ExecError, Produced, groups};
use crate::hypothesis::Candidate;
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use graph::{Claim, EntityClass, EntityKind, EntityRef, RelationKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MutationMechanism {
    pub gene: String,
    pub layer: String,
    pub features: Vec<String>,
}

impl QuestionKind for MutationMechanism {
    const FOLLOW_UP: bool = true;
    const LABEL_DEPENDENT: bool = true;

    super::follow_up_parts!();

    fn describe(&self) -> String {
        format!(
            "mutation of {} -> {}: is the change of {} seen here too?",
            self.gene,
            self.layer,
            abbreviate(&self.features)
        )
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        groups::mutation_impact(ctx, &self.gene, &self.layer, Some(&self.features))
    }

    fn claim(&self, row: &TestRow, _ledger: &Ledger) -> Option<Claim> {
        claim(
            feature_entity(row),
            sign_relation(row.effect),
            EntityRef::Mutation(self.gene.clone()),
        )
    }

    fn direction_classes(&self, layers: &[String]) -> DirectionClasses {
        DirectionClasses::new(
            EntityClass::new(EntityKind::Mutation),
            RelationKind::AssociatedWith,
            features(layers),
        )
        .focused_on(EntityRef::Mutation(self.gene.clone()))
    }

    fn novelty(h: &Candidate, _knowledge: &Knowledge) -> (f64, String) {
        clinical_link(h)
    }

    fn clinical_relevance(_h: &Candidate) -> f64 {
        0.7
    }
}
