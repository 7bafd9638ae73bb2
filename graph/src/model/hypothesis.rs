//! The hypothesis model: what a run concluded, with everything it rests on. The agent builds it,
//! hypotheses.json and the report show it, and the store keeps it whole, so there is one type
//! for a hypothesis and a field added here reaches every reader. The graph node wraps it with
//! its life cycle ([`crate::model::HypothesisRecord`]).

use crate::model::chain::MechanismChain;
use crate::model::vocab::{
    EvidenceRole, Mention, Relation, Replication, ReplicationStatus, ScoreBreakdown,
    StatementSource,
};
use serde::{Deserialize, Serialize};

/// One finding a hypothesis cites, in words with its numbers. Its `finding` id is the same in
/// findings.tsv and the graph, so a reader can follow the citation to the data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// `F<step>.<row>`: the finding's id in findings.tsv and the graph.
    pub finding: String,
    pub step: usize,
    pub row: usize,
    pub role: EvidenceRole,
    /// What this piece of evidence says, in words with its numbers.
    pub summary: String,
}

/// A validated, scored hypothesis. Fields added after hypotheses were first stored default when
/// read, because stores written before this type held only `id`, `rank`, `kind`, `score`,
/// `replication` and `chain` (the old `HypothesisScore`), with the statement in its own column.
/// The field order is the order hypotheses.json has always shown.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hypothesis {
    /// `H1`, `H2`, ...: the id in the run's hypotheses.json and report (empty until ranked).
    pub id: String,
    /// 1 = best; 0 until the run's hypotheses are ranked.
    pub rank: usize,
    /// The agent's name for the kind of question it answers (`mutation_impact`, `cis`, ...).
    /// Kept as text: the kinds are the agent's, and the graph only stores and shows them.
    pub kind: String,
    #[serde(default)]
    pub statement: String,
    /// Built from the findings, or prose from a language model whose numbers were checked.
    #[serde(default)]
    pub statement_source: StatementSource,
    /// The template statement, kept when an LLM rewrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_statement: Option<String>,
    #[serde(default)]
    pub entities: Vec<Mention>,
    #[serde(default)]
    pub relations: Vec<Relation>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    pub score: ScoreBreakdown,
    pub replication: Replication,
    /// Re-test on an external cohort (`--validate-with`), when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_replication: Option<Replication>,
    /// The mechanism chain, link by link: each link's finding (provenance) and its held-out
    /// re-test; absent for single-finding hypotheses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<MechanismChain>,
}

impl Hypothesis {
    pub fn replicated(&self) -> bool {
        self.replication.status == ReplicationStatus::Replicated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store written before the whole hypothesis was kept holds only its score JSON; it must
    /// still read, with the new fields empty.
    #[test]
    fn a_stored_score_reads_as_a_hypothesis() {
        let old = r#"{"id":"H2","rank":2,"kind":"cis","score":{"significance":1,"effect":1,
            "consistency":1,"reliability":1,"novelty":0.5,"clinical_relevance":0.5,
            "replication":1,"total":0.8,"novelty_reason":""},
            "replication":{"status":"replicated","cohort":"held-out samples","effect":0.4,
            "p":0.01,"n":40,"detail":""}}"#;
        let h: Hypothesis = serde_json::from_str(old).unwrap();
        assert_eq!((h.id.as_str(), h.rank, h.kind.as_str()), ("H2", 2, "cis"));
        assert!(h.replicated());
        assert_eq!(h.statement_source, StatementSource::Template);
        assert!(h.statement.is_empty() && h.evidence.is_empty() && h.chain.is_none());
        let again: Hypothesis = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
        assert_eq!(again, h);
    }
}
