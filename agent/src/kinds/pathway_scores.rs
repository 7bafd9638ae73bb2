//! Per-sample pathway activity as module scores: each shipped gene set (WikiPathways, PROGENy) is
//! scored in every sample by single-sample GSEA (`analysis::enrichment::ssgsea_sample_scores`,
//! gseapy's defaults, raw scores), and the scores are tested like any layer against mutations,
//! clinical variables and survival (the same tests as co-expression modules, `modules.rs`).
//!
//! A pathway moved modestly by a mutation gives twenty weak single-gene tests and may pass none;
//! its score carries the whole shift in one test. Unlike data-driven modules the sets come from
//! prior knowledge, and an ssGSEA score depends on its own sample only (genes ranked within the
//! sample), so the held-out samples are scored the same way; validation re-asks the one set and
//! variable of a hypothesis ([`PathwayFocus`]).

use super::follow::FollowUpContext;
use super::modules::{among_not_hypermutated, states_planted_set};
use super::novelty::clinical_link;
use super::priors::{layer_weight, screen_layers};
use super::relations::{DirectionClasses, claim, sign_relation};
use super::{PlotKind, Proposal, Question, QuestionKind};
use crate::execute::{Context, ExecError, Produced};
use crate::hypothesis::{Candidate, Draft, ValidationKey, fmt_effect, fmt_p};
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use crate::profile::StudyProfile;
use analysis::enrichment::{SsgseaOptions, scores_matrix, ssgsea_sample_scores};
use analysis::gmt::GeneSet;
use datasets::synth::PlantedRelation;
use datasets::{LayerKind, Study};
use graph::{Claim, EntityClass, EntityKind, EntityRef, Mention, Relation, RelationKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PathwayScores {
    pub layer: String,
    /// One set re-tested against one variable (validation); `None` scores every set and tests
    /// it against everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<PathwayFocus>,
}

/// One pathway and the variable its finding was about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PathwayFocus {
    pub set: String,
    pub variable: String,
    /// The set's members measured in the layer where the finding was made (what the
    /// hypothesis names, and what evaluation compares with a synthetic study's planted sets).
    pub members: Vec<String>,
}

/// Set sizes scored: members measured in the layer.
pub const MIN_MEMBERS: usize = 10;
pub const MAX_MEMBERS: usize = 300;

/// A set's measured members, as recorded in the analysis's parameters (what statements name).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct SetRecord {
    name: String,
    description: String,
    members: Vec<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct PathwayParams {
    method: String,
    sets: Vec<SetRecord>,
    hypermutated_excluded: usize,
}

/// Members named in a statement.
const NAMED_MEMBERS: usize = 10;

impl PathwayScores {
    fn scores_layer(&self) -> String {
        format!("{} pathway scores", self.layer)
    }
}

/// The sets of `sets` with `MIN_MEMBERS..=MAX_MEMBERS` genes measured in `layer`, with those
/// members (feature IDs, first feature of a gene).
fn measured_sets<'a>(
    sets: &'a [GeneSet],
    layer: &datasets::Matrix,
) -> Vec<(&'a GeneSet, Vec<String>)> {
    let mut by_gene: HashMap<&str, &str> = HashMap::new();
    for id in layer.features() {
        by_gene.entry(id.gene_symbol()).or_insert(id.as_str());
    }
    sets.iter()
        .filter_map(|set| {
            let mut members: Vec<String> = set
                .genes
                .iter()
                .filter_map(|g| by_gene.get(g.as_str()).map(|f| (*f).to_owned()))
                .collect();
            members.sort();
            members.dedup();
            (MIN_MEMBERS..=MAX_MEMBERS)
                .contains(&members.len())
                .then_some((set, members))
        })
        .collect()
}

impl QuestionKind for PathwayScores {
    const FOLLOW_UP: bool = false;
    const LABEL_DEPENDENT: bool = true;
    const SCREENS_MANY_SUBJECTS: bool = true;

    /// Gene-level expression layers (proteome, RNA), when there is anything to test scores
    /// against.
    fn propose(profile: &StudyProfile) -> Vec<Proposal> {
        let anything_to_test = !profile.mutations.is_empty()
            || !profile.groupings.is_empty()
            || !profile.numeric_variables.is_empty()
            || profile.survival.is_some();
        if !anything_to_test {
            return Vec::new();
        }
        screen_layers(profile)
            .filter(|(_, layer)| matches!(layer.kind, LayerKind::Proteome | LayerKind::Rna))
            .map(|(position, layer)| Proposal {
                question: Self {
                    layer: layer.name.clone(),
                    focus: None,
                }
                .into(),
                priority: 0.6 * layer_weight(profile, &layer.name),
                rationale: "pathway activity per sample carries shifts too spread for single genes"
                    .into(),
                layer: Some(position),
            })
            .collect()
    }

    fn describe(&self) -> String {
        match &self.focus {
            None => format!(
                "pathway activity (ssGSEA) of {} -> mutations, clinical variables, survival",
                self.layer
            ),
            Some(f) => format!(
                "{} pathway {} (ssGSEA) -> {}",
                self.layer, f.set, f.variable
            ),
        }
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        let layer = ctx.layer(&self.layer)?;
        let matrix = ctx.scoped(layer, false);
        let chosen: Vec<GeneSet> = ctx
            .gene_sets
            .iter()
            .filter(|s| self.focus.as_ref().is_none_or(|f| f.set == s.name))
            .cloned()
            .collect();
        let measured = measured_sets(&chosen, &matrix);
        if measured.is_empty() {
            return Err(ExecError::NothingToTest(format!(
                "no gene set with {MIN_MEMBERS} to {MAX_MEMBERS} members measured in {}",
                self.layer
            )));
        }
        let sets: Vec<GeneSet> = measured.iter().map(|(s, _)| (*s).clone()).collect();
        let options = SsgseaOptions {
            min_size: MIN_MEMBERS,
            ..SsgseaOptions::default()
        };
        let scored = ssgsea_sample_scores(&matrix, &sets, &options);
        let scores =
            scores_matrix(&matrix, &scored).map_err(|e| ExecError::NothingToTest(e.to_string()))?;
        let only = self.focus.as_ref().map(|f| f.variable.as_str());
        let (mut rows, notes, hypermutated_excluded) =
            super::modules::test_score_layer(ctx, layer, self.scores_layer(), scores, only);
        let records: Vec<SetRecord> = measured
            .iter()
            .map(|(s, members)| SetRecord {
                name: s.name.clone(),
                description: s.description.clone(),
                members: members.clone(),
            })
            .collect();
        for row in &mut rows {
            // The first member stands for the pathway where one gene is needed (one hypothesis
            // per pathway and analysis).
            if let Some(r) = records.iter().find(|r| r.name == row.feature) {
                row.gene = r.members.first().map_or_else(String::new, |f| {
                    datasets::FeatureId::from(f.as_str())
                        .gene_symbol()
                        .to_owned()
                });
            }
        }
        let params = PathwayParams {
            method: "ssgsea (rank weight 0.25, raw scores)".into(),
            sets: records,
            hypermutated_excluded,
        };
        Ok(Produced {
            module: "pathway_scores",
            params: serde_json::to_value(&params).unwrap_or_default(),
            layers: vec![self.layer.clone()],
            samples: matrix.samples().to_vec(),
            rows,
            not_testable: scored.iter().filter(|r| r.outcome.is_err()).count(),
            notes,
        })
    }

    /// None: a pathway's members are named in its hypothesis already.
    fn follow_ups(&self, _opened: &FollowUpContext<'_>) -> Vec<(Question, String)> {
        Vec::new()
    }

    fn statement(&self, draft: &mut Draft<'_>) -> Option<String> {
        let row = draft.row;
        let params: PathwayParams = serde_json::from_value(draft.analysis.params.clone()).ok()?;
        let set = params.sets.iter().find(|s| s.name == row.feature)?;
        let mention = Mention::Pathway(set.name.clone());
        draft.feature = mention.clone();
        let subject = match row.variable.strip_suffix(" mutation") {
            Some(gene) => Mention::Mutation(gene.to_owned()),
            None => Mention::Clinical(row.variable.clone()),
        };
        draft.entities.push(subject.clone());
        let group_test = !row.test.is_rank_correlation() && !row.test.is_cox();
        draft.relations.push(Relation {
            subject,
            relation: match () {
                _ if row.test.is_cox() => RelationKind::PrognosticFor,
                _ if group_test => sign_relation(row.effect),
                _ => RelationKind::AssociatedWith,
            },
            object: mention,
        });
        draft.validation_question = Some(
            Self {
                layer: self.layer.clone(),
                focus: Some(PathwayFocus {
                    set: set.name.clone(),
                    variable: row.variable.clone(),
                    members: set.members.clone(),
                }),
            }
            .into(),
        );
        let shown: Vec<&str> = set
            .members
            .iter()
            .take(NAMED_MEMBERS)
            .map(String::as_str)
            .collect();
        let more = set.members.len().saturating_sub(shown.len());
        let members = if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        };
        let what = format!(
            "the {} pathway activity ({}; ssGSEA score of {} {} members: {members})",
            set.name,
            set.description,
            set.members.len(),
            self.layer
        );
        let q = fmt_p(draft.q);
        let among = among_not_hypermutated(&row.variable, params.hypermutated_excluded);
        let statement = if row.test.is_cox() {
            format!(
                "tumours with higher {what} have {} survival ({}: log HR per unit {}, {}, q={q})",
                if row.effect > 0.0 {
                    "shorter"
                } else {
                    "longer"
                },
                row.variable,
                fmt_effect(row.effect),
                row.test
            )
        } else if group_test {
            match row.variable.strip_suffix(" mutation") {
                Some(gene) => format!(
                    "{gene}-mutated tumours have {} {what} than wild-type tumours (difference {}, {}, q={q})",
                    if row.effect < 0.0 { "lower" } else { "higher" },
                    fmt_effect(row.effect),
                    row.test
                ),
                None => format!(
                    "{what} is {} in {} ({}: difference {}, {}, q={q})",
                    if row.effect < 0.0 { "lower" } else { "higher" },
                    row.variable,
                    row.contrast,
                    fmt_effect(row.effect),
                    row.test
                ),
            }
        } else {
            format!(
                "{what} {} with {} ({}: rho {}, q={q})",
                if row.effect > 0.0 { "rises" } else { "falls" },
                row.variable,
                row.contrast,
                fmt_effect(row.effect)
            )
        };
        Some(statement + &among)
    }

    fn chained(_ledger: &Ledger) -> Vec<Candidate> {
        Vec::new()
    }

    fn claim(&self, row: &TestRow, _ledger: &Ledger) -> Option<Claim> {
        let set = EntityRef::GeneSet(row.feature.clone());
        if row.test.is_cox() {
            return claim(
                set,
                RelationKind::PrognosticFor,
                EntityRef::ClinicalVariable(row.variable.clone()),
            );
        }
        match row.variable.strip_suffix(" mutation") {
            Some(gene) if !row.test.is_rank_correlation() => claim(
                set,
                sign_relation(row.effect),
                EntityRef::Mutation(gene.to_owned()),
            ),
            _ => claim(
                set,
                RelationKind::AssociatedWith,
                EntityRef::ClinicalVariable(row.variable.clone()),
            ),
        }
    }

    fn direction_classes(&self, _layers: &[String]) -> DirectionClasses {
        DirectionClasses::new(
            EntityClass::new(EntityKind::ClinicalVariable),
            RelationKind::AssociatedWith,
            EntityClass::new(EntityKind::GeneSet),
        )
    }

    /// Pathway scores are not a first screen of one subject (as modules).
    fn subject(&self) -> Option<crate::coverage::Subject> {
        None
    }

    fn enrichment_target(&self) -> Option<EntityRef> {
        None
    }

    fn adjusted_grouping(&self) -> Option<(String, &str)> {
        None
    }

    fn novelty(h: &Candidate, _knowledge: &Knowledge) -> (f64, String) {
        clinical_link(h)
    }

    fn clinical_relevance(h: &Candidate) -> f64 {
        super::modules::set_relevance(h)
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

    /// A pathway hypothesis states a planted set relation when at least half of the pathway's
    /// measured members are planted features (as a module's, `modules::states_planted_set`).
    fn matches_truth(&self, study: &Study, key: &ValidationKey, planted: &PlantedRelation) -> bool {
        let Some(focus) = &self.focus else {
            return false;
        };
        states_planted_set(
            study,
            &self.layer,
            &focus.variable,
            &focus.members,
            key,
            planted,
        )
    }
}
