//! Final q-values set in bulk after the findings were recorded (Benjamini-Hochberg over a whole
//! run): memory, queries, exports and the store all see them, and a bad batch writes nothing.

#[macro_use]
mod common;

use common::{analysis, de_finding, write_story};
use graph::sql::scratch::ScratchStore;
use graph::{FindingId, FindingOrder, FindingQuery, GraphError, ResearchGraph, Scope};

fn json_q(g: &ResearchGraph, id: FindingId) -> serde_json::Value {
    let json = g.export_json(&g.select_all()).unwrap();
    json["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id.node().get())
        .map(|n| n["q"].clone())
        .unwrap()
}

fn new_qs_are_seen_by_memory_exports_and_a_reopened_store(store: &ScratchStore) {
    let path = store.location().clone();
    let (gapdh, ctgf, untouched, exported) = {
        let mut g = ResearchGraph::open(&path).unwrap();
        let story = write_story(&mut g, "run", "cptac-ucec");
        let (gapdh, ctgf) = (story.first.findings[3], story.first.findings[2]);
        g.set_finding_qs(&[(gapdh, 0.0125), (ctgf, 0.5)]).unwrap();
        g.set_finding_qs(&[]).unwrap();

        assert_eq!(g.finding(gapdh).unwrap().q, Some(0.0125));
        assert_eq!(g.finding(ctgf).unwrap().q, Some(0.5));
        assert_eq!(g.finding(story.first.findings[0]).unwrap().q, Some(1e-4));
        assert_eq!(json_q(&g, gapdh), 0.0125);

        let mut tsv = Vec::new();
        g.write_findings_tsv(&Scope::all(), &mut tsv).unwrap();
        let tsv = String::from_utf8(tsv).unwrap();
        let q_column = tsv
            .lines()
            .next()
            .unwrap()
            .split('\t')
            .position(|c| c == "q")
            .unwrap();
        let row = tsv
            .lines()
            .find(|l| l.starts_with(&format!("{}\t", gapdh.node().get())))
            .unwrap();
        assert_eq!(row.split('\t').nth(q_column), Some("0.0125"));

        let mut graphml = Vec::new();
        g.write_graphml(&g.select_all(), &mut graphml).unwrap();
        let graphml = String::from_utf8(graphml).unwrap();
        assert!(graphml.contains("<data key=\"n_q\">0.0125</data>"));
        assert!(!graphml.contains("<data key=\"n_q\">0.95</data>"));

        let exported = g.export_json(&g.select_all()).unwrap();
        (gapdh, ctgf, story.first.findings[0], exported)
    };

    let mut g = ResearchGraph::open(&path).unwrap();
    assert_eq!(g.finding(gapdh).unwrap().q, Some(0.0125));
    assert_eq!(g.finding(ctgf).unwrap().q, Some(0.5));
    assert_eq!(g.finding(untouched).unwrap().q, Some(1e-4));
    assert_eq!(g.export_json(&g.select_all()).unwrap(), exported);
    assert!(g.check_integrity().unwrap().is_consistent());
}

fn a_bad_q_or_a_non_finding_id_changes_nothing(store: &ScratchStore) {
    let path = store.location().clone();
    let mut g = ResearchGraph::open(&path).unwrap();
    let story = write_story(&mut g, "run", "cptac-ucec");
    let [f0, f1] = [story.first.findings[0], story.first.findings[1]];

    // An id that was a finding until its run was deleted.
    let doomed = g.start_run("doomed", None).unwrap();
    let stale = g
        .record_analysis(
            analysis(doomed, "cptac-ucec", "m"),
            vec![de_finding("TP53", "Tumor", 1.0, 0.01, 0.05)],
        )
        .unwrap()
        .findings[0];
    g.delete_run(doomed).unwrap();
    // A hypothesis id passed off as a finding id (ids arrive as JSON from the agent's journal).
    let not_a_finding: FindingId =
        serde_json::from_value(serde_json::json!(story.hypothesis.node().get())).unwrap();

    let before = g.export_json(&g.select_all()).unwrap();
    let cases: [(&[(FindingId, f64)], usize); 5] = [
        (&[(f0, 0.2), (f1, 1.5)], 1),
        (&[(f0, 0.2), (f1, -0.01)], 1),
        (&[(f0, 0.2), (f1, f64::NAN)], 1),
        (&[(f0, 0.2), (f1, 0.3), (not_a_finding, 0.1)], 2),
        (&[(stale, 0.2), (f0, 0.2)], 0),
    ];
    for (updates, bad) in cases {
        match g.set_finding_qs(updates) {
            Err(GraphError::InvalidQUpdate { index, node, .. }) => {
                assert_eq!(index, bad, "{updates:?}");
                assert_eq!(node, updates[bad].0.node());
            }
            other => panic!("{updates:?} gave {other:?}"),
        }
        assert_eq!(g.finding(f0).unwrap().q, Some(1e-4));
    }
    assert_eq!(g.export_json(&g.select_all()).unwrap(), before);

    drop(g);
    let g = ResearchGraph::open(&path).unwrap();
    assert_eq!(g.export_json(&g.select_all()).unwrap(), before);
}

fn top_findings_by_q_follow_the_new_values(store: &ScratchStore) {
    let mut g = ResearchGraph::open(store.location()).unwrap();
    let story = write_story(&mut g, "run", "cptac-ucec");
    let (pten, ctgf, gapdh) = (
        story.first.findings[0],
        story.first.findings[2],
        story.first.findings[3],
    );
    let top = |g: &ResearchGraph, max_q| {
        let mut query = FindingQuery::top(Scope::all(), FindingOrder::Q, 3);
        query.max_q = max_q;
        g.top_findings(&query)
            .into_iter()
            .map(|v| v.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(top(&g, None)[..2], [ctgf, pten]);

    g.set_finding_qs(&[(gapdh, 1e-9), (ctgf, 0.9)]).unwrap();
    assert_eq!(top(&g, None), [gapdh, pten, story.second.findings[1]]);
    assert!(!top(&g, Some(0.5)).contains(&ctgf));
}

on_both_backends!(
    new_qs_are_seen_by_memory_exports_and_a_reopened_store,
    a_bad_q_or_a_non_finding_id_changes_nothing,
    top_findings_by_q_follow_the_new_values,
);
