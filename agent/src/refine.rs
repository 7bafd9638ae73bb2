//! Refinement before demotion: a hypothesis whose effect vanishes or reverses after adjustment
//! for a confounder, or that the held-out half did not confirm, is looked at within each stratum
//! of the study's confounders: each level of a categorical one, each half of a numeric one (the
//! stratified follow-up, `kinds/stratified.rs`, run on the discovery samples during exploration,
//! so its tests are in the ledger and the run's error control counts them). When a stratum still
//! shows the effect with the same sign and its confounder's strata differ, the hypothesis is
//! restated for that stratum with the stratum's numbers, and the narrowed claim is re-tested on
//! the held-out samples of the same stratum; otherwise the demotion stands and the hypothesis
//! says what was tried.

use crate::hypothesis::{Evidence, Validated, ValidationKey, evidence, fmt_effect, fmt_p};
use crate::kinds::Question;
use crate::kinds::stratified::{Stratified, stratum_of, stratum_phrase};
use crate::ledger::{Ledger, TestRow};
use crate::validate::Retester;
use analysis::heterogeneity::{Homogeneity, cochran_q};
use graph::{Contradiction, ContradictionKind, EvidenceRole, Refinement, RefinementOutcome};

/// Family-wise level over the strata of one hypothesis: a stratum holds when its p is below
/// this divided by the number of strata tested (Bonferroni), so picking the best of several
/// strata is not a second chance at chance.
const STRATUM_ALPHA: f64 = 0.05;

/// Level of Cochran's Q test that the strata of one confounder differ (`analysis::heterogeneity`):
/// narrowing to a stratum needs the strata to differ, not only one of them to reach significance
/// while smaller others do not (a difference in significance is not a significant difference).
const HETEROGENEITY_ALPHA: f64 = 0.05;

/// A refinement, and the restated hypothesis when it was narrowed.
#[derive(Clone, Debug, PartialEq)]
pub struct Refined {
    pub refinement: Refinement,
    /// The statement narrowed to the stratum (narrowed only).
    pub statement: Option<String>,
    /// The stratum's re-test, cited as the narrowed hypothesis's adjusted evidence (narrowed
    /// only), so its numbers are a cited finding's.
    pub evidence: Option<Evidence>,
}

/// One stratified re-test of the primary finding found in the ledger.
struct StratumRow<'l> {
    /// The analysis's index in the ledger and the row's index in it.
    index: usize,
    row_index: usize,
    finding: String,
    question: &'l Stratified,
    by: &'l str,
    level: &'l str,
    row: &'l TestRow,
}

/// Refines `validated` when `contradictions` say it failed adjustment or replication; `None`
/// when it failed neither, or no stratified re-test of its primary finding ran.
/// `held_out` re-asks questions on the held-out samples.
pub fn refine(
    validated: &Validated,
    contradictions: &[Contradiction],
    ledger: &Ledger,
    held_out: &mut Retester<'_, '_>,
) -> Option<Refined> {
    let failed: Vec<&Contradiction> = contradictions
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                ContradictionKind::VanishesAfterAdjustment
                    | ContradictionKind::ReversesAfterAdjustment
                    | ContradictionKind::FailedReplication
            )
        })
        .collect();
    if failed.is_empty() {
        return None;
    }
    let h = &validated.candidate;
    let primary = h
        .evidence
        .iter()
        .find(|e| e.role == EvidenceRole::Primary)?;
    let index = ledger.index_of(primary.step)?;
    let analysis = ledger.analyses().get(index)?;
    let row = analysis.rows.get(primary.row)?;
    let (variable, layer) = analysis.direction.question.adjusted_grouping()?;
    let strata = stratum_rows(ledger, &variable, layer, row);
    if strata.is_empty() {
        return None;
    }
    let trigger = failed
        .iter()
        .map(|c| c.kind.label())
        .collect::<Vec<_>>()
        .join("; ");
    let sign = row.effect.signum();
    let threshold = STRATUM_ALPHA / strata.len() as f64;
    let tried: Vec<String> = strata
        .iter()
        .map(|s| {
            format!(
                "{}={}: difference {} [{}, {}], p={}, n={}",
                s.by,
                s.level,
                fmt_effect(s.row.effect),
                fmt_effect(s.row.ci_low),
                fmt_effect(s.row.ci_high),
                fmt_p(s.row.p),
                s.row.n
            )
        })
        .collect();
    let mut bys: Vec<&str> = Vec::new();
    for s in &strata {
        if !bys.contains(&s.by) {
            bys.push(s.by);
        }
    }
    let what = format!(
        "re-tested within each stratum of {} on the discovery samples ({}; a stratum holds at \
         p<{} with the same sign)",
        bys.join(", "),
        tried.join("; "),
        fmt_p(threshold)
    );
    let findings: Vec<String> = strata.iter().map(|s| s.finding.clone()).collect();
    let holding: Vec<&StratumRow<'_>> = strata
        .iter()
        .filter(|s| s.row.p < threshold && s.row.effect.signum() == sign)
        .collect();
    if holding.is_empty() {
        return Some(Refined {
            refinement: Refinement {
                outcome: RefinementOutcome::NotHeld,
                trigger,
                detail: format!("refinement tried: {what}; did not hold in any stratum"),
                findings,
                replication: None,
            },
            statement: None,
            evidence: None,
        });
    }
    // A stratum is a place the effect lives only if the strata of its confounder differ.
    let heterogeneity: Vec<(&str, Option<Homogeneity>)> = bys
        .iter()
        .map(|by| (*by, homogeneity(&strata, by)))
        .collect();
    let tested = |by: &str| {
        heterogeneity
            .iter()
            .find(|(b, _)| *b == by)
            .and_then(|(_, h)| *h)
    };
    let best = holding
        .iter()
        .copied()
        .filter(|s| tested(s.by).is_some_and(|h| h.p < HETEROGENEITY_ALPHA))
        .min_by(|a, b| a.row.p.total_cmp(&b.row.p));
    let Some(best) = best else {
        // The comparisons of the confounders the effect holds in a stratum of.
        let tests: Vec<String> = heterogeneity
            .iter()
            .filter(|(by, _)| holding.iter().any(|s| s.by == *by))
            .filter_map(|(by, h)| h.map(|h| format!("{by}: {}", fmt_homogeneity(&h))))
            .collect();
        let within = holding
            .iter()
            .map(|s| stratum_phrase(s.by, s.level))
            .collect::<Vec<_>>()
            .join(", ");
        // Strata that could not be compared (the other strata of the confounder were too
        // small to test) say nothing either way: that is not "the same in every stratum".
        let (outcome, detail) = if tests.is_empty() {
            (
                RefinementOutcome::Undecided,
                format!(
                    "refinement tried: {what}; it holds within {within}, but no other stratum of \
                     its confounder could be tested, so whether the effect is confined there is \
                     unknown and the demotion stands"
                ),
            )
        } else {
            (
                RefinementOutcome::Uniform,
                format!(
                    "refinement tried: {what}; it holds within {within}, but the strata do not \
                     differ ({}), so no stratum is where the effect lives and the demotion stands",
                    tests.join("; ")
                ),
            )
        };
        return Some(Refined {
            refinement: Refinement {
                outcome,
                trigger,
                detail,
                findings,
                replication: None,
            },
            statement: None,
            evidence: None,
        });
    };
    let differ = tested(best.by)
        .map(|h| {
            format!(
                "; the strata of {} differ ({})",
                best.by,
                fmt_homogeneity(&h)
            )
        })
        .unwrap_or_default();
    let replication = held_out_retest(best, sign, held_out);
    let numbers = format!(
        "difference {} [{}, {}], p={}, n={}",
        fmt_effect(best.row.effect),
        fmt_effect(best.row.ci_low),
        fmt_effect(best.row.ci_high),
        fmt_p(best.row.p),
        best.row.n
    );
    let held = match (replication.effect, replication.p, replication.n) {
        (Some(effect), Some(p), Some(n)) => format!(
            "difference {}, p={}, n={} ({})",
            fmt_effect(effect),
            fmt_p(p),
            n,
            match replication.status {
                graph::ReplicationStatus::Replicated => "confirmed",
                _ => "not confirmed",
            }
        ),
        _ => replication.detail.clone(),
    };
    let stratum = stratum_phrase(best.by, best.level);
    let statement = format!(
        "Within {stratum}: {statement}; within {stratum} alone on the discovery samples: \
         {numbers}; on held-out samples of {stratum}: {held}",
        statement = h.statement.trim_end_matches('.'),
    );
    Some(Refined {
        refinement: Refinement {
            outcome: RefinementOutcome::Narrowed {
                variable: best.by.to_owned(),
                stratum: best.level.to_owned(),
            },
            trigger,
            detail: format!(
                "refinement tried: {what}; holds within {stratum}: {numbers}{also}{differ}",
                also = also_holds(&holding, best),
            ),
            findings,
            replication: Some(replication),
        },
        statement: Some(statement),
        evidence: evidence(ledger, best.index, best.row_index, EvidenceRole::Adjusted),
    })
}

/// The other strata where the effect holds too: narrowing names the strongest, and the reader
/// must know it is not the only one.
fn also_holds(holding: &[&StratumRow<'_>], best: &StratumRow<'_>) -> String {
    let others: Vec<String> = holding
        .iter()
        .filter(|s| !std::ptr::eq(**s, best))
        .map(|s| format!("{}={}", s.by, s.level))
        .collect();
    if others.is_empty() {
        String::new()
    } else {
        format!(" (it also holds within {})", others.join(", "))
    }
}

/// The stratified re-tests of `primary` (same grouping, layer, feature and contrast) in the
/// ledger, in ledger order.
fn stratum_rows<'l>(
    ledger: &'l Ledger,
    variable: &str,
    layer: &str,
    primary: &TestRow,
) -> Vec<StratumRow<'l>> {
    let mut out = Vec::new();
    for (index, a) in ledger.analyses().iter().enumerate() {
        let Question::Stratified(q) = &a.direction.question else {
            continue;
        };
        if q.variable != variable || q.layer != layer {
            continue;
        }
        for (r, row) in a.rows.iter().enumerate() {
            if row.feature != primary.feature || row.p.is_nan() {
                continue;
            }
            if let Some((by, level)) = stratum_of(&row.contrast, &primary.contrast) {
                out.push(StratumRow {
                    index,
                    row_index: r,
                    finding: crate::hypothesis::finding_id(a.step, r),
                    question: q,
                    by,
                    level,
                    row,
                });
            }
        }
    }
    out
}

/// The narrowed claim asked again on the held-out samples: the same stratified test, of this
/// feature within this one confounder's levels, looked up in the same stratum.
fn held_out_retest(
    stratum: &StratumRow<'_>,
    sign: f64,
    held_out: &mut Retester<'_, '_>,
) -> graph::Replication {
    let question = Stratified {
        features: vec![stratum.row.feature.clone()],
        by: vec![stratum.by.to_owned()],
        ..stratum.question.clone()
    };
    let key = ValidationKey {
        question: question.into(),
        feature: stratum.row.feature.clone(),
        contrast: stratum.row.contrast.clone(),
        effect_sign: sign,
    };
    let mut replication = held_out.key(&key);
    replication.cohort = format!(
        "{} ({} only)",
        replication.cohort,
        stratum_phrase(stratum.by, stratum.level)
    );
    replication
}

/// Cochran's Q over the strata of `by`, each stratum's standard error read off its OLS row
/// (effect / t).
fn homogeneity(strata: &[StratumRow<'_>], by: &str) -> Option<Homogeneity> {
    let (estimates, std_errors): (Vec<f64>, Vec<f64>) = strata
        .iter()
        .filter(|s| s.by == by)
        .map(|s| (s.row.effect, (s.row.effect / s.row.statistic).abs()))
        .unzip();
    cochran_q(&estimates, &std_errors)
}

fn fmt_homogeneity(h: &Homogeneity) -> String {
    format!("Cochran's Q={:.2} on {} df, p={}", h.q, h.df, fmt_p(h.p))
}
