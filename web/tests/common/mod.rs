//! Shared by the integration tests: one real agent run of the bundled demo study recorded in a
//! store (the slow part, done once per test binary), the real server on a loopback port, and a
//! minimal HTTP/1.0 client.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One recorded run, shared by every test (the agent run is the slow part).
pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub store: PathBuf,
    /// (rank, statement, total score) as the agent returned them, best first.
    pub hypotheses: Vec<(usize, String, f64)>,
    /// File name -> SHA-256 of the study's files.
    pub file_hashes: BTreeMap<String, String>,
    pub study_name: String,
}

/// Runs the agent (offline planner, no calibration) on `study` and records it in `store`.
pub fn record_run(
    study: &datasets::Study,
    store: &Path,
    out: PathBuf,
    seed: u64,
    max_analyses: usize,
) -> agent::run::RunResult {
    let mut planner = agent::planner::OfflinePlanner::default();
    record_run_with(study, store, out, seed, max_analyses, &mut planner)
}

/// [`record_run`] with the given planner.
pub fn record_run_with(
    study: &datasets::Study,
    store: &Path,
    out: PathBuf,
    seed: u64,
    max_analyses: usize,
    planner: &mut dyn agent::planner::Planner,
) -> agent::run::RunResult {
    let knowledge = agent::knowledge::Knowledge::embedded().expect("knowledge");
    let config = agent::run::RunConfig {
        seed,
        permutations: 0,
        budget: agent::run::Budget {
            max_analyses,
            max_seconds: 600.0,
        },
        ..Default::default()
    };
    std::fs::create_dir_all(&out).expect("out dir");
    let persistence = agent::run::Persistence {
        out_dir: out,
        resume: false,
        store: Some(store.to_path_buf()),
        stop: None,
        fence: None,
    };
    agent::run::run(
        study,
        &knowledge,
        &config,
        Some(&persistence),
        planner,
        &mut |_| {},
    )
    .expect("agent run")
}

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("hypomics.db");
        let study = datasets::demo::load().expect("demo study");
        let result = record_run(&study, &store, dir.path().join("out"), 1, 8);
        let mut hypotheses: Vec<(usize, String, f64)> = result
            .hypotheses
            .iter()
            .map(|h| (h.model.rank, h.model.statement.clone(), h.model.score.total))
            .collect();
        hypotheses.sort_by_key(|h| h.0);
        assert!(
            !hypotheses.is_empty(),
            "the demo run should yield hypotheses"
        );
        let file_hashes = study
            .files
            .iter()
            .filter_map(|f| f.sha256.clone().map(|s| (f.name.clone(), s)))
            .collect();
        Fixture {
            _dir: dir,
            store,
            hypotheses,
            file_hashes,
            study_name: study.name.clone(),
        }
    })
}

/// Starts the real server on an ephemeral loopback port over `store`.
pub async fn start(store: &Path) -> SocketAddr {
    let server = web::Server::bind(web::ServerConfig {
        workspace: None,
        access: Default::default(),
        limits: Default::default(),
        store: store.to_path_buf(),
        addr: "127.0.0.1:0".parse().expect("addr"),
    })
    .await
    .expect("bind");
    let addr = server.local_addr();
    tokio::spawn(server.run());
    addr
}

pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        assert!(
            self.content_type.starts_with("application/json"),
            "content type {} for {}",
            self.content_type,
            self.body
        );
        serde_json::from_str(&self.body).expect("JSON body")
    }

    /// The `error` message of a JSON error body with the expected status.
    pub fn error(&self, status: u16) -> String {
        assert_eq!(self.status, status, "body: {}", self.body);
        self.json()["error"]
            .as_str()
            .expect("error message")
            .to_owned()
    }
}

/// A GET over HTTP/1.0 (the server closes the connection and sends no chunked encoding).
pub async fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path).await
}

pub async fn request(addr: SocketAddr, method: &str, path: &str) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(
            format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n")
                .as_bytes(),
        )
        .await
        .expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8(raw).expect("UTF-8 reply");
    let (head, body) = text.split_once("\r\n\r\n").expect("header/body split");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let content_type = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_owned())
        })
        .unwrap_or_default();
    Reply {
        status,
        content_type,
        body: body.to_owned(),
    }
}

pub async fn ok_json(addr: SocketAddr, path: &str) -> Value {
    let reply = get(addr, path).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.json()
}

pub async fn only_run(addr: SocketAddr) -> i64 {
    let runs = ok_json(addr, "/api/runs").await;
    runs["runs"][0]["id"].as_i64().expect("run id")
}

/// The URL of `path` on the server at `addr`.
pub fn url(addr: SocketAddr, path: &str) -> String {
    format!("http://{addr}{path}")
}

/// Sends a reqwest request; the status and the body as JSON (or as a JSON string when it is not
/// JSON).
pub async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let reply = request.send().await.expect("request");
    let status = reply.status().as_u16();
    let text = reply.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}
