//! Known versus new: whether prior knowledge already links two entities. Sites, mutations and
//! miRNAs are judged through their gene (a PTEN-S380 finding is about PTEN). Two genes are
//! "known" when a prior edge joins them (or the gene belongs to the set), "related" when they
//! share a gene set or PROGENy pathway (smallest sets listed first: sharing a 15-gene set says
//! more than sharing "apoptotic process"), and "new" otherwise.

use crate::error::{GraphError, Result};
use crate::ids::{EdgeId, EntityId, NodeId};
use crate::model::{EdgeKind, KnowledgeSource, Node, RelationKind};
use crate::query::Scope;
use crate::research_graph::ResearchGraph;
use petgraph::Direction::{Incoming, Outgoing};
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use serde::Serialize;
use std::collections::HashMap;

/// How many shared sets a [`Novelty::Related`] lists.
const SHARED_SETS_LISTED: usize = 10;

/// A gene set both entities belong to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SharedSet {
    pub set: EntityId,
    pub key: String,
    pub label: String,
    pub source: KnowledgeSource,
    pub size: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "novelty", rename_all = "snake_case")]
pub enum Novelty {
    /// Both refer to the same gene (a gene's mutation and its protein: a cis effect).
    SameGene,
    /// A prior edge joins them.
    Known { sources: Vec<KnowledgeSource> },
    /// No direct prior edge, but they share gene sets.
    Related {
        shared_count: usize,
        smallest: Vec<SharedSet>,
    },
    /// Prior knowledge in this store does not link them.
    New,
}

/// Novelty of one observed relation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RelationNovelty {
    pub edge: EdgeId,
    pub subject: String,
    pub relation: RelationKind,
    pub object: String,
    pub evidence: usize,
    pub best_q: Option<f64>,
    pub novelty: Novelty,
}

impl ResearchGraph {
    /// The gene an entity is judged by: itself, or the gene its naming link points to.
    fn anchor(&self, id: NodeId) -> NodeId {
        let Some(ix) = self.mem.index(id) else {
            return id;
        };
        self.mem
            .g
            .edges_directed(ix, Outgoing)
            .find(|e| {
                matches!(
                    e.weight().kind,
                    EdgeKind::Relation(
                        RelationKind::SiteOf | RelationKind::MutationOf | RelationKind::EncodedBy
                    )
                )
            })
            .and_then(|e| self.mem.g.node_weight(e.target()))
            .map_or(id, |s| s.id)
    }

    /// Prior gene-set memberships of a node: set -> source.
    fn memberships(&self, id: NodeId) -> HashMap<NodeId, KnowledgeSource> {
        let Some(ix) = self.mem.index(id) else {
            return HashMap::new();
        };
        self.mem
            .g
            .edges_directed(ix, Outgoing)
            .filter(|e| e.weight().kind == EdgeKind::Relation(RelationKind::MemberOf))
            .filter_map(|e| {
                let source = e.weight().prior?;
                Some((self.mem.g.node_weight(e.target())?.id, source))
            })
            .collect()
    }

    /// Whether prior knowledge links `a` and `b`.
    pub fn novelty(&self, a: EntityId, b: EntityId) -> Result<Novelty> {
        for id in [a, b] {
            self.entity(id).ok_or(GraphError::UnknownNode(id.node()))?;
        }
        let (a, b) = (self.anchor(a.node()), self.anchor(b.node()));
        if a == b {
            return Ok(Novelty::SameGene);
        }
        let (Some(ia), Some(ib)) = (self.mem.index(a), self.mem.index(b)) else {
            return Ok(Novelty::New);
        };
        let g = &self.mem.g;
        let mut sources: Vec<KnowledgeSource> = g
            .edges_directed(ia, Outgoing)
            .filter(|e| e.target() == ib)
            .chain(g.edges_directed(ia, Incoming).filter(|e| e.source() == ib))
            .filter_map(|e| e.weight().prior)
            .filter(|s| *s != KnowledgeSource::Nomenclature)
            .collect();
        sources.sort();
        sources.dedup();
        if !sources.is_empty() {
            return Ok(Novelty::Known { sources });
        }

        let of_a = self.memberships(a);
        let of_b = self.memberships(b);
        let mut shared: Vec<SharedSet> = of_a
            .iter()
            .filter(|(set, _)| of_b.contains_key(set))
            .filter_map(|(set, source)| {
                let Some(Node::Entity(e)) = self.node(*set) else {
                    return None;
                };
                let size = match e.attrs.get("size").and_then(|s| s.as_u64()) {
                    Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
                    None => self.mem.index(*set).map_or(0, |ix| {
                        g.edges_directed(ix, Incoming)
                            .filter(|e| {
                                e.weight().kind == EdgeKind::Relation(RelationKind::MemberOf)
                            })
                            .count()
                    }),
                };
                Some(SharedSet {
                    set: EntityId::from_node(*set),
                    key: e.key.clone(),
                    label: e.label.clone(),
                    source: *source,
                    size,
                })
            })
            .collect();
        if shared.is_empty() {
            return Ok(Novelty::New);
        }
        shared.sort_by(|x, y| x.size.cmp(&y.size).then_with(|| x.key.cmp(&y.key)));
        let shared_count = shared.len();
        shared.truncate(SHARED_SETS_LISTED);
        Ok(Novelty::Related {
            shared_count,
            smallest: shared,
        })
    }

    /// Novelty of every relation with evidence in scope (naming links excluded), strongest
    /// evidence first.
    pub fn novelty_report(&self, scope: &Scope) -> Result<Vec<RelationNovelty>> {
        let g = &self.mem.g;
        let mut out = Vec::new();
        for e in g.edge_references() {
            let weight = e.weight();
            let Some(relation) = weight.kind.relation() else {
                continue;
            };
            if relation.is_nomenclature() {
                continue;
            }
            let Some(edge) = weight.id else { continue };
            let in_scope: Vec<_> = weight
                .evidence
                .iter()
                .filter(|f| self.finding_in_scope(**f, scope))
                .collect();
            if in_scope.is_empty() {
                continue;
            }
            let best_q = in_scope
                .iter()
                .filter_map(|f| self.finding(**f).and_then(|f| f.q))
                .min_by(f64::total_cmp);
            let (Some(s), Some(t)) = (g.node_weight(e.source()), g.node_weight(e.target())) else {
                continue;
            };
            let (Node::Entity(se), Node::Entity(te)) = (&s.node, &t.node) else {
                continue;
            };
            out.push(RelationNovelty {
                edge,
                subject: se.key.clone(),
                relation,
                object: te.key.clone(),
                evidence: in_scope.len(),
                best_q,
                novelty: self.novelty(EntityId::from_node(s.id), EntityId::from_node(t.id))?,
            });
        }
        out.sort_by(|a, b| {
            a.best_q
                .unwrap_or(f64::INFINITY)
                .total_cmp(&b.best_q.unwrap_or(f64::INFINITY))
                .then_with(|| b.evidence.cmp(&a.evidence))
                .then_with(|| a.edge.cmp(&b.edge))
        });
        Ok(out)
    }
}
