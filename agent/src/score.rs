//! Step 6: scoring. Reliability asks how sure we are (session-wide q, effect size, n, agreement of
//! follow-up evidence, replication); novelty asks whether prior knowledge already links the
//! entities; clinical relevance asks whether a clinician would act on it. Every component is kept
//! so a reader can see why one hypothesis outranks another.

use crate::hypothesis::Hypothesis;
use crate::knowledge::Knowledge;
use crate::ledger::Ledger;
use crate::question::{QuestionKind, clinical_relevance};
use crate::validate::ReplicationStatus;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreBreakdown {
    /// -log10(q) of the primary finding, scaled to [0, 1] (q = 1e-10 or smaller scores 1).
    pub significance: f64,
    /// Standardised effect of the primary finding, scaled to [0, 1].
    pub effect: f64,
    /// Supporting follow-ups that agree, minus those that disagree, scaled to [0, 1].
    pub consistency: f64,
    pub reliability: f64,
    pub novelty: f64,
    pub clinical_relevance: f64,
    /// 1 when replicated on held-out samples, 0.5 when not testable there, 0 when not replicated.
    pub replication: f64,
    pub total: f64,
    /// Why novelty is what it is.
    pub novelty_reason: String,
}

pub fn score(h: &Hypothesis, ledger: &Ledger, knowledge: &Knowledge) -> ScoreBreakdown {
    let primary = h
        .evidence
        .iter()
        .find(|e| e.role == "primary")
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
    for e in h
        .evidence
        .iter()
        .filter(|e| e.role == "adjusted" || e.role == "pathway" || e.role == "cis")
    {
        let Some(row) = ledger
            .index_of(e.step)
            .and_then(|i| ledger.analyses()[i].rows.get(e.row))
        else {
            continue;
        };
        let same_sign = e.role == "pathway" || e.role == "cis" || row.effect.signum() == sign;
        if row.p < 0.05 && same_sign {
            agree += 1.0;
        } else {
            disagree += 1.0;
        }
    }
    let consistency = (0.5 + 0.25 * (agree - disagree)).clamp(0.0, 1.0);
    let replication = match h.replication.status {
        ReplicationStatus::Replicated => 1.0,
        ReplicationStatus::NotTested => 0.5,
        ReplicationStatus::NotReplicated => 0.0,
    };
    let reliability = 0.35 * significance + 0.25 * effect + 0.15 * consistency + 0.25 * replication;
    let (novelty, novelty_reason) = novelty(h, knowledge);
    let clinical = relevance(h);
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

fn genes_of(h: &Hypothesis, prefix: &str) -> Vec<String> {
    h.entities
        .iter()
        .filter_map(|e| e.strip_prefix(prefix))
        .map(str::to_owned)
        .collect()
}

fn novelty(h: &Hypothesis, knowledge: &Knowledge) -> (f64, String) {
    match h.kind {
        QuestionKind::Cis => (
            0.3,
            "copy-number dosage effects in cis are well established".into(),
        ),
        QuestionKind::TumorVsNormal => (
            0.3,
            "tumour/normal differences are the most studied contrast".into(),
        ),
        QuestionKind::MutationImpact => {
            let mutated = genes_of(h, "mutation:");
            let targets = genes_of(h, "gene:");
            match (mutated.first(), targets.first()) {
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
        QuestionKind::Subtypes => (
            0.5,
            "data-driven subtypes, compared with known clinical groups".into(),
        ),
        _ if h
            .entities
            .iter()
            .filter_map(|e| e.strip_prefix("clinical:"))
            .any(crate::question::is_derived_from_omics) =>
        {
            (
                0.25,
                "the variable is itself computed from expression data, so the link is partly circular".into(),
            )
        }
        _ => {
            let has_pathway = h.entities.iter().any(|e| e.starts_with("pathway:"));
            if has_pathway {
                (
                    0.5,
                    "the feature's pathway is known to respond; the clinical link is the new part"
                        .into(),
                )
            } else {
                (
                    0.7,
                    "no prior-knowledge link between the clinical variable and the feature".into(),
                )
            }
        }
    }
}

fn relevance(h: &Hypothesis) -> f64 {
    match h.kind {
        QuestionKind::Survival | QuestionKind::AdjustedSurvival => 1.0,
        QuestionKind::MutationImpact | QuestionKind::MutationMechanism => 0.7,
        QuestionKind::Cis => 0.4,
        QuestionKind::TumorVsNormal => 0.5,
        _ => h
            .entities
            .iter()
            .filter_map(|e| e.strip_prefix("clinical:"))
            .map(clinical_relevance)
            .fold(0.4, f64::max),
    }
}
