//! `hypomics batch` as processes: a batch killed with SIGKILL in the middle of a job, whose job a
//! second worker recovers once the lease runs out and finishes from the run's journal; two batch
//! processes sharing one store's queue without taking a job twice; and the exit code when a
//! study fails.

mod common;

use common::hypomics;
use graph::control::{ControlStore, JobFilter, JobId, JobState};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use web::jobs::{SystemClock, Worker, WorkerConfig};

fn synthetic(dir: &Path, seed: u64) {
    let config = datasets::synth::SynthConfig {
        seed,
        n_tumours: 40,
        ..Default::default()
    };
    datasets::synth::write_synthetic_study(dir, &config).expect("synthetic study");
}

/// Opens the store once the child process has created it.
fn open_when_ready(store: &Path, deadline: Instant) -> ControlStore {
    loop {
        if store.is_file()
            && let Ok(control) = ControlStore::open(store)
            && control.job(JobId(1)).is_ok()
        {
            return control;
        }
        assert!(Instant::now() < deadline, "the batch never queued its job");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_killed_batch_job_is_recovered_after_its_lease_and_finished_from_its_journal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    synthetic(&tmp.path().join("study"), 42);
    let manifest = tmp.path().join("batch.toml");
    std::fs::write(
        &manifest,
        "[batch]\nworkspace = \"ws\"\nparallel = 1\n\n[[study]]\nname = \"synthetic\"\npath = \"study\"\n\
         max_analyses = 20\npermutations = 0\n",
    )
    .expect("manifest");
    let store = tmp.path().join("ws/hypomics.db");
    let mut child = hypomics()
        .args([
            "batch",
            manifest.to_str().expect("utf-8"),
            "--lease-seconds",
            "2",
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hypomics batch");
    let deadline = Instant::now() + Duration::from_secs(300);
    let control = open_when_ready(&store, deadline);
    let job = JobId(1);
    // Kill it as soon as the first analysis step is recorded.
    let steps_before = loop {
        let events = control.events_since(job, 0, 10_000).expect("events");
        let steps = events.iter().filter(|e| e.kind == "step").count();
        if steps > 0 {
            child.kill().expect("SIGKILL");
            break steps;
        }
        assert!(
            child.try_wait().expect("child").is_none(),
            "the batch ended before a step was seen"
        );
        assert!(Instant::now() < deadline, "no step recorded");
        std::thread::sleep(Duration::from_millis(10));
    };
    child.wait().expect("reap");
    let held = control.job(job).expect("job");
    assert_eq!(
        held.state,
        JobState::Running,
        "the dead batch still holds it"
    );
    assert!(
        held.worker
            .as_deref()
            .is_some_and(|w| w.starts_with("batch-"))
    );
    assert!(steps_before < 20);

    // Another worker (as `hypomics serve` or a later batch would run) on the same store and
    // workspace: it takes the job once the 2 s lease has run out and resumes the journal.
    let survivor = Worker::new(
        WorkerConfig {
            lease: Duration::from_secs(2),
            ..WorkerConfig::new("survivor", store.clone(), tmp.path().join("ws/runs"))
        },
        Arc::new(SystemClock),
    );
    let started = Instant::now();
    let ended = loop {
        if let Some(j) = survivor.run_once().expect("worker") {
            break j;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never recovered"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(ended.id, job);
    assert_eq!(ended.state, JobState::Done, "{:?}", ended.error);
    assert_eq!(ended.outcome.as_deref(), Some("ran"));
    assert_eq!(ended.attempts, 2);
    assert_eq!(ended.run, held.run, "the same graph run continues");
    let events = control.events_since(job, 0, 10_000).expect("events");
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    let recovered = kinds
        .iter()
        .position(|k| *k == "recovered")
        .expect("recovered");
    let resumed = events
        .iter()
        .find(|e| e.kind == "resumed")
        .expect("resumed from the journal");
    assert!(events.iter().position(|e| e.kind == "resumed") > Some(recovered));
    let journal_steps = resumed.data["steps"].as_u64().expect("steps");
    assert!(journal_steps >= 1, "{resumed:?}");
    // Steps done before the kill are replayed from the journal, not run again.
    let rerun = events
        .iter()
        .skip(recovered)
        .filter(|e| e.kind == "step" && e.data["replayed"] == false)
        .filter(|e| e.data["step"].as_u64() < Some(journal_steps))
        .count();
    assert_eq!(rerun, 0, "{kinds:?}");

    // A later batch on the same manifest finds nothing changed and exits 0.
    let out = hypomics()
        .args(["batch", manifest.to_str().expect("utf-8"), "--quiet"])
        .output()
        .expect("second batch");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("unchanged"), "{stdout}");
}

fn job_ids(control: &ControlStore) -> Vec<JobId> {
    control
        .jobs(&JobFilter::default())
        .expect("jobs")
        .into_iter()
        .map(|j| j.id)
        .collect()
}

#[test]
fn two_batch_processes_share_one_queue_without_taking_a_job_twice() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("[batch]\nworkspace = \"ws\"\nparallel = 2\n");
    for i in 0..3u64 {
        synthetic(&tmp.path().join(format!("s{i}")), 60 + i);
        text.push_str(&format!(
            "\n[[study]]\nname = \"s{i}\"\npath = \"s{i}\"\nmax_analyses = 2\npermutations = 0\n"
        ));
    }
    let manifest = tmp.path().join("batch.toml");
    std::fs::write(&manifest, &text).expect("manifest");
    // First, one batch runs the three studies one at a time (parallel analyses recording into
    // one graph store are exercised in web/tests/queue.rs).
    let sequential = tmp.path().join("sequential.toml");
    std::fs::write(&sequential, text.replace("parallel = 2", "parallel = 1")).expect("manifest");
    let out = hypomics()
        .args(["batch", sequential.to_str().expect("utf-8"), "--quiet"])
        .output()
        .expect("first batch");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Then two batch processes at once on the same store: six jobs (three each), every study
    // unchanged, four workers racing for claims.
    let spawn = || {
        hypomics()
            .args([
                "batch",
                manifest.to_str().expect("utf-8"),
                "--quiet",
                "--json",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("batch")
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let out = child.wait_with_output().expect("batch output");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
        let outcomes: Vec<&str> = report["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|r| r["outcome"].as_str())
            .collect();
        assert_eq!(outcomes, ["unchanged"; 3], "{report}");
    }
    let store: PathBuf = tmp.path().join("ws/hypomics.db");
    let control = ControlStore::open(&store).expect("store");
    let ids = job_ids(&control);
    assert_eq!(ids.len(), 9);
    let mut workers = std::collections::BTreeSet::new();
    for id in ids {
        let job = control.job(id).expect("job");
        assert_eq!(job.state, JobState::Done);
        assert_eq!(job.attempts, 1, "job {id} claimed once");
        let claims = control
            .events_since(id, 0, 1000)
            .expect("events")
            .into_iter()
            .filter(|e| e.kind == "claimed")
            .count();
        assert_eq!(claims, 1, "job {id}");
        if id.0 > 3 {
            // Worker names carry the process id: the two processes both took jobs, or one
            // was quick enough to take all six; either way, none twice.
            workers.insert(job.worker.unwrap_or_default());
        }
    }
    assert!(!workers.is_empty());
}

#[test]
fn a_failed_study_makes_the_batch_exit_non_zero() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("empty")).expect("dir");
    let manifest = tmp.path().join("batch.toml");
    std::fs::write(
        &manifest,
        "[batch]\n[[study]]\nname = \"empty\"\npath = \"empty\"\nmax_analyses = 2\n",
    )
    .expect("manifest");
    let out = hypomics()
        .args(["batch", manifest.to_str().expect("utf-8"), "--quiet"])
        .output()
        .expect("batch");
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("failed"), "{stdout}");
    assert!(stderr.contains("1 of 1 jobs did not finish"), "{stderr}");
}
