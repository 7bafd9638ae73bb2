//! Ranked lists of findings: the strongest results in a scope, by adjusted p-value or by
//! effect size, optionally restricted to a layer or module.

use crate::ids::FindingId;
use crate::model::Node;
use crate::query::{FindingView, Scope};
use crate::research_graph::ResearchGraph;
use crate::text_enum::text_enum;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

text_enum! {
    /// How to rank findings.
    pub enum FindingOrder {
        /// Smallest q first (findings without q after those with one, by p).
        Q => "q",
        /// Largest absolute effect first.
        Effect => "effect",
    }
}

/// A request for ranked findings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingQuery {
    pub scope: Scope,
    pub order: FindingOrder,
    pub limit: usize,
    /// Keep only findings with q at or below this (findings without q are dropped).
    pub max_q: Option<f64>,
    pub layer: Option<String>,
    pub module: Option<String>,
}

impl FindingQuery {
    pub fn top(scope: Scope, order: FindingOrder, limit: usize) -> Self {
        Self {
            scope,
            order,
            limit,
            max_q: None,
            layer: None,
            module: None,
        }
    }
}

impl ResearchGraph {
    /// The top findings for a query, best first; ties broken by id for stable output.
    pub fn top_findings(&self, query: &FindingQuery) -> Vec<FindingView> {
        let mut hits: Vec<(FindingId, f64, f64, f64)> = Vec::new();
        for slot in self.mem.g.node_weights() {
            let Node::Finding(f) = &slot.node else {
                continue;
            };
            if let Some(max_q) = query.max_q
                && f.q.is_none_or(|q| q > max_q)
            {
                continue;
            }
            if query.layer.as_ref().is_some_and(|l| *l != f.layer) {
                continue;
            }
            let Some(analysis) = self.analysis(f.analysis) else {
                continue;
            };
            if query.module.as_ref().is_some_and(|m| *m != analysis.module)
                || !self.analysis_in_scope(f.analysis, &query.scope)
            {
                continue;
            }
            hits.push((
                FindingId::from_node(slot.id),
                f.q.unwrap_or(f64::INFINITY),
                f.p,
                f.effect.abs(),
            ));
        }
        let by_q = |a: &(FindingId, f64, f64, f64), b: &(FindingId, f64, f64, f64)| {
            a.1.total_cmp(&b.1)
                .then_with(|| a.2.total_cmp(&b.2))
                .then_with(|| b.3.total_cmp(&a.3))
        };
        let by_effect = |a: &(FindingId, f64, f64, f64), b: &(FindingId, f64, f64, f64)| {
            b.3.total_cmp(&a.3).then_with(|| by_q(a, b))
        };
        let order = |a: &(FindingId, f64, f64, f64), b: &(FindingId, f64, f64, f64)| -> Ordering {
            match query.order {
                FindingOrder::Q => by_q(a, b),
                FindingOrder::Effect => by_effect(a, b),
            }
            .then_with(|| a.0.cmp(&b.0))
        };
        if query.limit < hits.len() {
            hits.select_nth_unstable_by(query.limit, order);
            hits.truncate(query.limit);
        }
        hits.sort_by(order);
        hits.into_iter()
            .filter_map(|(id, ..)| self.finding_view(id))
            .collect()
    }
}
