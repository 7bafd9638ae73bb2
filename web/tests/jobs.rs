//! The writable server over real HTTP: bearer-token and private-read rules, registering studies
//! under the data root (and refusing paths that leave it), size-limited uploads, and jobs started,
//! followed live over server-sent events, cancelled and resumed.

mod common;

use common::{send, url};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TOKEN: &str = "test-token-0123456789";

struct Running {
    addr: SocketAddr,
    state: web::AppState,
    _workspace: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

struct Options {
    private: bool,
    data_root: Option<PathBuf>,
    upload_limit: usize,
    workers: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            private: false,
            data_root: None,
            upload_limit: 1 << 20,
            workers: 0,
        }
    }
}

async fn serve(options: Options) -> Running {
    let workspace = tempfile::tempdir().expect("workspace");
    let config = web::ServerConfig {
        store: workspace.path().join("hypomics.db"),
        addr: "127.0.0.1:0".parse().expect("addr"),
        workspace: Some(web::WorkspaceConfig {
            data_root: options.data_root,
            workers: options.workers,
            upload_limit: options.upload_limit,
            ..web::WorkspaceConfig::new(workspace.path())
        }),
        access: web::auth::AccessPolicy::new(Some(TOKEN.into()), options.private),
        limits: Default::default(),
    };
    let server = web::Server::bind(config).await.expect("bind");
    let addr = server.local_addr();
    let state = server.state().clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until(async move {
        let _ = rx.await;
    }));
    Running {
        addr,
        state,
        _workspace: workspace,
        _shutdown: tx,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

async fn post_json(addr: SocketAddr, path: &str, body: Value, token: Option<&str>) -> (u16, Value) {
    let mut request = client().post(url(addr, path)).json(&body);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    send(request).await
}

async fn post_empty(addr: SocketAddr, path: &str) -> (u16, Value) {
    send(client().post(url(addr, path)).bearer_auth(TOKEN)).await
}

async fn get_json(addr: SocketAddr, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = client().get(url(addr, path));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    send(request).await
}

fn small_spec() -> Value {
    json!({"max_analyses": 2, "permutations": 0})
}

/// Queues a small run of the demo study with the write token; the job's id and the response.
async fn submit_small_demo_job(addr: SocketAddr) -> (i64, Value) {
    let (status, body) = post_json(
        addr,
        "/api/jobs",
        json!({"study": "demo", "spec": small_spec()}),
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let job = body["job"]["id"].as_i64().expect("job id");
    (job, body)
}

#[tokio::test]
async fn writes_need_the_token_and_private_servers_need_it_for_reads() {
    let open = serve(Options::default()).await;
    let (status, body) = post_json(open.addr, "/api/jobs", json!({"study": "demo"}), None).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["error"].as_str().unwrap_or("").contains("token"),
        "{body}"
    );
    let (status, _) = post_json(
        open.addr,
        "/api/jobs",
        json!({"study": "demo"}),
        Some("wrong-token-0123456789"),
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = get_json(open.addr, "/api/studies", None).await;
    assert_eq!(status, 200, "reads are open by default");
    assert_eq!(
        body["studies"][0]["name"], "demo",
        "the demo is registered at start"
    );
    assert!(
        body["studies"][0]["profile"]["layers"]
            .as_array()
            .is_some_and(|l| l.len() >= 5),
        "the profile lists the demo's layers: {body}"
    );

    let private = serve(Options {
        private: true,
        ..Options::default()
    })
    .await;
    let (status, _) = get_json(private.addr, "/api/studies", None).await;
    assert_eq!(status, 401);
    let (status, _) = get_json(private.addr, "/api/studies", Some(TOKEN)).await;
    assert_eq!(status, 200);
    let (status, _) = get_json(private.addr, "/api/health", None).await;
    assert_eq!(status, 200, "health stays public");
    let page = client()
        .get(url(private.addr, "/studies"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 401);
    assert!(page.text().await.expect("text").contains("login?token="));

    // The login URL sets a session cookie that then authorises reads and writes.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let login = browser
        .get(url(private.addr, &format!("/login?token={TOKEN}")))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status().as_u16(), 303);
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let session = cookie.split(';').next().expect("pair").to_owned();
    let page = browser
        .get(url(private.addr, "/studies"))
        .header("cookie", &session)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let bad_login = browser
        .get(url(private.addr, "/login?token=nope"))
        .send()
        .await
        .expect("login");
    assert_eq!(bad_login.status().as_u16(), 401);
}

fn synth_samples() -> usize {
    let c = datasets::synth::SynthConfig::default();
    c.n_tumours + c.n_normals
}

fn write_study(dir: &Path) {
    datasets::synth::write_synthetic_study(dir, &datasets::synth::SynthConfig::default())
        .expect("synthetic study");
}

#[tokio::test]
async fn registering_folders_stays_inside_the_data_root() {
    let outside = tempfile::tempdir().expect("outside");
    write_study(&outside.path().join("secret"));
    let root = tempfile::tempdir().expect("root");
    write_study(&root.path().join("cohort"));
    std::fs::create_dir_all(root.path().join("empty")).expect("empty");

    let no_root = serve(Options::default()).await;
    let (status, body) = post_json(
        no_root.addr,
        "/api/studies",
        json!({"name": "c", "path": "cohort"}),
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"].as_str().unwrap_or("").contains("data root"));

    let server = serve(Options {
        data_root: Some(root.path().to_path_buf()),
        ..Options::default()
    })
    .await;
    let escape = format!(
        "../{}/secret",
        outside
            .path()
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path().join("secret"), root.path().join("link"))
        .expect("symlink");
    // (request body, expected status, words the error must contain)
    let refused = [
        (
            json!({"name": "escape", "path": escape}),
            403,
            "outside the data root",
        ),
        (
            json!({"name": "escape", "path": "link"}),
            403,
            "outside the data root",
        ),
        (
            json!({"name": "missing", "path": "no/such/folder"}),
            422,
            "no/such/folder",
        ),
        // An empty folder is not a study.
        (json!({"name": "empty", "path": "empty"}), 422, "empty"),
        (
            json!({"name": "bad/name", "path": "cohort"}),
            422,
            "bad/name",
        ),
        (
            json!({"name": "cohort", "path": "cohort", "extra": 1}),
            422,
            "extra",
        ),
    ];
    for (request, expected, words) in refused {
        let (status, body) =
            post_json(server.addr, "/api/studies", request.clone(), Some(TOKEN)).await;
        assert_eq!(status, expected, "{request}: {body}");
        assert!(
            body["error"].as_str().unwrap_or("").contains(words),
            "{request}: {body}"
        );
    }

    let (status, body) = post_json(
        server.addr,
        "/api/studies",
        json!({"name": "cohort", "path": "cohort"}),
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["study"]["source"], "folder");
    assert_eq!(body["study"]["profile"]["samples"], synth_samples());
    let (status, _) = post_json(
        server.addr,
        "/api/studies",
        json!({"name": "cohort", "path": "cohort"}),
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, 409);
    let (status, body) = get_json(server.addr, "/api/studies/cohort", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["study"]["name"], "cohort");
    let (status, _) = get_json(server.addr, "/api/studies/nope", None).await;
    assert_eq!(status, 404);
}

/// A multipart body of the files in `dir` (what a browser's file input sends).
fn multipart(dir: &Path, extra: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "hypomics-test-boundary-7f3a";
    let mut body = Vec::new();
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    if let Some((name, bytes)) = extra {
        files.push((name.to_owned(), bytes.to_vec()));
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(addr: SocketAddr, name: &str, (kind, body): (String, Vec<u8>)) -> (u16, Value) {
    send(
        client()
            .post(url(addr, &format!("/api/studies/upload?name={name}")))
            .bearer_auth(TOKEN)
            .header("content-type", kind)
            .body(body),
    )
    .await
}

#[tokio::test]
async fn uploads_are_size_limited_and_registered() {
    let files = tempfile::tempdir().expect("files");
    write_study(files.path());
    let size: u64 = std::fs::read_dir(files.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    let tight = serve(Options {
        upload_limit: usize::try_from(size / 2).expect("size"),
        ..Options::default()
    })
    .await;
    let (status, body) = upload(tight.addr, "big", multipart(files.path(), None)).await;
    assert_eq!(status, 413, "{body}");
    let (status, body) = get_json(tight.addr, "/api/studies/big", None).await;
    assert_eq!(
        status, 404,
        "nothing registered after a refused upload: {body}"
    );

    let server = serve(Options {
        upload_limit: usize::try_from(size * 2).expect("size"),
        ..Options::default()
    })
    .await;
    let (status, body) = upload(
        server.addr,
        "sneaky",
        multipart(files.path(), Some(("..", b"x"))),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = upload(server.addr, "uploaded", multipart(files.path(), None)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["study"]["source"], "upload");
    assert_eq!(body["study"]["profile"]["samples"], synth_samples());
    let (status, body) = post_json(
        server.addr,
        "/api/jobs",
        json!({"study": "uploaded", "spec": small_spec()}),
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, 202, "{body}");
}

/// Reads a job's event stream until its `end` event; returns (kind, data) pairs.
async fn follow(
    addr: SocketAddr,
    job: i64,
    mut until: impl FnMut(&str) -> bool,
) -> Vec<(String, Value)> {
    // No whole-request timeout here: a stream lives as long as its job; the deadline below
    // bounds the wait instead.
    let streaming = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let mut reply = streaming
        .get(url(addr, &format!("/api/jobs/{job}/events")))
        .send()
        .await
        .expect("events");
    assert_eq!(reply.status().as_u16(), 200);
    assert!(
        reply
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"))
    );
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    loop {
        let chunk = tokio::time::timeout_at(deadline, reply.chunk())
            .await
            .expect("event stream timed out")
            .expect("chunk");
        let Some(chunk) = chunk else {
            return events;
        };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut kind = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(k) = line.strip_prefix("event:") {
                    kind = k.trim().to_owned();
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push_str(d.trim());
                }
            }
            if kind.is_empty() {
                continue;
            }
            let value = serde_json::from_str(&data).unwrap_or(Value::Null);
            let stop = until(&kind);
            events.push((kind, value));
            if stop {
                return events;
            }
        }
    }
}

#[tokio::test]
async fn a_job_runs_live_and_records_a_run() {
    let server = serve(Options {
        workers: 1,
        ..Options::default()
    })
    .await;
    let (job, body) = submit_small_demo_job(server.addr).await;
    assert_eq!(body["job"]["state"], "queued");
    let events = follow(server.addr, job, |_| false).await;
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "step").count(),
        2,
        "{kinds:?}"
    );
    for expected in ["claimed", "profiled", "recording", "finished", "end"] {
        assert!(
            kinds.contains(&expected),
            "{expected} missing from {kinds:?}"
        );
    }
    let (_, end) = events.last().expect("end");
    assert_eq!(end["job"]["state"], "done");
    assert_eq!(end["job"]["outcome"], "ran");
    let run = end["job"]["run"].as_i64().expect("run id");
    let (status, runs) = get_json(server.addr, "/api/runs", None).await;
    assert_eq!(status, 200);
    assert!(
        runs["runs"]
            .as_array()
            .expect("runs")
            .iter()
            .any(|r| r["id"] == run)
    );
    let (status, _) = get_json(server.addr, &format!("/api/runs/{run}/hypotheses"), None).await;
    assert_eq!(status, 200);
    // Reconnecting with Last-Event-ID resumes after that event.
    let (status, log) = get_json(server.addr, &format!("/api/jobs/{job}/log?after=2"), None).await;
    assert_eq!(status, 200);
    assert_eq!(log["events"][0]["seq"], 3);
    let page = client()
        .get(url(server.addr, &format!("/jobs/{job}")))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("EventSource"));
    assert!(html.contains(&format!("/jobs/{job}/files/report.html")));
    // The run's own files, served from its folder in the workspace.
    let report = client()
        .get(url(server.addr, &format!("/jobs/{job}/files/report.html")))
        .send()
        .await
        .expect("report");
    assert_eq!(report.status().as_u16(), 200);
    assert!(
        report
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
    );
    assert!(
        report
            .text()
            .await
            .expect("text")
            .contains("hypomics report")
    );
    let tsv = client()
        .get(url(server.addr, &format!("/jobs/{job}/files/findings.tsv")))
        .send()
        .await
        .expect("tsv");
    assert_eq!(tsv.status().as_u16(), 200);
    let tsv = tsv.text().await.expect("text");
    assert!(tsv.lines().count() > 1, "a header and findings");
    for name in ["hypomics.db", "..%2Fhypomics.db", "report.htm"] {
        let reply = client()
            .get(url(server.addr, &format!("/jobs/{job}/files/{name}")))
            .send()
            .await
            .expect("reply");
        assert_eq!(reply.status().as_u16(), 404, "{name}");
    }
}

#[tokio::test]
async fn streams_of_one_job_share_one_reader_and_see_the_same_events() {
    // No workers: the job stays queued, its streams open, until it is cancelled.
    let server = serve(Options::default()).await;
    let (job, _) = submit_small_demo_job(server.addr).await;
    let streams: Vec<_> = (0..3)
        .map(|_| tokio::spawn(follow(server.addr, job, |_| false)))
        .collect();
    // Wait until the streams are connected (the reader starts with the first of them).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while server.state.job_feeds().readers() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no stream connected"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        server.state.job_feeds().readers(),
        1,
        "every stream of the job reads through one reader"
    );
    let (status, _) = post_empty(server.addr, &format!("/api/jobs/{job}/cancel")).await;
    assert_eq!(status, 200);
    let mut seen = Vec::new();
    for stream in streams {
        seen.push(stream.await.expect("stream"));
    }
    let kinds = |events: &[(String, Value)]| -> Vec<String> {
        events.iter().map(|(k, _)| k.clone()).collect()
    };
    for events in &seen {
        assert_eq!(kinds(events), kinds(&seen[0]), "streams differ");
    }
    let (kind, end) = seen[0].last().expect("events");
    assert_eq!(kind, "end");
    assert_eq!(end["job"]["state"], "cancelled");
    // The job has ended: its reader stopped, and a later stream replays the same events.
    assert_eq!(server.state.job_feeds().readers(), 0);
    let late = follow(server.addr, job, |_| false).await;
    assert_eq!(kinds(&late), kinds(&seen[0]));
}

#[tokio::test]
async fn jobs_are_cancelled_and_resumed() {
    // No workers: the job stays queued until cancelled.
    let idle = serve(Options::default()).await;
    let (_, body) = post_json(
        idle.addr,
        "/api/jobs",
        json!({"study": "demo", "spec": small_spec()}),
        Some(TOKEN),
    )
    .await;
    let job = body["job"]["id"].as_i64().expect("job");
    let (status, body) = post_empty(idle.addr, &format!("/api/jobs/{job}/cancel")).await;
    assert_eq!(
        (status, body["job"]["state"].as_str()),
        (200, Some("cancelled"))
    );
    let (status, body) = post_empty(idle.addr, &format!("/api/jobs/{job}/cancel")).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = post_empty(idle.addr, &format!("/api/jobs/{job}/resume")).await;
    assert_eq!(
        (status, body["job"]["state"].as_str()),
        (200, Some("queued"))
    );

    // A running job stops between steps and resumes from its journal.
    let server = serve(Options {
        workers: 1,
        ..Options::default()
    })
    .await;
    let (_, body) = post_json(
        server.addr,
        "/api/jobs",
        json!({"study": "demo", "spec": {"max_analyses": 40, "permutations": 2}}),
        Some(TOKEN),
    )
    .await;
    let job = body["job"]["id"].as_i64().expect("job");
    follow(server.addr, job, |kind| kind == "step").await;
    let (status, body) = post_empty(server.addr, &format!("/api/jobs/{job}/cancel")).await;
    assert_eq!(status, 200, "{body}");
    let events = follow(server.addr, job, |_| false).await;
    let (_, end) = events.last().expect("end");
    assert_eq!(end["job"]["state"], "cancelled", "{events:?}");
    let (status, _) = post_empty(server.addr, &format!("/api/jobs/{job}/resume")).await;
    assert_eq!(status, 200);
    let events = follow(server.addr, job, |_| false).await;
    let (_, end) = events.last().expect("end");
    assert_eq!(end["job"]["state"], "done", "{events:?}");
    assert!(
        events.iter().any(|(k, _)| k == "resumed"),
        "the second attempt resumed the journal: {events:?}"
    );
}

#[tokio::test]
async fn bad_job_requests_name_the_problem() {
    let server = serve(Options::default()).await;
    for (body, status, needle) in [
        (
            json!({"study": "demo", "spec": {"max_analyses": 0}}),
            422,
            "max_analyses",
        ),
        (
            json!({"study": "demo", "spec": {"budget": 3}}),
            422,
            "budget",
        ),
        (json!({"study": "nope"}), 404, "nope"),
        (json!({"study": [1]}), 422, "study"),
    ] {
        let (got, reply) = post_json(server.addr, "/api/jobs", body.clone(), Some(TOKEN)).await;
        assert_eq!(got, status, "{body}: {reply}");
        assert!(
            reply["error"].as_str().unwrap_or("").contains(needle),
            "{body}: {reply}"
        );
    }
    let (status, _) = get_json(server.addr, "/api/jobs/abc", None).await;
    assert_eq!(status, 400);
    let (status, _) = get_json(server.addr, "/api/jobs/999", None).await;
    assert_eq!(status, 404);
    let (status, _) = get_json(server.addr, "/api/jobs?state=sleeping", None).await;
    assert_eq!(status, 400);
}

/// An `llm` job on a server started without a model fails at once (no retries), saying what to
/// set; it does not fall back silently to the offline rules.
#[tokio::test]
async fn llm_jobs_without_a_model_fail_with_the_setting_to_fix() {
    let server = serve(Options {
        workers: 1,
        ..Options::default()
    })
    .await;
    let (status, body) = post_json(
        server.addr,
        "/api/jobs",
        json!({"study": "demo", "spec": {"planner": "llm", "max_analyses": 2, "permutations": 0}}),
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let job = body["job"]["id"].as_i64().expect("job");
    let events = follow(server.addr, job, |_| false).await;
    let (_, end) = events.last().expect("end");
    assert_eq!(end["job"]["state"], "failed", "{events:?}");
    assert_eq!(
        end["job"]["attempts"], 1,
        "configuration errors are not retried"
    );
    assert!(
        end["job"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("HYPOMICS_LLM_BASE_URL")),
        "{end}"
    );
}

/// The run page's Contradictions section also lists the contradicted hypotheses below the run's
/// cut, which are not in the graph store but in the hypotheses.json the job wrote: one is added
/// to the job's file (a two-step run rarely has any of its own) and the page must show it, with
/// its rank, marked below the top N.
#[tokio::test]
async fn the_run_page_lists_contradictions_below_the_cut() {
    let server = serve(Options {
        workers: 1,
        ..Options::default()
    })
    .await;
    let (job, _) = submit_small_demo_job(server.addr).await;
    let events = follow(server.addr, job, |_| false).await;
    let (_, end) = events.last().expect("end");
    assert_eq!(end["job"]["state"], "done", "{end}");
    let run = end["job"]["run"].as_i64().expect("run id");
    let path = server
        ._workspace
        .path()
        .join(format!("runs/job-{job}/hypotheses.json"));
    let mut file: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("hypotheses.json"))
            .expect("json");
    assert!(file["beyond_the_cut"].is_array(), "the list is written");
    let presented = file["hypotheses"].as_array().expect("hypotheses").len();
    file["beyond_the_cut"] = json!([{
        "statement": "Below-cut <hypothesis> of PTEN",
        "rank": presented + 7,
        "total": 0.12,
        "contradictions": [{
            "kind": "vanishes_after_adjustment",
            "detail": "proteome PTEN: no longer detected after adjustment for purity",
            "findings": ["F9.1"]
        }],
        "refinement": {
            "outcome": "not_held",
            "trigger": "vanishes after adjustment",
            "detail": "refinement tried: re-tested within each stratum of MSI_status; did not hold in any stratum"
        }
    }]);
    std::fs::write(&path, file.to_string()).expect("write");
    let html = client()
        .get(url(server.addr, &format!("/runs/{run}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let section = html
        .split("<h2 id=\"contradictions\">")
        .nth(1)
        .expect("contradictions section");
    assert!(
        section.contains(&format!("Below the top {presented}</h3>")),
        "{section}"
    );
    assert!(
        section.contains(&format!(
            "rank {} · below the top {presented}",
            presented + 7
        )),
        "{section}"
    );
    assert!(
        section.contains("Below-cut &lt;hypothesis&gt; of PTEN"),
        "{section}"
    );
    assert!(section.contains("no longer detected after adjustment for purity"));
    assert!(
        section.contains("refinement tried, did not hold"),
        "{section}"
    );
    assert!(!section.contains("No finding contradicts a hypothesis shown."));
}
