//! The dashboard's multipart upload accepts every study layout labs share (the committed fixtures
//! in `datasets/fixtures/layouts`), sent as a browser sends a picked folder: one form field per
//! file, named by its path in the folder, which the server flattens (cBioPortal's `case_lists/`
//! arrives beside the data files). Each upload is accepted, loaded and profiled like the folder
//! loaded directly.

mod common;

use common::{send, url};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TOKEN: &str = "test-token-0123456789";

const LAYOUTS: &[&str] = &[
    "expressionset",
    "wide",
    "cbioportal",
    "geo",
    "xlsx",
    "transposed",
];

struct Running {
    addr: SocketAddr,
    _workspace: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn serve() -> Running {
    let workspace = tempfile::tempdir().expect("workspace");
    let config = web::ServerConfig {
        store: workspace.path().join("hypomics.db"),
        addr: "127.0.0.1:0".parse().expect("addr"),
        workspace: Some(web::WorkspaceConfig {
            workers: 0,
            upload_limit: 16 << 20,
            ..web::WorkspaceConfig::new(workspace.path())
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
    Running {
        addr,
        _workspace: workspace,
        _shutdown: tx,
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../datasets/fixtures/layouts")
        .join(name)
}

/// Every file under `dir`, named by its path relative to `dir` (as a folder picker sends them).
fn files_under(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.path().is_dir() {
            files_under(&entry.path(), &format!("{name}/"), out);
        } else {
            out.push((name, std::fs::read(entry.path()).expect("read")));
        }
    }
}

fn multipart(dir: &Path) -> (String, Vec<u8>) {
    let boundary = "hypomics-layout-boundary-41c9";
    let mut files = Vec::new();
    files_under(dir, "", &mut files);
    let mut body = Vec::new();
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

/// What a profile says about each layer: name, kind, features and samples.
fn layer_shapes(profile: &Value) -> Vec<(String, String, u64, u64)> {
    profile["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap_or_default().to_owned(),
                l["kind"].as_str().unwrap_or_default().to_owned(),
                l["features"].as_u64().unwrap_or_default(),
                l["samples"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_fixture_layout_uploads_and_is_profiled_like_its_folder() {
    let server = serve().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client");
    for name in LAYOUTS {
        let dir = fixture(name);
        let direct = datasets::Study::load(&dir).expect("the fixture loads from its folder");
        let expected =
            serde_json::to_value(datasets::summary::StudySummary::of(&direct)).expect("json");
        let (kind, body) = multipart(&dir);
        let (status, reply) = send(
            client
                .post(url(
                    server.addr,
                    &format!("/api/studies/upload?name={name}"),
                ))
                .bearer_auth(TOKEN)
                .header("content-type", kind)
                .body(body),
        )
        .await;
        assert_eq!(status, 201, "{name}: {reply}");
        assert_eq!(reply["study"]["source"], "upload", "{name}");
        let profile = &reply["study"]["profile"];
        assert_eq!(
            profile["clinical_file"], expected["clinical_file"],
            "{name}"
        );
        assert_eq!(profile["samples"], expected["samples"], "{name}");
        assert!(
            profile["samples"].as_u64().unwrap_or_default() > 0,
            "{name}"
        );
        let layers = layer_shapes(profile);
        assert!(!layers.is_empty(), "{name}: {profile}");
        assert_eq!(layers, layer_shapes(&expected), "{name}");
        assert_eq!(
            profile["survival"].as_array().map(Vec::len),
            expected["survival"].as_array().map(Vec::len),
            "{name}"
        );
        // The registered study is listed with the same profile.
        let (status, listed) =
            send(client.get(url(server.addr, &format!("/api/studies/{name}")))).await;
        assert_eq!(status, 200, "{name}: {listed}");
    }
}
