//! Unsupervised clusters of samples on a layer, tested against clinical variables.

use super::follow::FollowUpContext;
use super::novelty::clinical_variables_relevance;
use super::priors::{layer_weight, screen_layers};
use super::relations::{DirectionClasses, claim};
use super::{PlotKind, Proposal, Question, QuestionKind};
use crate::execute::{Context, ExecError, Produced, explore};
use crate::hypothesis::{Candidate, Draft, ValidationKey, fmt_effect, fmt_p};
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use crate::profile::StudyProfile;
use datasets::synth::PlantedRelation;
use datasets::{LayerKind, Study};
use graph::{Claim, EntityClass, EntityKind, EntityRef, Mention, Relation, RelationKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Subtypes {
    pub layer: String,
}

impl Subtypes {
    fn clusters(&self) -> String {
        format!("{} clusters", self.layer)
    }
}

impl QuestionKind for Subtypes {
    const FOLLOW_UP: bool = false;
    const LABEL_DEPENDENT: bool = true;
    const SCREENS_MANY_SUBJECTS: bool = true;

    fn propose(profile: &StudyProfile) -> Vec<Proposal> {
        if profile.groupings.is_empty() {
            return Vec::new();
        }
        screen_layers(profile)
            .filter(|(_, layer)| matches!(layer.kind, LayerKind::Proteome | LayerKind::Rna))
            .map(|(position, layer)| Proposal {
                question: Self {
                    layer: layer.name.clone(),
                }
                .into(),
                priority: 0.5 * layer_weight(profile, &layer.name),
                rationale: "unsupervised structure may match clinical groups".into(),
                layer: Some(position),
            })
            .collect()
    }

    fn describe(&self) -> String {
        format!(
            "subtypes discovered in {} -> clinical variables",
            self.layer
        )
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        explore::subtypes(ctx, &self.layer)
    }

    fn follow_ups(&self, _opened: &FollowUpContext<'_>) -> Vec<(Question, String)> {
        Vec::new()
    }

    fn statement(&self, draft: &mut Draft<'_>) -> Option<String> {
        let row = draft.row;
        draft.entities.push(Mention::SampleGroup(self.clusters()));
        draft.entities.push(Mention::Clinical(row.variable.clone()));
        draft.relations.push(Relation {
            subject: Mention::SampleGroup(self.clusters()),
            relation: RelationKind::AssociatedWith,
            object: Mention::Clinical(row.variable.clone()),
        });
        Some(format!(
            "unsupervised {} subtypes track {} (Cramer's V {}, q={})",
            self.layer,
            row.variable,
            fmt_effect(row.effect),
            fmt_p(draft.q)
        ))
    }

    fn chained(_ledger: &Ledger) -> Vec<Candidate> {
        Vec::new()
    }

    fn claim(&self, row: &TestRow, _ledger: &Ledger) -> Option<Claim> {
        claim(
            EntityRef::SampleGroup(self.clusters()),
            RelationKind::AssociatedWith,
            EntityRef::ClinicalVariable(row.variable.clone()),
        )
    }

    fn direction_classes(&self, _layers: &[String]) -> DirectionClasses {
        DirectionClasses::new(
            EntityClass::new(EntityKind::SampleGroup),
            RelationKind::AssociatedWith,
            EntityClass::new(EntityKind::ClinicalVariable),
        )
    }

    fn subject(&self) -> Option<crate::coverage::Subject> {
        None
    }

    fn enrichment_target(&self) -> Option<EntityRef> {
        None
    }

    fn adjusted_grouping(&self) -> Option<(String, &str)> {
        None
    }

    fn novelty(_h: &Candidate, _knowledge: &Knowledge) -> (f64, String) {
        (
            0.5,
            "data-driven subtypes, compared with known clinical groups".into(),
        )
    }

    fn clinical_relevance(h: &Candidate) -> f64 {
        clinical_variables_relevance(h)
    }

    fn plot(
        &self,
        _layers: &[String],
        _variable: &str,
        _contrast: &str,
        _gene: Option<&str>,
    ) -> Option<PlotKind> {
        None
    }

    fn matches_truth(
        &self,
        _study: &Study,
        _key: &ValidationKey,
        _planted: &PlantedRelation,
    ) -> bool {
        false
    }
}
