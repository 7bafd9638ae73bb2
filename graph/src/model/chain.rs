//! A mechanism chain: a hypothesis that links findings across entities and layers (copy number
//! -> RNA -> protein, a mutation -> its protein -> a complex partner's protein without an RNA
//! change, a group -> a feature -> survival). Each link names its two ends, the direction the
//! chain predicts for it, the finding on the discovery samples that backs it (its provenance)
//! and its re-test on the held-out samples. Stored with the hypothesis's score, so the graph,
//! hypotheses.json, the report and the dashboard read the same chain.

use crate::model::vocab::{Mention, Replication, ReplicationStatus};
use serde::{Deserialize, Serialize};

/// What a link predicts about its downstream end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkDirection {
    /// Moves with the upstream end (higher in the group, positive correlation, HR above 1).
    Up,
    /// Moves against it.
    Down,
    /// Stays within an equivalence margin (shown by TOST, never by a non-significant test).
    Unchanged,
}

impl LinkDirection {
    pub fn of(effect: f64) -> Self {
        if effect < 0.0 { Self::Down } else { Self::Up }
    }

    /// An arrow label for diagrams and prose.
    pub fn word(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
            Self::Unchanged => "unchanged",
        }
    }
}

/// The test backing a link, with the numbers a reader checks it by.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkFinding {
    /// `F<step>.<row>` when the finding is a row of the run's findings (and a graph finding);
    /// `None` for a pre-specified check run for the chain (an equivalence test).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
    /// The test's name (`Welch t`, `Spearman`, `Cox Wald`, `TOST`).
    pub test: String,
    /// Effect on the test's scale (difference, rho, hazard ratio).
    pub effect: f64,
    /// The quoted interval of the effect (95%; 90% for TOST, the interval it compares with the
    /// margins).
    pub ci_low: f64,
    pub ci_high: f64,
    pub p: f64,
    /// The run-wide q-value, for findings of the run's family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<f64>,
    pub n: usize,
    /// The finding in words with its numbers.
    pub summary: String,
}

/// One link of a chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainLink {
    pub from: Mention,
    pub to: Mention,
    pub predicted: LinkDirection,
    /// Why the link should hold (`MLH1 and PMS2 form MutL-alpha (GO:0032389)`), when the
    /// knowledge says.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rationale: String,
    /// The finding on the discovery samples.
    pub discovery: LinkFinding,
    /// The same test on the held-out samples.
    pub validation: Replication,
}

/// A chain of links, read from the first link's `from` to the last link's `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MechanismChain {
    pub links: Vec<ChainLink>,
    /// What the chain predicts, link by link, in one sentence.
    pub prediction: String,
    /// One discriminating experiment or analysis whose outcome would refute the chain.
    pub refutation: String,
}

impl MechanismChain {
    /// The distinct entities and layers the chain passes through, in order.
    pub fn nodes(&self) -> Vec<&Mention> {
        let mut out: Vec<&Mention> = Vec::new();
        for link in &self.links {
            for m in [&link.from, &link.to] {
                if !out.contains(&m) {
                    out.push(m);
                }
            }
        }
        out
    }

    /// The chain's replication: replicated when every link held on the held-out samples, not
    /// replicated when any link failed there, else not tested.
    pub fn replication(&self, cohort: &str) -> Replication {
        let failed: Vec<usize> = self
            .links
            .iter()
            .enumerate()
            .filter(|(_, l)| l.validation.status == ReplicationStatus::NotReplicated)
            .map(|(i, _)| i + 1)
            .collect();
        let all = self
            .links
            .iter()
            .all(|l| l.validation.status == ReplicationStatus::Replicated);
        let status = if !failed.is_empty() {
            ReplicationStatus::NotReplicated
        } else if all && !self.links.is_empty() {
            ReplicationStatus::Replicated
        } else {
            ReplicationStatus::NotTested
        };
        let held = self
            .links
            .iter()
            .filter(|l| l.validation.status == ReplicationStatus::Replicated)
            .count();
        let detail = if failed.is_empty() {
            format!("{cohort}: {held} of {} links held", self.links.len())
        } else {
            format!(
                "{cohort}: {held} of {} links held; link {} did not",
                self.links.len(),
                failed
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        Replication {
            status,
            cohort: cohort.to_owned(),
            effect: None,
            p: None,
            n: None,
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(from: &str, to: &str, status: ReplicationStatus) -> ChainLink {
        ChainLink {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            predicted: LinkDirection::Down,
            rationale: String::new(),
            discovery: LinkFinding {
                finding: Some("F1.0".into()),
                test: "Welch t".into(),
                effect: -1.0,
                ci_low: -1.5,
                ci_high: -0.5,
                p: 1e-4,
                q: Some(1e-3),
                n: 40,
                summary: String::new(),
            },
            validation: Replication {
                status,
                ..Replication::default()
            },
        }
    }

    #[test]
    fn a_chain_replicates_only_when_every_link_does() {
        use ReplicationStatus::*;
        let mut chain = MechanismChain {
            links: vec![
                link("mutation:MLH1", "proteome:MLH1", Replicated),
                link("proteome:MLH1", "proteome:PMS2", Replicated),
            ],
            prediction: String::new(),
            refutation: String::new(),
        };
        assert_eq!(chain.replication("held-out").status, Replicated);
        assert_eq!(chain.nodes().len(), 3);
        chain.links[1].validation.status = NotTested;
        assert_eq!(chain.replication("held-out").status, NotTested);
        chain.links[0].validation.status = NotReplicated;
        let r = chain.replication("held-out");
        assert_eq!(r.status, NotReplicated);
        assert!(r.detail.contains("link 1 did not"), "{}", r.detail);
        let json = serde_json::to_string(&chain).unwrap();
        assert_eq!(
            serde_json::from_str::<MechanismChain>(&json).unwrap(),
            chain
        );
    }
}
