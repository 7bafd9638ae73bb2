//! Copying a whole store between backends (`hypomics store migrate`): SQLite to PostgreSQL and
//! back, starting from either, checked by comparing exports of the graph (JSON, GraphML, findings
//! TSV) and of the control plane (studies, jobs, events, schedules), not only by the copy's own
//! digests. A copy continues where the original left off (ids, identity counters) and refuses a
//! destination that holds data.

#[macro_use]
mod common;

use common::{scratch, write_story};
use graph::control::{
    ControlStore, JobFilter, JobTrigger, NewJob, NewSchedule, NewStudy, Outcome, StudySource,
};
use graph::sql::Backend;
use graph::sql::scratch::ScratchStore;
use graph::store::copy::{self, CopyError};
use graph::{ResearchGraph, Timestamp};
use serde_json::{Value, json};

fn t(seconds: i64) -> Timestamp {
    Timestamp::from_millis(1_800_000_000_000 + seconds * 1000)
}

/// A store with two research stories and a control plane in every state a job can be in.
fn fill(store: &ScratchStore) {
    let mut g = ResearchGraph::open(store.location()).expect("open");
    let story = write_story(&mut g, "run one", "cptac-ucec");
    g.mark_replicated(story.first.findings[0], story.second.findings[0])
        .expect("replicate");
    write_story(&mut g, "run two ünïcode ∆", "other-study");
    drop(g);

    let mut c = ControlStore::open(store.location()).expect("control");
    let study = c
        .register_study(
            NewStudy {
                name: "demo".into(),
                source: StudySource::Demo,
                path: None,
                profile: Some(common::profile(1e-300)),
            },
            t(0),
        )
        .expect("study");
    let folder = c
        .register_study(
            NewStudy {
                name: "folder study".into(),
                source: StudySource::Folder,
                path: Some("/data/ucec".into()),
                profile: None,
            },
            t(1),
        )
        .expect("study");
    let schedule = c
        .add_schedule(
            NewSchedule {
                study: folder.id,
                cron: "0 3 * * *".into(),
                timezone: "Europe/Berlin".into(),
                spec: json!({"planner": "offline"}),
                enabled: false,
                next_run_at: Some(t(86_400)),
            },
            t(2),
        )
        .expect("schedule");
    let job = |study, force, schedule: Option<graph::control::ScheduleId>| NewJob {
        study,
        spec: json!({"max_analyses": 3}),
        trigger: if schedule.is_some() {
            JobTrigger::Schedule
        } else {
            JobTrigger::Manual
        },
        schedule,
        force,
        max_attempts: 2,
    };
    // Done, with events.
    let done = c.enqueue(job(study.id, true, None), t(3)).expect("job");
    let claimed = c
        .claim_next("w1", t(4), t(64))
        .expect("claim")
        .expect("a job");
    assert_eq!(claimed.id, done.id);
    let fence = claimed.fence().expect("fence");
    c.append_worker_event(&fence, "step", &json!({"step": 1, "q": 0.25}), t(5))
        .expect("event");
    c.append_worker_event(&fence, "step", &json!({"step": 2}), t(6))
        .expect("event");
    c.finish(
        &fence,
        Outcome::Done {
            outcome: "ran".into(),
            result: json!({"hypotheses": 2}),
        },
        t(7),
    )
    .expect("finish");
    // Running under a lease, queued from a schedule, cancelled.
    c.enqueue(job(folder.id, false, None), t(8)).expect("job");
    c.claim_next("w2", t(9), t(69)).expect("claim");
    c.enqueue(job(folder.id, false, Some(schedule.id)), t(10))
        .expect("job");
    let cancelled = c.enqueue(job(study.id, false, None), t(11)).expect("job");
    c.request_cancel(cancelled.id, t(12)).expect("cancel");
    c.append_event(cancelled.id, "cancelled", &json!({"by": "test"}), t(12))
        .expect("event");
}

/// Everything a user can read out of a store, as text: the graph's exports and the control
/// plane's records.
fn exports(store: &ScratchStore) -> Vec<(String, String)> {
    let g = ResearchGraph::open_read_only(store.location()).expect("open");
    let all = g.select_all();
    let mut graphml = Vec::new();
    g.write_graphml(&all, &mut graphml).expect("graphml");
    let mut tsv = Vec::new();
    g.write_findings_tsv(&graph::Scope::all(), &mut tsv)
        .expect("tsv");
    let c = ControlStore::open(store.location()).expect("control");
    let jobs = c.jobs(&JobFilter::default()).expect("jobs");
    let events: Vec<Value> = jobs
        .iter()
        .map(|j| json!(c.events_since(j.id, 0, 1000).expect("events")))
        .collect();
    vec![
        (
            "graph.json".into(),
            serde_json::to_string_pretty(&g.export_json(&all).expect("json")).expect("text"),
        ),
        (
            "graph.graphml".into(),
            String::from_utf8(graphml).expect("utf-8"),
        ),
        (
            "findings.tsv".into(),
            String::from_utf8(tsv).expect("utf-8"),
        ),
        (
            "studies".into(),
            json!(c.studies().expect("studies")).to_string(),
        ),
        ("jobs".into(), json!(jobs).to_string()),
        ("events".into(), json!(events).to_string()),
        (
            "schedules".into(),
            json!(c.schedules().expect("schedules")).to_string(),
        ),
    ]
}

fn assert_same_exports(a: &[(String, String)], b: &[(String, String)], what: &str) {
    assert_eq!(a.len(), b.len());
    for ((name, x), (_, y)) in a.iter().zip(b) {
        assert!(x == y, "{what}: {name} differs:\n{x}\n---\n{y}");
    }
}

/// Fills a store on `first`, copies it to the other backend and back, comparing exports each
/// time, then checks that the copies keep working as stores.
fn round_trip(first: Backend) {
    let other = match first {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
    };
    let original = scratch(first);
    fill(&original);
    let before = exports(&original);
    assert!(before[0].1.contains("PTEN"), "the graph has content");

    let there = scratch(other);
    let report = copy::copy_store(original.location(), there.location()).expect("copy there");
    assert!(report.rows() > 50, "{report:?}");
    assert_same_exports(&before, &exports(&there), "after the first copy");
    let back = scratch(first);
    copy::copy_store(there.location(), back.location()).expect("copy back");
    assert_same_exports(&before, &exports(&back), "after the copy back");
    assert_eq!(
        copy::fingerprint(original.location()).expect("fingerprint"),
        copy::fingerprint(back.location()).expect("fingerprint")
    );
    // The source is left as it was.
    assert_same_exports(&before, &exports(&original), "the source");

    // A copy is a working store: new ids continue after the copied ones on both sides.
    for store in [&there, &back] {
        let mut c = ControlStore::open(store.location()).expect("control");
        let max_job = c
            .jobs(&JobFilter::default())
            .expect("jobs")
            .iter()
            .map(|j| j.id)
            .max()
            .expect("jobs");
        let study = c.study_by_name("demo").expect("study").expect("demo");
        let new = c
            .enqueue(
                NewJob {
                    study: study.id,
                    spec: json!({}),
                    trigger: JobTrigger::Manual,
                    schedule: None,
                    force: false,
                    max_attempts: 1,
                },
                t(100),
            )
            .expect("enqueue on the copy");
        assert!(new.id > max_job, "{:?} after {:?}", new.id, max_job);
        let added = c
            .register_study(
                NewStudy {
                    name: "new".into(),
                    source: StudySource::Upload,
                    path: None,
                    profile: None,
                },
                t(101),
            )
            .expect("register on the copy");
        assert!(added.id.0 > 2);
        let mut g = ResearchGraph::open(store.location()).expect("graph");
        let max_run = g.runs().map(|r| r.id).max().expect("runs");
        let run = g.start_run("after the copy", None).expect("run");
        assert!(run > max_run);
        assert!(g.check_integrity().expect("check").is_consistent());
    }

    // A store is never copied into one that holds data.
    let refused = copy::copy_store(original.location(), there.location());
    assert!(
        matches!(refused, Err(CopyError::DestinationNotEmpty { .. })),
        "{refused:?}"
    );
    let same = copy::copy_store(original.location(), original.location());
    assert!(matches!(same, Err(CopyError::SameStore(_))), "{same:?}");
}

#[test]
fn sqlite_to_postgres_and_back() {
    round_trip(Backend::Sqlite);
}

#[test]
fn postgres_to_sqlite_and_back() {
    round_trip(Backend::Postgres);
}

/// The copy's table list is the schema: every table and column of both backends, in order.
fn the_copy_knows_every_table_and_column(store: &ScratchStore) {
    drop(ResearchGraph::open(store.location()).expect("create"));
    let mut db = graph::sql::connect(store.location()).expect("connect");
    let mut listed: Vec<&str> = copy::TABLES.iter().map(|t| t.name).collect();
    listed.sort_unstable();
    assert_eq!(
        copy::tables_in_store(db.as_mut()).expect("tables"),
        listed,
        "a table was added to the schema but not to store::copy::TABLES"
    );
    for table in copy::TABLES {
        let expected: Vec<&str> = table.column_names().collect();
        assert_eq!(
            copy::columns_in_store(db.as_mut(), table.name).expect("columns"),
            expected,
            "columns of {}",
            table.name
        );
    }
}

on_both_backends!(the_copy_knows_every_table_and_column);
