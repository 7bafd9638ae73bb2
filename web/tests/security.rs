//! The server's promises against attackers, one test per kind of attack (issue 16), each showing
//! the attack failing and the legitimate use still working: private servers without a token,
//! DNS rebinding (Host allow-list), cookie sessions and cross-site writes, slow clients and
//! resource caps, links out of a study folder and the upload-name race, webhook signing and
//! secrets, security headers, weak tokens, login guessing and what health reveals.

mod common;

use common::{send, url};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use web::auth::AccessPolicy;
use web::listen::Limits;

const TOKEN: &str = "security-test-token-0123";

struct Running {
    addr: SocketAddr,
    workspace: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// A server with a workspace (no workers unless asked) and the given access rules.
async fn serve_with(
    access: AccessPolicy,
    limits: Limits,
    configure: impl FnOnce(&mut web::WorkspaceConfig),
) -> Running {
    let workspace = tempfile::tempdir().expect("workspace");
    // Registering the demo loads it (slow in debug builds): only tests that run it ask for it.
    let mut ws = web::WorkspaceConfig {
        workers: 0,
        upload_limit: 1 << 20,
        register_demo: false,
        ..web::WorkspaceConfig::new(workspace.path())
    };
    configure(&mut ws);
    let config = web::ServerConfig {
        store: workspace.path().join("hypomics.db"),
        addr: "127.0.0.1:0".parse().expect("addr"),
        workspace: Some(ws),
        access,
        limits,
    };
    start(config, workspace).await
}

async fn start(config: web::ServerConfig, workspace: tempfile::TempDir) -> Running {
    let server = web::Server::bind(config).await.expect("bind");
    let addr = server.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run_until(async move {
        let _ = rx.await;
    }));
    Running {
        addr,
        workspace,
        _shutdown: tx,
    }
}

async fn serve(access: AccessPolicy) -> Running {
    serve_with(access, Limits::default(), |_| {}).await
}

/// [`serve`] with the demo study registered.
async fn serve_demo(access: AccessPolicy) -> Running {
    serve_with(access, Limits::default(), |ws| ws.register_demo = true).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// One raw HTTP/1.1 request with exactly these header lines; the whole response as text.
async fn raw(addr: SocketAddr, head: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(format!("{head}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .expect("write");
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut out))
        .await
        .expect("response in time")
        .expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

fn status_of(response: &str) -> u16 {
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Signs in through `/login` and returns the session cookie (`name=value`).
async fn login(addr: SocketAddr) -> String {
    let reply = client()
        .get(url(addr, &format!("/login?token={TOKEN}")))
        .send()
        .await
        .expect("login");
    assert_eq!(reply.status().as_u16(), 303);
    let set = reply
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie")
        .to_owned();
    set.split(';').next().expect("cookie pair").to_owned()
}

#[tokio::test]
async fn a_private_server_without_a_token_serves_nobody() {
    // A store to serve read-only: created by a workspace server's queue.
    let dir = tempfile::tempdir().expect("dir");
    let store = dir.path().join("hypomics.db");
    graph::control::ControlStore::open(&store).expect("store");
    graph::ResearchGraph::open(&store).expect("graph schema");
    let read_only = |access: AccessPolicy| web::ServerConfig {
        store: store.clone(),
        addr: "127.0.0.1:0".parse().expect("addr"),
        workspace: None,
        access,
        limits: Limits::default(),
    };

    // The attack: `--read-only --private` without `--token` used to serve everything.
    let closed = start(
        read_only(AccessPolicy::new(None, true)),
        tempfile::tempdir().expect("ws"),
    )
    .await;
    let (status, body) = send(client().get(url(closed.addr, "/api/runs"))).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("without a token")),
        "{body}"
    );
    let (status, _) = send(client().get(url(closed.addr, "/"))).await;
    assert_eq!(status, 401, "pages too");
    let (status, _) = send(client().get(url(closed.addr, "/api/health"))).await;
    assert_eq!(status, 200, "health stays public");

    // The legitimate uses: a public read-only server, and a private one with its token.
    let open = start(
        read_only(AccessPolicy::new(None, false)),
        tempfile::tempdir().expect("ws"),
    )
    .await;
    let (status, body) = send(client().get(url(open.addr, "/api/runs"))).await;
    assert_eq!(status, 200, "{body}");
    let private = start(
        read_only(AccessPolicy::new(Some(TOKEN.into()), true)),
        tempfile::tempdir().expect("ws"),
    )
    .await;
    let (status, _) = send(
        client()
            .get(url(private.addr, "/api/runs"))
            .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn requests_for_other_host_names_are_refused_against_dns_rebinding() {
    let server = serve(
        AccessPolicy::new(Some(TOKEN.into()), false).allow_hosts(["lab.example.org".to_owned()]),
    )
    .await;
    let port = server.addr.port();
    // The attack: a page on evil.example rebinds its name to 127.0.0.1 and reads the API.
    for path in ["/api/studies", "/api/health", "/", "/api/openapi.json"] {
        let reply = raw(
            server.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: evil.example:{port}"),
        )
        .await;
        assert_eq!(status_of(&reply), 403, "{path}: {reply}");
        assert!(reply.contains("--allowed-host evil.example"), "{reply}");
    }
    // Legitimate: loopback names, IP addresses and listed names.
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        "lab.example.org".to_owned(),
    ] {
        let reply = raw(
            server.addr,
            &format!("GET /api/studies HTTP/1.1\r\nHost: {host}"),
        )
        .await;
        assert_eq!(status_of(&reply), 200, "{host}: {reply}");
    }
}

#[tokio::test]
async fn sessions_are_random_ids_that_expire_end_at_logout_and_need_own_pages_for_writes() {
    let server = serve_demo(AccessPolicy::new(Some(TOKEN.into()), true)).await;
    let cookie = login(server.addr).await;
    let (name, id) = cookie.split_once('=').expect("pair");
    assert_eq!(name, web::auth::COOKIE);
    assert!(!id.contains(TOKEN), "the cookie never holds the token");
    assert_eq!(id.len(), 64, "256 random bits");
    // A cookie holding the token itself (the old scheme) is worth nothing now.
    let (status, _) = send(
        client()
            .get(url(server.addr, "/api/studies"))
            .header("cookie", format!("{name}={TOKEN}")),
    )
    .await;
    assert_eq!(status, 401);
    // The session reads a private server.
    let (status, _) = send(
        client()
            .get(url(server.addr, "/api/studies"))
            .header("cookie", &cookie),
    )
    .await;
    assert_eq!(status, 200);

    // The attack: a page on another localhost port (same site, other origin) posts with the
    // browser's cookie.
    let other = format!("http://127.0.0.1:{}", server.addr.port() + 1);
    let own = format!("http://{}", server.addr);
    let start_job = |headers: &[(&str, &str)]| {
        let mut request = client()
            .post(url(server.addr, "/api/jobs"))
            .header("cookie", &cookie)
            .json(&json!({"study": "demo"}));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request
    };
    for headers in [
        vec![("origin", other.as_str())],
        vec![("sec-fetch-site", "same-site"), ("origin", other.as_str())],
        vec![("sec-fetch-site", "cross-site")],
        vec![],
    ] {
        let (status, body) = send(start_job(&headers)).await;
        assert_eq!(status, 403, "{headers:?}: {body}");
    }
    // The dashboard's own fetch() passes.
    let (status, body) = send(start_job(&[("sec-fetch-site", "same-origin")])).await;
    assert_eq!(status, 202, "{body}");
    let (status, body) = send(start_job(&[("origin", own.as_str())])).await;
    assert_eq!(status, 202, "{body}");

    // Logout ends the session and deletes the cookie.
    let reply = client()
        .post(url(server.addr, "/logout"))
        .header("cookie", &cookie)
        .header("origin", &own)
        .send()
        .await
        .expect("logout");
    assert_eq!(reply.status().as_u16(), 303);
    let set = reply
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(set.contains("Max-Age=0"), "{set}");
    let (status, _) = send(
        client()
            .get(url(server.addr, "/api/studies"))
            .header("cookie", &cookie),
    )
    .await;
    assert_eq!(status, 401, "a closed session reads nothing");

    // Sessions expire.
    let short =
        serve(AccessPolicy::new(Some(TOKEN.into()), true).session_ttl(Duration::from_millis(500)))
            .await;
    let cookie = login(short.addr).await;
    let read = || {
        client()
            .get(url(short.addr, "/api/studies"))
            .header("cookie", &cookie)
    };
    assert_eq!(send(read()).await.0, 200);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(send(read()).await.0, 401, "expired");

    // Behind TLS the cookie is Secure and host-only.
    let tls = serve(AccessPolicy::new(Some(TOKEN.into()), false).secure_cookie(true)).await;
    let reply = client()
        .get(url(tls.addr, &format!("/login?token={TOKEN}")))
        .send()
        .await
        .expect("login");
    let set = reply
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        set.starts_with("__Host-hypomics_session=") && set.contains("; Secure"),
        "{set}"
    );
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
}

#[tokio::test]
async fn slow_clients_time_out_and_connections_are_capped() {
    let server = serve_with(
        AccessPolicy::new(Some(TOKEN.into()), false),
        Limits {
            max_connections: 2,
            header_read_timeout: Duration::from_secs(2),
        },
        |_| {},
    )
    .await;
    // The attack: two clients open connections and send headers slowly (slowloris).
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(server.addr).await.expect("connect");
        s.write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n")
            .await
            .expect("partial head");
        slow.push(s);
    }
    // The cap holds: a third client is not served while both slots are taken...
    let mut third = TcpStream::connect(server.addr).await.expect("connect");
    third
        .write_all(b"GET /api/health HTTP/1.0\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf)).await;
    assert!(early.is_err(), "served beyond the connection cap");
    // ...and the slow ones are cut off once the header-read timeout passes, freeing the slots.
    for s in &mut slow {
        let mut sink = Vec::new();
        let n = tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut sink))
            .await
            .expect("the slow client is disconnected")
            .expect("read");
        assert!(
            !String::from_utf8_lossy(&sink[..n]).contains("200 OK"),
            "never served"
        );
    }
    // The legitimate client is then served.
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), third.read_to_end(&mut reply))
        .await
        .expect("served after the slow clients left")
        .expect("read");
    assert_eq!(status_of(&String::from_utf8_lossy(&reply)), 200);
}

#[tokio::test]
async fn live_event_streams_are_capped() {
    let server = serve_demo(AccessPolicy::new(Some(TOKEN.into()), false).event_streams(2)).await;
    let (status, body) = send(
        client()
            .post(url(server.addr, "/api/jobs"))
            .bearer_auth(TOKEN)
            .json(&json!({"study": "demo"})),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let id = body["job"]["id"].as_i64().expect("job id");
    let events = url(server.addr, &format!("/api/jobs/{id}/events"));
    // The job stays queued (no workers), so its streams stay open.
    let mut open = Vec::new();
    for _ in 0..2 {
        let reply = client().get(&events).send().await.expect("stream");
        assert_eq!(reply.status().as_u16(), 200);
        open.push(reply);
    }
    // The attack: opening streams without end. Beyond the cap: 503 with Retry-After.
    let reply = client().get(&events).send().await.expect("stream");
    assert_eq!(reply.status().as_u16(), 503);
    assert!(reply.headers().contains_key("retry-after"));
    // Reads other than streams still work, and the job's log is there to poll instead.
    let (status, _) = send(client().get(url(server.addr, &format!("/api/jobs/{id}/log")))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn files_linking_out_of_a_study_folder_are_refused() {
    let outside = tempfile::tempdir().expect("outside");
    std::fs::write(outside.path().join("secret.tsv"), "id\tx\nA\t1\n").expect("secret");
    let root = tempfile::tempdir().expect("root");
    let cohort = root.path().join("cohort");
    datasets::synth::write_synthetic_study(&cohort, &datasets::synth::SynthConfig::default())
        .expect("study");
    let root_path = root.path().to_path_buf();
    let server = serve_with(
        AccessPolicy::new(Some(TOKEN.into()), false),
        Limits::default(),
        move |ws| ws.data_root = Some(root_path),
    )
    .await;
    let register = |name: &str| {
        client()
            .post(url(server.addr, "/api/studies"))
            .bearer_auth(TOKEN)
            .json(&json!({"name": name, "path": "cohort"}))
    };
    // The attack: a file in a registered folder that is a link to anywhere.
    std::os::unix::fs::symlink(
        outside.path().join("secret.tsv"),
        cohort.join("proteome_extra.tsv"),
    )
    .expect("symlink");
    let (status, body) = send(register("linked")).await;
    assert_eq!(status, 422, "{body}");
    let error = body["error"].as_str().unwrap_or("");
    assert!(
        error.contains("proteome_extra.tsv") && error.contains("outside the study folder"),
        "{body}"
    );
    // Without the link the folder registers.
    std::fs::remove_file(cohort.join("proteome_extra.tsv")).expect("unlink");
    let (status, body) = send(register("cohort")).await;
    assert_eq!(status, 201, "{body}");
}

/// A multipart body of every file in `dir`.
fn multipart(dir: &Path) -> (String, Vec<u8>) {
    let boundary = "security-test-boundary-41c";
    let mut body = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(&std::fs::read(entry.path()).expect("read"));
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_uploads_of_one_name_cannot_delete_each_others_files() {
    let files = tempfile::tempdir().expect("files");
    datasets::synth::write_synthetic_study(files.path(), &datasets::synth::SynthConfig::default())
        .expect("study");
    let (kind, body) = multipart(files.path());
    let server = serve_with(
        AccessPolicy::new(Some(TOKEN.into()), false),
        Limits::default(),
        |ws| ws.upload_limit = 64 << 20,
    )
    .await;
    // The attack (or accident): several uploads named alike at once. Before, a loser's cleanup
    // deleted the winner's folder.
    let attempts = (0..6).map(|_| {
        send(
            client()
                .post(url(server.addr, "/api/studies/upload?name=same"))
                .bearer_auth(TOKEN)
                .header("content-type", kind.clone())
                .body(body.clone()),
        )
    });
    let results = futures_util::future::join_all(attempts).await;
    let created = results.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(created, 1, "{results:?}");
    assert!(
        results.iter().all(|(s, _)| *s == 201 || *s == 409),
        "{results:?}"
    );
    // The winner's files are all there, and the study loads from them.
    let folder = server.workspace.path().join("uploads/same");
    let kept = std::fs::read_dir(&folder).expect("upload folder").count();
    assert_eq!(
        kept,
        std::fs::read_dir(files.path()).expect("files").count()
    );
    let (status, body) = send(
        client()
            .post(url(server.addr, "/api/jobs"))
            .bearer_auth(TOKEN)
            .json(&json!({"study": "same"})),
    )
    .await;
    assert_eq!(status, 202, "{body}");
}

/// One webhook call as received: path, signature header, body.
type Call = (String, Option<String>, Vec<u8>);

/// A receiver that answers the first call 200 and every later one with a redirect to itself,
/// sending each call's path, signature and body on the channel.
fn receiver() -> (SocketAddr, std::sync::mpsc::Receiver<Call>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let path = first.split_whitespace().nth(1).unwrap_or("").to_owned();
            let (mut length, mut signature) = (0usize, None);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap_or(0);
                    } else if k.eq_ignore_ascii_case(web::jobs::webhook::SIGNATURE_HEADER) {
                        signature = Some(v.trim().to_owned());
                    }
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let answer: &[u8] = if n == 0 {
                b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            } else {
                b"HTTP/1.1 307 Temporary Redirect\r\nlocation: /elsewhere\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            };
            let _ = reader.get_mut().write_all(answer);
            let _ = tx.send((path, signature, body));
        }
    });
    (addr, rx)
}

/// Waits until job `id` has a `webhook` event and returns the job's whole event log.
async fn log_with_webhook(addr: SocketAddr, id: i64) -> Value {
    for _ in 0..600 {
        let (_, log) = send(client().get(url(addr, &format!("/api/jobs/{id}/log")))).await;
        if log["events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["kind"] == "webhook"))
        {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} never logged its webhook");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_keep_their_secret_out_of_the_log_and_follow_no_redirects() {
    let (hook, calls) = receiver();
    let secret = "webhook-signing-secret-42";
    let hook_url = format!("http://{hook}/hooks/T0-SECRET-PATH?key=QUERY-SECRET");
    let webhook = web::jobs::webhook::Webhook::new(hook_url, secret).expect("webhook");
    let server = serve_with(
        AccessPolicy::new(Some(TOKEN.into()), false),
        Limits::default(),
        move |ws| {
            ws.workers = 1;
            ws.register_demo = true;
            ws.webhook = Some(webhook);
        },
    )
    .await;
    // Jobs that end at once: the llm planner with no model configured fails naming the variable.
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (status, body) = send(
            client()
                .post(url(server.addr, "/api/jobs"))
                .bearer_auth(TOKEN)
                .json(&json!({"study": "demo", "spec": {"planner": "llm"}})),
        )
        .await;
        assert_eq!(status, 202, "{body}");
        let id = body["job"]["id"].as_i64().expect("id");
        let log = log_with_webhook(server.addr, id).await;
        ids.push((id, log));
    }
    // The first call was delivered, signed over its exact body.
    let (path, signature, body) = calls
        .recv_timeout(Duration::from_secs(30))
        .expect("first call");
    assert!(path.starts_with("/hooks/T0-SECRET-PATH"));
    assert_eq!(
        signature.as_deref(),
        Some(web::jobs::webhook::signature(secret, &body).as_str())
    );
    assert_ne!(
        signature.as_deref(),
        Some(web::jobs::webhook::signature("another-secret-0000", &body).as_str())
    );
    // The second was answered with a redirect, which was not followed.
    let (_, _, _) = calls
        .recv_timeout(Duration::from_secs(30))
        .expect("second call");
    assert!(
        calls.recv_timeout(Duration::from_secs(2)).is_err(),
        "the redirect was followed"
    );
    let webhook_event = |log: &Value| {
        log["events"]
            .as_array()
            .and_then(|e| e.iter().find(|e| e["kind"] == "webhook").cloned())
            .expect("webhook event")
    };
    let first = webhook_event(&ids[0].1);
    assert_eq!(first["data"]["delivered"], true, "{first}");
    let second = webhook_event(&ids[1].1);
    assert_eq!(second["data"]["delivered"], false, "{second}");
    assert!(
        second["data"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("redirects are not followed")),
        "{second}"
    );
    // The public event log names the receiver but none of the URL's secrets.
    for (_, log) in &ids {
        let text = log.to_string();
        assert!(text.contains(&format!("http://{hook}")), "{text}");
        assert!(
            !text.contains("SECRET-PATH") && !text.contains("QUERY-SECRET"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn responses_carry_security_headers_and_reports_are_sandboxed() {
    let server = serve_demo(AccessPolicy::new(Some(TOKEN.into()), false)).await;
    for path in ["/", "/api/studies", "/no/such/page"] {
        let reply = client()
            .get(url(server.addr, path))
            .send()
            .await
            .expect("get");
        let header = |name: &str| {
            reply
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        let csp = header("content-security-policy");
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"),
            "{path}: {csp}"
        );
    }
    // A report written by a job is served sandboxed: no scripts, an opaque origin.
    let (_, body) = send(
        client()
            .post(url(server.addr, "/api/jobs"))
            .bearer_auth(TOKEN)
            .json(&json!({"study": "demo"})),
    )
    .await;
    let id = body["job"]["id"].as_i64().expect("id");
    let out = server.workspace.path().join(format!("runs/job-{id}"));
    std::fs::create_dir_all(&out).expect("out");
    std::fs::write(
        out.join("report.html"),
        "<html><script>fetch('/api/jobs')</script></html>",
    )
    .expect("report");
    let store = server.workspace.path().join("hypomics.db");
    let mut control = graph::control::ControlStore::open(&store).expect("queue");
    let now = graph::Timestamp::now();
    let claimed = control
        .claim_next("test-worker", now, now)
        .expect("claim")
        .expect("a job");
    // What a worker records when it starts the job (its output folder).
    control
        .set_job_context(
            &claimed.fence().expect("a running job has a fence"),
            Some(&out),
            None,
            None,
        )
        .expect("out dir");
    let reply = client()
        .get(url(server.addr, &format!("/jobs/{id}/files/report.html")))
        .send()
        .await
        .expect("report");
    assert_eq!(reply.status().as_u16(), 200);
    let csp = reply
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        csp.starts_with("sandbox;") && !csp.contains("allow-scripts"),
        "{csp}"
    );
}

#[tokio::test]
async fn short_tokens_are_refused_at_start() {
    let workspace = tempfile::tempdir().expect("workspace");
    let config = |token: &str| web::ServerConfig {
        store: workspace.path().join("hypomics.db"),
        addr: "127.0.0.1:0".parse().expect("addr"),
        workspace: Some(web::WorkspaceConfig {
            workers: 0,
            register_demo: false,
            ..web::WorkspaceConfig::new(workspace.path())
        }),
        access: AccessPolicy::new(Some(token.into()), false),
        limits: Limits::default(),
    };
    let Err(error) = web::Server::bind(config("hunter2")).await else {
        panic!("a 7-character token was accepted");
    };
    assert!(error.to_string().contains("at least 16"), "{error}");
    assert!(web::Server::bind(config(TOKEN)).await.is_ok());
}

#[tokio::test]
async fn wrong_logins_are_rate_limited() {
    let server = serve(AccessPolicy::new(Some(TOKEN.into()), false)).await;
    // The attack: guessing tokens at network speed.
    for _ in 0..web::throttle::MAX_FAILURES {
        let (status, _) =
            send(client().get(url(server.addr, "/login?token=guess-000000000000"))).await;
        assert_eq!(status, 401);
    }
    let reply = client()
        .get(url(server.addr, "/login?token=guess-000000000001"))
        .send()
        .await
        .expect("login");
    assert_eq!(reply.status().as_u16(), 429);
    assert!(reply.headers().contains_key("retry-after"));
    // A fresh server (or the window passing) lets the right token in at once.
    let other = serve(AccessPolicy::new(Some(TOKEN.into()), false)).await;
    let cookie = login(other.addr).await;
    assert!(cookie.starts_with(web::auth::COOKIE));
}

#[tokio::test]
async fn a_private_servers_health_shows_no_absolute_paths() {
    let private = serve(AccessPolicy::new(Some(TOKEN.into()), true)).await;
    let (status, body) = send(client().get(url(private.addr, "/api/health"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["store"], "hypomics.db", "{body}");
    let dir = private.workspace.path().to_string_lossy().into_owned();
    assert!(!body.to_string().contains(&dir), "{body}");
    // A public server's reads are open anyway: health names the store in full.
    let open = serve(AccessPolicy::new(Some(TOKEN.into()), false)).await;
    let (_, body) = send(client().get(url(open.addr, "/api/health"))).await;
    assert!(
        body["store"]
            .as_str()
            .is_some_and(|s| Path::new(s).is_absolute()),
        "{body}"
    );
}
