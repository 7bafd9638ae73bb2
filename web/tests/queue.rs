//! The job queue as workers use it: change detection (no rerun when no input file changed, a
//! rerun when one did), a job taken over from a worker that stopped renewing its lease, and two
//! workers with their own store connections sharing one queue without doing any job twice.

mod batch_support;

use batch_support::{
    drain, events, kinds, temp, tiny_spec, touch_clinical, worker, worker_with, write_study,
};
use graph::Timestamp;
use graph::control::{
    ControlStore, JobId, JobState, JobTrigger, NewJob, NewStudy, StudyId, StudySource,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use web::jobs::{Clock, ManualClock, SystemClock};

fn register(control: &mut ControlStore, name: &str, folder: &Path) -> StudyId {
    control
        .register_study(
            NewStudy {
                name: name.into(),
                source: StudySource::Folder,
                path: Some(folder.to_path_buf()),
                profile: None,
            },
            Timestamp::now(),
        )
        .expect("register")
        .id
}

fn enqueue(control: &mut ControlStore, study: StudyId, force: bool, max_attempts: u32) -> JobId {
    control
        .enqueue(
            NewJob {
                study,
                spec: tiny_spec(2),
                trigger: JobTrigger::Manual,
                schedule: None,
                force,
                max_attempts,
            },
            Timestamp::now(),
        )
        .expect("enqueue")
        .id
}

#[test]
fn unchanged_inputs_skip_the_run_and_a_changed_file_reruns_it() {
    let (dir, store, runs) = temp();
    let study_dir = dir.path().join("study");
    write_study(&study_dir, &batch_support::synth_config(7));
    let mut control = ControlStore::open(&store).expect("store");
    let study = register(&mut control, "synthetic", &study_dir);
    let w = worker("w", &store, &runs, Arc::new(SystemClock));

    let first = enqueue(&mut control, study, false, 1);
    let ended = drain(&w);
    assert_eq!(ended.len(), 1);
    let first = control.job(first).expect("job");
    assert_eq!(first.state, JobState::Done, "{:?}", first.error);
    assert_eq!(first.outcome.as_deref(), Some("ran"));
    assert!(first.run.is_some());
    let hashes = first.input_hashes.clone().expect("hashes recorded");
    assert!(hashes.contains_key("clinical.tsv"), "{hashes:?}");

    let second = enqueue(&mut control, study, false, 1);
    drain(&w);
    let second = control.job(second).expect("job");
    assert_eq!(second.state, JobState::Done);
    assert_eq!(second.outcome.as_deref(), Some("unchanged"));
    assert_eq!(
        second.result.as_ref().expect("result")["previous_job"],
        first.id.0
    );
    assert!(second.run.is_none(), "an unchanged job records no run");
    assert!(
        !kinds(&events(&store, second.id)).contains(&"step"),
        "an unchanged job runs no analysis"
    );

    touch_clinical(&study_dir);
    let third = enqueue(&mut control, study, false, 1);
    drain(&w);
    let third = control.job(third).expect("job");
    assert_eq!(third.state, JobState::Done, "{:?}", third.error);
    assert_eq!(third.outcome.as_deref(), Some("ran"));
    assert_ne!(third.run, first.run);
    let changed: Vec<&String> = third
        .input_hashes
        .as_ref()
        .expect("hashes")
        .iter()
        .filter(|(name, hash)| hashes.get(*name) != Some(*hash))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(changed, ["clinical.tsv"]);

    // Unchanged again, but forced: runs.
    let forced = enqueue(&mut control, study, true, 1);
    drain(&w);
    let forced = control.job(forced).expect("job");
    assert_eq!(forced.outcome.as_deref(), Some("ran"));
    // And the comparison is with the latest completed run (the forced one), so still unchanged.
    let again = enqueue(&mut control, study, false, 1);
    drain(&w);
    assert_eq!(
        control.job(again).expect("job").outcome.as_deref(),
        Some("unchanged")
    );
}

#[test]
fn a_job_whose_worker_stopped_renewing_is_recovered_after_its_lease() {
    let (dir, store, runs) = temp();
    let study_dir = dir.path().join("study");
    write_study(&study_dir, &batch_support::synth_config(11));
    let mut control = ControlStore::open(&store).expect("store");
    let study = register(&mut control, "synthetic", &study_dir);
    let job = enqueue(&mut control, study, true, 3);
    let clock = Arc::new(ManualClock::new(Timestamp::now()));
    // A worker claims the job and dies at once: it never renews.
    let lease = Duration::from_secs(30);
    let until = Timestamp::from_millis(clock.now().millis() + 30_000);
    let claimed = control
        .claim_next("dead-worker", clock.now(), until)
        .expect("claim")
        .expect("a job");
    assert_eq!(claimed.id, job);

    let survivor = worker_with("survivor", &store, &runs, clock.clone(), lease);
    assert!(
        survivor.run_once().expect("run").is_none(),
        "the lease still holds: nothing to take"
    );
    assert_eq!(control.job(job).expect("job").state, JobState::Running);
    clock.advance(Duration::from_secs(31));
    let ended = survivor
        .run_once()
        .expect("run")
        .expect("the recovered job");
    assert_eq!(ended.id, job);
    assert_eq!(ended.state, JobState::Done, "{:?}", ended.error);
    assert_eq!(ended.attempts, 2);
    assert_eq!(ended.worker.as_deref(), Some("survivor"));
    let log = events(&store, job);
    let recovered = log
        .iter()
        .find(|e| e.kind == "recovered")
        .expect("recovered event");
    assert_eq!(recovered.data["from_worker"], "dead-worker");
}

/// Checks that no job was ever held by two workers at once: in each job's event log every
/// `claimed` is followed by that attempt's end (`finished` or `recovered`) before the next.
fn claims_never_overlap(store: &Path, job: JobId) -> usize {
    let mut open = false;
    let mut claims = 0;
    for e in events(store, job) {
        match e.kind.as_str() {
            "claimed" => {
                assert!(!open, "job {job} claimed while another worker held it");
                open = true;
                claims += 1;
            }
            "finished" | "recovered" => open = false,
            _ => {}
        }
    }
    claims
}

#[test]
fn two_workers_share_one_queue_and_take_each_job_once() {
    let (dir, store, runs) = temp();
    let study_dir = dir.path().join("study");
    write_study(&study_dir, &batch_support::synth_config(3));
    let mut control = ControlStore::open(&store).expect("store");
    let study = register(&mut control, "synthetic", &study_dir);
    let baseline = enqueue(&mut control, study, true, 1);
    drain(&worker("baseline", &store, &runs, Arc::new(SystemClock)));
    assert_eq!(
        control.job(baseline).expect("job").outcome.as_deref(),
        Some("ran")
    );
    // Many short jobs (the study is unchanged, so each is a hash check): the workers race for
    // claims as hard as they can.
    let jobs: Vec<JobId> = (0..24)
        .map(|_| enqueue(&mut control, study, false, 1))
        .collect();
    let handles: Vec<_> = ["left", "right"]
        .into_iter()
        .map(|name| {
            let (store, runs) = (store.clone(), runs.clone());
            std::thread::spawn(move || {
                let w = worker(name, &store, &runs, Arc::new(SystemClock));
                drain(&w).into_iter().map(|j| j.id).collect::<Vec<_>>()
            })
        })
        .collect();
    let per_worker: Vec<Vec<JobId>> = handles
        .into_iter()
        .map(|h| h.join().expect("worker thread"))
        .collect();
    let mut taken: Vec<JobId> = per_worker.iter().flatten().copied().collect();
    taken.sort();
    assert_eq!(taken, jobs, "every job taken exactly once");
    assert!(
        per_worker.iter().all(|w| !w.is_empty()),
        "both workers took jobs: {per_worker:?}"
    );
    for job in &jobs {
        let j = control.job(*job).expect("job");
        assert_eq!(j.state, JobState::Done);
        assert_eq!(j.outcome.as_deref(), Some("unchanged"));
        assert_eq!(j.attempts, 1);
        assert_eq!(claims_never_overlap(&store, *job), 1);
    }
}

#[test]
fn two_workers_running_analyses_side_by_side_finish_every_job() {
    let (dir, store, runs) = temp();
    let mut control = ControlStore::open(&store).expect("store");
    let mut jobs = Vec::new();
    for seed in 0..4u64 {
        let folder = dir.path().join(format!("study{seed}"));
        write_study(&folder, &batch_support::synth_config(20 + seed));
        let study = register(&mut control, &format!("study{seed}"), &folder);
        // Generous attempts: see the retry note below.
        jobs.push(enqueue(&mut control, study, true, 10));
    }
    let handles: Vec<_> = ["left", "right"]
        .into_iter()
        .map(|name| {
            let (store, runs) = (store.clone(), runs.clone());
            std::thread::spawn(move || {
                let w = worker(name, &store, &runs, Arc::new(SystemClock));
                // Retries wait out a short backoff, so keep polling until nothing is queued.
                let mut done = Vec::new();
                for _ in 0..400 {
                    match w.run_once().expect("worker") {
                        Some(job) => done.push((job.id, job.state)),
                        None => {
                            let control = ControlStore::open(&store).expect("store");
                            let open = control
                                .jobs(&Default::default())
                                .expect("jobs")
                                .iter()
                                .any(|j| !j.state.is_final());
                            if !open {
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(50));
                        }
                    }
                }
                done
            })
        })
        .collect();
    let mut workers_used = BTreeMap::new();
    for (i, h) in handles.into_iter().enumerate() {
        for (job, state) in h.join().expect("worker thread") {
            if state.is_final() {
                workers_used.entry(job).or_insert_with(Vec::new).push(i);
            }
        }
    }
    let mut retries = 0;
    for job in &jobs {
        let j = control.job(*job).expect("job");
        assert_eq!(j.state, JobState::Done, "job {job}: {:?}", j.error);
        assert_eq!(j.outcome.as_deref(), Some("ran"));
        assert_eq!(
            workers_used.get(job).map(Vec::len),
            Some(1),
            "job {job} finished by exactly one worker"
        );
        let claims = claims_never_overlap(&store, *job);
        retries += claims - 1;
    }
    // Concurrent runs recording into one graph store can collide on node ids (a limitation of
    // the graph store's writer, not of the queue); the queue then retries the losing attempt.
    // Report it so a fix shows up as zero here.
    eprintln!("attempts retried after a failure: {retries}");
}
