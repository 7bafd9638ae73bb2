//! Step 6: scoring. Reliability asks how sure we are (session-wide q, effect size, n, agreement of
//! follow-up evidence, replication); novelty asks whether prior knowledge already links the
//! entities; clinical relevance asks whether a clinician would act on it. Every component is kept
//! so a reader can see why one hypothesis outranks another.

use crate::hypothesis::Validated;
use crate::knowledge::Knowledge;
use crate::ledger::Ledger;
use crate::validate::ReplicationStatus;
use graph::{EvidenceRole, ScoreBreakdown};

/// The third stage of a hypothesis: the score of a validated candidate.
pub fn score(validated: &Validated, ledger: &Ledger, knowledge: &Knowledge) -> ScoreBreakdown {
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
    let (novelty, novelty_reason) = h.kind.novelty(h, knowledge);
    let clinical = h.kind.clinical_relevance(h);
    let total = 0.55 * reliability + 0.25 * novelty + 0.20 * clinical;
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
    }
}
