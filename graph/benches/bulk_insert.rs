//! Bulk-insert benchmark: 100,000 findings (each with a claim, so also ~100k relations and
//! entity resolution) written in one analysis and in 100 analyses of 1,000, their final q-values
//! set in one call, then the store reopened; plus the full knowledge import. Timed with `Instant`; run with
//! `cargo bench -p hypomics-graph`.

use datasets::{FeatureId, SampleId};
use graph::knowledge::GeneIndex;
use graph::{
    Claim, EntityRef, InputFile, KnowledgeSelection, NewAnalysis, NewFinding, RelationKind,
    ResearchGraph, RunId,
};
use std::time::Instant;

const FINDINGS: usize = 100_000;
const GROUPS: usize = 10;

fn analysis(run: RunId) -> NewAnalysis {
    NewAnalysis {
        run,
        study: "bench-study".into(),
        direction: None,
        module: "differential_abundance".into(),
        params: serde_json::json!({"method": "welch"}),
        input_layers: vec!["proteomics".into()],
        sample_set: (0..150)
            .map(|i| SampleId::new(format!("S{i:03}")))
            .collect(),
        inputs: vec![InputFile {
            path: "proteomics.cct.gz".into(),
            sha256: "0".repeat(64),
        }],
        software_version: graph::SOFTWARE_VERSION.into(),
        derived_from: Vec::new(),
    }
}

/// `n` findings over real gene symbols: gene i is higher or lower in group i % GROUPS.
fn findings(symbols: &[&str], n: usize, offset: usize) -> Vec<NewFinding> {
    (0..n)
        .map(|i| {
            let k = i + offset;
            let gene = symbols[(k / GROUPS) % symbols.len()];
            let effect = if k.is_multiple_of(2) { 0.8 } else { -0.6 };
            let p = 1e-6 * (1 + k % 1000) as f64;
            NewFinding {
                layer: "proteomics".into(),
                feature: FeatureId::new(gene),
                variable: "subtype".into(),
                contrast: Some(format!("G{} vs rest", k % GROUPS)),
                test: graph::TestKind::WelchT,
                statistic: effect * 5.0,
                effect,
                ci_low: Some(effect - 0.3),
                ci_high: Some(effect + 0.3),
                p,
                q: Some((p * 10.0).min(1.0)),
                n: 150,
                warning: None,
                claim: Some(Claim {
                    subject: EntityRef::gene(gene),
                    relation: if effect > 0.0 {
                        RelationKind::HigherIn
                    } else {
                        RelationKind::LowerIn
                    },
                    object: EntityRef::SampleGroup(format!("G{}", k % GROUPS)),
                }),
            }
        })
        .collect()
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let genes = GeneIndex::embedded().expect("embedded gene index");
    let symbols: Vec<&str> = genes
        .genes()
        .iter()
        .filter(|g| g.gene_type == "protein-coding")
        .map(|g| g.symbol.as_str())
        .take(FINDINGS / GROUPS)
        .collect();

    // One analysis of 100k findings.
    let path = dir.path().join("one.db");
    let mut g = ResearchGraph::open(&path).expect("open store");
    let run = g.start_run("bench", None).expect("run");
    let batch = findings(&symbols, FINDINGS, 0);
    let t = Instant::now();
    let recorded = g.record_analysis(analysis(run), batch).expect("record");
    let one = t.elapsed();
    assert_eq!(recorded.findings.len(), FINDINGS);
    let qs: Vec<_> = recorded
        .findings
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i as f64 / FINDINGS as f64))
        .collect();
    let t = Instant::now();
    g.set_finding_qs(&qs).expect("set q-values");
    let set_qs = t.elapsed();
    drop(g);
    let t = Instant::now();
    let g = ResearchGraph::open(&path).expect("reopen");
    let reopen = t.elapsed();
    let stats = g.stats();
    drop(g);

    // 100 analyses of 1,000 findings (one transaction and fsync each).
    let path = dir.path().join("many.db");
    let mut g = ResearchGraph::open(&path).expect("open store");
    let run = g.start_run("bench", None).expect("run");
    let batches: Vec<Vec<NewFinding>> = (0..100)
        .map(|b| findings(&symbols, 1000, b * 1000))
        .collect();
    let t = Instant::now();
    for batch in batches {
        g.record_analysis(analysis(run), batch).expect("record");
    }
    let many = t.elapsed();
    drop(g);

    // Full prior-knowledge import, then reopen.
    let path = dir.path().join("knowledge.db");
    let mut g = ResearchGraph::open(&path).expect("open store");
    let t = Instant::now();
    g.import_knowledge(KnowledgeSelection::all())
        .expect("import");
    let import = t.elapsed();
    let prior_edges = g.stats().prior_edges;
    drop(g);
    let t = Instant::now();
    let _g = ResearchGraph::open(&path).expect("reopen");
    let knowledge_reopen = t.elapsed();

    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "optimised"
    };
    println!("bulk_insert ({profile} build)");
    println!(
        "  100k findings, 1 analysis:     {:>8.2} s  ({:.0} findings/s; {} relations)",
        one.as_secs_f64(),
        FINDINGS as f64 / one.as_secs_f64(),
        stats.observed_relations
    );
    println!(
        "  100k q-values, 1 call:         {:>8.2} s",
        set_qs.as_secs_f64()
    );
    println!(
        "  100k findings, 100 analyses:   {:>8.2} s  ({:.0} findings/s)",
        many.as_secs_f64(),
        FINDINGS as f64 / many.as_secs_f64()
    );
    println!(
        "  reopen with 100k findings:     {:>8.2} s",
        reopen.as_secs_f64()
    );
    println!(
        "  knowledge import (all):        {:>8.2} s  ({prior_edges} prior edges)",
        import.as_secs_f64()
    );
    println!(
        "  reopen with knowledge:         {:>8.2} s",
        knowledge_reopen.as_secs_f64()
    );
}
