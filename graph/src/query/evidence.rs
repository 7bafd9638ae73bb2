//! The evidence chain of a hypothesis: hypothesis -> findings (for and against) -> the analyses
//! that produced them -> the input files and their content hashes. This is what makes a claim
//! auditable and reproducible.

use crate::error::{GraphError, Result};
use crate::ids::{AnalysisId, DirectionId, FindingId, HypothesisId, RunId};
use crate::model::{EdgeKind, HypothesisStatus, InputFile, Node, ProcessKind, Stance};
use crate::query::FindingView;
use crate::research_graph::ResearchGraph;
use crate::time::Timestamp;
use petgraph::Direction::{Incoming, Outgoing};
use petgraph::visit::EdgeRef;
use serde::Serialize;

/// Provenance of one analysis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnalysisProvenance {
    pub id: AnalysisId,
    pub run: RunId,
    pub study: String,
    pub module: String,
    pub params: serde_json::Value,
    pub input_layers: Vec<String>,
    pub n_samples: usize,
    pub inputs: Vec<InputFile>,
    pub input_hash: String,
    pub software_version: String,
    pub created_at: Timestamp,
    pub direction: Option<DirectionId>,
    pub question: Option<String>,
}

/// One finding behind a hypothesis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvidenceLink {
    pub stance: Stance,
    pub finding: FindingView,
    pub analysis: AnalysisProvenance,
    /// Findings recorded as reproducing this one.
    pub replicated_by: Vec<FindingId>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvidenceChain {
    pub hypothesis: HypothesisId,
    pub statement: String,
    pub status: HypothesisStatus,
    /// Supporting findings first, then contradicting, each in id order.
    pub links: Vec<EvidenceLink>,
}

impl ResearchGraph {
    /// Everything a hypothesis rests on, down to input file hashes.
    pub fn evidence_chain(&self, id: HypothesisId) -> Result<EvidenceChain> {
        let hypothesis = self
            .hypothesis(id)
            .ok_or(GraphError::UnknownNode(id.node()))?;
        let ix = self
            .mem
            .index(id.node())
            .ok_or(GraphError::UnknownNode(id.node()))?;
        let g = &self.mem.g;
        let mut links = Vec::new();
        for edge in g.edges_directed(ix, Incoming) {
            let stance = match edge.weight().kind {
                EdgeKind::Process(ProcessKind::Supports) => Stance::Supports,
                EdgeKind::Process(ProcessKind::Contradicts) => Stance::Contradicts,
                _ => continue,
            };
            let Some(slot) = g.node_weight(edge.source()) else {
                continue;
            };
            let finding_id = FindingId::from_node(slot.id);
            let (Some(view), Some(provenance)) = (
                self.finding_view(finding_id),
                self.finding(finding_id)
                    .and_then(|f| self.provenance(f.analysis)),
            ) else {
                continue;
            };
            let mut replicated_by: Vec<FindingId> = g
                .edges_directed(edge.source(), Outgoing)
                .filter(|e| e.weight().kind == EdgeKind::Process(ProcessKind::ReplicatedBy))
                .filter_map(|e| g.node_weight(e.target()))
                .map(|s| FindingId::from_node(s.id))
                .collect();
            replicated_by.sort();
            links.push(EvidenceLink {
                stance,
                finding: view,
                analysis: provenance,
                replicated_by,
            });
        }
        links.sort_by_key(|l| (l.stance, l.finding.id));
        Ok(EvidenceChain {
            hypothesis: id,
            statement: hypothesis.hypothesis.statement.clone(),
            status: hypothesis.status,
            links,
        })
    }

    /// Provenance of one analysis.
    pub fn provenance(&self, id: AnalysisId) -> Option<AnalysisProvenance> {
        let a = self.analysis(id)?;
        let question = a.direction.and_then(|d| match self.node(d.node()) {
            Some(Node::Direction(dir)) => Some(dir.question.clone()),
            _ => None,
        });
        Some(AnalysisProvenance {
            id,
            run: a.run,
            study: self
                .entity(a.study)
                .map(|e| e.key.clone())
                .unwrap_or_default(),
            module: a.module.clone(),
            params: a.params.clone(),
            input_layers: a.input_layers.clone(),
            n_samples: a.sample_set.len(),
            inputs: a.inputs.clone(),
            input_hash: a.input_hash.clone(),
            software_version: a.software_version.clone(),
            created_at: a.created_at,
            direction: a.direction,
            question,
        })
    }
}
