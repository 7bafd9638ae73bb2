//! Prior knowledge import: idempotent, complete, alias-aware, and usable to tell known
//! relations from new ones.

#[macro_use]
mod common;

use common::{analysis, correlation, de_finding};
use graph::query::novelty::Novelty;
use graph::sql::scratch::ScratchStore;
use graph::{
    EdgeKind, EntityKind, EntityRef, KnowledgeSelection, KnowledgeSource, RelationKind,
    ResearchGraph, Scope,
};
use std::time::Instant;

fn member_weight(g: &ResearchGraph, gene: &str, set: &str) -> Option<Option<f64>> {
    let gene = g.entity_by_key(EntityKind::Gene, gene)?;
    let set = g.entity_by_key(EntityKind::GeneSet, set)?;
    g.edge_between(
        gene.node(),
        set.node(),
        EdgeKind::Relation(RelationKind::MemberOf),
    )
    .map(|e| e.edge.weight)
}

fn pathway_import_is_idempotent_and_resolves_outdated_members(store: &ScratchStore) {
    let path = store.location().clone();
    let mut g = ResearchGraph::open(&path).unwrap();
    let report = g.import_knowledge(KnowledgeSelection::pathways()).unwrap();
    let progeny = report
        .sources
        .iter()
        .find(|s| s.source == KnowledgeSource::Progeny)
        .unwrap();
    assert!(!progeny.already_imported);
    assert!(progeny.entities_added >= 14, "{progeny:?}");
    // 1,400 rows. 89 symbols are not current NCBI symbols; aliases rescue some of them and
    // the rest (LOC ids, ambiguous aliases) are left out and counted.
    assert_eq!(
        progeny.edges_added + progeny.unresolved_members,
        1_400,
        "{progeny:?}"
    );
    assert!(progeny.unresolved_members < 89, "{progeny:?}");
    let stats = g.stats();
    assert_eq!(stats.entities["gene_set"], 605 + 14);

    // PROGENy lists ACPP (now ACP3) and DDX58 (now RIGI): edges land on current symbols,
    // with the signed PROGENy weight.
    let w = member_weight(&g, "ACP3", "PROGENy:Androgen")
        .unwrap()
        .unwrap();
    assert!((w - -3.01472809845).abs() < 1e-12);
    assert!(member_weight(&g, "RIGI", "PROGENy:JAK-STAT").is_some());
    assert!(g.entity_by_key(EntityKind::Gene, "DDX58").is_none());

    // Importing again changes nothing; reopening keeps the import.
    let before = g.stats();
    let again = g.import_knowledge(KnowledgeSelection::pathways()).unwrap();
    assert!(again.sources.iter().all(|s| s.already_imported));
    assert_eq!(g.stats(), before);
    drop(g);
    let mut g = ResearchGraph::open(&path).unwrap();
    assert_eq!(g.stats(), before);
    assert!(g.meta("knowledge.progeny").is_some());
    assert!(g.check_integrity().unwrap().is_consistent());
}

fn novelty_tells_known_related_and_new_relations_apart(store: &ScratchStore) {
    let mut g = ResearchGraph::open(store.location()).unwrap();
    g.import_knowledge(KnowledgeSelection::pathways()).unwrap();
    let run = g.start_run("novelty", None).unwrap();
    g.record_analysis(
        analysis(run, "s", "correlation"),
        vec![
            correlation("PTEN-S380", "PTEN", 0.4, 0.02),
            correlation("CCND1", "FOS", 0.6, 0.001),
            correlation("OR2A1", "OR5A1", 0.3, 0.04),
        ],
    )
    .unwrap();
    let dusp6 = g.ensure_entity(&EntityRef::gene("DUSP6")).unwrap().0;
    let id = |e: EntityRef| g.find_entity(&e).unwrap().unwrap();
    let egfr_pathway = id(EntityRef::GeneSet("PROGENy:EGFR".into()));

    // A PROGENy EGFR-responsive gene and the pathway itself: a prior member_of edge.
    assert_eq!(
        g.novelty(dusp6, egfr_pathway).unwrap(),
        Novelty::Known {
            sources: vec![KnowledgeSource::Progeny]
        }
    );
    // A site and its own gene: same gene.
    assert_eq!(
        g.novelty(
            id(EntityRef::Phosphosite("PTEN-S380".into())),
            id(EntityRef::gene("PTEN"))
        )
        .unwrap(),
        Novelty::SameGene
    );
    // Two genes in shared pathways.
    match g
        .novelty(id(EntityRef::gene("CCND1")), id(EntityRef::gene("FOS")))
        .unwrap()
    {
        Novelty::Related {
            shared_count,
            smallest,
        } => {
            assert!(shared_count >= 1);
            assert!(smallest.windows(2).all(|w| w[0].size <= w[1].size));
        }
        other => panic!("expected related, got {other:?}"),
    }
    // Two olfactory receptors in no shipped pathway.
    assert_eq!(
        g.novelty(id(EntityRef::gene("OR2A1")), id(EntityRef::gene("OR5A1")))
            .unwrap(),
        Novelty::New
    );

    let report = g.novelty_report(&Scope::run(run)).unwrap();
    assert_eq!(report.len(), 3);
    assert_eq!(report[0].best_q, Some(0.001), "strongest first");
    let of = |s: &str| {
        report
            .iter()
            .find(|r| r.subject == s || r.object == s)
            .unwrap()
    };
    assert_eq!(of("OR2A1").novelty, Novelty::New);
    assert_eq!(of("PTEN-S380").novelty, Novelty::SameGene);
}

fn full_import_fits_in_one_transaction_and_reloads(store: &ScratchStore) {
    let path = store.location().clone();
    let started = Instant::now();
    let mut g = ResearchGraph::open(&path).unwrap();
    let report = g.import_knowledge(KnowledgeSelection::all()).unwrap();
    let import_ms = started.elapsed().as_millis();
    let stats = g.stats();
    assert_eq!(stats.entities["gene"], 42_815);
    assert_eq!(stats.entities["gene_set"], 6_482 + 605 + 14);
    let go = report
        .sources
        .iter()
        .find(|s| s.source == KnowledgeSource::GoBp)
        .unwrap();
    // 453,204 memberships minus members outside the protein-coding/ncRNA gene list.
    assert!(
        go.edges_added > 440_000 && go.edges_added <= 453_204,
        "{go:?}"
    );
    assert!(go.unresolved_members > 0);
    // A gene recorded by a finding afterwards reuses the imported node.
    let run = g.start_run("after import", None).unwrap();
    g.record_analysis(
        analysis(run, "s", "m"),
        vec![de_finding("TP53", "Tumor", 1.0, 0.01, 0.02)],
    )
    .unwrap();
    assert_eq!(g.stats().entities["gene"], 42_815);
    let reopen_started = Instant::now();
    drop(g);
    let g = ResearchGraph::open(&path).unwrap();
    let reopen_ms = reopen_started.elapsed().as_millis();
    assert_eq!(g.stats().entities["gene"], 42_815);
    assert!(g.stats().prior_edges > 470_000);
    eprintln!(
        "full knowledge import ({}): {import_ms} ms (debug build), {} prior edges; reopen {reopen_ms} ms",
        store.backend(),
        g.stats().prior_edges
    );
}

on_both_backends!(
    pathway_import_is_idempotent_and_resolves_outdated_members,
    novelty_tells_known_related_and_new_relations_apart,
    full_import_fits_in_one_transaction_and_reloads,
);
