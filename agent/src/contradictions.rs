//! Findings that disagree with a hypothesis: the same gene moving the other way in another layer
//! for the same contrast, an effect that vanishes or reverses once confounders are adjusted for,
//! a re-test on held-out samples that did not confirm it. Each is kept with its numbers, so a
//! hypothesis is demoted with its reason rather than dropped, and the report lists them.

use crate::hypothesis::{Validated, finding_id, fmt_effect, fmt_p};
use crate::ledger::{Ledger, Q_STRONG, TestRow};
use crate::validate::ReplicationStatus;
use graph::{Contradiction, ContradictionKind, EvidenceRole};

/// A hypothesis ranked below the run's cut (`max_hypotheses`) that some finding disagrees with.
/// It is not presented, but its contradictions are: a reviewer checking what the run's findings
/// disagree with must not lose them to the cut.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BeyondTheCut {
    pub statement: String,
    /// Its rank among all scored hypotheses (one more than the cut or later).
    pub rank: usize,
    pub total: f64,
    pub contradictions: Vec<Contradiction>,
    /// What refining it tried (`refine.rs`), when it failed adjustment or replication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refinement: Option<graph::Refinement>,
}

/// Nominal threshold for a follow-up to count as a detected change.
const FOLLOW_UP_P: f64 = 0.05;

/// Everything that disagrees with `validated`, in the order: adjustment, other layers,
/// replication.
pub fn contradictions(validated: &Validated, ledger: &Ledger) -> Vec<Contradiction> {
    let h = &validated.candidate;
    let row_of = |step: usize, row: usize| -> Option<(usize, &TestRow)> {
        let i = ledger.index_of(step)?;
        Some((i, ledger.analyses().get(i)?.rows.get(row)?))
    };
    let Some((primary_index, primary)) = h
        .evidence
        .iter()
        .find(|e| e.role == EvidenceRole::Primary)
        .and_then(|e| row_of(e.step, e.row))
    else {
        return Vec::new();
    };
    let sign = primary.effect.signum();
    let mut out = Vec::new();
    let mut cited = vec![(primary_index, primary)];
    for e in &h.evidence {
        let Some((i, row)) = row_of(e.step, e.row) else {
            continue;
        };
        match e.role {
            EvidenceRole::Adjusted => {
                cited.push((i, row));
                if let Some(c) = adjustment(row, sign, &e.finding) {
                    out.push(c);
                }
            }
            EvidenceRole::Mechanism => {
                cited.push((i, row));
                if row.p < FOLLOW_UP_P && row.effect.signum() == -sign {
                    out.push(opposite_layer(primary, row, fmt_p(row.p), &e.finding));
                }
            }
            _ => {}
        }
    }
    out.extend(other_layers(ledger, primary, &cited));
    if validated.replication.status == ReplicationStatus::NotReplicated {
        out.push(Contradiction {
            kind: ContradictionKind::FailedReplication,
            detail: format!(
                "not confirmed on {}: {}",
                validated.replication.cohort, validated.replication.detail
            ),
            findings: Vec::new(),
        });
    }
    out
}

/// An adjusted re-test that no longer detects the effect, or finds it reversed.
fn adjustment(row: &TestRow, sign: f64, finding: &str) -> Option<Contradiction> {
    let covariates = row
        .contrast
        .rsplit_once(" adjusted for ")
        .map_or("covariates", |(_, c)| c);
    let numbers = format!(
        "difference {} [{}, {}], p={}",
        fmt_effect(row.effect),
        fmt_effect(row.ci_low),
        fmt_effect(row.ci_high),
        fmt_p(row.p)
    );
    let (kind, detail) = if row.p < FOLLOW_UP_P && row.effect.signum() == -sign {
        (
            ContradictionKind::ReversesAfterAdjustment,
            format!(
                "{} {}: the effect reverses after adjustment for {covariates} ({numbers})",
                row.layer, row.feature
            ),
        )
    } else if row.p >= FOLLOW_UP_P {
        (
            ContradictionKind::VanishesAfterAdjustment,
            format!(
                "{} {}: no longer detected after adjustment for {covariates} ({numbers}); the \
                 interval does not rule out a smaller effect, but the finding may be explained by \
                 {covariates}",
                row.layer, row.feature
            ),
        )
    } else {
        return None;
    };
    Some(Contradiction {
        kind,
        detail,
        findings: vec![finding.to_owned()],
    })
}

fn opposite_layer(primary: &TestRow, other: &TestRow, p: String, finding: &str) -> Contradiction {
    Contradiction {
        kind: ContradictionKind::OppositeLayers,
        detail: format!(
            "{} {} (difference {}) moves the other way in {} {} (difference {} [{}, {}], \
             p={p}) for {}",
            primary.layer,
            primary.feature,
            fmt_effect(primary.effect),
            other.layer,
            other.feature,
            fmt_effect(other.effect),
            fmt_effect(other.ci_low),
            fmt_effect(other.ci_high),
            other.contrast
        ),
        findings: vec![finding.to_owned()],
    }
}

/// Strong findings of the same gene, variable and contrast in another layer with the opposite
/// sign (rows already cited as evidence are judged there).
fn other_layers(
    ledger: &Ledger,
    primary: &TestRow,
    cited: &[(usize, &TestRow)],
) -> Vec<Contradiction> {
    if primary.gene.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, a) in ledger.analyses().iter().enumerate() {
        if a.direction.question.kind().is_follow_up()
            || a.rows
                .first()
                .is_none_or(|r| r.variable != primary.variable)
        {
            continue;
        }
        for (r, row) in a.rows.iter().enumerate() {
            if row.gene == primary.gene
                && row.layer != primary.layer
                && row.contrast == primary.contrast
                && row.test == primary.test
                && row.effect.signum() == -primary.effect.signum()
                && ledger.q(i, r) <= Q_STRONG
                && !cited.iter().any(|(_, c)| std::ptr::eq(*c, row))
            {
                out.push(opposite_layer(
                    primary,
                    row,
                    format!("{}, q={}", fmt_p(row.p), fmt_p(ledger.q(i, r))),
                    &finding_id(a.step, r),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use graph::TestKind;

    fn row(effect: f64, ci: (f64, f64), p: f64) -> TestRow {
        TestRow {
            layer: "proteome".into(),
            feature: "MLH1".into(),
            gene: "MLH1".into(),
            variable: "MSI_status".into(),
            contrast: "MSI-H vs MSS adjusted for purity, mutation burden".into(),
            test: TestKind::OlsT,
            effect,
            ci_low: ci.0,
            ci_high: ci.1,
            std_effect: effect,
            statistic: 0.0,
            p,
            n: 60,
            warning: None,
        }
    }

    #[test]
    fn adjustment_that_keeps_the_effect_is_no_contradiction() {
        assert!(adjustment(&row(-1.0, (-1.4, -0.6), 1e-5), -1.0, "F2.0").is_none());
    }

    #[test]
    fn vanishing_effects_state_the_interval_not_absence() {
        let c = adjustment(&row(-0.2, (-0.6, 0.2), 0.31), -1.0, "F2.0").unwrap();
        assert_eq!(c.kind, ContradictionKind::VanishesAfterAdjustment);
        assert!(c.detail.contains("no longer detected"), "{}", c.detail);
        assert!(c.detail.contains("[-0.60, 0.20]"), "{}", c.detail);
        assert!(c.detail.contains("purity, mutation burden"), "{}", c.detail);
        assert_eq!(c.findings, vec!["F2.0".to_owned()]);
    }

    #[test]
    fn significant_opposite_sign_after_adjustment_is_a_reversal() {
        let c = adjustment(&row(0.5, (0.2, 0.8), 0.002), -1.0, "F2.1").unwrap();
        assert_eq!(c.kind, ContradictionKind::ReversesAfterAdjustment);
        assert!(c.detail.contains("reverses"), "{}", c.detail);
    }
}
