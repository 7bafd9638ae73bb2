//! Mutated vs wild-type carriers of one gene across a layer.

use super::adjusted_groups::AdjustedGroups;
use super::follow::{FollowUpContext, confounders, enrichment, phospho_beyond_protein, stratified};
use super::mutation_mechanism::MutationMechanism;
use super::priors::{layer_weight, screen_layers, two_group_power};
use super::relations::{DirectionClasses, claim, feature_entity, features, sign_relation};
use super::truth::{layer_is, names_feature};
use super::{Kind, PlotKind, Proposal, Question, QuestionKind};
use crate::confounders::Tested;
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
        let covariates = confounders(opened, Tested::Mutation(gene));
        if !covariates.is_empty() {
            let why = format!("{why}: explained by {}?", covariates.join(", "));
            out.push((
                AdjustedGroups {
                    variable: format!("{gene} mutation"),
                    layer: layer.clone(),
                    features: opened.features.clone(),
                    covariates: covariates.clone(),
                }
                .into(),
                why,
            ));
        }
        out.extend(stratified(
            opened,
            &format!("{gene} mutation"),
            layer,
            &covariates,
        ));
        out.extend(enrichment(
            opened,
            &format!("{layer} changed with {gene} mutation"),
            Some((layer, &format!("{gene} mutation"))),
        ));
        out.extend(phospho_beyond_protein(
            opened,
            layer,
            &format!("{gene} mutation"),
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
            draft
                .evidence
                .extend(evidence(ledger, i, r, EvidenceRole::Mechanism));
            s.push_str(&rna_clause(row, fr));
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

    fn subject(&self) -> Option<crate::coverage::Subject> {
        Some(crate::coverage::Subject::Mutation(self.gene.clone()))
    }

    fn enrichment_target(&self) -> Option<EntityRef> {
        Some(EntityRef::Mutation(self.gene.clone()))
    }

    fn adjusted_grouping(&self) -> Option<(String, &str)> {
        Some((format!("{} mutation", self.gene), &self.layer))
    }

    fn novelty(_h: &Candidate, _knowledge: &Knowledge) -> (f64, String) {
        // No cap of the kind's own: prior knowledge says what is known (`grounding.rs`), and a
        // mutation changing its own gene is known there as a cis relation.
        (1.0, String::new())
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

/// What the same gene's RNA says about a mutation's effect on another layer. A p-value above 0.05
/// is not evidence of no change: without a detected change the clause states the interval, and
/// only an interval that excludes a change as large as the primary one rules it out.
fn rna_clause(primary: &TestRow, rna: &TestRow) -> String {
    let numbers = format!(
        "difference {}, 95% CI [{}, {}], p={}",
        fmt_effect(rna.effect),
        fmt_effect(rna.ci_low),
        fmt_effect(rna.ci_high),
        fmt_p(rna.p)
    );
    let sign = primary.effect.signum();
    if rna.p < 0.05 && rna.effect.signum() == sign {
        return format!(
            "; its RNA changes the same way ({numbers}), suggesting a transcriptional effect"
        );
    }
    if rna.p < 0.05 {
        return format!(
            "; its RNA changes the opposite way ({numbers}), so the two layers disagree"
        );
    }
    // The end of the interval on the primary effect's side: how large an RNA change in that
    // direction the data still allow.
    let allowed = if sign > 0.0 { rna.ci_high } else { -rna.ci_low };
    if allowed.is_finite() && allowed < primary.effect.abs() {
        format!(
            "; an RNA change as large as this one is ruled out ({numbers}), pointing to \
             regulation beyond transcription"
        )
    } else {
        format!(
            "; an RNA change was not detected, but the interval does not rule one out ({numbers})"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use graph::TestKind;

    fn row(layer: &str, effect: f64, ci: (f64, f64), p: f64) -> TestRow {
        TestRow {
            layer: layer.into(),
            feature: "ARID1A".into(),
            gene: "ARID1A".into(),
            variable: "ARID1A mutation".into(),
            contrast: "mutated vs wild-type".into(),
            test: TestKind::WelchT,
            effect,
            ci_low: ci.0,
            ci_high: ci.1,
            std_effect: effect,
            statistic: 0.0,
            p,
            n: 90,
            warning: None,
        }
    }

    #[test]
    fn an_undetected_rna_change_is_stated_with_its_interval() {
        let protein = row("proteome", -0.84, (-1.2, -0.5), 1e-5);
        // The interval excludes an RNA drop as large as the protein's: ruled out.
        let narrow = rna_clause(&protein, &row("rna", -0.05, (-0.33, 0.24), 0.74));
        assert!(narrow.contains("ruled out"), "{narrow}");
        assert!(narrow.contains("95% CI [-0.33, 0.24], p=0.74"), "{narrow}");
        // A wide interval allows one: not detected, not ruled out, and no claim of absence.
        let wide = rna_clause(&protein, &row("rna", -0.3, (-1.5, 0.9), 0.6));
        assert!(wide.contains("not detected, but the interval does not rule one out"));
        assert!(!wide.contains("does not change") && !wide.contains("beyond transcription"));
        let same = rna_clause(&protein, &row("rna", -0.9, (-1.3, -0.5), 1e-4));
        assert!(same.contains("changes the same way"), "{same}");
        let opposite = rna_clause(&protein, &row("rna", 0.9, (0.5, 1.3), 1e-4));
        assert!(opposite.contains("opposite way"), "{opposite}");
    }
}
