//! Recording runs in the graph store: two runs of the same study with the same seed are two runs,
//! each with its own analyses and findings (a rerun once reused the first run's analyses and then
//! overwrote their q-values with its own).

use agent::run::{Budget, Persistence, RunConfig, run};
use graph::{FindingOrder, FindingQuery, ResearchGraph, Scope};

fn record_run(
    study: &datasets::Study,
    store: &std::path::Path,
    out: &std::path::Path,
    max_analyses: usize,
) -> agent::run::RunResult {
    let knowledge = agent::knowledge::Knowledge::embedded().expect("knowledge");
    let config = RunConfig {
        permutations: 0,
        budget: Budget {
            max_analyses,
            max_seconds: 600.0,
        },
        ..RunConfig::default()
    };
    let persistence = Persistence {
        out_dir: out.to_path_buf(),
        resume: false,
        store: Some(store.to_path_buf()),
        stop: None,
        fence: None,
    };
    let mut planner = agent::planner::OfflinePlanner::default();
    run(
        study,
        &knowledge,
        &config,
        Some(&persistence),
        &mut planner,
        &mut |_| {},
    )
    .expect("run")
}

#[test]
fn reruns_record_their_own_analyses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("hypomics.db");
    let study = datasets::demo::load().expect("demo");
    record_run(&study, &store, &dir.path().join("first"), 3);
    let findings_of = |graph: &ResearchGraph, run| {
        graph
            .top_findings(&FindingQuery::top(
                Scope::run(run),
                FindingOrder::Q,
                usize::MAX,
            ))
            .into_iter()
            .map(|v| (v.id, v.finding.q))
            .collect::<Vec<_>>()
    };
    let graph = ResearchGraph::open_read_only(&store).expect("store");
    let first = graph.runs().map(|r| r.id).next().expect("first run");
    let before = findings_of(&graph, first);
    assert!(!before.is_empty());
    drop(graph);

    record_run(&study, &store, &dir.path().join("second"), 3);
    let graph = ResearchGraph::open_read_only(&store).expect("store");
    let runs: Vec<_> = graph.runs().map(|r| r.id).collect();
    assert_eq!(runs.len(), 2);
    let second = runs.into_iter().find(|r| *r != first).expect("second run");
    let after_first = findings_of(&graph, first);
    let of_second = findings_of(&graph, second);
    assert_eq!(
        after_first, before,
        "the first run's findings are untouched"
    );
    assert_eq!(
        of_second.len(),
        before.len(),
        "same inputs and seed, same number of findings"
    );
    assert!(
        of_second
            .iter()
            .all(|(id, _)| !before.iter().any(|(b, _)| b == id)),
        "the second run has findings of its own"
    );
}

/// A run interrupted while recording its hypotheses records them again on resume: none may be
/// in the graph twice.
#[test]
fn recording_hypotheses_again_adds_none_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("hypomics.db");
    let out = dir.path().join("run");
    let study = datasets::demo::load().expect("demo");
    let result = record_run(&study, &store, &out, 14);
    assert!(result.hypotheses.len() >= 2, "the demo gives hypotheses");
    let count = |graph: &ResearchGraph| graph.stats().nodes.get("hypothesis").copied();
    let before = count(&ResearchGraph::open_read_only(&store).expect("store"));
    assert_eq!(before, Some(result.hypotheses.len()));

    // The run's label as `run` makes it, so the recorder finds the run again.
    let label = format!(
        "{} (seed {}) -> {}",
        study.name,
        1,
        out.canonicalize().expect("out").display()
    );
    let mut recorder =
        agent::record::GraphRecorder::open(&store, &study, &label, true, None).expect("reopen");
    recorder
        .record_hypotheses(&result.hypotheses)
        .expect("record again");
    assert_eq!(count(recorder.graph()), before);
}
