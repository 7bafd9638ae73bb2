//! Step 6: scoring. Reliability asks how sure we are (session-wide q, effect size, n, agreement of
//! follow-up evidence, replication); plausibility asks how well prior knowledge supports the
//! relation (`grounding.rs`: known, partly known, unexplained); novelty is what knowledge leaves
//! open, capped by the kind's own caveat (a circular variable, a well-studied contrast);
//! clinical relevance asks whether a clinician would act on it. Findings that disagree
//! (`contradictions.rs`) demote it, each with its reason. Every component is kept so a reader can
//! see why one hypothesis outranks another.

use crate::grounding::ground;
use crate::hypothesis::Validated;
use crate::knowledge::Knowledge;
use crate::ledger::Ledger;
use crate::validate::ReplicationStatus;
use graph::{
    Contradiction, ContradictionKind, EvidenceRole, Grounding, KnowledgeStatus, Refinement,
    RefinementOutcome, ScoreBreakdown,
};

/// Taken from the total per contradiction other than a failed replication (which already
/// weighs in reliability).
const DEMOTION: f64 = 0.05;

/// Plausibility and the novelty knowledge leaves open, by what knowledge says: support raises
/// plausibility; an unexplained relation is not rewarded as new, only not supported.
fn from_knowledge(grounding: &Grounding) -> (f64, f64, String) {
    let source = if grounding.source.is_empty() {
        String::new()
    } else {
        format!(" ({})", grounding.source)
    };
    match grounding.status {
        KnowledgeStatus::Known => (1.0, 0.15, format!("known: {}{source}", grounding.reason)),
        KnowledgeStatus::PartlyKnown => (
            0.7,
            0.5,
            format!(
                "partly known: {}{source}; the direct link is the new part",
                grounding.reason
            ),
        ),
        KnowledgeStatus::Unexplained if grounding.reason.is_empty() => (
            0.4,
            0.5,
            "unexplained: no prior knowledge was consulted".into(),
        ),
        KnowledgeStatus::Unexplained => (0.4, 0.5, format!("unexplained: {}", grounding.reason)),
    }
}

/// The third stage of a hypothesis: the score of a validated candidate, demoted by the findings
/// that disagree with it (`contradictions.rs`) unless a refinement narrowed it to a stratum where
/// the effect holds (`refine.rs`): then the adjustment no longer speaks against the narrowed
/// claim, and its held-out re-test is the validated replication.
pub fn score(
    validated: &Validated,
    ledger: &Ledger,
    knowledge: &Knowledge,
    contradictions: Vec<Contradiction>,
    refinement: Option<Refinement>,
) -> ScoreBreakdown {
    let h = &validated.candidate;
    let primary = h
        .evidence
        .iter()
        .find(|e| e.role == EvidenceRole::Primary)
        .or(h.evidence.first());
    let (q, std_effect, sign) = primary
        .and_then(|e| {
            let i = ledger.index_of(e.step)?;
            let row = ledger.analyses().get(i)?.rows.get(e.row)?;
            Some((
                ledger.q(i, e.row),
                row.std_effect.abs(),
                row.effect.signum(),
            ))
        })
        .unwrap_or((1.0, 0.0, 0.0));
    let significance = (-q.max(1e-300).log10() / 10.0).clamp(0.0, 1.0);
    let effect = (std_effect / 1.5).clamp(0.0, 1.0);
    let mut agree: f64 = 0.0;
    let mut disagree: f64 = 0.0;
    for e in h.evidence.iter().filter(|e| {
        matches!(
            e.role,
            EvidenceRole::Adjusted | EvidenceRole::Pathway | EvidenceRole::Cis
        )
    }) {
        let Some(row) = ledger
            .index_of(e.step)
            .and_then(|i| ledger.analyses()[i].rows.get(e.row))
        else {
            continue;
        };
        let same_sign = matches!(e.role, EvidenceRole::Pathway | EvidenceRole::Cis)
            || row.effect.signum() == sign;
        if row.p < 0.05 && same_sign {
            agree += 1.0;
        } else {
            disagree += 1.0;
        }
    }
    // Each link of a chain beyond the first is one more finding that agrees with it.
    agree += validated
        .chain
        .as_ref()
        .map_or(0.0, |c| c.links.len().saturating_sub(1) as f64);
    let consistency = (0.5 + 0.25 * (agree - disagree)).clamp(0.0, 1.0);
    let replication = match validated.replication.status {
        ReplicationStatus::Replicated => 1.0,
        ReplicationStatus::NotTested => 0.5,
        ReplicationStatus::NotReplicated => 0.0,
    };
    let reliability = 0.35 * significance + 0.25 * effect + 0.15 * consistency + 0.25 * replication;
    let mut knowledge_grounding = ground(h, knowledge);
    let (plausibility, open, grounded_reason) = from_knowledge(&knowledge_grounding);
    let (ceiling, caveat) = h.kind.novelty(h, knowledge);
    let (novelty, novelty_reason) = if ceiling < open {
        (ceiling, caveat)
    } else {
        (open, grounded_reason)
    };
    // A hypothesis that names no pair of entities to look up (a gene and its own measurements,
    // as in a cis dosage effect) has no grounding of its own; what its kind's design says
    // (`QuestionKind::novelty`) is then what is known, so the record and the report's badge
    // say the same.
    if knowledge_grounding.reason.is_empty() && knowledge_grounding.between.is_empty() {
        knowledge_grounding.status = KnowledgeStatus::from_novelty(novelty);
        knowledge_grounding.reason = novelty_reason.clone();
    }
    let clinical = h.kind.clinical_relevance(h);
    let narrowed = refinement
        .as_ref()
        .is_some_and(|r| matches!(r.outcome, RefinementOutcome::Narrowed { .. }));
    let demotion = DEMOTION
        * contradictions
            .iter()
            .filter(|c| match c.kind {
                ContradictionKind::FailedReplication => false,
                ContradictionKind::VanishesAfterAdjustment
                | ContradictionKind::ReversesAfterAdjustment => !narrowed,
                ContradictionKind::OppositeLayers => true,
            })
            .count() as f64;
    let total = (0.5 * reliability + 0.15 * plausibility + 0.15 * novelty + 0.20 * clinical
        - demotion)
        .max(0.0);
    ScoreBreakdown {
        significance,
        effect,
        consistency,
        reliability,
        novelty,
        clinical_relevance: clinical,
        replication,
        total,
        novelty_reason,
        plausibility,
        knowledge: Box::new(knowledge_grounding),
        contradictions,
        refinement: refinement.map(Box::new),
    }
}
