//! Findings as a tab-separated table, one row per finding, with its run, study, module and the
//! claim it supports. Empty cells mean "not available"; tabs and newlines inside text become
//! spaces so every row stays one line.

use crate::error::Result;
use crate::model::Node;
use crate::query::Scope;
use crate::research_graph::ResearchGraph;
use std::io::Write;

pub const FINDINGS_TSV_HEADER: &[&str] = &[
    "finding_id",
    "run",
    "study",
    "analysis_id",
    "module",
    "layer",
    "feature",
    "variable",
    "contrast",
    "test",
    "statistic",
    "effect",
    "ci_low",
    "ci_high",
    "p",
    "q",
    "n",
    "direction",
    "claim_subject",
    "claim_relation",
    "claim_object",
];

fn clean(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

impl ResearchGraph {
    /// Writes all findings in scope, in id order.
    pub fn write_findings_tsv(&self, scope: &Scope, out: &mut impl Write) -> Result<usize> {
        writeln!(out, "{}", FINDINGS_TSV_HEADER.join("\t"))?;
        let mut ids: Vec<_> = self
            .mem
            .g
            .node_weights()
            .filter(|s| matches!(s.node, Node::Finding(_)))
            .map(|s| crate::ids::FindingId::from_node(s.id))
            .filter(|id| self.finding_in_scope(*id, scope))
            .collect();
        ids.sort();
        for id in &ids {
            let Some(view) = self.finding_view(*id) else {
                continue;
            };
            let f = &view.finding;
            let (subject, relation, object) = match &view.claim_view {
                Some(c) => (
                    c.subject_key.clone(),
                    c.relation.as_str().to_owned(),
                    c.object_key.clone(),
                ),
                None => Default::default(),
            };
            let row = [
                id.node().get().to_string(),
                view.run.get().to_string(),
                clean(&view.study),
                f.analysis.node().get().to_string(),
                clean(&view.module),
                clean(&f.layer),
                clean(f.feature.as_str()),
                clean(&f.variable),
                clean(f.contrast.as_deref().unwrap_or_default()),
                clean(f.test.as_str()),
                f.statistic.to_string(),
                f.effect.to_string(),
                opt(f.ci_low),
                opt(f.ci_high),
                f.p.to_string(),
                opt(f.q),
                f.n.to_string(),
                f.direction.as_str().to_owned(),
                clean(&subject),
                relation,
                clean(&object),
            ];
            writeln!(out, "{}", row.join("\t"))?;
        }
        Ok(ids.len())
    }
}
