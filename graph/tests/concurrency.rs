//! Readers on their own connections (the dashboard) while the writer (the agent) commits: WAL
//! (SQLite) or MVCC snapshots (PostgreSQL) let them read without blocking, and each read sees
//! whole analyses only.

#[macro_use]
mod common;

use common::{analysis, de_finding};
use graph::sql::scratch::ScratchStore;
use graph::store::ChangeSet;
use graph::{Node, ResearchGraph};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant};

const ANALYSES: usize = 24;
const FINDINGS_PER_ANALYSIS: usize = 60;
const READERS: usize = 3;

/// Checks one snapshot: every finding's analysis is there and every analysis has all its
/// findings. Returns the number of analyses seen.
fn check_snapshot(snapshot: &ChangeSet) -> usize {
    let mut declared: HashMap<i64, u32> = HashMap::new();
    let mut found: HashMap<i64, u32> = HashMap::new();
    for record in &snapshot.nodes {
        match &record.node {
            Node::Analysis(a) => {
                declared.insert(record.id.get(), a.n_findings);
            }
            Node::Finding(f) => *found.entry(f.analysis.node().get()).or_default() += 1,
            _ => {}
        }
    }
    for analysis in found.keys() {
        assert!(
            declared.contains_key(analysis),
            "finding without its analysis"
        );
    }
    for (analysis, n) in &declared {
        assert_eq!(
            found.get(analysis).copied().unwrap_or(0),
            *n,
            "partial analysis visible"
        );
    }
    declared.len()
}

fn readers_see_whole_analyses_while_a_writer_commits(store: &ScratchStore) {
    let path = store.location().clone();
    drop(ResearchGraph::open(&path).unwrap()); // create the schema before readers open

    let done = Arc::new(AtomicBool::new(false));
    let newest_seen = Arc::new(AtomicUsize::new(0));
    let observed = Arc::new(Mutex::new(Vec::<usize>::new()));

    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let (path, done, newest_seen, observed) = (
                path.clone(),
                done.clone(),
                newest_seen.clone(),
                observed.clone(),
            );
            thread::spawn(move || {
                let mut store = graph::store::open(&path, true).unwrap();
                let mut last = 0;
                let mut loads = 0;
                loop {
                    let finished = done.load(Ordering::SeqCst);
                    let seen = check_snapshot(&store.load().unwrap());
                    assert!(
                        seen >= last,
                        "reader {r} went back in time: {last} -> {seen}"
                    );
                    last = seen;
                    loads += 1;
                    newest_seen.fetch_max(seen, Ordering::SeqCst);
                    observed.lock().unwrap().push(seen);
                    if loads % 10 == 0 {
                        assert!(store.check_integrity().unwrap().is_consistent());
                        // A full graph rebuild on a third connection works mid-write too.
                        let g = ResearchGraph::open_read_only(&path).unwrap();
                        assert!(g.stats().nodes.get("analysis").copied().unwrap_or(0) >= seen);
                    }
                    if finished {
                        return (loads, last);
                    }
                }
            })
        })
        .collect();

    let writer = {
        let (path, done, newest_seen) = (path.clone(), done.clone(), newest_seen.clone());
        thread::spawn(move || {
            let mut g = ResearchGraph::open(&path).unwrap();
            let run = g.start_run("concurrent", None).unwrap();
            for i in 0..ANALYSES {
                let findings = (0..FINDINGS_PER_ANALYSIS)
                    .map(|j| de_finding(&format!("GENE{i}X{j}"), "Tumor", 1.0, 0.01, 0.02))
                    .collect();
                g.record_analysis(analysis(run, "study", "screen"), findings)
                    .unwrap();
                // Every few commits let the readers catch up, so they certainly observe
                // intermediate states (reads still overlap the other commits).
                if i % 6 == 5 {
                    let deadline = Instant::now() + Duration::from_secs(20);
                    while newest_seen.load(Ordering::SeqCst) < i + 1 && Instant::now() < deadline {
                        thread::sleep(Duration::from_millis(2));
                    }
                }
            }
            done.store(true, Ordering::SeqCst);
        })
    };

    writer.join().unwrap();
    for reader in readers {
        let (loads, last) = reader.join().unwrap();
        assert!(loads >= 2);
        assert_eq!(
            last, ANALYSES,
            "the last load after the writer finished sees everything"
        );
    }
    let mut counts = observed.lock().unwrap().clone();
    counts.sort_unstable();
    counts.dedup();
    assert!(
        counts.iter().filter(|c| **c > 0 && **c < ANALYSES).count() >= 3,
        "readers saw intermediate states: {counts:?}"
    );
}

fn one_graph_can_be_shared_by_threads_behind_a_rwlock(store: &ScratchStore) {
    let g = Arc::new(RwLock::new(ResearchGraph::open(store.location()).unwrap()));
    let run = g.write().unwrap().start_run("shared", None).unwrap();
    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let g = g.clone();
            thread::spawn(move || {
                let mut last = 0;
                for _ in 0..200 {
                    let guard = g.read().unwrap();
                    let n = guard.stats().nodes.get("finding").copied().unwrap_or(0);
                    assert!(n >= last && n % FINDINGS_PER_ANALYSIS == 0, "{last} -> {n}");
                    last = n;
                }
            })
        })
        .collect();
    for i in 0..10 {
        let findings = (0..FINDINGS_PER_ANALYSIS)
            .map(|j| de_finding(&format!("GENE{i}X{j}"), "Tumor", 1.0, 0.01, 0.02))
            .collect();
        g.write()
            .unwrap()
            .record_analysis(analysis(run, "study", "screen"), findings)
            .unwrap();
    }
    for reader in readers {
        reader.join().unwrap();
    }
    assert_eq!(
        g.read().unwrap().stats().nodes["finding"],
        10 * FINDINGS_PER_ANALYSIS
    );
}

/// Two writers on one store, each with its own in-memory graph (two jobs of one server, or two
/// servers): ids and entities are minted under the write lock from a snapshot refreshed there, so
/// neither writer reuses an id or duplicates an entity the other just committed.
fn two_writers_interleave_without_colliding(store: &ScratchStore) {
    let path = store.location().clone();
    let mut first = ResearchGraph::open(&path).unwrap();
    let mut second = ResearchGraph::open(&path).unwrap();
    // Both loaded the empty store; now each starts a run and records the same gene.
    let run_a = first.start_run("a", None).unwrap();
    let run_b = second.start_run("b", None).unwrap();
    assert_ne!(run_a, run_b);
    let a = first
        .record_analysis(
            analysis(run_a, "s", "m"),
            vec![de_finding("EGFR", "Tumor", 1.0, 0.01, 0.02)],
        )
        .unwrap();
    let b = second
        .record_analysis(
            analysis(run_b, "s", "m"),
            vec![de_finding("EGFR", "Tumor", 0.8, 0.02, 0.03)],
        )
        .unwrap();
    assert_ne!(a.findings, b.findings);

    // And from threads, many small analyses each.
    let handles: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            thread::spawn(move || {
                let mut g = ResearchGraph::open(&path).unwrap();
                let run = g.start_run(&format!("thread {w}"), None).unwrap();
                for i in 0..15 {
                    let gene = ["TP53", "PTEN", "MYC", "KRAS"][i % 4];
                    g.record_analysis(
                        analysis(run, "s", &format!("m{i}")),
                        vec![de_finding(gene, "Tumor", 1.0 + i as f64, 0.01, 0.02)],
                    )
                    .unwrap();
                }
                run
            })
        })
        .collect();
    let runs: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();

    let mut g = ResearchGraph::open(&path).unwrap();
    assert!(g.check_integrity().unwrap().is_consistent());
    assert_eq!(g.runs().count(), 4);
    for run in runs {
        let findings = g.top_findings(&graph::FindingQuery::top(
            graph::Scope::run(run),
            graph::FindingOrder::Q,
            usize::MAX,
        ));
        assert_eq!(findings.len(), 15);
    }
    assert!(g.entity_by_key(graph::EntityKind::Gene, "EGFR").is_some());
}

on_both_backends!(
    readers_see_whole_analyses_while_a_writer_commits,
    one_graph_can_be_shared_by_threads_behind_a_rwlock,
    two_writers_interleave_without_colliding,
);
