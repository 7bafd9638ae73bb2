//! Tumour vs normal tissue across a layer.

use super::follow::{FollowUpContext, enrichment};
use super::priors::{layer_weight, screen_layers, two_group_power};
use super::relations::{DirectionClasses, claim, feature_entity, features, sign_relation};
use super::truth::{layer_is, names_feature};
use super::{PlotKind, Proposal, Question, QuestionKind};
use crate::execute::{Context, ExecError, Produced, groups};
use crate::hypothesis::{Candidate, Draft, ValidationKey, higher_lower};
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use crate::profile::StudyProfile;
use datasets::Study;
use datasets::synth::PlantedRelation;
use graph::{Claim, EntityClass, EntityKind, EntityRef, Mention, Relation, RelationKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TumorVsNormal {
    pub layer: String,
}

fn tumour() -> EntityRef {
    EntityRef::SampleGroup("tumour".into())
}

impl QuestionKind for TumorVsNormal {
    const FOLLOW_UP: bool = false;
    const LABEL_DEPENDENT: bool = false;

    fn propose(profile: &StudyProfile) -> Vec<Proposal> {
        if !profile.has_tumor_normal {
            return Vec::new();
        }
        screen_layers(profile)
            .map(|(position, layer)| Proposal {
                question: Self {
                    layer: layer.name.clone(),
                }
                .into(),
                priority: 0.6
                    * layer_weight(profile, &layer.name)
                    * two_group_power(profile.tumors, profile.normals),
                rationale: format!("{} tumours and {} normals", profile.tumors, profile.normals),
                layer: Some(position),
            })
            .collect()
    }

    fn describe(&self) -> String {
        format!("tumour vs normal tissue -> {}", self.layer)
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        groups::tumor_vs_normal(ctx, &self.layer)
    }

    fn follow_ups(&self, opened: &FollowUpContext<'_>) -> Vec<(Question, String)> {
        enrichment(
            opened,
            &format!("{} differing tumour vs normal", self.layer),
            None,
        )
        .into_iter()
        .collect()
    }

    fn statement(&self, draft: &mut Draft<'_>) -> Option<String> {
        let row = draft.row;
        draft.entities.push(Mention::SampleGroup("tumour".into()));
        draft.relations.push(Relation {
            subject: Mention::SampleGroup("tumour".into()),
            relation: if row.effect > 0.0 {
                RelationKind::HigherIn
            } else {
                RelationKind::LowerIn
            },
            object: draft.feature.clone(),
        });
        Some(format!(
            "{} {} is {} in tumours than in normal tissue ({})",
            row.feature,
            self.layer,
            higher_lower(row.effect),
            draft.stats
        ))
    }

    fn chained(_ledger: &Ledger) -> Vec<Candidate> {
        Vec::new()
    }

    fn claim(&self, row: &TestRow, _ledger: &Ledger) -> Option<Claim> {
        claim(feature_entity(row), sign_relation(row.effect), tumour())
    }

    fn direction_classes(&self, layers: &[String]) -> DirectionClasses {
        DirectionClasses::new(
            EntityClass::new(EntityKind::SampleGroup),
            RelationKind::AssociatedWith,
            features(layers),
        )
        .focused_on(tumour())
    }

    fn subject(&self) -> Option<crate::coverage::Subject> {
        None
    }

    fn enrichment_target(&self) -> Option<EntityRef> {
        Some(tumour())
    }

    fn adjusted_grouping(&self) -> Option<(String, &str)> {
        None
    }

    fn novelty(_h: &Candidate, _knowledge: &Knowledge) -> (f64, String) {
        (
            0.3,
            "tumour/normal differences are the most studied contrast".into(),
        )
    }

    fn clinical_relevance(_h: &Candidate) -> f64 {
        0.5
    }

    fn plot(
        &self,
        _layers: &[String],
        _variable: &str,
        _contrast: &str,
        _gene: Option<&str>,
    ) -> Option<PlotKind> {
        Some(PlotKind::Tissue {
            layer: self.layer.clone(),
        })
    }

    fn matches_truth(&self, study: &Study, key: &ValidationKey, planted: &PlantedRelation) -> bool {
        let PlantedRelation::ClinicalGroupDifference {
            variable,
            layer,
            features,
            ..
        } = planted
        else {
            return false;
        };
        study
            .clinical
            .tissue
            .as_ref()
            .is_some_and(|(c, _)| c == variable.column())
            && layer_is(study, &self.layer, *layer)
            && names_feature(features, &key.feature)
    }
}
