//! Read-only questions asked of the graph, each in its own module. They all take a [`Scope`]:
//! several runs and studies share one store, and an answer should only count the evidence the
//! caller is looking at.

pub mod diff;
pub mod evidence;
pub mod findings;
pub mod neighbourhood;
pub mod novelty;
pub mod path;
pub mod subgraph;

use crate::ids::{AnalysisId, EdgeId, EntityId, FindingId, RunId};
use crate::model::{Finding, Node, RelationKind};
use crate::research_graph::ResearchGraph;
use serde::{Deserialize, Serialize};

/// Which runs and studies a query sees. `None` means all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scope {
    pub run: Option<RunId>,
    pub study: Option<EntityId>,
}

impl Scope {
    /// Everything in the store.
    pub fn all() -> Self {
        Self::default()
    }

    pub fn run(run: RunId) -> Self {
        Self {
            run: Some(run),
            study: None,
        }
    }

    pub fn study(study: EntityId) -> Self {
        Self {
            run: None,
            study: Some(study),
        }
    }

    pub fn with_study(self, study: EntityId) -> Self {
        Self {
            study: Some(study),
            ..self
        }
    }
}

/// An entity relation as a finding states it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClaimView {
    pub edge: EdgeId,
    pub subject: EntityId,
    pub subject_key: String,
    pub relation: RelationKind,
    pub object: EntityId,
    pub object_key: String,
}

/// A finding with the context needed to read it on its own.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingView {
    pub id: FindingId,
    pub run: RunId,
    pub study: String,
    pub module: String,
    #[serde(flatten)]
    pub finding: Finding,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_view: Option<ClaimView>,
}

impl ResearchGraph {
    /// Whether an analysis belongs to the scope.
    pub fn analysis_in_scope(&self, analysis: AnalysisId, scope: &Scope) -> bool {
        self.analysis(analysis).is_some_and(|a| {
            scope.run.is_none_or(|r| r == a.run) && scope.study.is_none_or(|s| s == a.study)
        })
    }

    /// Whether a finding belongs to the scope (through its analysis).
    pub fn finding_in_scope(&self, finding: FindingId, scope: &Scope) -> bool {
        self.finding(finding)
            .is_some_and(|f| self.analysis_in_scope(f.analysis, scope))
    }

    /// The relation an edge id stands for, with entity keys.
    pub fn claim_view(&self, edge: EdgeId) -> Option<ClaimView> {
        let view = self.edge(edge)?;
        let relation = view.edge.kind.relation()?;
        let key = |id| match self.node(id) {
            Some(Node::Entity(e)) => Some(e.key.clone()),
            _ => None,
        };
        Some(ClaimView {
            edge,
            subject: EntityId::from_node(view.source),
            subject_key: key(view.source)?,
            relation,
            object: EntityId::from_node(view.target),
            object_key: key(view.target)?,
        })
    }

    /// A finding with its run, study, module and claim.
    pub fn finding_view(&self, id: FindingId) -> Option<FindingView> {
        let finding = self.finding(id)?;
        let analysis = self.analysis(finding.analysis)?;
        Some(FindingView {
            id,
            run: analysis.run,
            study: self
                .entity(analysis.study)
                .map(|e| e.key.clone())
                .unwrap_or_default(),
            module: analysis.module.clone(),
            finding: finding.clone(),
            claim_view: finding.claim.and_then(|e| self.claim_view(e)),
        })
    }
}
