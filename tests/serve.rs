//! `hypomics serve` as a user starts it on a fresh checkout: no options but a port, a workspace
//! created on the spot, the demo study ready to run, the URLs it prints working.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.0 exchange; returns (status, body).
fn http(
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut request = format!(
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("send");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, body.to_owned())
}

#[test]
fn serve_starts_on_a_fresh_workspace_with_the_demo_ready() {
    let dir = tempfile::tempdir().expect("tempdir");
    let child = Command::new(env!("CARGO_BIN_EXE_hypomics"))
        .current_dir(dir.path())
        .args(["serve", "--addr", "127.0.0.1:0", "--workers", "0"])
        .env_remove("HYPOMICS_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start hypomics serve");
    let mut child = Killed(child);
    let stdout = child.0.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("text");
    let dashboard = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the dashboard URL")
        .to_owned();
    let login = lines
        .find_map(|l| {
            let l = l.ok()?;
            l.split_whitespace()
                .find(|w| w.contains("/login?token="))
                .map(str::to_owned)
        })
        .expect("the login URL with a generated token");
    let host = dashboard
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let token = login.split("token=").nth(1).expect("token").to_owned();
    assert!(token.len() >= 32, "a generated token of 128 bits: {token}");
    assert!(
        dir.path().join("hypomics-workspace/hypomics.db").is_file(),
        "the default workspace holds the store"
    );

    let (status, home) = http(&host, "GET", "/", &[], "");
    assert_eq!(status, 200);
    assert!(home.contains("Run the demo study") && home.contains("id=\"run-demo\""));
    let (status, studies) = http(&host, "GET", "/api/studies", &[], "");
    assert_eq!(status, 200);
    let studies: serde_json::Value = serde_json::from_str(&studies).expect("json");
    assert_eq!(studies["studies"][0]["name"], "demo");

    let body = r#"{"study":"demo","spec":{"max_analyses":2,"permutations":0}}"#;
    let json = ("Content-Type", "application/json");
    let (status, _) = http(&host, "POST", "/api/jobs", &[json], body);
    assert_eq!(status, 401, "writes need the printed token");
    let auth = format!("Bearer {token}");
    let (status, reply) = http(
        &host,
        "POST",
        "/api/jobs",
        &[json, ("Authorization", auth.as_str())],
        body,
    );
    assert_eq!(status, 202, "{reply}");
    let (status, _) = http(&host, "GET", &format!("/login?token={token}"), &[], "");
    assert_eq!(status, 303, "the printed login URL signs the browser in");
}
