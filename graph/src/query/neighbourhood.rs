//! The neighbourhood of an entity: every relation it takes part in, with the findings behind
//! each, plus the directions and hypotheses that are about it. This is the "entity page".

use crate::error::{GraphError, Result};
use crate::ids::{DirectionId, EdgeId, EntityId, HypothesisId};
use crate::model::{Entity, EntityKind, KnowledgeSource, Node, ProcessKind, RelationKind};
use crate::query::{FindingView, Scope};
use crate::research_graph::ResearchGraph;
use petgraph::Direction::{Incoming, Outgoing};
use petgraph::visit::EdgeRef;
use serde::Serialize;

/// One relation of the centre entity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Neighbour {
    pub edge: EdgeId,
    pub relation: RelationKind,
    /// True when the centre is the relation's subject.
    pub outgoing: bool,
    pub entity: EntityId,
    pub kind: EntityKind,
    pub key: String,
    pub label: String,
    pub prior: Option<KnowledgeSource>,
    pub weight: Option<f64>,
    /// Findings in scope supporting the relation.
    pub evidence: Vec<FindingView>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Neighbourhood {
    pub centre: EntityId,
    pub entity: Entity,
    /// Observed relations first (most evidence first), then prior ones, each by key.
    pub neighbours: Vec<Neighbour>,
    pub explored_by: Vec<DirectionId>,
    pub hypotheses: Vec<HypothesisId>,
}

impl ResearchGraph {
    /// Relations of `entity` visible in `scope`. Prior-only relations (gene-set memberships and
    /// naming links) are listed only with `include_prior`.
    pub fn neighbourhood(
        &self,
        entity: EntityId,
        scope: &Scope,
        include_prior: bool,
    ) -> Result<Neighbourhood> {
        let centre = self
            .entity(entity)
            .ok_or(GraphError::UnknownNode(entity.node()))?;
        let ix = self
            .mem
            .index(entity.node())
            .ok_or(GraphError::UnknownNode(entity.node()))?;
        let g = &self.mem.g;
        let mut neighbours = Vec::new();
        let mut explored_by = Vec::new();
        let mut hypotheses = Vec::new();
        for (dir, edge) in g
            .edges_directed(ix, Outgoing)
            .map(|e| (Outgoing, e))
            .chain(g.edges_directed(ix, Incoming).map(|e| (Incoming, e)))
        {
            let other_ix = if dir == Outgoing {
                edge.target()
            } else {
                edge.source()
            };
            let Some(other) = g.node_weight(other_ix) else {
                continue;
            };
            let weight = edge.weight();
            match (&other.node, weight.kind.relation()) {
                (Node::Entity(e), Some(relation)) => {
                    let Some(edge_id) = weight.id else { continue };
                    let evidence: Vec<FindingView> = weight
                        .evidence
                        .iter()
                        .filter(|f| self.finding_in_scope(**f, scope))
                        .filter_map(|f| self.finding_view(*f))
                        .collect();
                    if evidence.is_empty() && !(include_prior && weight.prior.is_some()) {
                        continue;
                    }
                    neighbours.push(Neighbour {
                        edge: edge_id,
                        relation,
                        outgoing: dir == Outgoing,
                        entity: EntityId::from_node(other.id),
                        kind: e.kind,
                        key: e.key.clone(),
                        label: e.label.clone(),
                        prior: weight.prior,
                        weight: weight.weight,
                        evidence,
                    });
                }
                (Node::Direction(d), _)
                    if weight.kind == crate::model::EdgeKind::Process(ProcessKind::Explores)
                        && scope.run.is_none_or(|r| r == d.run) =>
                {
                    explored_by.push(DirectionId::from_node(other.id));
                }
                (Node::Hypothesis(h), _)
                    if weight.kind == crate::model::EdgeKind::Process(ProcessKind::Concerns)
                        && scope.run.is_none_or(|r| r == h.run) =>
                {
                    hypotheses.push(HypothesisId::from_node(other.id));
                }
                _ => {}
            }
        }
        neighbours.sort_by(|a, b| {
            b.evidence
                .len()
                .cmp(&a.evidence.len())
                .then_with(|| a.key.cmp(&b.key))
                .then_with(|| a.relation.cmp(&b.relation))
        });
        explored_by.sort();
        hypotheses.sort();
        Ok(Neighbourhood {
            centre: entity,
            entity: centre.clone(),
            neighbours,
            explored_by,
            hypotheses,
        })
    }
}
