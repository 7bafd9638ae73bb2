//! Provenance and query behaviour: evidence chains down to input hashes, neighbourhoods,
//! rankings, paths, subgraphs and scoping by run and study.

#[macro_use]
mod common;

use common::{analysis, correlation, de_finding, write_story};
use graph::query::findings::{FindingOrder, FindingQuery};
use graph::sql::scratch::ScratchStore;
use graph::{
    EdgeKind, EntityKind, EntityRef, ProcessKind, RelationKind, ResearchGraph, Scope, Stance,
};

fn evidence_chain_reaches_analyses_and_input_hashes(store: &ScratchStore) {
    let mut g = ResearchGraph::open(store.location()).unwrap();
    let story = write_story(&mut g, "run", "cptac-ucec");
    let chain = g.evidence_chain(story.hypothesis).unwrap();
    assert_eq!(chain.statement, "PTEN protein is lower in tumours");
    assert_eq!(chain.status, graph::HypothesisStatus::Supported);
    assert_eq!(chain.links.len(), 3);
    assert!(chain.links.iter().all(|l| l.stance == Stance::Supports));

    let first = &chain.links[0];
    assert_eq!(first.finding.id, story.first.findings[0]);
    assert_eq!(first.finding.finding.feature.as_str(), "PTEN");
    let claim = first.finding.claim_view.as_ref().unwrap();
    assert_eq!(
        (
            claim.subject_key.as_str(),
            claim.relation,
            claim.object_key.as_str()
        ),
        ("PTEN", RelationKind::LowerIn, "Tumor")
    );
    let prov = &first.analysis;
    assert_eq!(prov.id, story.first.analysis);
    assert_eq!(prov.module, "differential_abundance");
    assert_eq!(prov.study, "cptac-ucec");
    assert_eq!(prov.run, story.run);
    assert_eq!(prov.n_samples, 20);
    assert_eq!(prov.inputs.len(), 2);
    assert_eq!(prov.inputs[0].path, "cptac-ucec/proteomics.cct.gz");
    assert_eq!(prov.inputs[0].sha256, "a".repeat(64));
    assert_eq!(prov.input_hash, story.first.input_hash);
    assert_eq!(prov.params["method"], "welch");
    assert_eq!(
        prov.question.as_deref(),
        Some("Does PTEN mutation change protein abundance?")
    );
    // The third link came from the derived (second) analysis.
    assert_eq!(chain.links[2].analysis.id, story.second.analysis);
}

fn contradicting_findings_are_listed_after_supporting_ones(store: &ScratchStore) {
    let mut g = ResearchGraph::open(store.location()).unwrap();
    let story = write_story(&mut g, "run", "cptac-ucec");
    g.add_hypothesis_evidence(
        story.hypothesis,
        story.first.findings[2],
        Stance::Contradicts,
    )
    .unwrap();
    let chain = g.evidence_chain(story.hypothesis).unwrap();
    assert_eq!(chain.links.last().unwrap().stance, Stance::Contradicts);
    assert_eq!(
        chain.links.last().unwrap().finding.id,
        story.first.findings[2]
    );
    // Ids of the wrong node type are refused.
    assert!(matches!(
        g.finding_id(story.first.analysis.node()),
        Err(graph::GraphError::WrongNodeType { .. })
    ));
    assert!(matches!(
        g.hypothesis_id(story.first.analysis.node()),
        Err(graph::GraphError::WrongNodeType { .. })
    ));
}

fn neighbourhood_lists_relations_with_their_evidence(store: &ScratchStore) {
    let mut g = ResearchGraph::open(store.location()).unwrap();
    let story = write_story(&mut g, "run", "cptac-ucec");
    let pten = g.find_entity(&EntityRef::gene("PTEN")).unwrap().unwrap();
    let hood = g.neighbourhood(pten, &Scope::all(), false).unwrap();
    let keys: Vec<(&str, RelationKind)> = hood
        .neighbours
        .iter()
        .map(|n| (n.key.as_str(), n.relation))
        .collect();
    assert!(keys.contains(&("Tumor", RelationKind::LowerIn)));
    assert!(keys.contains(&("AKT1", RelationKind::CorrelatesWith)));
    // The PTEN-S380 naming link is prior, so it only shows with include_prior.
    assert!(!keys.iter().any(|(k, _)| *k == "PTEN-S380"));
    let tumor = hood.neighbours.iter().find(|n| n.key == "Tumor").unwrap();
    assert_eq!(tumor.evidence.len(), 1);
    assert_eq!(tumor.evidence[0].id, story.first.findings[0]);
    assert_eq!(hood.hypotheses, vec![story.hypothesis]);

    let with_prior = g.neighbourhood(pten, &Scope::all(), true).unwrap();
    let site = with_prior
        .neighbours
        .iter()
        .find(|n| n.key == "PTEN-S380")
        .unwrap();
    assert_eq!(site.relation, RelationKind::SiteOf);
    assert!(!site.outgoing);
    assert_eq!(site.prior, Some(graph::KnowledgeSource::Nomenclature));

    // The mutation entity is what the direction explores.
    let mutation = g
        .find_entity(&EntityRef::Mutation("PTEN".into()))
        .unwrap()
        .unwrap();
    assert_eq!(
        g.neighbourhood(mutation, &Scope::all(), false)
            .unwrap()
            .explored_by
            .len(),
        1
    );
}

fn top_findings_rank_by_q_or_effect_within_scope(store: &ScratchStore) {
    let mut g = ResearchGraph::open(store.location()).unwrap();
    let story = write_story(&mut g, "run", "cptac-ucec");
    let by_q = g.top_findings(&FindingQuery::top(Scope::all(), FindingOrder::Q, 3));
    let features: Vec<&str> = by_q.iter().map(|f| f.finding.feature.as_str()).collect();
    assert_eq!(features, vec!["CTGF", "PTEN", "AKT1"]);
    assert_eq!(by_q[0].module, "differential_abundance");
    assert_eq!(by_q[0].claim_view.as_ref().unwrap().subject_key, "CCN2");

    let by_effect = g.top_findings(&FindingQuery::top(Scope::all(), FindingOrder::Effect, 2));
    let effects: Vec<f64> = by_effect.iter().map(|f| f.finding.effect).collect();
    assert_eq!(effects, vec![2.0, -1.2]);

    let mut q = FindingQuery::top(Scope::all(), FindingOrder::Q, 100);
    q.max_q = Some(0.005);
    q.module = Some("correlation".into());
    let filtered = g.top_findings(&q);
    assert_eq!(filtered.len(), 2);
    assert!(
        filtered
            .iter()
            .all(|f| f.finding.analysis == story.second.analysis)
    );

    // A second run in another study: scoping separates them.
    let other = g.start_run("other", None).unwrap();
    g.record_analysis(
        analysis(other, "tcga-acc", "differential_abundance"),
        vec![de_finding("PTEN", "Tumor", -0.7, 1e-9, 1e-8)],
    )
    .unwrap();
    let acc = g.study("tcga-acc").unwrap();
    let ucec = g.study("cptac-ucec").unwrap();
    let all = g.top_findings(&FindingQuery::top(Scope::all(), FindingOrder::Q, 1));
    assert_eq!(all[0].study, "tcga-acc");
    let run_only = g.top_findings(&FindingQuery::top(
        Scope::run(story.run),
        FindingOrder::Q,
        100,
    ));
    assert_eq!(run_only.len(), 6);
    assert!(run_only.iter().all(|f| f.study == "cptac-ucec"));
    assert_eq!(
        g.top_findings(&FindingQuery::top(Scope::study(acc), FindingOrder::Q, 100))
            .len(),
        1
    );
    assert!(
        g.top_findings(&FindingQuery::top(
            Scope::run(other).with_study(ucec),
            FindingOrder::Q,
            100
        ))
        .is_empty()
    );

    // The shared relation collects evidence from both studies; a scoped neighbourhood only
    // shows the scope's share.
    let pten = g.find_entity(&EntityRef::gene("PTEN")).unwrap().unwrap();
    let lower = |scope: &Scope| {
        g.neighbourhood(pten, scope, false)
            .unwrap()
            .neighbours
            .iter()
            .find(|n| n.key == "Tumor")
            .map(|n| n.evidence.len())
    };
    assert_eq!(lower(&Scope::all()), Some(2));
    assert_eq!(lower(&Scope::study(acc)), Some(1));
}

fn path_between_entities_follows_supported_relations(store: &ScratchStore) {
    let mut g = ResearchGraph::open(store.location()).unwrap();
    let story = write_story(&mut g, "run", "cptac-ucec");
    let id = |e: EntityRef| g.find_entity(&e).unwrap().unwrap();
    let site = id(EntityRef::Phosphosite("PTEN-S380".into()));
    let mtor = id(EntityRef::gene("MTOR"));
    let path = g.path_between(site, mtor, &Scope::all()).unwrap();
    let keys: Vec<String> = path
        .entities
        .iter()
        .map(|e| g.entity(*e).unwrap().key.clone())
        .collect();
    assert_eq!(keys, vec!["PTEN-S380", "PTEN", "AKT1", "MTOR"]);
    assert_eq!(path.steps[0].relation, RelationKind::SiteOf);
    assert_eq!(path.steps[0].evidence, 0);
    assert_eq!(path.steps[1].relation, RelationKind::CorrelatesWith);
    assert_eq!(path.steps[1].evidence, 1);

    // Outside the run's scope the correlations do not count, so no path.
    let other = g.start_run("empty", None).unwrap();
    assert!(g.path_between(site, mtor, &Scope::run(other)).is_none());
    assert!(g.path_between(site, mtor, &Scope::run(story.run)).is_some());
    // Trivial path.
    assert_eq!(
        g.path_between(mtor, mtor, &Scope::all())
            .unwrap()
            .steps
            .len(),
        0
    );
}

fn run_subgraph_holds_the_runs_process_and_touched_entities(store: &ScratchStore) {
    let mut g = ResearchGraph::open(store.location()).unwrap();
    let story = write_story(&mut g, "run", "cptac-ucec");
    let other = g.start_run("other", None).unwrap();
    g.record_analysis(
        analysis(other, "cptac-ucec", "correlation"),
        vec![correlation("EGFR", "ERBB2", 0.5, 0.01)],
    )
    .unwrap();
    let sel = g.subgraph(&Scope::run(story.run), false);
    let json = g.export_json(&sel).unwrap();
    let nodes = json["nodes"].as_array().unwrap();
    let count = |t: &str| nodes.iter().filter(|n| n["type"] == t).count();
    assert_eq!(count("analysis"), 2);
    assert_eq!(count("finding"), 6);
    assert_eq!(count("direction"), 1);
    assert_eq!(count("hypothesis"), 1);
    let entity_keys: Vec<&str> = nodes
        .iter()
        .filter(|n| n["type"] == "entity")
        .map(|n| n["key"].as_str().unwrap())
        .collect();
    for key in [
        "cptac-ucec",
        "PTEN",
        "PTEN-S380",
        "CCN2",
        "AKT1",
        "MTOR",
        "Tumor",
    ] {
        assert!(
            entity_keys.contains(&key),
            "{key} missing from {entity_keys:?}"
        );
    }
    assert!(
        !entity_keys.contains(&"EGFR"),
        "other run's entities are out"
    );
    let edges = json["edges"].as_array().unwrap();
    assert!(edges.iter().all(|e| e["prior"].is_null()));
    assert!(edges.iter().any(|e| e["kind"] == ProcessKind::Ran.as_str()));
    assert!(
        edges
            .iter()
            .any(|e| e["kind"] == EdgeKind::Process(ProcessKind::DerivedFrom).as_str())
    );
    // With prior edges the PTEN-S380 -> PTEN naming link joins.
    let with_prior = g.subgraph(&Scope::run(story.run), true);
    assert_eq!(with_prior.node_count(), sel.node_count());
    assert!(with_prior.edge_count() > sel.edge_count());
    assert!(g.entity_by_key(EntityKind::Gene, "EGFR").is_some());
}

on_both_backends!(
    evidence_chain_reaches_analyses_and_input_hashes,
    contradicting_findings_are_listed_after_supporting_ones,
    neighbourhood_lists_relations_with_their_evidence,
    top_findings_rank_by_q_or_effect_within_scope,
    path_between_entities_follows_supported_relations,
    run_subgraph_holds_the_runs_process_and_touched_entities,
);
