//! Mutated vs wild-type carriers of one gene across a layer.

use super::adjusted_groups::AdjustedGroups;
use super::follow::{FollowUpContext, confounders, enrichment};
use super::mutation_mechanism::MutationMechanism;
use super::priors::{layer_weight, screen_layers, two_group_power};
use super::relations::{DirectionClasses, claim, feature_entity, features, sign_relation};
use super::truth::{layer_is, names_feature};
use super::{Kind, PlotKind, Proposal, Question, QuestionKind};
use crate::execute::{Context, ExecError, Produced, groups};
use crate::hypothesis::{
    Candidate, Draft, ValidationKey, evidence, find_follow_up, fmt_effect, fmt_p, higher_lower,
};
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use crate::profile::StudyProfile;
use datasets::synth::PlantedRelation;
use datasets::{LayerKind, Study};
use graph::{
    Claim, EntityClass, EntityKind, EntityRef, EvidenceRole, Mention, Relation, RelationKind,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MutationImpact {
    pub gene: String,
    pub layer: String,
}

impl QuestionKind for MutationImpact {
    const FOLLOW_UP: bool = false;
    const LABEL_DEPENDENT: bool = true;

    fn propose(profile: &StudyProfile) -> Vec<Proposal> {
        let mut out = Vec::new();
        for (position, layer) in screen_layers(profile) {
            let w = layer_weight(profile, &layer.name);
            for m in &profile.mutations {
                out.push(Proposal {
                    question: Self {
                        gene: m.gene.clone(),
                        layer: layer.name.clone(),
                    }
                    .into(),
                    priority: w * two_group_power(m.carriers, m.wild_type),
                    rationale: format!("{} carriers, {} wild-type", m.carriers, m.wild_type),
                    layer: Some(position),
                });
            }
        }
        out
    }

    fn describe(&self) -> String {
        format!("mutation of {} -> {}", self.gene, self.layer)
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        groups::mutation_impact(ctx, &self.gene, &self.layer, None)
    }

    fn follow_ups(&self, opened: &FollowUpContext<'_>) -> Vec<(Question, String)> {
        let (gene, layer, why) = (&self.gene, &self.layer, &opened.why);
        let mut out = Vec::new();
        let study = opened.study;
        if let Some(rna) = study.layer(LayerKind::Rna)
            && study.layer_named(layer).map(|l| l.kind) != Some(LayerKind::Rna)
        {
            out.push((
                MutationMechanism {
                    gene: gene.clone(),
                    layer: rna.name.clone(),
                    features: opened.genes.clone(),
                }
                .into(),
                format!("{why}: is the change transcriptional?"),
            ));
        }
        let covariates = confounders(study);
        if !covariates.is_empty() {
            out.push((
                AdjustedGroups {
                    variable: format!("{gene} mutation"),
                    layer: layer.clone(),
                    features: opened.features.clone(),
                    covariates,
                }
                .into(),
                format!("{why}: explained by purity or batch?"),
            ));
        }
        out.extend(enrichment(
            opened,
            &format!("{layer} changed with {gene} mutation"),
        ));
        out
    }

    fn statement(&self, draft: &mut Draft<'_>) -> Option<String> {
        let (gene, layer, row, ledger) = (&self.gene, &self.layer, draft.row, draft.ledger);
        draft.entities.push(Mention::Mutation(gene.clone()));
        draft.relations.push(Relation {
            subject: Mention::Mutation(gene.clone()),
            relation: if row.effect < 0.0 {
                RelationKind::LowerIn
            } else {
                RelationKind::HigherIn
            },
            object: draft.feature.clone(),
        });
        let loss = if &row.gene == gene && row.effect < 0.0 {
            " (consistent with loss of function)"
        } else {
            ""
        };
        let mut s = format!(
            "{gene}-mutated tumours have {} {} {layer} than wild-type tumours ({}){loss}",
            higher_lower(row.effect),
            row.feature,
            draft.stats
        );
        // Mechanism: the same gene's RNA in mutated vs wild-type.
        if let Some((i, r)) = find_follow_up(
            ledger,
            Kind::MutationMechanism,
            |fq| matches!(fq, Question::MutationMechanism(m) if &m.gene == gene),
            |fr| fr.gene == row.gene,
        ) {
            let fr = &ledger.analyses()[i].rows[r];
            let same = fr.p < 0.05 && fr.effect.signum() == row.effect.signum();
            draft
                .evidence
                .extend(evidence(ledger, i, r, EvidenceRole::Mechanism));
            s.push_str(&if same {
                format!(
                    "; its RNA changes the same way (difference {}, p={}), suggesting a transcriptional effect",
                    fmt_effect(fr.effect),
                    fmt_p(fr.p)
                )
            } else {
                format!(
                    "; its RNA is not shown to change (difference {}, p={}), which alone does not show it unchanged",
                    fmt_effect(fr.effect),
                    fmt_p(fr.p)
                )
            });
        }
        Some(s)
    }

    fn chained(_ledger: &Ledger) -> Vec<Candidate> {
        Vec::new()
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

    fn enrichment_target(&self) -> Option<EntityRef> {
        Some(EntityRef::Mutation(self.gene.clone()))
    }

    fn adjusted_grouping(&self) -> Option<(String, &str)> {
        Some((format!("{} mutation", self.gene), &self.layer))
    }

    fn novelty(h: &Candidate, knowledge: &Knowledge) -> (f64, String) {
        let mutated = h.entities.iter().find_map(|e| match e {
            Mention::Mutation(g) => Some(g),
            _ => None,
        });
        let target = h.entities.iter().find_map(|e| match e {
            Mention::Gene(g) => Some(g),
            _ => None,
        });
        match (mutated, target) {
            (Some(m), Some(t)) if m == t => {
                (0.2, format!("{m} mutation changing {m} itself is expected"))
            }
            (Some(m), Some(t)) if knowledge.linked(m, t) => (
                0.45,
                format!("{m} and {t} already share a pathway in the prior knowledge"),
            ),
            (Some(m), Some(t)) if knowledge.knows(m) && knowledge.knows(t) => (
                0.9,
                format!("no pathway in the prior knowledge links {m} and {t}"),
            ),
            _ => (0.7, "genes not covered by the prior knowledge".into()),
        }
    }

    fn clinical_relevance(_h: &Candidate) -> f64 {
        0.7
    }

    fn plot(
        &self,
        layers: &[String],
        _variable: &str,
        _contrast: &str,
        _gene: Option<&str>,
    ) -> Option<PlotKind> {
        Some(PlotKind::Mutation {
            gene: self.gene.clone(),
            layer: self.layer.clone(),
            mutation_layer: layers
                .first()
                .map_or_else(|| "mutation".to_owned(), Clone::clone),
        })
    }

    fn matches_truth(&self, study: &Study, key: &ValidationKey, planted: &PlantedRelation) -> bool {
        if let PlantedRelation::MutationChain {
            mutation,
            partner,
            effect,
            ..
        } = planted
        {
            let gene = datasets::FeatureId::from(key.feature.as_str())
                .gene_symbol()
                .to_owned();
            return &self.gene == mutation
                && layer_is(study, &self.layer, datasets::synth::SynthLayer::Proteome)
                && (&gene == mutation || &gene == partner)
                && key.effect_sign == effect.signum();
        }
        let PlantedRelation::MutationShiftsModule {
            mutation,
            layer,
            features,
            effect,
            ..
        } = planted
        else {
            return false;
        };
        &self.gene == mutation
            && layer_is(study, &self.layer, *layer)
            && names_feature(features, &key.feature)
            && key.effect_sign == effect.signum()
    }
}
