//! Fencing: a worker's graph writes carry its job lease and stop landing once the lease moved to
//! another worker, on both backends.

#[macro_use]
mod common;

use common::{analysis, de_finding};
use graph::control::{ControlStore, JobTrigger, NewJob, NewStudy, StudySource};
use graph::sql::scratch::ScratchStore;
use graph::{GraphError, ResearchGraph, StoreError, Timestamp};

fn t(seconds: i64) -> Timestamp {
    Timestamp::from_millis(1_800_000_000_000 + seconds * 1000)
}

fn graph_writes_stop_landing_once_the_lease_moved(scratch: &ScratchStore) {
    let mut control = ControlStore::open(scratch.location()).expect("store");
    let study = control
        .register_study(
            NewStudy {
                name: "s".into(),
                source: StudySource::Demo,
                path: None,
                profile: None,
            },
            t(0),
        )
        .expect("study");
    control
        .enqueue(
            NewJob {
                study: study.id,
                spec: serde_json::json!({}),
                trigger: JobTrigger::Manual,
                schedule: None,
                force: false,
                max_attempts: 3,
            },
            t(0),
        )
        .expect("enqueue");
    let first = control
        .claim_next("old", t(0), t(60))
        .expect("claim")
        .and_then(|j| j.fence())
        .expect("fence");

    let mut old = ResearchGraph::open(scratch.location()).expect("graph");
    old.set_fence(Some(first.clone()));
    let run = old.start_run("fenced", None).expect("the holder writes");
    old.record_analysis(
        analysis(run, "s", "m"),
        vec![de_finding("MYC", "Tumor", 1.0, 0.01, 0.02)],
    )
    .expect("the holder writes");

    // The old worker hangs past its lease; another worker takes the job over.
    control.recover_expired(t(61), t(61)).expect("recover");
    let second = control
        .claim_next("new", t(62), t(122))
        .expect("claim")
        .and_then(|j| j.fence())
        .expect("fence");
    assert_eq!(second.attempt, 2);

    let late = old.record_analysis(
        analysis(run, "s", "late"),
        vec![de_finding("TP53", "Tumor", 1.0, 0.01, 0.02)],
    );
    match late {
        Err(GraphError::Store(StoreError::Fenced {
            worker, attempt, ..
        })) => assert_eq!((worker.as_str(), attempt), ("old", 1)),
        other => panic!("expected the late write to be fenced off, got {other:?}"),
    }
    let mut new = ResearchGraph::open(scratch.location()).expect("graph");
    new.set_fence(Some(second));
    assert_eq!(
        new.stats().nodes["analysis"],
        1,
        "the late write did not land"
    );
    new.record_analysis(
        analysis(run, "s", "resumed"),
        vec![de_finding("TP53", "Tumor", 1.0, 0.01, 0.02)],
    )
    .expect("the new holder writes");
    assert!(new.check_integrity().expect("check").is_consistent());
}

on_both_backends!(graph_writes_stop_landing_once_the_lease_moved);
