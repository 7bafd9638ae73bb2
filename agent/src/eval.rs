//! Measuring the agent on synthetic studies with planted truth: the recall of planted relations
//! among the hypotheses, and the fraction of hypotheses that match nothing planted.

use crate::hypothesis::Hypothesis;
use datasets::Study;
use datasets::synth::{PlantedRelation, Truth};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct RelationRecall {
    pub id: String,
    pub kind: String,
    pub recovered: bool,
    pub by: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct EvalReport {
    pub planted: usize,
    pub recovered: usize,
    pub recall: f64,
    pub hypotheses: usize,
    pub not_planted: usize,
    pub not_planted_fraction: f64,
    pub relations: Vec<RelationRecall>,
    pub unmatched_hypotheses: Vec<String>,
}

/// Whether hypothesis `h` states planted relation `p` (right entities, layer and direction); the
/// hypothesis's kind decides.
fn matches(study: &Study, h: &Hypothesis, p: &PlantedRelation) -> bool {
    h.validation.question.matches_truth(study, &h.validation, p)
}

pub fn evaluate(truth: &Truth, hypotheses: &[Hypothesis], study: &Study) -> EvalReport {
    let relations: Vec<RelationRecall> = truth
        .planted
        .iter()
        .map(|p| {
            let by: Vec<String> = hypotheses
                .iter()
                .filter(|h| matches(study, h, &p.relation))
                .map(|h| h.id.clone())
                .collect();
            RelationRecall {
                id: p.id.clone(),
                kind: serde_json::to_value(&p.relation)
                    .ok()
                    .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
                    .unwrap_or_default(),
                recovered: !by.is_empty(),
                by,
            }
        })
        .collect();
    let unmatched: Vec<String> = hypotheses
        .iter()
        .filter(|h| !truth.planted.iter().any(|p| matches(study, h, &p.relation)))
        .map(|h| format!("{}: {}", h.id, h.statement))
        .collect();
    let recovered = relations.iter().filter(|r| r.recovered).count();
    EvalReport {
        planted: relations.len(),
        recovered,
        recall: recovered as f64 / relations.len().max(1) as f64,
        hypotheses: hypotheses.len(),
        not_planted: unmatched.len(),
        not_planted_fraction: unmatched.len() as f64 / hypotheses.len().max(1) as f64,
        relations,
        unmatched_hypotheses: unmatched,
    }
}
