//! Mechanism chains: hypotheses that link findings across entities and layers, each link backed
//! by a finding on the discovery samples and re-tested on the held-out half.
//!
//! A chain passes through the staged hypothesis types like everything else: a [`ChainDraft`]
//! rides on a `Candidate` (its links, each with the finding behind it and how to re-test it),
//! validation turns it into a [`graph::MechanismChain`] whose every link carries its held-out
//! re-test, and the scored `Hypothesis`, hypotheses.json, the graph (with the hypothesis's
//! score) and the report all carry that chain.
//!
//! Chains built here (`build.rs`), from the run's findings and the shipped knowledge:
//! - a group difference in a protein -> the same gene's RNA changed the same way (a
//!   transcriptional route) or shown unchanged by an equivalence test (beyond transcription);
//! - -> a complex partner's protein changing the same way (`Knowledgebase::complex_partners`),
//!   with the partner's RNA shown unchanged (the partner is destabilised, not repressed);
//! - a group difference in a feature -> that feature's association with survival;
//! - copy number -> RNA -> protein of one gene (the cis cascades of `kinds/cis.rs`).
//!
//! Each chain states the direction predicted at each link and one discriminating analysis or
//! experiment that would refute it. `diagram.rs` draws a chain as boxes and arrows (SVG).

mod build;
pub mod check;
pub mod diagram;

pub use build::attach;

use crate::hypothesis::{ValidationKey, fmt_effect, fmt_p};
use crate::validate::Retester;
use check::{GroupCheck, Verdict};
use graph::ReplicationStatus;
use graph::{ChainLink, LinkDirection, LinkFinding, MechanismChain, Mention, Replication};

/// How a link is re-tested on held-out samples.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkCheck {
    /// Ask the finding's question again and look up its feature and contrast.
    Retest(ValidationKey),
    /// Run the link's pre-specified check again.
    Groups(GroupCheck),
}

/// One link before validation.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkDraft {
    pub from: Mention,
    pub to: Mention,
    pub predicted: LinkDirection,
    pub rationale: String,
    pub discovery: LinkFinding,
    pub check: LinkCheck,
}

/// A chain as a candidate carries it: links with their discovery findings, not yet re-tested.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainDraft {
    pub links: Vec<LinkDraft>,
    pub refutation: String,
}

impl ChainDraft {
    /// "mutation:MLH1 -> proteome:MLH1 (down) -> ...": the prediction link by link.
    pub fn prediction(&self) -> String {
        let parts: Vec<String> = self
            .links
            .iter()
            .map(|l| format!("{} -> {} {}", l.from, l.to, l.predicted.word()))
            .collect();
        format!("Predicted: {}.", parts.join("; "))
    }

    /// The layers and entities the chain spans (distinct `from`/`to` ends).
    pub fn span(&self) -> usize {
        let mut seen: Vec<&Mention> = Vec::new();
        for l in &self.links {
            for m in [&l.from, &l.to] {
                if !seen.contains(&m) {
                    seen.push(m);
                }
            }
        }
        seen.len()
    }

    /// Re-tests every link on the retester's samples: the chain as the validated stage has it.
    pub fn validate(&self, retester: &mut Retester<'_, '_>) -> MechanismChain {
        let links = self
            .links
            .iter()
            .map(|l| ChainLink {
                from: l.from.clone(),
                to: l.to.clone(),
                predicted: l.predicted,
                rationale: l.rationale.clone(),
                discovery: l.discovery.clone(),
                validation: match &l.check {
                    LinkCheck::Retest(key) => retester.key(key),
                    LinkCheck::Groups(check) => group_replication(check, l.predicted, retester),
                },
            })
            .collect();
        MechanismChain {
            links,
            prediction: self.prediction(),
            refutation: self.refutation.clone(),
        }
    }
}

/// A link's finding from a row of the run's findings (with its run-wide q).
pub fn ledger_finding(
    ledger: &crate::ledger::Ledger,
    index: usize,
    row: usize,
) -> Option<LinkFinding> {
    let a = ledger.analyses().get(index)?;
    let r = a.rows.get(row)?;
    let q = ledger.q(index, row);
    let cox = r.test.is_cox();
    let scale = |x: f64| if cox { x.exp() } else { x };
    Some(LinkFinding {
        finding: Some(crate::hypothesis::finding_id(a.step, row)),
        test: r.test.as_str().to_owned(),
        effect: scale(r.effect),
        ci_low: scale(r.ci_low),
        ci_high: scale(r.ci_high),
        p: r.p,
        q: q.is_finite().then_some(q),
        n: r.n,
        summary: crate::hypothesis::row_summary(r, q),
    })
}

/// The held-out re-test of a group check: the predicted direction, or "unchanged" shown again
/// by the equivalence test. An inconclusive equivalence test is reported as not tested (it
/// neither confirms nor refutes), never as a replication.
fn group_replication(
    check: &GroupCheck,
    predicted: LinkDirection,
    retester: &Retester<'_, '_>,
) -> Replication {
    let cohort = retester.cohort().to_owned();
    let Some(outcome) = check.run(retester.context()) else {
        return Replication {
            status: ReplicationStatus::NotTested,
            cohort: cohort.clone(),
            detail: format!("{cohort}: {} {} not testable", check.layer, check.gene),
            ..Replication::default()
        };
    };
    let verdict = outcome.verdict();
    let status = match (predicted, verdict) {
        (LinkDirection::Unchanged, Verdict::Unchanged) => ReplicationStatus::Replicated,
        (LinkDirection::Unchanged, Verdict::Changed(_)) => ReplicationStatus::NotReplicated,
        (LinkDirection::Unchanged, Verdict::Inconclusive) => ReplicationStatus::NotTested,
        (LinkDirection::Up, Verdict::Changed(s)) if s > 0.0 => ReplicationStatus::Replicated,
        (LinkDirection::Down, Verdict::Changed(s)) if s < 0.0 => ReplicationStatus::Replicated,
        _ => ReplicationStatus::NotReplicated,
    };
    let finding = outcome.finding(&check.layer, &check.contrast);
    let what = match verdict {
        Verdict::Unchanged => "unchanged".to_owned(),
        Verdict::Changed(s) => format!("changed ({})", if s > 0.0 { "up" } else { "down" }),
        Verdict::Inconclusive => format!(
            "inconclusive (difference {}, p={}; TOST p={})",
            fmt_effect(outcome.comparison.mean_difference.value),
            fmt_p(outcome.comparison.welch.p_value),
            fmt_p(outcome.equivalence.p)
        ),
    };
    Replication {
        status,
        cohort: cohort.clone(),
        effect: Some(finding.effect),
        p: Some(finding.p),
        n: Some(finding.n),
        detail: format!("{cohort}: {what}: {}", finding.summary),
    }
}
