//! SQLite and PostgreSQL side by side: how many jobs per second 1, 2 and 4 workers claim (and
//! finish) from one queue, and how long a dashboard waits for its reads on a store of 100 runs
//! (reloading the graph after a commit, asking whether the store moved, listing the runs' top
//! findings). PostgreSQL is the local server (`HYPOMICS_TEST_POSTGRES` overrides it); each
//! measurement gets a fresh database. `cargo bench -p hypomics-graph --bench backends`; add
//! `-- --small` for a quick check (also what a debug run should use).

use datasets::{FeatureId, SampleId};
use graph::control::{ControlStore, JobTrigger, NewJob, NewStudy, Outcome, StudySource};
use graph::sql::Backend;
use graph::sql::scratch::ScratchStore;
use graph::{
    Claim, EntityRef, FindingOrder, FindingQuery, InputFile, NewAnalysis, NewFinding, RelationKind,
    ResearchGraph, RunId, Scope, Timestamp,
};
use std::time::{Duration, Instant};

struct Size {
    jobs: usize,
    runs: usize,
    findings_per_run: usize,
    repeats: usize,
}

fn t(seconds: i64) -> Timestamp {
    Timestamp::from_millis(1_800_000_000_000 + seconds * 1000)
}

/// Jobs per second `workers` threads (each with its own connection) claim and finish.
fn claim_throughput(backend: Backend, workers: usize, jobs: usize) -> f64 {
    let scratch = ScratchStore::new(backend).expect("scratch store");
    let mut control = ControlStore::open(scratch.location()).expect("store");
    let study = control
        .register_study(
            NewStudy {
                name: "bench".into(),
                source: StudySource::Demo,
                path: None,
                profile: None,
            },
            t(0),
        )
        .expect("study");
    for _ in 0..jobs {
        control
            .enqueue(
                NewJob {
                    study: study.id,
                    spec: serde_json::json!({}),
                    trigger: JobTrigger::Batch,
                    schedule: None,
                    force: false,
                    max_attempts: 1,
                },
                t(0),
            )
            .expect("enqueue");
    }
    let started = Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let location = scratch.location().clone();
            std::thread::spawn(move || {
                let mut control = ControlStore::open(&location).expect("store");
                let name = format!("bench-{w}");
                let mut n = 0;
                while let Some(job) = control.claim_next(&name, t(1), t(600)).expect("claim") {
                    let fence = job.fence().expect("fence");
                    control
                        .finish(
                            &fence,
                            Outcome::Done {
                                outcome: "ran".into(),
                                result: serde_json::json!({}),
                            },
                            t(2),
                        )
                        .expect("finish");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let claimed: usize = handles.into_iter().map(|h| h.join().expect("worker")).sum();
    assert_eq!(claimed, jobs, "every job claimed exactly once");
    jobs as f64 / started.elapsed().as_secs_f64()
}

fn analysis(run: RunId) -> NewAnalysis {
    NewAnalysis {
        run,
        study: "bench-study".into(),
        direction: None,
        module: "differential_abundance".into(),
        params: serde_json::json!({"method": "welch"}),
        input_layers: vec!["proteomics".into()],
        sample_set: (0..50).map(|i| SampleId::new(format!("S{i:03}"))).collect(),
        inputs: vec![InputFile {
            path: "proteomics.cct.gz".into(),
            sha256: "0".repeat(64),
        }],
        software_version: graph::SOFTWARE_VERSION.into(),
        derived_from: Vec::new(),
    }
}

fn finding(i: usize) -> NewFinding {
    let feature = FeatureId::new(format!("GENE{}", i % 500));
    NewFinding {
        layer: "proteomics".into(),
        feature: feature.clone(),
        variable: "tumor_normal".into(),
        contrast: Some("Tumor vs rest".into()),
        test: graph::TestKind::WelchT,
        statistic: 2.0,
        effect: 0.5 + (i % 7) as f64 / 10.0,
        ci_low: Some(0.1),
        ci_high: Some(0.9),
        p: 1e-3,
        q: Some(1e-2 * (1 + i % 5) as f64),
        n: 50,
        warning: None,
        claim: Some(Claim {
            subject: EntityRef::from_feature(&feature),
            relation: RelationKind::HigherIn,
            object: EntityRef::SampleGroup("Tumor".into()),
        }),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Median milliseconds of: a full reload, the staleness check, and the top findings of every run.
fn dashboard_reads(backend: Backend, size: &Size) -> (f64, f64, f64) {
    let scratch = ScratchStore::new(backend).expect("scratch store");
    let mut writer = ResearchGraph::open(scratch.location()).expect("graph");
    for r in 0..size.runs {
        let run = writer.start_run(&format!("run {r}"), None).expect("run");
        writer
            .record_analysis(
                analysis(run),
                (0..size.findings_per_run).map(finding).collect(),
            )
            .expect("analysis");
    }
    let mut reader = ResearchGraph::open_read_only(scratch.location()).expect("reader");
    let reload = median(
        (0..size.repeats)
            .map(|_| {
                let s = Instant::now();
                reader.reload().expect("reload");
                s.elapsed()
            })
            .collect(),
    );
    let stale = median(
        (0..size.repeats * 20)
            .map(|_| {
                let s = Instant::now();
                assert!(!reader.is_stale().expect("stale"));
                s.elapsed()
            })
            .collect(),
    );
    let runs: Vec<RunId> = reader.runs().map(|r| r.id).collect();
    let query = median(
        (0..size.repeats)
            .map(|_| {
                let s = Instant::now();
                for run in &runs {
                    let top = reader.top_findings(&FindingQuery::top(
                        Scope::run(*run),
                        FindingOrder::Q,
                        10,
                    ));
                    assert!(!top.is_empty());
                }
                s.elapsed()
            })
            .collect(),
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(reload), ms(stale), ms(query))
}

fn main() {
    let small = std::env::args().any(|a| a == "--small");
    let size = if small {
        Size {
            jobs: 20,
            runs: 5,
            findings_per_run: 20,
            repeats: 3,
        }
    } else {
        Size {
            jobs: 400,
            runs: 100,
            findings_per_run: 200,
            repeats: 7,
        }
    };
    println!(
        "claim throughput ({} jobs, claim + finish each), jobs/s",
        size.jobs
    );
    println!("{:>10} {:>10} {:>12}", "workers", "SQLite", "PostgreSQL");
    for workers in [1, 2, 4] {
        let sqlite = claim_throughput(Backend::Sqlite, workers, size.jobs);
        let pg = claim_throughput(Backend::Postgres, workers, size.jobs);
        println!("{workers:>10} {sqlite:>10.0} {pg:>12.0}");
    }
    println!(
        "dashboard reads on {} runs x {} findings, median ms",
        size.runs, size.findings_per_run
    );
    println!("{:>24} {:>10} {:>12}", "read", "SQLite", "PostgreSQL");
    let s = dashboard_reads(Backend::Sqlite, &size);
    let p = dashboard_reads(Backend::Postgres, &size);
    println!("{:>24} {:>10.2} {:>12.2}", "reload whole graph", s.0, p.0);
    println!("{:>24} {:>10.3} {:>12.3}", "is the store stale?", s.1, p.1);
    println!(
        "{:>24} {:>10.2} {:>12.2}",
        "top findings of each run", s.2, p.2
    );
}
