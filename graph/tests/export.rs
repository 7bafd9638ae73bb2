//! Exports: JSON, TSV of findings, and GraphML checked by networkx (tests/check_graphml.py).

mod common;

use common::{hypothesis, write_story};
use graph::query::subgraph::Selection;
use graph::{EntityRef, KnowledgeSelection, ResearchGraph, Scope};
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

/// A graph with a story, prior pathways and text that needs XML escaping.
fn graph_with_awkward_text() -> ResearchGraph {
    let mut g = ResearchGraph::open_in_memory().unwrap();
    g.import_knowledge(KnowledgeSelection::pathways()).unwrap();
    let story = write_story(&mut g, "export <run> & \"quotes\"", "cptac-ucec");
    let mut h = hypothesis(story.run, vec![story.first.findings[2]]);
    h.hypothesis.statement = "CCN2 > 2× in stage=III & IV <tumours> \u{1} 'quoted'\ttab".into();
    h.concerns = vec![EntityRef::clinical_level("stage", "III & IV")];
    g.add_hypothesis(h).unwrap();
    g
}

#[test]
fn json_export_is_self_consistent() {
    let g = graph_with_awkward_text();
    let sel = g.select_all();
    let json = g.export_json(&sel).unwrap();
    assert_eq!(json["format"], "hypomics-graph");
    let nodes = json["nodes"].as_array().unwrap();
    let edges = json["edges"].as_array().unwrap();
    assert_eq!(nodes.len(), sel.node_count());
    assert_eq!(edges.len(), sel.edge_count());
    let ids: HashSet<i64> = nodes.iter().map(|n| n["id"].as_i64().unwrap()).collect();
    let findings: HashSet<i64> = nodes
        .iter()
        .filter(|n| n["type"] == "finding")
        .map(|n| n["id"].as_i64().unwrap())
        .collect();
    for e in edges {
        assert!(ids.contains(&e["source"].as_i64().unwrap()));
        assert!(ids.contains(&e["target"].as_i64().unwrap()));
        for f in e["evidence"].as_array().unwrap() {
            assert!(findings.contains(&f.as_i64().unwrap()));
        }
    }
    // Sorted by id, and stable.
    let order: Vec<i64> = nodes.iter().map(|n| n["id"].as_i64().unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(g.export_json(&sel).unwrap(), json);
    let mut bytes = Vec::new();
    g.write_json(&sel, &mut bytes).unwrap();
    let reparsed: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(reparsed, json);
}

#[test]
fn findings_tsv_has_one_clean_row_per_finding() {
    let g = graph_with_awkward_text();
    let mut out = Vec::new();
    let rows = g.write_findings_tsv(&Scope::all(), &mut out).unwrap();
    assert_eq!(rows, 6);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7);
    let header: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(header, graph::export::tsv::FINDINGS_TSV_HEADER);
    for line in &lines[1..] {
        assert_eq!(line.split('\t').count(), header.len(), "{line}");
    }
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let ctgf = lines
        .iter()
        .find(|l| l.split('\t').nth(col("feature")) == Some("CTGF"))
        .unwrap();
    let cells: Vec<&str> = ctgf.split('\t').collect();
    assert_eq!(cells[col("claim_subject")], "CCN2");
    assert_eq!(cells[col("claim_relation")], "higher_in");
    assert_eq!(cells[col("q")].parse::<f64>().unwrap(), 1e-6);
    assert_eq!(cells[col("study")], "cptac-ucec");
    assert_eq!(cells[col("direction")], "positive");
    // The null finding has no claim: empty cells, not "None".
    let gapdh = lines
        .iter()
        .find(|l| l.split('\t').nth(col("feature")) == Some("GAPDH"))
        .unwrap();
    assert_eq!(gapdh.split('\t').nth(col("claim_subject")), Some(""));
}

fn networkx_available() -> Result<(), String> {
    match Command::new("python3")
        .args(["-c", "import networkx"])
        .output()
    {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "python3 cannot import networkx: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Err(format!("python3 not runnable: {e}")),
    }
}

fn check_with_networkx(g: &ResearchGraph, sel: &Selection, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    g.write_graphml(sel, &mut file).unwrap();
    drop(file);

    // Structural checks that need no Python.
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("<node id=").count(), sel.node_count());
    assert_eq!(text.matches("<edge id=").count(), sel.edge_count());
    assert!(!text.contains('\u{1}'));
    assert!(text.contains("&amp;") && text.contains("&lt;"));

    if let Err(reason) = networkx_available() {
        if std::env::var_os("HYPOMICS_REQUIRE_NETWORKX").is_some() {
            panic!("GraphML check with networkx required but unavailable: {reason}");
        }
        eprintln!(
            "NOTE: GraphML was NOT checked with networkx ({reason}); \
             run `pip install networkx` to enable tests/check_graphml.py"
        );
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check_graphml.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&path)
        .arg(sel.node_count().to_string())
        .arg(sel.edge_count().to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check_graphml.py failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("networkx: {}", String::from_utf8_lossy(&out.stdout).trim());
}

#[test]
fn graphml_export_reads_back_with_networkx() {
    let g = graph_with_awkward_text();
    let run = g.runs().next().unwrap().id;
    check_with_networkx(&g, &g.subgraph(&Scope::run(run), true), "run.graphml");
    check_with_networkx(&g, &g.select_all(), "all.graphml");
}
