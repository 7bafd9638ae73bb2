//! GraphML export for Cytoscape and Gephi. Every attribute is declared with a `<key>` (name and
//! type) before use, as the GraphML schema requires; text is XML-escaped and characters XML 1.0
//! forbids are dropped, so any standard parser reads the file.

use crate::error::Result;
use crate::memory::Slot;
use crate::model::Node;
use crate::query::subgraph::Selection;
use crate::research_graph::ResearchGraph;
use std::io::Write;

/// (id, domain, attr.name, attr.type) of every attribute written.
const KEYS: &[(&str, &str, &str, &str)] = &[
    ("n_type", "node", "type", "string"),
    ("n_label", "node", "label", "string"),
    ("n_kind", "node", "kind", "string"),
    ("n_key", "node", "key", "string"),
    ("n_run", "node", "run", "long"),
    ("n_module", "node", "module", "string"),
    ("n_input_hash", "node", "input_hash", "string"),
    ("n_layer", "node", "layer", "string"),
    ("n_feature", "node", "feature", "string"),
    ("n_variable", "node", "variable", "string"),
    ("n_test", "node", "test", "string"),
    ("n_effect", "node", "effect", "double"),
    ("n_p", "node", "p", "double"),
    ("n_q", "node", "q", "double"),
    ("n_n", "node", "n", "long"),
    ("n_status", "node", "status", "string"),
    ("e_kind", "edge", "kind", "string"),
    ("e_class", "edge", "class", "string"),
    ("e_prior", "edge", "prior", "string"),
    ("e_weight", "edge", "weight", "double"),
    ("e_evidence_count", "edge", "evidence_count", "long"),
    ("e_evidence", "edge", "evidence", "string"),
];

/// Escapes text for XML content and attribute values.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn data(out: &mut impl Write, key: &str, value: impl std::fmt::Display) -> std::io::Result<()> {
    writeln!(
        out,
        "      <data key=\"{key}\">{}</data>",
        escape_xml(&value.to_string())
    )
}

impl ResearchGraph {
    /// Writes the selection as GraphML.
    pub fn write_graphml(&self, selection: &Selection, out: &mut impl Write) -> Result<()> {
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
        )?;
        for (id, domain, name, ty) in KEYS {
            writeln!(
                out,
                r#"  <key id="{id}" for="{domain}" attr.name="{name}" attr.type="{ty}"/>"#
            )?;
        }
        writeln!(out, r#"  <graph id="hypomics" edgedefault="directed">"#)?;
        for slot in self.export_nodes(selection) {
            self.write_node(out, slot)?;
        }
        for (i, e) in self.export_edges(selection).into_iter().enumerate() {
            let id = match e.edge.id {
                Some(id) => id.to_string(),
                None => format!("d{i}"),
            };
            writeln!(
                out,
                r#"    <edge id="{id}" source="{}" target="{}">"#,
                e.source, e.target
            )?;
            data(out, "e_kind", e.edge.kind)?;
            data(out, "e_class", e.edge.kind.class())?;
            if let Some(prior) = e.edge.prior {
                data(out, "e_prior", prior)?;
            }
            if let Some(w) = e.edge.weight {
                data(out, "e_weight", w)?;
            }
            if e.edge.kind.relation().is_some() {
                data(out, "e_evidence_count", e.edge.evidence.len())?;
                if !e.edge.evidence.is_empty() {
                    let ids: Vec<String> = e.edge.evidence.iter().map(|f| f.to_string()).collect();
                    data(out, "e_evidence", ids.join(" "))?;
                }
            }
            writeln!(out, "    </edge>")?;
        }
        writeln!(out, "  </graph>")?;
        writeln!(out, "</graphml>")?;
        Ok(())
    }

    fn write_node(&self, out: &mut impl Write, slot: &Slot) -> Result<()> {
        writeln!(out, r#"    <node id="{}">"#, slot.id)?;
        data(out, "n_type", slot.node.node_type())?;
        data(out, "n_label", slot.node.label())?;
        if let Some(run) = self.mem.run_of(slot.id) {
            data(out, "n_run", run.get())?;
        }
        match &slot.node {
            Node::Entity(e) => {
                data(out, "n_kind", e.kind)?;
                data(out, "n_key", &e.key)?;
            }
            Node::Direction(_) => {}
            Node::Analysis(a) => {
                data(out, "n_module", &a.module)?;
                data(out, "n_input_hash", &a.input_hash)?;
            }
            Node::Finding(f) => {
                data(out, "n_layer", &f.layer)?;
                data(out, "n_feature", &f.feature)?;
                data(out, "n_variable", &f.variable)?;
                data(out, "n_test", f.test.as_str())?;
                data(out, "n_effect", f.effect)?;
                data(out, "n_p", f.p)?;
                if let Some(q) = f.q {
                    data(out, "n_q", q)?;
                }
                data(out, "n_n", f.n)?;
            }
            Node::Hypothesis(h) => {
                data(out, "n_status", h.status)?;
            }
        }
        writeln!(out, "    </node>")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_forbidden_characters() {
        assert_eq!(
            escape_xml("a<b & \"c\" 'd'>\u{1}e"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;e"
        );
        assert_eq!(escape_xml("tab\tok"), "tab\tok");
    }
}
