//! The control plane: job life cycle, leases and recovery, retries, cancellation, schedules firing
//! under a fake clock, and several processes' connections claiming from one queue.

#[macro_use]
mod common;

use graph::control::{
    ControlError, ControlStore, Fence, JobFilter, JobState, JobTrigger, NewJob, NewSchedule,
    NewStudy, Outcome, StudySource,
};
use graph::sql::scratch::ScratchStore;
use graph::{StoreError, Timestamp};
use std::collections::HashSet;

fn t(seconds: i64) -> Timestamp {
    Timestamp::from_millis(1_800_000_000_000 + seconds * 1000)
}

fn store_with_study(scratch: &ScratchStore) -> (ControlStore, graph::control::StudyRecord) {
    let mut store = ControlStore::open(scratch.location()).expect("store");
    let study = store
        .register_study(
            NewStudy {
                name: "demo".into(),
                source: StudySource::Demo,
                path: None,
                profile: Some(common::profile(0.05)),
            },
            t(0),
        )
        .expect("register");
    (store, study)
}

fn job(study: graph::control::StudyId, max_attempts: u32) -> NewJob {
    NewJob {
        study,
        spec: serde_json::json!({"planner": "offline"}),
        trigger: JobTrigger::Manual,
        schedule: None,
        force: false,
        max_attempts,
    }
}

fn studies_are_unique_by_name_and_ensure_is_idempotent(scratch: &ScratchStore) {
    let (mut store, study) = store_with_study(scratch);
    let again = store.register_study(
        NewStudy {
            name: "demo".into(),
            source: StudySource::Demo,
            path: None,
            profile: None,
        },
        t(1),
    );
    assert!(matches!(again, Err(ControlError::DuplicateStudy(name)) if name == "demo"));
    let ensured = store
        .ensure_study(
            NewStudy {
                name: "demo".into(),
                source: StudySource::Demo,
                path: None,
                profile: None,
            },
            t(2),
        )
        .expect("ensure");
    assert_eq!(ensured.id, study.id);
    assert_eq!(ensured.profile, study.profile);
    let stored = graph::model::StudyProfile::from_stored(ensured.profile.as_ref());
    assert_eq!(stored.clinical_variables[0].range, Some((0.05, 0.1)));
    assert_eq!(store.studies().expect("list").len(), 1);
}

fn a_job_runs_through_its_life_cycle(scratch: &ScratchStore) {
    let (mut store, study) = store_with_study(scratch);
    let queued = store.enqueue(job(study.id, 3), t(0)).expect("enqueue");
    assert_eq!(queued.state, JobState::Queued);
    let claimed = store
        .claim_next("w1", t(1), t(61))
        .expect("claim")
        .expect("a job");
    assert_eq!(
        (claimed.id, claimed.state, claimed.attempts),
        (queued.id, JobState::Running, 1)
    );
    assert!(
        store
            .claim_next("w2", t(2), t(62))
            .expect("claim")
            .is_none()
    );
    let fence = claimed.fence().expect("a running job has a fence");
    assert_eq!(
        (fence.worker.as_str(), fence.attempt, fence.job),
        ("w1", 1, claimed.id)
    );
    let hashes = [("a.tsv".to_owned(), "abc".to_owned())].into();
    assert!(
        store
            .set_job_context(&fence, None, Some(&hashes), Some(graph::RunId::new(7)))
            .expect("context")
    );
    let other = Fence {
        worker: "w2".into(),
        ..fence.clone()
    };
    assert!(
        !store
            .set_job_context(&other, None, None, None)
            .expect("context"),
        "another worker cannot touch the job"
    );
    let done = store
        .finish(
            &fence,
            Outcome::Done {
                outcome: "ran".into(),
                result: serde_json::json!({"hypotheses": 3}),
            },
            t(10),
        )
        .expect("finish")
        .expect("held");
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.input_hashes, Some(hashes));
    assert_eq!(
        store
            .last_completed_run(study.id)
            .expect("last")
            .map(|j| j.id),
        Some(done.id)
    );
    assert_eq!(
        store
            .study_of_run(graph::RunId::new(7))
            .expect("study")
            .map(|s| s.id),
        Some(study.id)
    );
}

fn failures_retry_with_backoff_then_fail(scratch: &ScratchStore) {
    let (mut store, study) = store_with_study(scratch);
    let id = store.enqueue(job(study.id, 2), t(0)).expect("enqueue").id;
    let first = store
        .claim_next("w", t(0), t(60))
        .expect("claim")
        .and_then(|j| j.fence())
        .expect("fence");
    let retried = store
        .finish(
            &first,
            Outcome::Failed {
                error: "disk full".into(),
                retry_at: Some(t(30)),
            },
            t(5),
        )
        .expect("finish")
        .expect("held");
    assert_eq!(retried.state, JobState::Queued);
    assert_eq!(retried.error.as_deref(), Some("disk full"));
    assert!(
        store
            .claim_next("w", t(29), t(89))
            .expect("claim")
            .is_none(),
        "not before the backoff"
    );
    let second = store
        .claim_next("w", t(30), t(90))
        .expect("claim")
        .expect("due");
    assert_eq!(second.attempts, 2);
    assert!(
        store
            .finish(&first, Outcome::Cancelled, t(31))
            .expect("finish")
            .is_none(),
        "the first attempt's token no longer holds, even for the same worker"
    );
    let failed = store
        .finish(
            &second.fence().expect("fence"),
            Outcome::Failed {
                error: "disk full again".into(),
                retry_at: Some(t(60)),
            },
            t(35),
        )
        .expect("finish")
        .expect("held");
    assert_eq!(failed.state, JobState::Failed, "no attempts left");
    let resumed = store.resume(id, 1, t(40)).expect("resume");
    assert_eq!((resumed.state, resumed.max_attempts), (JobState::Queued, 3));
}

fn expired_leases_are_recovered_and_the_old_worker_is_locked_out(scratch: &ScratchStore) {
    let (mut store, study) = store_with_study(scratch);
    let id = store.enqueue(job(study.id, 3), t(0)).expect("enqueue").id;
    let dead = store
        .claim_next("dead", t(0), t(60))
        .expect("claim")
        .and_then(|j| j.fence())
        .expect("fence");
    assert!(
        store
            .recover_expired(t(59), t(59))
            .expect("recover")
            .is_empty()
    );
    let recovered = store.recover_expired(t(61), t(61)).expect("recover");
    assert_eq!(recovered.len(), 1);
    assert_eq!(
        (recovered[0].job, recovered[0].state),
        (id, JobState::Queued)
    );
    let next = store
        .claim_next("alive", t(62), t(122))
        .expect("claim")
        .expect("job");
    assert_eq!((next.id, next.attempts), (id, 2));
    assert!(
        store.renew_lease(&dead, t(200)).expect("renew").is_none(),
        "the dead worker lost the job"
    );
    assert!(
        store
            .finish(&dead, Outcome::Cancelled, t(63))
            .expect("finish")
            .is_none()
    );
    assert!(matches!(
        store.append_worker_event(&dead, "step", &serde_json::json!({}), t(64)),
        Err(ControlError::Store(StoreError::Fenced { attempt: 1, .. }))
    ));
    let alive = next.fence().expect("fence");
    assert!(store.renew_lease(&alive, t(200)).expect("renew").is_some());
    assert_eq!(
        store
            .append_worker_event(&alive, "step", &serde_json::json!({}), t(64))
            .expect("the holder's events land"),
        1
    );
}

fn cancelling_queued_and_running_jobs(scratch: &ScratchStore) {
    let (mut store, study) = store_with_study(scratch);
    let first = store.enqueue(job(study.id, 1), t(0)).expect("enqueue").id;
    let second = store.enqueue(job(study.id, 1), t(0)).expect("enqueue").id;
    let fence = store
        .claim_next("w", t(1), t(61))
        .expect("claim")
        .and_then(|j| j.fence())
        .expect("fence");
    let flagged = store.request_cancel(first, t(2)).expect("cancel");
    assert_eq!(flagged.state, JobState::Running);
    assert!(flagged.cancel_requested);
    assert_eq!(
        store.request_cancel(second, t(2)).expect("cancel").state,
        JobState::Cancelled
    );
    let renewed = store
        .renew_lease(&fence, t(90))
        .expect("renew")
        .expect("held");
    assert!(
        renewed.cancel_requested,
        "the worker learns of it at renewal"
    );
    store
        .finish(&fence, Outcome::Cancelled, t(3))
        .expect("finish");
    assert!(matches!(
        store.request_cancel(first, t(4)),
        Err(ControlError::WrongState { .. })
    ));
    let cancelled = store
        .jobs(&JobFilter {
            state: Some(JobState::Cancelled),
            ..Default::default()
        })
        .expect("list");
    assert_eq!(cancelled.len(), 2);
}

fn schedules_fire_once_per_occurrence_and_catch_up_once_after_downtime(scratch: &ScratchStore) {
    let (mut store, study) = store_with_study(scratch);
    // Every 100 s on the fake clock.
    let next = |_: &graph::control::Schedule, now: Timestamp| {
        let s = (now.millis() - t(0).millis()) / 1000;
        Some(t((s / 100 + 1) * 100))
    };
    let schedule = store
        .add_schedule(
            NewSchedule {
                study: study.id,
                cron: "*/5 * * * *".into(),
                timezone: "UTC".into(),
                spec: serde_json::json!({"planner": "offline"}),
                enabled: true,
                next_run_at: Some(t(100)),
            },
            t(0),
        )
        .expect("schedule");
    assert!(
        store
            .fire_due_schedules(t(99), 3, &next)
            .expect("fire")
            .is_empty()
    );
    let fired = store.fire_due_schedules(t(100), 3, &next).expect("fire");
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].next_run_at, Some(t(200)));
    assert!(
        store
            .fire_due_schedules(t(150), 3, &next)
            .expect("fire")
            .is_empty(),
        "the occurrence already fired"
    );
    // Down from 150 s to 1000 s: seven occurrences missed, one catch-up firing.
    let fired = store.fire_due_schedules(t(1000), 3, &next).expect("fire");
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].due, t(200));
    assert_eq!(fired[0].next_run_at, Some(t(1100)));
    let jobs = store.jobs(&JobFilter::default()).expect("jobs");
    assert_eq!(jobs.len(), 2);
    assert!(
        jobs.iter()
            .all(|j| j.trigger == JobTrigger::Schedule && j.schedule == Some(schedule.id))
    );
    let s = store.schedule(schedule.id).expect("schedule");
    assert_eq!(s.last_run_at, Some(t(1000)));
    store
        .update_schedule(
            schedule.id,
            &s.cron,
            &s.timezone,
            &s.spec,
            false,
            s.next_run_at,
        )
        .expect("disable");
    assert!(
        store
            .fire_due_schedules(t(5000), 3, &next)
            .expect("fire")
            .is_empty()
    );
    store.delete_schedule(schedule.id).expect("delete");
    assert!(
        store
            .jobs(&JobFilter::default())
            .expect("jobs")
            .iter()
            .all(|j| j.schedule.is_none())
    );
}

fn events_are_numbered_per_job_and_read_from_a_sequence_number(scratch: &ScratchStore) {
    let (mut store, study) = store_with_study(scratch);
    let a = store.enqueue(job(study.id, 1), t(0)).expect("enqueue").id;
    let b = store.enqueue(job(study.id, 1), t(0)).expect("enqueue").id;
    for i in 0..5 {
        store
            .append_event(a, "step", &serde_json::json!({"step": i}), t(i))
            .expect("event");
    }
    store
        .append_event(b, "step", &serde_json::json!({}), t(0))
        .expect("event");
    let tail = store.events_since(a, 3, 100).expect("events");
    assert_eq!(tail.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![4, 5]);
    assert_eq!(tail[0].data["step"], 3);
    assert_eq!(store.events_since(b, 0, 100).expect("events").len(), 1);
}

/// Four connections (as four server processes would have) race to claim 40 jobs from one store:
/// every job is claimed exactly once.
fn concurrent_claimers_never_take_the_same_job(scratch: &ScratchStore) {
    let path = scratch.location().clone();
    let mut store = ControlStore::open(&path).expect("store");
    let study = store
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
    for _ in 0..40 {
        store.enqueue(job(study.id, 1), t(0)).expect("enqueue");
    }
    let handles: Vec<_> = (0..4)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = ControlStore::open(&path).expect("store");
                let name = format!("w{w}");
                let mut mine = Vec::new();
                while let Some(job) = store.claim_next(&name, t(1), t(100)).expect("claim") {
                    mine.push(job.id);
                    store
                        .finish(
                            &job.fence().expect("fence"),
                            Outcome::Done {
                                outcome: "ran".into(),
                                result: serde_json::json!({}),
                            },
                            t(2),
                        )
                        .expect("finish");
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().expect("thread"));
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 40);
    assert_eq!(unique.len(), 40);
}

/// A schedule whose previous job is still running moves on to its next occurrence without
/// queueing a second job; once that job ended, the next occurrence fires again.
fn a_schedule_skips_while_its_previous_job_runs(scratch: &ScratchStore) {
    let (mut store, study) = store_with_study(scratch);
    let next = |_: &graph::control::Schedule, now: Timestamp| {
        let s = (now.millis() - t(0).millis()) / 1000;
        Some(t((s / 100 + 1) * 100))
    };
    let schedule = store
        .add_schedule(
            NewSchedule {
                study: study.id,
                cron: "*/5 * * * *".into(),
                timezone: "UTC".into(),
                spec: serde_json::json!({}),
                enabled: true,
                next_run_at: Some(t(100)),
            },
            t(0),
        )
        .expect("schedule");
    let fired = store.fire_due_schedules(t(100), 3, &next).expect("fire");
    assert_eq!(fired.len(), 1);
    let running = store
        .claim_next("w", t(101), t(500))
        .expect("claim")
        .expect("the fired job");
    assert_eq!(running.id, fired[0].job);
    assert!(
        store
            .fire_due_schedules(t(200), 3, &next)
            .expect("fire")
            .is_empty(),
        "the previous job still runs"
    );
    let s = store.schedule(schedule.id).expect("schedule");
    assert_eq!(
        s.next_run_at,
        Some(t(300)),
        "the skipped occurrence is passed"
    );
    assert_eq!(s.last_job, Some(running.id));
    store
        .finish(
            &running.fence().expect("fence"),
            Outcome::Done {
                outcome: "ran".into(),
                result: serde_json::json!({}),
            },
            t(250),
        )
        .expect("finish");
    assert_eq!(
        store
            .fire_due_schedules(t(300), 3, &next)
            .expect("fire")
            .len(),
        1
    );
    assert_eq!(store.jobs(&JobFilter::default()).expect("jobs").len(), 2);
}

/// Several connections fire the same due schedules at once (as several servers do): each
/// occurrence becomes exactly one job.
fn concurrent_servers_fire_each_occurrence_once(scratch: &ScratchStore) {
    let path = scratch.location().clone();
    let (mut store, study) = store_with_study(scratch);
    for _ in 0..5 {
        store
            .add_schedule(
                NewSchedule {
                    study: study.id,
                    cron: "0 * * * *".into(),
                    timezone: "UTC".into(),
                    spec: serde_json::json!({}),
                    enabled: true,
                    next_run_at: Some(t(100)),
                },
                t(0),
            )
            .expect("schedule");
    }
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = ControlStore::open(&path).expect("store");
                let next = |_: &graph::control::Schedule, _: Timestamp| Some(t(10_000));
                store
                    .fire_due_schedules(t(150), 3, &next)
                    .expect("fire")
                    .len()
            })
        })
        .collect();
    let fired: usize = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    assert_eq!(fired, 5);
    assert_eq!(store.jobs(&JobFilter::default()).expect("jobs").len(), 5);
}

on_both_backends!(
    studies_are_unique_by_name_and_ensure_is_idempotent,
    a_job_runs_through_its_life_cycle,
    failures_retry_with_backoff_then_fail,
    expired_leases_are_recovered_and_the_old_worker_is_locked_out,
    cancelling_queued_and_running_jobs,
    schedules_fire_once_per_occurrence_and_catch_up_once_after_downtime,
    events_are_numbered_per_job_and_read_from_a_sequence_number,
    concurrent_claimers_never_take_the_same_job,
    a_schedule_skips_while_its_previous_job_runs,
    concurrent_servers_fire_each_occurrence_once,
);
