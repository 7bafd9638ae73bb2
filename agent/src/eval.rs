//! Measuring the agent on synthetic studies with planted truth: the recall of planted relations
//! among the hypotheses, the fraction of hypotheses that match nothing planted, both per kind,
//! and the confounded relations claimed; [`aggregate`] sums many seeds for `hypomics bench-synth`.
//!
//! A hypothesis about a technical nuisance the truth lists (the batch) is counted as found
//! nuisance, neither a hit nor a false discovery: the structure is real, and reporting it is
//! what a careful analyst does. A hypothesis stating a confounded mutation effect (truth's
//! `confounded`) is not planted and is also counted as a confounded claim.

use crate::hypothesis::Hypothesis;
use crate::kinds::Question;
use datasets::Study;
use datasets::synth::{Confounded, Nuisance, PlantedRelation, Truth};
use graph::Mention;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RelationRecall {
    pub id: String,
    pub kind: String,
    pub recovered: bool,
    pub by: Vec<String>,
}

/// Recall of one kind of planted relation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlantedKindRecall {
    pub kind: String,
    pub planted: usize,
    pub recovered: usize,
    pub recall: f64,
}

impl PlantedKindRecall {
    /// The counts with their recall filled in (used by one study's report and the seed bench).
    fn with_recall(mut self) -> Self {
        self.recall = self.recovered as f64 / self.planted.max(1) as f64;
        self
    }
}

/// Hypotheses of one kind of question, and how many of them match nothing planted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HypothesisKindFalse {
    pub kind: String,
    pub hypotheses: usize,
    pub not_planted: usize,
    pub not_planted_fraction: f64,
    pub confounded: usize,
}

impl HypothesisKindFalse {
    /// The counts with their fraction not planted filled in.
    fn with_fraction(mut self) -> Self {
        self.not_planted_fraction = self.not_planted as f64 / self.hypotheses.max(1) as f64;
        self
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalReport {
    pub planted: usize,
    pub recovered: usize,
    pub recall: f64,
    pub hypotheses: usize,
    pub not_planted: usize,
    /// Not planted among the hypotheses that are not about a nuisance.
    pub not_planted_fraction: f64,
    /// Hypotheses about a listed nuisance (batch): real structure, neither hit nor false.
    pub nuisance_found: usize,
    /// Hypotheses stating a confounded mutation effect.
    pub confounded_claimed: usize,
    pub relations: Vec<RelationRecall>,
    pub by_planted_kind: Vec<PlantedKindRecall>,
    pub by_hypothesis_kind: Vec<HypothesisKindFalse>,
    pub unmatched_hypotheses: Vec<String>,
    pub confounded_hypotheses: Vec<String>,
}

/// Whether hypothesis `h` states planted relation `p` (right entities, layer and direction); the
/// hypothesis's kind decides.
fn matches(study: &Study, h: &Hypothesis, p: &PlantedRelation) -> bool {
    h.validation.question.matches_truth(study, &h.validation, p)
}

/// The relation's kind as truth.json names it (`mutation_shifts_module`, ...); read from its
/// serialized tag so a kind added to the truth is named without a change here.
fn relation_kind(p: &PlantedRelation) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

/// Whether the hypothesis is about a nuisance variable (names it as a clinical variable).
fn about_nuisance(h: &Hypothesis, nuisance: &[Nuisance]) -> bool {
    nuisance.iter().any(|n| {
        let Nuisance::BatchEffect { variable, .. } = n;
        h.model.entities.iter().any(|e| match e {
            Mention::Clinical(v) => v.eq_ignore_ascii_case(variable),
            Mention::ClinicalLevel { variable: v, .. } => v.eq_ignore_ascii_case(variable),
            _ => false,
        })
    })
}

/// Whether the hypothesis states a confounded mutation effect: it names one of the mutations and
/// its feature (or, for a module, at least half of its members) is among the confounded features.
fn states_confounded(h: &Hypothesis, c: &Confounded) -> bool {
    let mutation = h.model.entities.iter().any(|e| match e {
        Mention::Mutation(g) => c.mutations.iter().any(|m| m == g),
        _ => false,
    });
    if !mutation {
        return false;
    }
    let shifted: HashSet<&str> = c.features.iter().map(|f| f.as_str()).collect();
    if let Question::Modules(m) = &h.validation.question
        && let Some(module) = &m.module
    {
        let inside = module
            .features
            .iter()
            .filter(|f| shifted.contains(f.as_str()))
            .count();
        return 2 * inside >= module.features.len().max(1);
    }
    shifted.contains(h.validation.feature.as_str())
}

pub fn evaluate(truth: &Truth, hypotheses: &[Hypothesis], study: &Study) -> EvalReport {
    let relations: Vec<RelationRecall> = truth
        .planted
        .iter()
        .map(|p| {
            let by: Vec<String> = hypotheses
                .iter()
                .filter(|h| matches(study, h, &p.relation))
                .map(|h| h.model.id.clone())
                .collect();
            RelationRecall {
                id: p.id.clone(),
                kind: relation_kind(&p.relation),
                recovered: !by.is_empty(),
                by,
            }
        })
        .collect();
    let mut by_planted: BTreeMap<String, PlantedKindRecall> = BTreeMap::new();
    for r in &relations {
        let e = by_planted.entry(r.kind.clone()).or_default();
        e.kind = r.kind.clone();
        e.planted += 1;
        e.recovered += usize::from(r.recovered);
    }
    let mut by_kind: BTreeMap<String, HypothesisKindFalse> = BTreeMap::new();
    let mut unmatched = Vec::new();
    let mut confounded_hypotheses = Vec::new();
    let mut nuisance_found = 0;
    for h in hypotheses {
        let kind = h.model.kind.clone();
        let e = by_kind.entry(kind.clone()).or_default();
        e.kind = kind;
        let planted = truth.planted.iter().any(|p| matches(study, h, &p.relation));
        if !planted && about_nuisance(h, &truth.nuisance) {
            nuisance_found += 1;
            continue;
        }
        e.hypotheses += 1;
        if planted {
            continue;
        }
        e.not_planted += 1;
        unmatched.push(format!("{}: {}", h.model.id, h.model.statement));
        if truth.confounded.iter().any(|c| states_confounded(h, c)) {
            e.confounded += 1;
            confounded_hypotheses.push(format!("{}: {}", h.model.id, h.model.statement));
        }
    }
    let recovered = relations.iter().filter(|r| r.recovered).count();
    let judged = hypotheses.len() - nuisance_found;
    EvalReport {
        planted: relations.len(),
        recovered,
        recall: recovered as f64 / relations.len().max(1) as f64,
        hypotheses: hypotheses.len(),
        not_planted: unmatched.len(),
        not_planted_fraction: unmatched.len() as f64 / judged.max(1) as f64,
        nuisance_found,
        confounded_claimed: confounded_hypotheses.len(),
        relations,
        by_planted_kind: by_planted
            .into_values()
            .map(PlantedKindRecall::with_recall)
            .collect(),
        by_hypothesis_kind: by_kind
            .into_values()
            .map(HypothesisKindFalse::with_fraction)
            .collect(),
        unmatched_hypotheses: unmatched,
        confounded_hypotheses,
    }
}

/// Many seeds' evaluations summed: means over seeds, totals and pooled fractions per kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchSummary {
    pub seeds: Vec<u64>,
    pub mean_recall: f64,
    /// Mean over seeds of each run's fraction of hypotheses not planted.
    pub mean_not_planted_fraction: f64,
    pub confounded_claimed: usize,
    pub seeds_with_confounded_claims: usize,
    pub nuisance_found: usize,
    /// Pooled over seeds: planted relations of each kind and how many were found.
    pub by_planted_kind: Vec<PlantedKindRecall>,
    /// Pooled over seeds: hypotheses of each kind and how many matched nothing planted.
    pub by_hypothesis_kind: Vec<HypothesisKindFalse>,
    /// Each seed's headline figures.
    pub runs: Vec<BenchRun>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchRun {
    pub seed: u64,
    pub recall: f64,
    pub not_planted_fraction: f64,
    pub hypotheses: usize,
    pub confounded_claimed: usize,
}

impl EvalReport {
    /// The report as `hypomics eval` prints it.
    pub fn text(&self) -> String {
        let mut t = format!(
            "recall {:.0}% ({} of {} planted relations), {:.0}% of {} hypotheses not planted, {} about nuisance, {} confounded relations claimed\n",
            self.recall * 100.0,
            self.recovered,
            self.planted,
            self.not_planted_fraction * 100.0,
            self.hypotheses,
            self.nuisance_found,
            self.confounded_claimed
        );
        t.push_str(&kind_lines(&self.by_planted_kind, &self.by_hypothesis_kind));
        for r in &self.relations {
            t.push_str(&format!(
                "  {} {:<30} {}\n",
                r.id,
                r.kind,
                if r.recovered {
                    format!("found by {}", r.by.join(", "))
                } else {
                    "missed".into()
                }
            ));
        }
        for u in &self.unmatched_hypotheses {
            t.push_str(&format!("  not planted: {u}\n"));
        }
        for u in &self.confounded_hypotheses {
            t.push_str(&format!("  confounded: {u}\n"));
        }
        t
    }
}

impl BenchSummary {
    /// The summary as `hypomics bench-synth` prints it.
    pub fn text(&self) -> String {
        let mut t = format!(
            "{} seeds: mean recall {:.1}%, mean {:.1}% of hypotheses not planted, {} confounded relations claimed (in {} runs), {} hypotheses about nuisance\n",
            self.seeds.len(),
            self.mean_recall * 100.0,
            self.mean_not_planted_fraction * 100.0,
            self.confounded_claimed,
            self.seeds_with_confounded_claims,
            self.nuisance_found
        );
        t.push_str(&kind_lines(&self.by_planted_kind, &self.by_hypothesis_kind));
        for r in &self.runs {
            t.push_str(&format!(
                "  seed {:>5}: recall {:.0}%, {:.0}% of {} not planted, {} confounded\n",
                r.seed,
                r.recall * 100.0,
                r.not_planted_fraction * 100.0,
                r.hypotheses,
                r.confounded_claimed
            ));
        }
        t
    }
}

/// Recall per kind of planted relation and false fraction per kind of hypothesis.
fn kind_lines(planted: &[PlantedKindRecall], hypotheses: &[HypothesisKindFalse]) -> String {
    let mut t = String::from("  recall per kind of planted relation:\n");
    for k in planted {
        t.push_str(&format!(
            "    {:<30} {:>3} of {:>3} ({:.0}%)\n",
            k.kind,
            k.recovered,
            k.planted,
            k.recall * 100.0
        ));
    }
    t.push_str("  hypotheses not planted per kind of question:\n");
    for k in hypotheses {
        t.push_str(&format!(
            "    {:<30} {:>3} of {:>3} ({:.0}%), {} confounded\n",
            k.kind,
            k.not_planted,
            k.hypotheses,
            k.not_planted_fraction * 100.0,
            k.confounded
        ));
    }
    t
}

pub fn aggregate(reports: &[(u64, EvalReport)]) -> BenchSummary {
    let n = reports.len().max(1) as f64;
    let mut planted: BTreeMap<String, PlantedKindRecall> = BTreeMap::new();
    let mut kinds: BTreeMap<String, HypothesisKindFalse> = BTreeMap::new();
    for (_, r) in reports {
        for k in &r.by_planted_kind {
            let e = planted.entry(k.kind.clone()).or_default();
            e.kind = k.kind.clone();
            e.planted += k.planted;
            e.recovered += k.recovered;
        }
        for k in &r.by_hypothesis_kind {
            let e = kinds.entry(k.kind.clone()).or_default();
            e.kind = k.kind.clone();
            e.hypotheses += k.hypotheses;
            e.not_planted += k.not_planted;
            e.confounded += k.confounded;
        }
    }
    BenchSummary {
        seeds: reports.iter().map(|(s, _)| *s).collect(),
        mean_recall: reports.iter().map(|(_, r)| r.recall).sum::<f64>() / n,
        mean_not_planted_fraction: reports
            .iter()
            .map(|(_, r)| r.not_planted_fraction)
            .sum::<f64>()
            / n,
        confounded_claimed: reports.iter().map(|(_, r)| r.confounded_claimed).sum(),
        seeds_with_confounded_claims: reports
            .iter()
            .filter(|(_, r)| r.confounded_claimed > 0)
            .count(),
        nuisance_found: reports.iter().map(|(_, r)| r.nuisance_found).sum(),
        by_planted_kind: planted
            .into_values()
            .map(PlantedKindRecall::with_recall)
            .collect(),
        by_hypothesis_kind: kinds
            .into_values()
            .map(HypothesisKindFalse::with_fraction)
            .collect(),
        runs: reports
            .iter()
            .map(|(seed, r)| BenchRun {
                seed: *seed,
                recall: r.recall,
                not_planted_fraction: r.not_planted_fraction,
                hypotheses: r.hypotheses,
                confounded_claimed: r.confounded_claimed,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(recall: f64, false_fraction: f64, confounded: usize) -> EvalReport {
        EvalReport {
            planted: 2,
            recovered: (recall * 2.0) as usize,
            recall,
            hypotheses: 4,
            not_planted: 1,
            not_planted_fraction: false_fraction,
            nuisance_found: 1,
            confounded_claimed: confounded,
            relations: Vec::new(),
            by_planted_kind: vec![PlantedKindRecall {
                kind: "mutation_shifts_module".into(),
                planted: 2,
                recovered: (recall * 2.0) as usize,
                recall,
            }],
            by_hypothesis_kind: vec![HypothesisKindFalse {
                kind: "modules".into(),
                hypotheses: 4,
                not_planted: 1,
                not_planted_fraction: 0.25,
                confounded,
            }],
            unmatched_hypotheses: Vec::new(),
            confounded_hypotheses: Vec::new(),
        }
    }

    #[test]
    fn aggregate_means_over_seeds_and_pools_kinds() {
        let s = aggregate(&[(1, report(1.0, 0.0, 0)), (2, report(0.5, 0.5, 2))]);
        assert_eq!(s.seeds, vec![1, 2]);
        assert!((s.mean_recall - 0.75).abs() < 1e-12);
        assert!((s.mean_not_planted_fraction - 0.25).abs() < 1e-12);
        assert_eq!(s.confounded_claimed, 2);
        assert_eq!(s.seeds_with_confounded_claims, 1);
        assert_eq!(s.nuisance_found, 2);
        assert_eq!(s.by_planted_kind[0].planted, 4);
        assert_eq!(s.by_planted_kind[0].recovered, 3);
        assert!((s.by_planted_kind[0].recall - 0.75).abs() < 1e-12);
        assert_eq!(s.by_hypothesis_kind[0].hypotheses, 8);
        assert!((s.by_hypothesis_kind[0].not_planted_fraction - 0.25).abs() < 1e-12);
    }
}
