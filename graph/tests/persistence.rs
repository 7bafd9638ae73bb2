//! Durability: what is written can be read back identically, failed writes leave no trace, and
//! the schema is versioned.

#[macro_use]
mod common;

use common::{analysis, de_finding, scored, write_story};
use graph::sql::scratch::ScratchStore;
use graph::store::schema;
use graph::{
    EdgeKind, EntityKind, GraphError, NewFinding, ProcessKind, RelationKind, ResearchGraph,
    StoreError,
};

fn reopening_rebuilds_an_identical_graph(store: &ScratchStore) {
    let path = store.location().clone();
    let (before, stats, story_hypothesis) = {
        let mut g = ResearchGraph::open(&path).unwrap();
        let story = write_story(&mut g, "run one", "cptac-ucec");
        g.mark_replicated(story.first.findings[0], story.second.findings[0])
            .unwrap();
        let json = g.export_json(&g.select_all()).unwrap();
        (json, g.stats(), story.hypothesis)
    };
    let mut g = ResearchGraph::open(&path).unwrap();
    assert_eq!(g.export_json(&g.select_all()).unwrap(), before);
    assert_eq!(g.stats(), stats);
    assert!(g.check_integrity().unwrap().is_consistent());

    // Spot checks that the content, not just its shape, survived.
    let h = g.hypothesis(story_hypothesis).unwrap();
    assert_eq!(h.status, graph::HypothesisStatus::Supported);
    assert_eq!(h.hypothesis.score.total, 0.85);
    assert_eq!(h.hypothesis.entities, scored(0.85).entities);
    assert_eq!(stats.nodes["analysis"], 2);
    assert_eq!(stats.nodes["finding"], 6);
    assert_eq!(stats.edges["produced"], 6);
    assert_eq!(stats.edges["replicated_by"], 1);
    // CTGF was recorded under its outdated symbol and stored as CCN2.
    assert!(g.entity_by_key(EntityKind::Gene, "CCN2").is_some());
    assert!(g.entity_by_key(EntityKind::Gene, "CTGF").is_none());
}

fn new_ids_continue_after_reopen(store: &ScratchStore) {
    let path = store.location().clone();
    let (first_run, first) = {
        let mut g = ResearchGraph::open(&path).unwrap();
        let run = g.start_run("a", None).unwrap();
        let recorded = g
            .record_analysis(
                analysis(run, "s", "m"),
                vec![de_finding("TP53", "Tumor", 1.0, 0.01, 0.05)],
            )
            .unwrap();
        (run, recorded)
    };
    let mut g = ResearchGraph::open(&path).unwrap();
    let run = g.start_run("b", None).unwrap();
    assert!(run > first_run);
    let second = g
        .record_analysis(
            analysis(run, "s", "m"),
            vec![de_finding("TP53", "Tumor", 1.1, 0.01, 0.05)],
        )
        .unwrap();
    assert!(second.findings[0].node() > first.findings[0].node());
    // Both findings support the same relation: one edge, two pieces of evidence.
    let f1 = g.finding(first.findings[0]).unwrap().claim.unwrap();
    let f2 = g.finding(second.findings[0]).unwrap().claim.unwrap();
    assert_eq!(f1, f2);
    assert_eq!(
        g.edge(f1).unwrap().edge.evidence,
        vec![first.findings[0], second.findings[0]]
    );
}

fn a_rejected_analysis_leaves_no_trace(store: &ScratchStore) {
    let mut g = ResearchGraph::open(store.location()).unwrap();
    let run = g.start_run("r", None).unwrap();
    let before = g.export_json(&g.select_all()).unwrap();
    let bad = NewFinding {
        p: f64::NAN,
        ..de_finding("EGFR", "Tumor", 1.0, 0.01, 0.02)
    };
    let err = g
        .record_analysis(
            analysis(run, "s", "m"),
            vec![de_finding("MYC", "Tumor", 1.0, 0.01, 0.02), bad],
        )
        .unwrap_err();
    assert!(
        matches!(err, GraphError::InvalidFinding { index: 1, .. }),
        "{err}"
    );
    let reversed = NewFinding {
        ci_low: Some(2.0),
        ci_high: Some(1.0),
        ..de_finding("EGFR", "Tumor", 1.0, 0.01, 0.02)
    };
    assert!(
        g.record_analysis(analysis(run, "s", "m"), vec![reversed])
            .is_err()
    );
    let unknown_run = graph::RunId::new(999);
    assert!(matches!(
        g.record_analysis(analysis(unknown_run, "s", "m"), vec![]),
        Err(GraphError::UnknownRun(_))
    ));
    assert_eq!(g.export_json(&g.select_all()).unwrap(), before);
    assert!(g.entity_by_key(EntityKind::Gene, "MYC").is_none());
}

fn read_only_instances_refuse_writes_and_see_new_commits_on_reload(store: &ScratchStore) {
    let path = store.location().clone();
    let mut writer = ResearchGraph::open(&path).unwrap();
    let run = writer.start_run("r", None).unwrap();
    let mut reader = ResearchGraph::open_read_only(&path).unwrap();
    assert!(reader.is_read_only());
    assert!(matches!(
        reader.start_run("nope", None),
        Err(GraphError::Store(StoreError::ReadOnly))
    ));
    writer
        .record_analysis(
            analysis(run, "s", "m"),
            vec![de_finding("MYC", "Tumor", 1.0, 0.01, 0.02)],
        )
        .unwrap();
    assert_eq!(reader.stats().nodes.get("finding"), None);
    reader.reload().unwrap();
    assert_eq!(reader.stats().nodes["finding"], 1);
    assert_eq!(
        reader.export_json(&reader.select_all()).unwrap(),
        writer.export_json(&writer.select_all()).unwrap()
    );
}

fn schema_is_versioned_and_newer_stores_are_refused(store: &ScratchStore) {
    let path = store.location().clone();
    {
        let g = ResearchGraph::open(&path).unwrap();
        assert!(!g.is_read_only());
        drop(g);
        let mut db = graph::sql::connect(&path).unwrap();
        assert_eq!(
            schema::version(db.as_mut()).unwrap(),
            schema::current_version()
        );
        // Migrating twice is a no-op.
        let mut again = graph::store::open(&path, false).unwrap();
        assert_eq!(
            again.meta("migration.1").unwrap().as_deref(),
            Some("initial graph schema")
        );
        assert_eq!(
            again.meta("migration.3").unwrap().as_deref(),
            Some(schema::MIGRATIONS[2].description)
        );
        schema::set_version(db.as_mut(), schema::current_version() + 1).unwrap();
    }
    match ResearchGraph::open(&path) {
        Err(GraphError::Store(StoreError::SchemaTooNew { found, supported })) => {
            assert_eq!(found, schema::current_version() + 1);
            assert_eq!(supported, schema::current_version());
        }
        other => panic!("expected SchemaTooNew, got {:?}", other.err()),
    }
    assert!(matches!(
        ResearchGraph::open_read_only(&path),
        Err(GraphError::Store(StoreError::SchemaTooNew { .. }))
    ));
}

/// A store written by the previous release (schema version 2: graph and control plane, no graph
/// commit counter) opens in this one: it is migrated, keeps its rows and works as a new one.
fn a_store_of_the_previous_version_is_migrated_with_its_rows(store: &ScratchStore) {
    let path = store.location().clone();
    {
        let mut db = graph::sql::connect(&path).unwrap();
        schema::migrate_to(db.as_mut(), 2).unwrap();
        assert_eq!(schema::version(db.as_mut()).unwrap(), 2);
        db.execute(
            "INSERT INTO runs(id, label, notes, started_at) VALUES (1, 'old run', NULL, 5)",
            &[],
        )
        .unwrap();
        db.execute(
            "INSERT INTO studies(name, source, created_at) VALUES ('old study', 'demo', 5)",
            &[],
        )
        .unwrap();
    }
    // Read-only openers refuse to migrate; a writable one migrates.
    assert!(matches!(
        ResearchGraph::open_read_only(&path),
        Err(GraphError::Store(StoreError::NeedsMigration {
            found: 2,
            ..
        }))
    ));
    let mut g = ResearchGraph::open(&path).unwrap();
    assert_eq!(g.run(graph::RunId::new(1)).unwrap().label, "old run");
    let run = g.start_run("new run", None).unwrap();
    assert_eq!(run, graph::RunId::new(2));
    g.record_analysis(
        analysis(run, "s", "m"),
        vec![de_finding("MYC", "Tumor", 1.0, 0.01, 0.02)],
    )
    .unwrap();
    let control = graph::control::ControlStore::open(&path).unwrap();
    assert!(control.study_by_name("old study").unwrap().is_some());
    let mut db = graph::sql::connect(&path).unwrap();
    assert_eq!(
        schema::version(db.as_mut()).unwrap(),
        schema::current_version()
    );
    let reader = ResearchGraph::open_read_only(&path).unwrap();
    assert_eq!(reader.stats().nodes["finding"], 1);
    assert!(g.check_integrity().unwrap().is_consistent());
}

fn deleting_a_run_keeps_other_runs_and_their_ids(store: &ScratchStore) {
    let path = store.location().clone();
    let mut g = ResearchGraph::open(&path).unwrap();
    let keep = write_story(&mut g, "keep", "cptac-ucec");
    let drop_run = g.start_run("discard", None).unwrap();
    let dropped = g
        .record_analysis(
            analysis(drop_run, "cptac-ucec", "differential_abundance"),
            vec![
                de_finding("PTEN", "Tumor", -1.0, 1e-4, 1e-3), // shared relation
                de_finding("BRCA1", "Tumor", 0.9, 1e-4, 1e-3), // only this run
            ],
        )
        .unwrap();
    let shared_edge = g.finding(dropped.findings[0]).unwrap().claim.unwrap();
    let own_edge = g.finding(dropped.findings[1]).unwrap().claim.unwrap();
    assert_eq!(g.edge(shared_edge).unwrap().edge.evidence.len(), 2);

    let deleted = g.delete_run(drop_run).unwrap();
    assert_eq!(deleted.nodes, 3); // analysis + 2 findings
    assert!(g.run(drop_run).is_none());
    assert!(g.finding(dropped.findings[0]).is_none());
    assert_eq!(
        g.edge(shared_edge).unwrap().edge.evidence,
        vec![keep.first.findings[0]]
    );
    assert!(
        g.edge(own_edge).is_none(),
        "relation with no evidence left is removed"
    );
    // Entities stay; ids of the kept run are still valid.
    assert!(g.entity_by_key(EntityKind::Gene, "BRCA1").is_some());
    assert!(g.evidence_chain(keep.hypothesis).is_ok());
    let memory = g.export_json(&g.select_all()).unwrap();
    drop(g);
    let mut g = ResearchGraph::open(&path).unwrap();
    assert_eq!(g.export_json(&g.select_all()).unwrap(), memory);
    assert!(g.check_integrity().unwrap().is_consistent());
    // Derived edges of the kept run survive too.
    let produced = g.stats().edges[EdgeKind::Process(ProcessKind::Produced).as_str()];
    assert_eq!(produced, 6);
    assert!(g.stats().edges.contains_key(RelationKind::LowerIn.as_str()));
}

/// A finding's warning (the analysis's caveat) and its typed test read back after reopening, in
/// the writer's memory and from the store; a store from before the warning column (schema 3)
/// migrates and reads NULL as no warning; a test name no build knows is an error, not a panic.
fn a_finding_keeps_its_warning_and_test(store: &ScratchStore) {
    let path = store.location().clone();
    let warned = NewFinding {
        test: graph::TestKind::CoxFirth,
        warning: Some("Cox fit separated; Firth-penalised".into()),
        ..de_finding("PTEN", "Tumor", -1.0, 0.001, 0.01)
    };
    let (with, without) = {
        let mut g = ResearchGraph::open(&path).unwrap();
        let run = g.start_run("warned", None).unwrap();
        let recorded = g
            .record_analysis(
                analysis(run, "s", "m"),
                vec![warned, de_finding("MYC", "Tumor", 1.0, 0.01, 0.02)],
            )
            .unwrap();
        let (with, without) = (recorded.findings[0], recorded.findings[1]);
        let f = g.finding(with).unwrap();
        assert_eq!(f.test, graph::TestKind::CoxFirth);
        assert_eq!(
            f.warning.as_deref(),
            Some("Cox fit separated; Firth-penalised")
        );
        (with, without)
    };
    let g = ResearchGraph::open_read_only(&path).unwrap();
    let f = g.finding(with).unwrap();
    assert_eq!(f.test, graph::TestKind::CoxFirth);
    assert_eq!(
        f.warning.as_deref(),
        Some("Cox fit separated; Firth-penalised")
    );
    assert_eq!(g.finding(without).unwrap().warning, None);
    assert_eq!(g.finding(without).unwrap().test, graph::TestKind::WelchT);
    drop(g);

    // The stored text is the test's stable name, as before the type.
    let mut db = graph::sql::connect(&path).unwrap();
    let text = db
        .row(
            "SELECT test FROM findings WHERE node_id = ?1",
            &[graph::sql::Arg::Int(with.node().get())],
            |r| r.text(0),
        )
        .unwrap();
    assert_eq!(text.as_deref(), Some("cox_firth"));

    // A store of schema 3 had no warning column: it migrates and its findings read None.
    db.batch("ALTER TABLE findings DROP COLUMN warning")
        .unwrap();
    schema::set_version(db.as_mut(), 3).unwrap();
    drop(db);
    let g = ResearchGraph::open(&path).unwrap();
    assert_eq!(g.finding(with).unwrap().warning, None);
    assert_eq!(g.finding(with).unwrap().test, graph::TestKind::CoxFirth);
    drop(g);

    // Text that names no test is a clear error when the store is read.
    let mut db = graph::sql::connect(&path).unwrap();
    db.execute(
        "UPDATE findings SET test = 'spearman_rho' WHERE node_id = ?1",
        &[graph::sql::Arg::Int(with.node().get())],
    )
    .unwrap();
    drop(db);
    let err = ResearchGraph::open_read_only(&path)
        .err()
        .expect("unknown test refused");
    assert!(
        err.to_string().contains("spearman_rho"),
        "the error names the text: {err}"
    );
}

/// The store keeps a hypothesis whole (statement, entities, evidence, score, chain), and a row
/// written before it did, whose JSON held only the score (`id`, `rank`, `kind`, `score`,
/// `replication`), still reads: its statement from its column, the newer fields empty.
fn a_hypothesis_is_stored_whole_and_old_rows_still_read(store: &ScratchStore) {
    let path = store.location().clone();
    let mut whole = scored(0.7);
    whole.statement = "PTEN protein is lower in tumours, as a chain".into();
    whole.evidence = vec![graph::Evidence {
        finding: "F1.0".into(),
        step: 1,
        row: 0,
        role: graph::EvidenceRole::Primary,
        summary: "proteome PTEN (Tumor vs Normal): difference -1.00".into(),
    }];
    whole.statement_source = graph::StatementSource::Llm;
    whole.template_statement = Some("PTEN protein is lower in tumours".into());
    let id = {
        let mut g = ResearchGraph::open(&path).unwrap();
        let run = g.start_run("whole", None).unwrap();
        g.add_hypothesis(graph::NewHypothesis {
            run,
            hypothesis: whole.clone(),
            status: graph::HypothesisStatus::Proposed,
            supported_by: Vec::new(),
            contradicted_by: Vec::new(),
            derived_from: Vec::new(),
            concerns: Vec::new(),
        })
        .unwrap()
    };
    let g = ResearchGraph::open_read_only(&path).unwrap();
    assert_eq!(*g.hypothesis(id).unwrap().hypothesis, whole);
    drop(g);

    let old = r#"{"id":"H3","rank":3,"kind":"survival","score":{"significance":1,"effect":1,
        "consistency":1,"reliability":1,"novelty":0.5,"clinical_relevance":0.5,"replication":1,
        "total":0.6,"novelty_reason":""},"replication":{"status":"not_tested","cohort":"",
        "effect":null,"p":null,"n":null,"detail":""}}"#;
    let mut db = graph::sql::connect(&path).unwrap();
    db.execute(
        "UPDATE hypotheses SET score = ?2, statement = ?3 WHERE node_id = ?1",
        &[
            graph::sql::Arg::Int(id.node().get()),
            graph::sql::Arg::Text(old.into()),
            graph::sql::Arg::Text("MYC predicts survival".into()),
        ],
    )
    .unwrap();
    drop(db);
    let g = ResearchGraph::open_read_only(&path).unwrap();
    let h = &g.hypothesis(id).unwrap().hypothesis;
    assert_eq!(
        (h.id.as_str(), h.rank, h.kind.as_str()),
        ("H3", 3, "survival")
    );
    assert_eq!(h.statement, "MYC predicts survival");
    assert_eq!(h.score.total, 0.6);
    assert_eq!(h.statement_source, graph::StatementSource::Template);
    assert!(h.evidence.is_empty() && h.entities.is_empty() && h.template_statement.is_none());
}

/// The in-memory store keeps a finding's warning too.
#[test]
fn an_in_memory_store_keeps_a_finding_s_warning() {
    let mut g = ResearchGraph::open_in_memory().unwrap();
    let run = g.start_run("memory", None).unwrap();
    let recorded = g
        .record_analysis(
            analysis(run, "s", "m"),
            vec![NewFinding {
                warning: Some("proportional hazards doubtful (Schoenfeld p=0.01)".into()),
                ..de_finding("PTEN", "Tumor", -1.0, 0.001, 0.01)
            }],
        )
        .unwrap();
    assert_eq!(
        g.finding(recorded.findings[0]).unwrap().warning.as_deref(),
        Some("proportional hazards doubtful (Schoenfeld p=0.01)")
    );
    g.reload().unwrap();
    assert_eq!(
        g.finding(recorded.findings[0]).unwrap().warning.as_deref(),
        Some("proportional hazards doubtful (Schoenfeld p=0.01)")
    );
}

on_both_backends!(
    a_finding_keeps_its_warning_and_test,
    a_hypothesis_is_stored_whole_and_old_rows_still_read,
    schema_is_versioned_and_newer_stores_are_refused,
    a_store_of_the_previous_version_is_migrated_with_its_rows,
    reopening_rebuilds_an_identical_graph,
    new_ids_continue_after_reopen,
    a_rejected_analysis_leaves_no_trace,
    read_only_instances_refuse_writes_and_see_new_commits_on_reload,
    deleting_a_run_keeps_other_runs_and_their_ids,
);
