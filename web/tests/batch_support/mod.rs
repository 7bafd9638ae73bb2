//! Shared by the schedule, queue and batch tests: small synthetic studies, a tiny job spec, and
//! workers on a temporary store.

// Each test binary uses a different subset.
#![allow(dead_code)]

use graph::Timestamp;
use graph::control::{ControlStore, Job, JobEvent, JobId};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use web::jobs::{Clock, Worker, WorkerConfig};

/// A synthetic study small enough for debug builds (about a second per analysis step). The
/// same `seed` writes byte-identical files.
pub fn synth_config(seed: u64) -> datasets::synth::SynthConfig {
    datasets::synth::SynthConfig {
        seed,
        n_tumours: 80,
        ..Default::default()
    }
}

pub fn write_study(dir: &Path, config: &datasets::synth::SynthConfig) {
    datasets::synth::write_synthetic_study(dir, config).expect("synthetic study");
}

/// Eight analyses find the planted PTEN module in the 80-tumour synthetic study; permutations are
/// skipped (calibration is not what these tests are about).
pub fn tiny_spec(max_analyses: usize) -> serde_json::Value {
    serde_json::json!({"max_analyses": max_analyses, "permutations": 0})
}

pub fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap_or_else(|| panic!("timestamp {text}"))
}

pub fn worker(name: &str, store: &Path, runs: &Path, clock: Arc<dyn Clock>) -> Worker {
    worker_with(name, store, runs, clock, Duration::from_secs(60))
}

pub fn worker_with(
    name: &str,
    store: &Path,
    runs: &Path,
    clock: Arc<dyn Clock>,
    lease: Duration,
) -> Worker {
    Worker::new(
        WorkerConfig {
            lease,
            retry_base: Duration::from_millis(50),
            ..WorkerConfig::new(name, store.to_path_buf(), runs.to_path_buf())
        },
        clock,
    )
}

/// Runs jobs until the queue has none due.
pub fn drain(worker: &Worker) -> Vec<Job> {
    let mut ended = Vec::new();
    while let Some(job) = worker.run_once().expect("worker") {
        ended.push(job);
    }
    ended
}

pub fn events(store: &Path, job: JobId) -> Vec<JobEvent> {
    ControlStore::open(store)
        .expect("store")
        .events_since(job, 0, 100_000)
        .expect("events")
}

pub fn kinds(events: &[JobEvent]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

/// Replaces the first clinical value of the first sample (its age), so exactly one input file
/// changes and the study still loads.
pub fn touch_clinical(study: &Path) {
    let path = study.join("clinical.tsv");
    let text = std::fs::read_to_string(&path).expect("clinical.tsv");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut cells: Vec<String> = lines[1].split('\t').map(str::to_owned).collect();
    let age: u32 = cells[1].parse().expect("age");
    cells[1] = (age + 1).to_string();
    lines[1] = cells.join("\t");
    std::fs::write(&path, lines.join("\n") + "\n").expect("write clinical.tsv");
}

pub fn temp() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("hypomics.db");
    let runs = dir.path().join("runs");
    std::fs::create_dir_all(&runs).expect("runs dir");
    (dir, store, runs)
}
