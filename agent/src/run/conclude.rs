//! From the ledger to ranked hypotheses: assembled, validated on held-out samples, scored.

use super::*;
use crate::contradictions::BeyondTheCut;

/// Hypotheses from the ledger: assembled, validated on held-out samples, scored, ranked.
pub(super) fn conclude(
    study: &Study,
    knowledge: &Knowledge,
    config: &RunConfig,
    split: &Split,
    ledger: &Ledger,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Conclusion {
    let discovery: HashSet<SampleId> = split.discovery.iter().cloned().collect();
    let discovery_ctx = Context {
        study,
        scope: &discovery,
        gene_sets: &knowledge.gene_sets,
        seed: config.seed,
    };
    let candidates = crate::chain::attach(assemble(ledger), ledger, &discovery_ctx);
    on_event(Event::Validating {
        hypotheses: candidates.len(),
    });
    let validation: HashSet<SampleId> = split.validation.iter().cloned().collect();
    let ctx = Context {
        study,
        scope: &validation,
        gene_sets: &knowledge.gene_sets,
        seed: config.seed,
    };
    let cohort = "held-out samples";
    let mut held_out = crate::validate::Retester::new(&ctx, cohort);
    let mut hypotheses: Vec<Hypothesis> = validate(candidates, &ctx, cohort)
        .into_iter()
        .map(|mut v| {
            let contradictions = crate::contradictions::contradictions(&v, ledger);
            let refined = crate::refine::refine(&v, &contradictions, ledger, &mut held_out);
            let refinement = refined.map(|r| {
                if let Some(statement) = r.statement {
                    v.candidate.statement = statement;
                }
                v.candidate.evidence.extend(r.evidence);
                if let Some(replication) = &r.refinement.replication {
                    v.replication = replication.clone();
                }
                r.refinement
            });
            let score = crate::score::score(&v, ledger, knowledge, contradictions, refinement);
            Hypothesis::scored(v, score)
        })
        .collect();
    hypotheses.sort_by(|a, b| {
        b.model
            .score
            .total
            .total_cmp(&a.model.score.total)
            .then_with(|| a.model.statement.cmp(&b.model.statement))
    });
    let mut seen = HashSet::new();
    hypotheses.retain(|h| seen.insert(h.model.statement.clone()));
    breadth_first(&mut hypotheses);
    // Calibration compares everything the loop would claim, before the report's selection.
    let label_dependent_all = hypotheses.iter().filter(|h| label_dependent(h)).count();
    let label_dependent_replicated = hypotheses
        .iter()
        .filter(|h| {
            label_dependent(h) && h.model.replication.status == ReplicationStatus::Replicated
        })
        .count();
    let contradicted_beyond_the_cut = hypotheses
        .iter()
        .enumerate()
        .skip(config.max_hypotheses)
        .filter(|(_, h)| !h.model.score.contradictions.is_empty())
        .map(|(i, h)| BeyondTheCut {
            statement: h.model.statement.clone(),
            rank: i + 1,
            total: h.model.score.total,
            contradictions: h.model.score.contradictions.clone(),
            refinement: h.model.score.refinement.as_deref().cloned(),
        })
        .collect();
    hypotheses.truncate(config.max_hypotheses);
    for (i, h) in hypotheses.iter_mut().enumerate() {
        h.model.rank = i + 1;
        h.model.id = format!("H{}", i + 1);
    }
    let replicated = hypotheses
        .iter()
        .filter(|h| h.model.replication.status == ReplicationStatus::Replicated)
        .count();
    Conclusion {
        hypotheses,
        contradicted_beyond_the_cut,
        replicated,
        label_dependent: label_dependent_all,
        label_dependent_replicated,
    }
}

/// The ranked hypotheses a run presents, and the counts calibration compares (taken before the
/// presentation's per-kind cap and truncation, so real and shuffled runs are counted alike).
pub(super) struct Conclusion {
    pub(super) hypotheses: Vec<Hypothesis>,
    /// Hypotheses cut by `max_hypotheses` that some finding contradicts.
    pub(super) contradicted_beyond_the_cut: Vec<BeyondTheCut>,
    pub(super) replicated: usize,
    pub(super) label_dependent: usize,
    pub(super) label_dependent_replicated: usize,
}

/// Whether a hypothesis depends on sample labels (clinical data or mutations); cis dosage
/// effects and tumour/normal contrasts survive shuffling by design and are not counted.
fn label_dependent(h: &Hypothesis) -> bool {
    h.kind().is_some_and(Kind::is_label_dependent)
}

/// Orders the ranked hypotheses so that the best of every question comes before the second of
/// any: a question (one mutation on one layer, one contrast of a grouping, tumour vs normal on
/// a layer) that moves hundreds of features would otherwise fill the report's cut with its
/// strongest few features and push out relations that appear once. Within each pass the order
/// is by score.
fn breadth_first(hypotheses: &mut Vec<Hypothesis>) {
    let mut seen = HashSet::new();
    let (first, rest): (Vec<Hypothesis>, Vec<Hypothesis>) = std::mem::take(hypotheses)
        .into_iter()
        .partition(|h| seen.insert(question_of(h)));
    hypotheses.extend(first);
    hypotheses.extend(rest);
}

/// The question a hypothesis answers: what it re-tests and the contrast it reads. A kind that
/// screens many subjects in one analysis (module and pathway scores, subtypes against every
/// variable) summarises a whole layer: all hypotheses drawn from one such analysis count as one
/// question, so that their breadth does not crowd single-feature findings and mechanism chains
/// out of the first pass.
fn question_of(h: &Hypothesis) -> (String, String) {
    let kind = h.validation.question.kind();
    if kind.screens_many_subjects() {
        let step = h.model.evidence.first().map_or(usize::MAX, |e| e.step);
        (kind.name(), step.to_string())
    } else {
        (h.validation.question.key(), h.validation.contrast.clone())
    }
}
