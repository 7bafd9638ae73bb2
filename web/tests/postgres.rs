//! The server on a PostgreSQL store: the dashboard and the read API over a recorded run, and live
//! job streams pushed by the store's notifications, so a stream on one server follows a job that
//! another server runs, and an event written by anyone reaches it at once rather than at the next
//! poll.

mod common;

use common::{get, ok_json, send, url};
use graph::control::{ControlStore, JobId};
use graph::sql::scratch::ScratchStore;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

const TOKEN: &str = "test-token-0123456789";

fn postgres() -> ScratchStore {
    ScratchStore::new(graph::sql::Backend::Postgres).expect("a PostgreSQL test database")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_and_api_read_a_postgres_store() {
    let store = postgres();
    let path = store.as_path();
    let out = tempfile::tempdir().expect("tempdir");
    let recorded = {
        let path = path.clone();
        let out = out.path().join("run");
        tokio::task::spawn_blocking(move || {
            let study = datasets::demo::load().expect("demo");
            common::record_run(&study, &path, out, 1, 4)
        })
        .await
        .expect("agent run")
    };
    assert!(!recorded.hypotheses.is_empty());
    let addr = common::start(&path).await;

    let health = ok_json(addr, "/api/health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["runs"], 1);
    assert!(
        health["store"]
            .as_str()
            .is_some_and(|s| s.starts_with("postgres://")),
        "{health}"
    );
    let run = common::only_run(addr).await;
    let hypotheses = ok_json(addr, &format!("/api/runs/{run}/hypotheses")).await;
    let listed = hypotheses["hypotheses"].as_array().expect("hypotheses");
    assert_eq!(listed.len(), recorded.hypotheses.len());
    let best = recorded
        .hypotheses
        .iter()
        .min_by_key(|h| h.model.rank)
        .expect("best");
    assert_eq!(listed[0]["statement"], best.model.statement.as_str());
    let id = listed[0]["id"].as_i64().expect("id");
    let detail = ok_json(addr, &format!("/api/hypotheses/{id}")).await;
    assert_eq!(detail["statement"], best.model.statement.as_str());
    let findings = ok_json(addr, &format!("/api/findings?run={run}&limit=5")).await;
    assert!(
        !findings["findings"]
            .as_array()
            .expect("findings")
            .is_empty()
    );

    for page in [
        "/".to_owned(),
        format!("/runs/{run}"),
        format!("/hypotheses/{id}"),
    ] {
        let reply = get(addr, &page).await;
        assert_eq!(reply.status, 200, "{page}: {}", reply.body);
        assert!(reply.content_type.starts_with("text/html"), "{page}");
    }
    let run_page = get(addr, &format!("/runs/{run}")).await.body;
    let escaped = agent::html::escape(&best.model.statement);
    assert!(
        run_page.contains(&escaped),
        "the run page lists the best hypothesis"
    );
}

/// A server with a job queue on `store`; stopped when the sender is dropped.
async fn serve(
    store: &Path,
    workspace: &Path,
    workers: usize,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let config = web::ServerConfig {
        store: store.to_path_buf(),
        addr: "127.0.0.1:0".parse().expect("addr"),
        workspace: Some(web::WorkspaceConfig {
            workers,
            ..web::WorkspaceConfig::new(workspace)
        }),
        access: web::auth::AccessPolicy::new(Some(TOKEN.into()), false),
        limits: Default::default(),
    };
    let server = web::Server::bind(config).await.expect("bind");
    let addr = server.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until(async move {
        let _ = rx.await;
    }));
    (addr, tx)
}

async fn start_job(addr: SocketAddr) -> i64 {
    let (status, body) = send(
        reqwest::Client::new()
            .post(url(addr, "/api/jobs"))
            .bearer_auth(TOKEN)
            .json(&json!({"study": "demo", "spec": {"max_analyses": 2, "permutations": 0}})),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    body["job"]["id"].as_i64().expect("job id")
}

/// A job's live event stream, read event by event.
struct Stream {
    reply: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn open(addr: SocketAddr, job: i64) -> Self {
        let reply = reqwest::Client::new()
            .get(url(addr, &format!("/api/jobs/{job}/events")))
            .send()
            .await
            .expect("events");
        assert_eq!(reply.status().as_u16(), 200);
        Self {
            reply,
            buffer: String::new(),
        }
    }

    /// The next event (kind, data), or `None` when the stream ended; panics after `limit`.
    async fn next(&mut self, limit: Duration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut kind = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(k) = line.strip_prefix("event:") {
                        kind = k.trim().to_owned();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim());
                    }
                }
                if !kind.is_empty() {
                    return Some((kind, serde_json::from_str(&data).unwrap_or(Value::Null)));
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.reply.chunk())
                .await
                .unwrap_or_else(|_| panic!("no event within {limit:?}"))
                .expect("chunk")?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_streams_follow_jobs_written_by_any_server() {
    let store = postgres();
    let path = store.as_path();
    let ws_a = tempfile::tempdir().expect("workspace");
    let ws_b = tempfile::tempdir().expect("workspace");
    // Server A only queues; nothing runs its jobs yet.
    let (a, _stop_a) = serve(&path, ws_a.path(), 0).await;
    let queued = start_job(a).await;
    let mut stream = Stream::open(a, queued).await;

    // Events written to the store by another process (here: the test) reach A's stream at once:
    // well before the stream would re-read on its own (jobs::live::PUSH_FALLBACK, 15 s).
    let quick = Duration::from_secs(7);
    let writer_path = path.clone();
    let mut writer = tokio::task::spawn_blocking(move || ControlStore::open(&writer_path))
        .await
        .expect("task")
        .expect("control");
    // Let the stream make its first read and start waiting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for i in 0..3 {
        let sent = Instant::now();
        let written = tokio::task::block_in_place(|| {
            writer.append_event(
                JobId(queued),
                "note",
                &json!({"i": i}),
                graph::Timestamp::now(),
            )
        });
        written.expect("append");
        let (kind, data) = stream.next(quick).await.expect("an event");
        assert_eq!(kind, "note");
        assert_eq!(data["data"]["i"], i);
        assert!(sent.elapsed() < quick, "{:?}", sent.elapsed());
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // A state change alone (cancelling a queued job adds no event) ends the stream as promptly.
    tokio::task::block_in_place(|| writer.request_cancel(JobId(queued), graph::Timestamp::now()))
        .expect("cancel");
    let (kind, data) = stream.next(quick).await.expect("end");
    assert_eq!(kind, "end");
    assert_eq!(data["job"]["state"], "cancelled");
    assert!(stream.next(quick).await.is_none(), "the stream closes");

    // Server B runs jobs; a job queued on A and run by B is followed live on A to its end.
    let (_b, _stop_b) = serve(&path, ws_b.path(), 1).await;
    let job = start_job(a).await;
    let mut stream = Stream::open(a, job).await;
    let mut kinds = Vec::new();
    let mut end = Value::Null;
    while let Some((kind, data)) = stream.next(Duration::from_secs(300)).await {
        if kind == "end" {
            end = data;
        }
        kinds.push(kind);
    }
    for expected in ["claimed", "profiled", "step", "finished", "end"] {
        assert!(
            kinds.iter().any(|k| k == expected),
            "{expected} missing from {kinds:?}"
        );
    }
    assert_eq!(end["job"]["state"], "done", "{end}");
    let worker = end["job"]["worker"].as_str().expect("worker");
    assert!(worker.starts_with("serve-"), "{worker}");
    // A's dashboard shows B's run, and the live page of the job is served by A.
    let run = end["job"]["run"].as_i64().expect("run");
    let runs = ok_json(a, "/api/runs").await;
    assert!(
        runs["runs"]
            .as_array()
            .expect("runs")
            .iter()
            .any(|r| r["id"] == run),
        "{runs}"
    );
    let page = get(a, &format!("/jobs/{job}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("EventSource"));
}
