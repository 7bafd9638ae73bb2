//! Shortest path between two entities through relations the data supports (evidence in scope)
//! and naming links (a site to its gene). Gene-set memberships are not walked: almost any two
//! genes share some large GO set, which would make every path two steps long and meaningless.

use crate::ids::{EdgeId, EntityId};
use crate::model::{KnowledgeSource, Node, RelationKind};
use crate::query::Scope;
use crate::research_graph::ResearchGraph;
use petgraph::Direction::{Incoming, Outgoing};
use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};

/// One hop of a path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathStep {
    pub from: EntityId,
    pub to: EntityId,
    pub edge: EdgeId,
    pub relation: RelationKind,
    /// False when the hop walks the relation against its stated direction.
    pub forward: bool,
    /// Findings in scope behind the relation (0 for naming links).
    pub evidence: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntityPath {
    pub entities: Vec<EntityId>,
    pub steps: Vec<PathStep>,
}

impl ResearchGraph {
    /// A fewest-hops path from `from` to `to`, or `None` if the supported relations do not
    /// connect them. Relations are walked in both directions.
    pub fn path_between(&self, from: EntityId, to: EntityId, scope: &Scope) -> Option<EntityPath> {
        let g = &self.mem.g;
        let start = self.mem.index(from.node())?;
        let goal = self.mem.index(to.node())?;
        let mut came_from: HashMap<NodeIndex, (NodeIndex, EdgeIndex, bool)> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        let mut seen = std::collections::HashSet::from([start]);
        while let Some(ix) = queue.pop_front() {
            if ix == goal {
                break;
            }
            let hops = g
                .edges_directed(ix, Outgoing)
                .map(|e| (e, e.target(), true))
                .chain(
                    g.edges_directed(ix, Incoming)
                        .map(|e| (e, e.source(), false)),
                );
            for (edge, next, forward) in hops {
                let weight = edge.weight();
                if weight.kind.relation().is_none()
                    || !matches!(g.node_weight(next).map(|s| &s.node), Some(Node::Entity(_)))
                {
                    continue;
                }
                let walkable = weight.prior == Some(KnowledgeSource::Nomenclature)
                    || weight
                        .evidence
                        .iter()
                        .any(|f| self.finding_in_scope(*f, scope));
                if walkable && seen.insert(next) {
                    came_from.insert(next, (ix, edge.id(), forward));
                    queue.push_back(next);
                }
            }
        }
        if start != goal && !came_from.contains_key(&goal) {
            return None;
        }

        let mut steps = Vec::new();
        let mut at = goal;
        while at != start {
            let (prev, edge_ix, forward) = *came_from.get(&at)?;
            let weight = g.edge_weight(edge_ix)?;
            steps.push(PathStep {
                from: EntityId::from_node(g.node_weight(prev)?.id),
                to: EntityId::from_node(g.node_weight(at)?.id),
                edge: weight.id?,
                relation: weight.kind.relation()?,
                forward,
                evidence: weight
                    .evidence
                    .iter()
                    .filter(|f| self.finding_in_scope(**f, scope))
                    .count(),
            });
            at = prev;
        }
        steps.reverse();
        let mut entities = vec![from];
        entities.extend(steps.iter().map(|s| s.to));
        Some(EntityPath { entities, steps })
    }
}
