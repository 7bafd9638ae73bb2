//! A writer killed with SIGKILL mid-way leaves a consistent store: every analysis it reported as
//! committed is there with all its findings, nothing half-written is visible, and the store can
//! be opened and written again. On both backends.
//!
//! The test re-runs its own binary as the writer (selected by an environment variable), so no
//! helper binary is needed.

mod common;

use common::{analysis, de_finding};
use graph::sql::{Backend, StoreLocation};
use graph::{Node, ResearchGraph};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD_ENV: &str = "HYPOMICS_GRAPH_CRASH_WRITER_DB";
const FINDINGS_PER_ANALYSIS: usize = 400;

/// The child's job: write analyses until killed, announcing each commit on stdout.
fn write_until_killed(db: &str) -> ! {
    let mut g = ResearchGraph::open(db).unwrap();
    let run = g.start_run("crash test writer", None).unwrap();
    let mut stdout = std::io::stdout();
    let mut i = 0u64;
    loop {
        let findings = (0..FINDINGS_PER_ANALYSIS)
            .map(|j| de_finding(&format!("G{}X{j}", i % 7), "Tumor", 1.0, 0.01, 0.02))
            .collect();
        let recorded = g
            .record_analysis(analysis(run, "crash-study", "screen"), findings)
            .unwrap();
        writeln!(stdout, "committed {}", recorded.analysis.node().get()).unwrap();
        stdout.flush().unwrap();
        i += 1;
    }
}

#[test]
fn killed_writer_leaves_a_consistent_store_sqlite() {
    killed_writer_leaves_a_consistent_store(
        Backend::Sqlite,
        "killed_writer_leaves_a_consistent_store_sqlite",
    );
}

#[test]
fn killed_writer_leaves_a_consistent_store_postgres() {
    killed_writer_leaves_a_consistent_store(
        Backend::Postgres,
        "killed_writer_leaves_a_consistent_store_postgres",
    );
}

fn killed_writer_leaves_a_consistent_store(backend: Backend, test_name: &str) {
    // In the child, before any store is made: a killed child never cleans up.
    if let Ok(db) = std::env::var(CHILD_ENV) {
        write_until_killed(&db);
    }
    let scratch = common::scratch(backend);
    let path: StoreLocation = scratch.location().clone();
    let exe = std::env::current_exe().unwrap();
    let mut reported_total = 0;

    // Three writers in a row, each killed at a different moment, all on the same store.
    for round in 0..3u64 {
        let mut child = Command::new(&exe)
            .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, scratch.as_path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let wanted = 2 + round as usize;
        let mut reported = 0;
        while reported < wanted {
            match lines.next() {
                // libtest may print "test NAME ... " without a newline before our first line.
                Some(line) if line.as_ref().unwrap().contains("committed ") => reported += 1,
                Some(_) => {}
                None => panic!("writer exited before committing {wanted} analyses"),
            }
        }
        // Land the kill somewhere inside the next analysis (staging, inserting or committing).
        std::thread::sleep(Duration::from_millis(5 + 17 * round));
        child.kill().unwrap(); // SIGKILL on Unix: no destructors, no rollback, no flush
        let status = child.wait().unwrap();
        assert!(!status.success());
        // Commits announced between our last read and the kill count too.
        reported += lines
            .map_while(|l| l.ok())
            .filter(|l| l.contains("committed "))
            .count();
        reported_total += reported;

        let mut store = graph::store::open(&path, false).unwrap();
        let report = store.check_integrity().unwrap();
        assert!(report.is_consistent(), "round {round}: {report:?}");
        let snapshot = store.load().unwrap();
        let analyses = snapshot
            .nodes
            .iter()
            .filter(|n| matches!(n.node, Node::Analysis(_)))
            .count();
        let findings = snapshot
            .nodes
            .iter()
            .filter(|n| matches!(n.node, Node::Finding(_)))
            .count();
        assert!(
            analyses >= reported_total,
            "round {round}: {reported_total} commits reported, {analyses} stored"
        );
        // At most the one analysis in flight may have made it to disk unannounced.
        assert!(
            analyses <= reported_total + round as usize + 1,
            "round {round}: {reported_total} reported, {analyses} stored"
        );
        eprintln!("round {round}: {reported_total} commits announced, {analyses} analyses stored");
        // Earlier rounds each added one empty "check" analysis.
        assert_eq!(
            findings,
            (analyses - round as usize) * FINDINGS_PER_ANALYSIS
        );
        drop(store);

        // The graph rebuilds and accepts new writes.
        let mut g = ResearchGraph::open(&path).unwrap();
        assert_eq!(g.stats().nodes["analysis"], analyses);
        let run = g.start_run("after crash", None).unwrap();
        g.record_analysis(analysis(run, "crash-study", "check"), vec![])
            .unwrap();
        reported_total += 1;
    }
}
