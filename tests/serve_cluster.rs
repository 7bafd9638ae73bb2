//! Three `hypomics serve` processes sharing one PostgreSQL store and one workspace, as a core
//! facility runs them: 200 small jobs, and one server SIGKILLed in the middle of a longer job.
//! Every job ends exactly once, the killed job is taken over by another server once its lease
//! runs out and continues the same journal (its folder is named in the store), and nothing the
//! killed worker did lands after its lease moved. The store URL carries a password, which no
//! server may print or show.

mod common;

use common::hypomics;
use graph::control::{ControlStore, JobFilter, JobId, JobState, JobTrigger, NewJob, NewStudy};
use graph::sql::scratch::ScratchStore;
use graph::{ResearchGraph, Timestamp};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SERVERS: usize = 3;
const JOBS: usize = 200;
/// Tiny studies; every job of a study after its first finds its inputs unchanged.
const STUDIES: usize = 4;
const LEASE_SECONDS: &str = "4";
const PASSWORD: &str = "cluster-secret-2718";

struct Server {
    child: Child,
    /// Everything it printed, line by line.
    lines: mpsc::Receiver<String>,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The scratch database's URL with a password in it (the local server trusts loopback and
/// ignores it), so the test sees whether anything prints it.
fn with_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    match rest.split_once('@') {
        Some((user, host)) if !user.contains(':') => {
            format!("{scheme}://{user}:{PASSWORD}@{host}")
        }
        _ => url.to_owned(),
    }
}

fn start_server(workspace: &Path, store: &str) -> Server {
    let mut child = hypomics()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--workspace",
            workspace.to_str().expect("utf-8"),
            "--store",
            store,
            "--workers",
            "1",
            "--lease-seconds",
            LEASE_SECONDS,
        ])
        .env("HYPOMICS_TOKEN", "cluster-test-token-0123456789")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hypomics serve");
    let (tx, lines) = mpsc::channel();
    for out in [
        Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("stderr")),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
    }
    let first = lines
        .recv_timeout(Duration::from_secs(120))
        .expect("the server's first line");
    assert!(first.starts_with("hypomics dashboard on"), "{first}");
    let addr = first
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .expect("the dashboard URL")
        .trim_end_matches('/')
        .to_owned();
    assert!(
        !first.contains(PASSWORD),
        "the password was printed: {first}"
    );
    assert!(
        first.contains(":***@"),
        "the store is named, redacted: {first}"
    );
    Server { child, lines, addr }
}

impl Server {
    fn printed(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }
}

fn health(addr: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    stream
        .write_all(format!("GET /api/health HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .expect("send");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read");
    let (_, body) = raw.split_once("\r\n\r\n").expect("head");
    serde_json::from_str(body).expect("json")
}

/// A small synthetic study: loading it is most of a tiny job's work.
fn synthetic(dir: &Path, seed: u64, tumours: usize, genes: usize) {
    let config = datasets::synth::SynthConfig {
        seed,
        n_tumours: tumours,
        n_normals: 6,
        n_genes: genes,
        n_phosphosites: 60,
        ..Default::default()
    };
    datasets::synth::write_synthetic_study(dir, &config).expect("synthetic study");
}

fn new_job(study: graph::control::StudyId, spec: serde_json::Value, force: bool) -> NewJob {
    NewJob {
        study,
        spec,
        trigger: JobTrigger::Manual,
        schedule: None,
        force,
        max_attempts: 5,
    }
}

#[test]
fn three_servers_share_a_postgres_queue_and_a_killed_servers_job_resumes_elsewhere() {
    let scratch = ScratchStore::new(graph::sql::Backend::Postgres).expect("a PostgreSQL database");
    let graph::sql::StoreLocation::Postgres(url) = scratch.location().clone() else {
        unreachable!("asked for PostgreSQL")
    };
    let store = with_password(&url);
    let tmp = tempfile::tempdir().expect("tempdir");
    let workspace = tmp.path().join("shared-workspace");

    // The studies and the jobs are in the store before any server starts, so the servers race
    // for them from their first moment.
    let mut control = ControlStore::open(&store).expect("control store");
    let now = Timestamp::now();
    let long = tmp.path().join("long");
    synthetic(&long, 7, 40, 400);
    let long_study = control
        .register_study(
            NewStudy {
                name: "long".into(),
                source: graph::control::StudySource::Folder,
                path: Some(long.clone()),
                profile: None,
            },
            now,
        )
        .expect("register");
    let victim = control
        .enqueue(
            new_job(
                long_study.id,
                json!({"max_analyses": 14, "permutations": 0}),
                true,
            ),
            now,
        )
        .expect("enqueue")
        .id;
    let mut studies = Vec::new();
    for i in 0..STUDIES {
        let dir = tmp.path().join(format!("tiny{i}"));
        synthetic(&dir, 100 + i as u64, 20, 300);
        let study = control
            .register_study(
                NewStudy {
                    name: format!("tiny{i}"),
                    source: graph::control::StudySource::Folder,
                    path: Some(dir),
                    profile: None,
                },
                now,
            )
            .expect("register");
        studies.push(study.id);
    }
    for i in 1..JOBS {
        let study = studies[i % STUDIES];
        control
            .enqueue(
                new_job(study, json!({"max_analyses": 1, "permutations": 0}), false),
                now,
            )
            .expect("enqueue");
    }

    let mut servers: Vec<Option<Server>> = (0..SERVERS)
        .map(|_| Some(start_server(&workspace, &store)))
        .collect();
    for server in servers.iter().flatten() {
        let h = health(&server.addr);
        assert_eq!(h["status"], "ok");
        let shown = h["store"].as_str().expect("store");
        assert!(!shown.contains(PASSWORD) && shown.contains(":***@"), "{h}");
    }

    // Kill the server running the long job once its first analysis step is recorded.
    let deadline = Instant::now() + Duration::from_secs(900);
    let (killed_worker, steps_before, run_before, dir_before) = loop {
        let job = control.job(victim).expect("job");
        let steps = control
            .events_since(victim, 0, 10_000)
            .expect("events")
            .iter()
            .filter(|e| e.kind == "step")
            .count();
        if job.state == JobState::Running && steps > 0 {
            let worker = job.worker.clone().expect("a running job has a worker");
            let pid: u32 = worker
                .strip_prefix("serve-")
                .and_then(|w| w.split('-').next())
                .and_then(|p| p.parse().ok())
                .unwrap_or_else(|| panic!("no pid in worker name {worker}"));
            let slot = servers
                .iter_mut()
                .find(|s| s.as_ref().is_some_and(|s| s.child.id() == pid))
                .expect("the worker is one of the servers");
            let mut server = slot.take().expect("running");
            server.child.kill().expect("SIGKILL");
            server.child.wait().expect("reap");
            break (worker, steps, job.run, job.out_dir.clone());
        }
        assert!(
            !job.state.is_final(),
            "the long job ended before it could be killed: {job:?}"
        );
        assert!(Instant::now() < deadline, "the long job never made a step");
        std::thread::sleep(Duration::from_millis(20));
    };
    let dir_before = dir_before.expect("the job folder is named in the store");
    assert!(
        dir_before.starts_with(&workspace),
        "{}",
        dir_before.display()
    );

    // Every job ends.
    let jobs = loop {
        let jobs = control.jobs(&JobFilter::default()).expect("jobs");
        if jobs.iter().all(|j| j.state.is_final()) {
            break jobs;
        }
        assert!(
            Instant::now() < deadline,
            "{} jobs still open",
            jobs.iter().filter(|j| !j.state.is_final()).count()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(jobs.len(), JOBS);

    // Exactly once: every job done, one `finished` event each, one graph run per job that ran.
    let mut runs: BTreeMap<i64, JobId> = BTreeMap::new();
    let mut ran = 0;
    for job in &jobs {
        assert_eq!(job.state, JobState::Done, "{job:?}");
        let events = control.events_since(job.id, 0, 10_000).expect("events");
        let finished = events.iter().filter(|e| e.kind == "finished").count();
        assert_eq!(finished, 1, "job {} finished {finished} times", job.id);
        match job.outcome.as_deref() {
            Some("ran") => {
                ran += 1;
                let run = job.run.expect("a run").get();
                assert_eq!(runs.insert(run, job.id), None, "two jobs share run {run}");
            }
            Some("unchanged") => assert_eq!(job.run, None),
            other => panic!("job {} outcome {other:?}", job.id),
        }
    }
    let g = ResearchGraph::open_read_only(&store).expect("graph");
    assert_eq!(
        g.runs().count(),
        ran,
        "one graph run per job that ran: a killed attempt's run is continued, not duplicated"
    );
    assert!(
        ran < JOBS / 2,
        "most jobs found their study unchanged ({ran} ran)"
    );

    // The killed job: taken over after its lease, by another server, continuing its run and
    // journal in the same folder.
    let job = jobs.iter().find(|j| j.id == victim).expect("victim");
    assert_eq!(job.outcome.as_deref(), Some("ran"));
    assert!(job.attempts >= 2, "{job:?}");
    assert_ne!(job.worker.as_deref(), Some(killed_worker.as_str()));
    assert_eq!(job.run, run_before, "the same graph run continues");
    assert_eq!(job.out_dir.as_deref(), Some(dir_before.as_path()));
    assert!(dir_before.join(agent::journal::JOURNAL_NAME).is_file());
    assert!(dir_before.join("report.html").is_file());
    let events = control.events_since(victim, 0, 10_000).expect("events");
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    let recovered = events
        .iter()
        .position(|e| e.kind == "recovered" && e.data["from_worker"] == killed_worker.as_str())
        .unwrap_or_else(|| panic!("no recovery from {killed_worker}: {kinds:?}"));
    let resumed = events
        .iter()
        .skip(recovered)
        .find(|e| e.kind == "resumed")
        .unwrap_or_else(|| panic!("not resumed from the journal: {kinds:?}"));
    let journal_steps = resumed.data["steps"].as_u64().expect("steps");
    assert!(journal_steps as usize >= steps_before.min(1), "{resumed:?}");
    // Nothing from the killed worker after the recovery: every claim after it is another
    // worker's, and steps already in the journal were replayed, not run again.
    for e in events.iter().skip(recovered) {
        if e.kind == "claimed" {
            assert_ne!(e.data["worker"], killed_worker.as_str(), "{kinds:?}");
        }
    }
    let rerun = events
        .iter()
        .skip(recovered)
        .filter(|e| e.kind == "step" && e.data["replayed"] == false)
        .filter(|e| e.data["step"].as_u64() < Some(journal_steps))
        .count();
    assert_eq!(rerun, 0, "{kinds:?}");
    // Each analysis of the run was recorded once, though two workers ran it.
    let run = job.run.expect("run").get();
    let mut db = graph::sql::connect(&graph::sql::StoreLocation::parse(&store)).expect("db");
    let recorded = db
        .as_mut()
        .rows(
            "SELECT COUNT(*) FROM analyses WHERE run_id = ?1",
            &[graph::sql::Arg::Int(run)],
            |r| r.int(0),
        )
        .expect("count")[0];
    assert!(recorded >= journal_steps as i64, "{recorded} analyses");
    let twice = db
        .as_mut()
        .rows(
            "SELECT module, params, sample_set FROM analyses WHERE run_id = ?1
             GROUP BY module, params, sample_set, direction_node HAVING COUNT(*) > 1",
            &[graph::sql::Arg::Int(run)],
            |r| r.text(0),
        )
        .expect("duplicates");
    assert!(twice.is_empty(), "recorded twice: {twice:?}");

    // No server printed the password, not even the dead one's last words.
    for server in servers.iter().flatten() {
        for line in server.printed() {
            assert!(!line.contains(PASSWORD), "printed: {line}");
        }
    }
}
