//! Data-driven co-expression modules of a layer, their scores tested against mutations,
//! clinical variables and survival.
//!
//! Effects that move many features modestly (a pathway, a complex, a co-regulated programme)
//! give twenty weak single-feature tests and may pass none; the module's score (the mean z of its
//! members) carries the whole shift in one test. Modules are found on the samples in scope (the
//! discovery half, `analysis::modules`), without any label, so testing their scores against
//! labels is not circular. A hypothesis names the module's genes, and its validation re-tests
//! that same module (its members fixed, [`FixedModule`]) on the held-out samples.
//!
//! Mutation effects are tested among tumours that are not hypermutated: a hypermutated tumour
//! (MSI-high, POLE; recorded by a clinical column, or carrying far more mutated genes than the
//! rest) carries mutations in most genes and differs in expression, so without excluding them
//! a gene mutated mostly in them would appear to move the hypermutation programme.

use super::follow::FollowUpContext;
use super::novelty::{clinical_link, clinical_variables_relevance};
use super::priors::{clinical_relevance, layer_weight, screen_layers};
use super::relations::{DirectionClasses, features};
use super::truth::layer_is;
use super::{PlotKind, Proposal, Question, QuestionKind};
use crate::execute::{
    Context, ExecError, Produced, association, groups, restrict_features, survival,
};
use crate::hypothesis::{Candidate, Draft, ValidationKey, fmt_effect, fmt_p};
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use crate::profile::StudyProfile;
use analysis::modules::{ModuleOptions, coexpression_modules, module_scores};
use datasets::clinical::VariableKind;
use datasets::synth::PlantedRelation;
use datasets::{FeatureId, LayerKind, SampleId, Study};
use graph::{Claim, EntityClass, EntityKind, EntityRef, Mention, Relation, RelationKind};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Modules {
    pub layer: String,
    /// A module found earlier, re-tested against its variable (validation); `None` finds the
    /// modules of the samples in scope and tests them against everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<FixedModule>,
}

/// One module as the discovery half defined it, and the variable its finding was about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FixedModule {
    pub name: String,
    pub features: Vec<String>,
    pub variable: String,
}

/// A module as recorded in the analysis's parameters (what statements name).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct ModuleRecord {
    name: String,
    features: Vec<String>,
    /// Mean pairwise correlation of the members where they were found (`None` when re-tested).
    mean_correlation: Option<f64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ModuleParams {
    modules: Vec<ModuleRecord>,
    clustered: usize,
    hypermutated_excluded: usize,
}

/// Most mutated genes whose carriers are compared on module scores.
const MAX_MUTATIONS: usize = 40;
/// Fewest carriers (and wild-type tumours) for a mutation to be tested.
const MIN_CARRIERS: usize = 4;
/// Members named in a statement.
const NAMED_MEMBERS: usize = 12;

impl Modules {
    fn scores_layer(&self) -> String {
        format!("{} modules", self.layer)
    }
}

impl QuestionKind for Modules {
    const FOLLOW_UP: bool = false;
    const LABEL_DEPENDENT: bool = true;
    const SCREENS_MANY_SUBJECTS: bool = true;

    fn propose(profile: &StudyProfile) -> Vec<Proposal> {
        let anything_to_test = !profile.mutations.is_empty()
            || !profile.groupings.is_empty()
            || !profile.numeric_variables.is_empty()
            || profile.survival.is_some();
        if !anything_to_test {
            return Vec::new();
        }
        screen_layers(profile)
            .filter(|(_, layer)| {
                !matches!(
                    layer.kind,
                    LayerKind::Mutation | LayerKind::CopyNumber | LayerKind::CircularRna
                )
            })
            .map(|(position, layer)| Proposal {
                question: Self {
                    layer: layer.name.clone(),
                    module: None,
                }
                .into(),
                priority: 0.7 * layer_weight(profile, &layer.name),
                rationale: "co-expressed modules carry effects too spread for single features"
                    .into(),
                layer: Some(position),
            })
            .collect()
    }

    fn describe(&self) -> String {
        match &self.module {
            None => format!(
                "co-expression modules of {} -> mutations, clinical variables, survival",
                self.layer
            ),
            Some(m) => format!("{} {} -> {}", self.layer, m.name, m.variable),
        }
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        let layer = ctx.layer(&self.layer)?;
        let matrix = ctx.scoped(layer, false);
        let (records, clustered) = match &self.module {
            Some(m) => (
                vec![ModuleRecord {
                    name: m.name.clone(),
                    features: m.features.clone(),
                    mean_correlation: None,
                }],
                m.features.len(),
            ),
            None => {
                let found = coexpression_modules(&matrix, &ModuleOptions::default())
                    .map_err(|e| ExecError::NothingToTest(e.to_string()))?;
                let records = found
                    .modules
                    .iter()
                    .enumerate()
                    .map(|(i, m)| ModuleRecord {
                        name: format!("module M{} ({} features)", i + 1, m.features.len()),
                        features: m.features.iter().map(|f| f.to_string()).collect(),
                        mean_correlation: Some(m.mean_correlation),
                    })
                    .collect::<Vec<_>>();
                (records, found.clustered)
            }
        };
        if records.is_empty() {
            return Err(ExecError::NothingToTest(format!(
                "no co-expression module in {} ({clustered} features clustered)",
                self.layer
            )));
        }
        let named: Vec<(FeatureId, Vec<FeatureId>)> = records
            .iter()
            .map(|r| {
                (
                    FeatureId::from(r.name.as_str()),
                    r.features
                        .iter()
                        .map(|f| FeatureId::from(f.as_str()))
                        .collect(),
                )
            })
            .collect();
        let scores =
            module_scores(&matrix, &named).map_err(|e| ExecError::NothingToTest(e.to_string()))?;
        let only = self.module.as_ref().map(|m| m.variable.as_str());
        let (mut rows, notes, hypermutated_excluded) =
            test_score_layer(ctx, layer, self.scores_layer(), scores, only);
        for row in &mut rows {
            // The first member stands for the module where one gene is needed (one hypothesis
            // per module and analysis).
            if let Some(r) = records.iter().find(|r| r.name == row.feature) {
                row.gene = r.features.first().map_or_else(String::new, |f| {
                    FeatureId::from(f.as_str()).gene_symbol().to_owned()
                });
            }
        }
        let params = ModuleParams {
            modules: records,
            clustered,
            hypermutated_excluded,
        };
        Ok(Produced {
            module: "coexpression_modules",
            params: serde_json::to_value(&params).unwrap_or_default(),
            layers: vec![self.layer.clone()],
            samples: matrix.samples().to_vec(),
            rows,
            not_testable: 0,
            notes,
        })
    }

    /// None: a module's members are named in its hypothesis already, and the other follow-ups
    /// are about single features.
    fn follow_ups(&self, _opened: &FollowUpContext<'_>) -> Vec<(Question, String)> {
        Vec::new()
    }

    fn statement(&self, draft: &mut Draft<'_>) -> Option<String> {
        let row = draft.row;
        let params: ModuleParams = serde_json::from_value(draft.analysis.params.clone()).ok()?;
        let module = params.modules.iter().find(|m| m.name == row.feature)?;
        let mention = Mention::Module(format!("{} {}", self.layer, module.name));
        draft.feature = mention.clone();
        let subject = match row.variable.strip_suffix(" mutation") {
            Some(gene) => Mention::Mutation(gene.to_owned()),
            None => Mention::Clinical(row.variable.clone()),
        };
        draft.entities.push(subject.clone());
        draft.relations.push(Relation {
            subject,
            relation: match row.test {
                graph::TestKind::WelchT if row.effect < 0.0 => RelationKind::LowerIn,
                graph::TestKind::WelchT => RelationKind::HigherIn,
                _ => RelationKind::AssociatedWith,
            },
            object: mention,
        });
        draft.validation_question = Some(
            Self {
                layer: self.layer.clone(),
                module: Some(FixedModule {
                    name: module.name.clone(),
                    features: module.features.clone(),
                    variable: row.variable.clone(),
                }),
            }
            .into(),
        );
        let shown: Vec<String> = module
            .features
            .iter()
            .take(NAMED_MEMBERS)
            .cloned()
            .collect();
        let more = module.features.len().saturating_sub(shown.len());
        let members = if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        };
        let what = format!(
            "a co-expressed module of {} {} features ({members}; mean r={})",
            module.features.len(),
            self.layer,
            module.mean_correlation.map_or("n/a".to_owned(), fmt_effect)
        );
        let q = fmt_p(draft.q);
        let among = among_not_hypermutated(&row.variable, params.hypermutated_excluded);
        let statement = match row.test {
            graph::TestKind::WelchT => match row.variable.strip_suffix(" mutation") {
                Some(gene) => format!(
                    "{gene}-mutated tumours score {} than wild-type tumours on {what} (difference {}, q={q})",
                    if row.effect < 0.0 { "lower" } else { "higher" },
                    fmt_effect(row.effect)
                ),
                None => format!(
                    "{what} scores {} in {} ({}: difference {}, q={q})",
                    if row.effect < 0.0 { "lower" } else { "higher" },
                    row.variable,
                    row.contrast,
                    fmt_effect(row.effect)
                ),
            },
            graph::TestKind::CoxWald | graph::TestKind::CoxFirth => format!(
                "tumours scoring high on {what} have {} overall survival (log HR per unit {}, q={q})",
                if row.effect > 0.0 {
                    "shorter"
                } else {
                    "longer"
                },
                fmt_effect(row.effect)
            ),
            _ => format!(
                "{what} {} with {} ({}: rho {}, q={q})",
                if row.effect > 0.0 { "rises" } else { "falls" },
                row.variable,
                row.contrast,
                fmt_effect(row.effect)
            ),
        };
        Some(statement + &among)
    }

    fn chained(_ledger: &Ledger) -> Vec<Candidate> {
        Vec::new()
    }

    /// The graph has no module entity yet; the hypothesis carries the module as a mention.
    fn claim(&self, _row: &TestRow, _ledger: &Ledger) -> Option<Claim> {
        None
    }

    fn direction_classes(&self, layers: &[String]) -> DirectionClasses {
        DirectionClasses::new(
            EntityClass::new(EntityKind::ClinicalVariable),
            RelationKind::AssociatedWith,
            features(layers),
        )
    }

    /// Modules are data-driven, not a first screen of one subject: the coverage of every
    /// clinical variable, mutation and outcome comes from the kinds that screen them.
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
        set_relevance(h)
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

    /// A module hypothesis states a planted set when its variable is the planted one, its layer
    /// the planted layer, the direction agrees, and at least half of its members are planted
    /// features (a module that merely contains a few of them is not that relation).
    fn matches_truth(&self, study: &Study, key: &ValidationKey, planted: &PlantedRelation) -> bool {
        let Some(module) = &self.module else {
            return false;
        };
        states_planted_set(
            study,
            &self.layer,
            &module.variable,
            &module.features,
            key,
            planted,
        )
    }
}

/// Whether a set of `members` of `layer` tested against `variable` (a module, a pathway) states
/// a planted set relation: the variable is the planted one, the layer the planted layer, the
/// direction agrees, and at least half of the members are planted features (a set that merely
/// contains a few of them is not that relation).
pub(super) fn states_planted_set(
    study: &Study,
    layer: &str,
    variable: &str,
    members: &[String],
    key: &ValidationKey,
    planted: &PlantedRelation,
) -> bool {
    let (target_layer, planted_features, variable_ok, sign_ok) = match planted {
        PlantedRelation::MutationShiftsModule {
            mutation,
            layer,
            features,
            effect,
            ..
        } => (
            *layer,
            features,
            variable == format!("{mutation} mutation"),
            key.effect_sign == effect.signum(),
        ),
        PlantedRelation::ClinicalGroupDifference {
            variable: planted_variable,
            level,
            layer,
            features,
            effect,
            ..
        } => (
            *layer,
            features,
            variable == planted_variable.column(),
            // "level vs rest" states the planted direction as is; "other vs level" reversed.
            match key.contrast.split_once(" vs ") {
                Some((a, _)) if a == level => key.effect_sign == effect.signum(),
                Some((_, b)) if b == level => key.effect_sign == -effect.signum(),
                _ => true,
            },
        ),
        PlantedRelation::ClinicalNumericAssociation {
            variable: planted_variable,
            layer,
            features,
            effect,
        } => (
            *layer,
            features,
            variable == planted_variable.column(),
            key.effect_sign == effect.signum(),
        ),
        _ => return false,
    };
    let planted_set: HashSet<&str> = planted_features.iter().map(|f| f.as_str()).collect();
    let inside = members
        .iter()
        .filter(|f| planted_set.contains(f.as_str()))
        .count();
    variable_ok && sign_ok && layer_is(study, layer, target_layer) && 2 * inside >= members.len()
}

/// The clause a mutation's score comparison ends with when hypermutated tumours were left out
/// (`excluded` of them): the statement says so, as adjusted single-feature claims name their
/// adjustment. Empty for other variables, or when none was excluded.
pub(super) fn among_not_hypermutated(variable: &str, excluded: usize) -> String {
    if variable.ends_with(" mutation") && excluded > 0 {
        format!(", among tumours that are not hypermutated ({excluded} excluded)")
    } else {
        String::new()
    }
}

/// Tumours treated as hypermutated: those a hypermutation/MSI column marks high, and those
/// carrying far more mutated genes than the rest (above Q3 + 3 IQR of the per-tumour count and
/// at least twice the median).
pub(super) fn hypermutated(ctx: &Context<'_>) -> HashSet<SampleId> {
    let mut out = HashSet::new();
    let clinical = &ctx.study.clinical;
    for v in &clinical.variables {
        let name = v.name.to_ascii_lowercase();
        if !(name.contains("msi") || name.contains("hypermut") || name.contains("pole")) {
            continue;
        }
        let Some(levels) = v.kind.levels() else {
            continue;
        };
        for (i, s) in clinical.samples.iter().enumerate() {
            let high = levels.level_name(i).is_some_and(|l| {
                let l = l.to_ascii_lowercase();
                l.contains("msi-h")
                    || l == "msi-high"
                    || l == "msi high"
                    || l.contains("hypermut")
                    || l == "high"
                    || l == "yes"
                    || l == "true"
            });
            if high {
                out.insert(s.clone());
            }
        }
    }
    if let Some(m) = ctx.study.mutation_layer() {
        let counts: Vec<(usize, f64)> = (0..m.matrix.n_samples())
            .map(|s| {
                let n = (0..m.matrix.n_features())
                    .filter(|&f| m.matrix.value(s, f) > 0.5)
                    .count();
                (s, n as f64)
            })
            .collect();
        let mut sorted: Vec<f64> = counts.iter().map(|c| c.1).collect();
        sorted.sort_by(f64::total_cmp);
        if sorted.len() >= 10 {
            let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
            let (q1, median, q3) = (at(0.25), at(0.5), at(0.75));
            let limit = (q3 + 3.0 * (q3 - q1)).max(2.0 * median).max(median + 3.0);
            for (s, n) in counts {
                if n > limit {
                    out.insert(m.matrix.samples()[s].clone());
                }
            }
        }
    }
    out
}

/// Every test of the module scores: mutations (hypermutated tumours excluded), categorical and
/// ordinal clinical variables, numeric ones, survival. `only` keeps one variable's rows.
/// Tests per-sample scores (one feature per module or pathway, named after `template`'s layer as
/// `name`) against the clinical variables, mutations and outcomes, like a layer of the study:
/// a study holding only the scores and the mutation layer is tested on `ctx`'s samples. Also
/// returns how many hypermutated tumours mutation comparisons left out.
pub(super) fn test_score_layer(
    ctx: &Context<'_>,
    template: &datasets::Layer,
    name: String,
    scores: datasets::Matrix,
    only: Option<&str>,
) -> (Vec<TestRow>, Vec<String>, usize) {
    let mut scored_layer = template.with_matrix(scores);
    scored_layer.name = name.clone();
    let mut slim = Study {
        name: ctx.study.name.clone(),
        root: ctx.study.root.clone(),
        clinical: ctx.study.clinical.clone(),
        layers: vec![scored_layer],
        files: Vec::new(),
        warnings: Vec::new(),
    };
    // A re-test of one subject needs no mutation calls (a clinical variable) or one gene's: a
    // cohort's whole mutation layer was copied per re-test. Hypermutation is read from the
    // whole layer all the same.
    if let Some(m) = ctx.study.mutation_layer() {
        match only.map(|subject| subject.strip_suffix(" mutation")) {
            None => slim.layers.push(m.clone()),
            Some(Some(gene)) => slim.layers.push(m.with_matrix(restrict_features(
                &m.matrix,
                &[gene.to_owned()],
                false,
            ))),
            Some(None) => {}
        }
    }
    let inner = Context {
        study: &slim,
        scope: ctx.scope,
        gene_sets: ctx.gene_sets,
        seed: ctx.seed,
    };
    let hyper = hypermutated(ctx);
    let (rows, notes) = test_scores(&inner, &name, only, &hyper);
    (rows, notes, hyper.len())
}

pub(super) fn test_scores(
    ctx: &Context<'_>,
    layer: &str,
    only: Option<&str>,
    hyper: &HashSet<SampleId>,
) -> (Vec<TestRow>, Vec<String>) {
    let wanted = |variable: &str| only.is_none_or(|o| o == variable);
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut keep = |produced: Result<Produced, ExecError>, what: &str| match produced {
        Ok(p) => rows.extend(p.rows.into_iter().filter(|r| wanted(&r.variable))),
        Err(e) => notes.push(format!("{what}: {e}")),
    };
    // Mutations, among tumours that are not hypermutated.
    if let Some(m) = ctx.study.mutation_layer() {
        let scope: HashSet<SampleId> = ctx
            .scope
            .iter()
            .filter(|s| !hyper.contains(*s))
            .cloned()
            .collect();
        let stable = Context {
            study: ctx.study,
            scope: &scope,
            gene_sets: ctx.gene_sets,
            seed: ctx.seed,
        };
        let calls = stable.scoped(m, false);
        let n = calls.n_samples();
        let mut genes: Vec<(usize, &FeatureId)> = calls
            .features()
            .iter()
            .enumerate()
            .map(|(f, id)| {
                let carriers = calls.feature(f).iter().filter(|&&x| x > 0.5).count();
                (carriers, id)
            })
            .filter(|(c, id)| {
                *c >= MIN_CARRIERS && n - c >= MIN_CARRIERS && wanted(&format!("{id} mutation"))
            })
            .collect();
        genes.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        for (_, gene) in genes.into_iter().take(MAX_MUTATIONS) {
            keep(
                groups::mutation_impact(&stable, gene.as_str(), layer, None),
                gene.as_str(),
            );
        }
    }
    let tissue = ctx.study.clinical.tissue.as_ref().map(|(c, _)| c.clone());
    for v in &ctx.study.clinical.variables {
        if Some(&v.name) == tissue.as_ref() || !v.kind.is_testable() || !wanted(&v.name) {
            continue;
        }
        match v.kind {
            VariableKind::Numeric(_) => {
                keep(association::clinical_numeric(ctx, &v.name, layer), &v.name)
            }
            _ if v.kind.levels().is_some() => {
                keep(groups::clinical_groups(ctx, &v.name, layer), &v.name)
            }
            _ => {}
        }
    }
    for outcome in &ctx.study.clinical.survival {
        keep(
            survival::survival(ctx, layer, Some(outcome.name.as_str()), None),
            "survival",
        );
    }
    if !hyper.is_empty() {
        notes.push(format!(
            "mutations compared among tumours that are not hypermutated ({} excluded)",
            hyper.len()
        ));
    }
    (rows, notes)
}

/// Clinical relevance of a hypothesis about a set of features (a module or a pathway's score):
/// a mutation's gives 0.7, otherwise the most relevant clinical variable it names.
pub(super) fn set_relevance(h: &Candidate) -> f64 {
    let mutation = h.entities.iter().any(|e| matches!(e, Mention::Mutation(_)));
    if mutation {
        0.7
    } else {
        clinical_variables_relevance(h).max(
            h.entities
                .iter()
                .filter_map(|e| match e {
                    Mention::Clinical(v) => Some(clinical_relevance(v)),
                    _ => None,
                })
                .fold(0.0, f64::max),
        )
    }
}
