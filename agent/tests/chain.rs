//! Mechanism chains end to end.
//!
//! A synthetic study with a planted chain (a mutation lowers its gene's protein and its complex
//! partner's protein, with neither RNA touched) must come back as ONE hypothesis stating the
//! chain: mutation -> protein -> partner protein, each link backed by a finding of the run and
//! re-tested on the held-out samples, any RNA link stated as unchanged (by the equivalence test),
//! never as changed, and the partner not repeated as a hypothesis of its own.
//!
//! On the bundled demo (CPTAC UCEC), at least five of the top 25 hypotheses are chains spanning
//! two or more layers or entities, each with its prediction and refutation.

use agent::hypothesis::Hypothesis;
use agent::knowledge::Knowledge;
use agent::planner::OfflinePlanner;
use agent::run::{Budget, RunConfig, RunResult, run};
use datasets::synth::{ChainSpec, SynthConfig, write_synthetic_study};
use graph::{LinkDirection, Mention, ReplicationStatus};

fn run_study(study: &datasets::Study, max_analyses: usize) -> RunResult {
    let knowledge = Knowledge::embedded().expect("knowledge");
    let config = RunConfig {
        permutations: 0,
        budget: Budget {
            max_analyses,
            max_seconds: 1200.0,
        },
        ..RunConfig::default()
    };
    let mut planner = OfflinePlanner::default();
    run(study, &knowledge, &config, None, &mut planner, &mut |_| {}).expect("run")
}

/// Only the chain is planted (plus passenger mutations), so the run is short and every
/// hypothesis about MLH1 or PMS2 is about the chain.
fn chain_config(seed: u64) -> SynthConfig {
    SynthConfig {
        seed,
        n_tumours: 240,
        n_normals: 0,
        n_genes: 400,
        n_phosphosites: 0,
        n_passenger_genes: 8,
        mutation_modules: Vec::new(),
        group_differences: Vec::new(),
        numeric_associations: Vec::new(),
        cis: datasets::synth::CisSpec {
            n_genes: 0,
            correlation: 0.0,
        },
        survival: None,
        chains: vec![ChainSpec {
            gene: "MLH1".into(),
            partner: "PMS2".into(),
            frequency: 0.35,
            effect: -1.5,
        }],
        ..SynthConfig::default()
    }
}

fn names(h: &Hypothesis, gene: &str) -> bool {
    h.model
        .entities
        .iter()
        .any(|e| matches!(e, Mention::Gene(g) if g == gene))
}

#[test]
fn a_planted_chain_comes_back_as_one_hypothesis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let truth = write_synthetic_study(dir.path(), &chain_config(7)).expect("synthetic study");
    let study = datasets::Study::load(dir.path()).expect("load");
    let result = run_study(&study, 12);

    let chains: Vec<&Hypothesis> = result
        .hypotheses
        .iter()
        .filter(|h| {
            h.model.chain.as_ref().is_some_and(|c| {
                let ends: Vec<String> = c.nodes().iter().map(|m| m.to_string()).collect();
                ends.iter().any(|e| e == "mutation:MLH1")
                    && ends
                        .iter()
                        .any(|e| e.ends_with(":MLH1") && e != "mutation:MLH1")
                    && ends.iter().any(|e| e.ends_with(":PMS2"))
            })
        })
        .collect();
    let listing: Vec<String> = result
        .hypotheses
        .iter()
        .map(|h| format!("{}: {}", h.model.id, h.model.statement))
        .collect();
    assert_eq!(chains.len(), 1, "one chain hypothesis: {listing:#?}");
    let h = chains[0];
    let chain = h.model.chain.as_ref().unwrap();
    for l in &chain.links {
        println!(
            "{} -> {} {:?}: {} | {}",
            l.from, l.to, l.predicted, l.discovery.summary, l.validation.detail
        );
    }
    // The partner is stated in the chain, not again on its own.
    let about_pms2 = result
        .hypotheses
        .iter()
        .filter(|o| names(o, "PMS2") || o.model.statement.contains("PMS2"))
        .count();
    assert_eq!(about_pms2, 1, "{listing:#?}");
    // Links: mutation -> MLH1 protein (down), MLH1 protein -> PMS2 protein (with it).
    let first = &chain.links[0];
    assert_eq!(first.from.to_string(), "mutation:MLH1");
    assert_eq!(first.predicted, LinkDirection::Down);
    assert!(first.discovery.finding.is_some() && first.discovery.q.is_some_and(|q| q <= 0.05));
    let partner = chain
        .links
        .iter()
        .find(|l| {
            matches!(&l.from, Mention::Feature { feature, .. } if feature == "MLH1")
                && matches!(&l.to, Mention::Feature { feature, .. } if feature == "PMS2")
        })
        .expect("partner link");
    assert_eq!(partner.predicted, LinkDirection::Up);
    assert!(partner.rationale.contains("MutL"), "{}", partner.rationale);
    // RNA was not planted: an RNA link may only say "unchanged", from the equivalence test.
    for l in &chain.links {
        if l.to.to_string().starts_with("rna:") {
            assert_eq!(l.predicted, LinkDirection::Unchanged, "{l:?}");
            assert!(l.discovery.test.starts_with("TOST"), "{l:?}");
            assert!(l.discovery.p < 0.05);
        }
    }
    // Every link was re-tested on the held-out samples; the protein links held there.
    assert!(
        chain
            .links
            .iter()
            .all(|l| l.validation.cohort == "held-out samples")
    );
    assert_eq!(first.validation.status, ReplicationStatus::Replicated);
    assert_eq!(partner.validation.status, ReplicationStatus::Replicated);
    assert!(!chain.prediction.is_empty() && chain.refutation.contains("PMS2"));
    // It is the planted relation, by the evaluation's own matching.
    let report = agent::eval::evaluate(&truth, &result.hypotheses, &study);
    let planted = report
        .relations
        .iter()
        .find(|r| r.kind == "mutation_chain")
        .expect("planted chain");
    assert!(planted.by.contains(&h.model.id), "{report:#?}");
    // hypotheses.json carries the chain.
    let json = serde_json::to_value(h).unwrap();
    assert!(json["chain"]["links"].as_array().unwrap().len() >= 2);
}

#[test]
fn demo_top_hypotheses_include_chains_with_predictions() {
    let study = datasets::demo::load().expect("demo");
    let result = run_study(&study, 40);
    let top: Vec<&Hypothesis> = result.hypotheses.iter().take(25).collect();
    let chains: Vec<&Hypothesis> = top
        .iter()
        .copied()
        .filter(|h| h.model.chain.as_ref().is_some_and(|c| c.nodes().len() >= 3))
        .collect();
    let listing: Vec<String> = top
        .iter()
        .map(|h| format!("{}: {}", h.model.id, h.model.statement))
        .collect();
    assert!(
        chains.len() >= 5,
        "{} chains in the top 25: {listing:#?}",
        chains.len()
    );
    for h in chains {
        let c = h.model.chain.as_ref().unwrap();
        assert!(c.links.len() >= 2);
        assert!(c.prediction.starts_with("Predicted:"), "{}", c.prediction);
        assert!(!c.refutation.is_empty(), "{}: no refutation", h.model.id);
        for l in &c.links {
            assert!(l.discovery.p.is_finite() && l.discovery.n > 0, "{l:?}");
            assert!(!l.validation.detail.is_empty(), "{l:?}");
        }
    }
}
