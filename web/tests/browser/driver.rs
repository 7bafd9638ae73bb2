//! Headless Chromium under chromedriver for the browser tests: finding the binaries, starting
//! chromedriver on a free loopback port (killed with its browser by a drop guard, so a failing
//! test leaves no processes behind), a WebDriver session through `fantoccini` with the flags this
//! machine's closed network needs, the browser console log, screenshots as test artefacts, and a
//! deadline on every step so a hung browser fails the test instead of hanging CI.

use fantoccini::wd::{Capabilities, TimeoutConfiguration};
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use std::future::Future;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set in CI (`.ci/run`) so a machine without chromedriver fails the test instead of skipping.
pub const REQUIRE_ENV: &str = "HYPOMICS_REQUIRE_BROWSER";

/// Chromium flags: headless as root in a sandboxed container, and without the background
/// connections (updates, sync, QUIC probes) that this machine's closed network refuses.
const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

/// Viewport width of every screenshot; the height follows the page.
pub const WIDTH: u32 = 1280;

/// Awaits `fut`, failing the test with `what` if it takes longer than `secs` seconds.
pub async fn within<T>(what: &str, secs: u64, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(secs), fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {secs} s: {what}"),
    }
}

/// The chromedriver and browser binaries: `HYPOMICS_CHROMEDRIVER` / `HYPOMICS_CHROMIUM` if set,
/// else Debian's paths (packages `chromium-driver` and `chromium`). `Err` says what is missing.
pub fn binaries() -> Result<(PathBuf, PathBuf), String> {
    let find = |var: &str, default: &str| -> Result<PathBuf, String> {
        let path = std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
        if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "{} not found (set {var}, or `apt-get install chromium chromium-driver`)",
                path.display()
            ))
        }
    };
    Ok((
        find("HYPOMICS_CHROMEDRIVER", "/usr/bin/chromedriver")?,
        find("HYPOMICS_CHROMIUM", "/usr/bin/chromium")?,
    ))
}

/// Where screenshots and the chromedriver log go: `$CARGO_TARGET_DIR/browser-artifacts`, or the
/// workspace's `target/browser-artifacts`. Emptied at the start of a run.
pub fn artifacts_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf();
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    let dir = target.join("browser-artifacts");
    // Stale files from an earlier run would pass for this run's artefacts.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the browser artefacts folder");
    dir
}

/// A running chromedriver (and the browser it starts, in the same process group). Dropping it
/// kills the whole group, whether the test passed or panicked.
pub struct Driver {
    child: Child,
    pub url: String,
    /// Chromium's profile: a fresh empty one per run, removed on drop.
    profile: tempfile::TempDir,
    browser: PathBuf,
}

impl Driver {
    /// Starts chromedriver on a free loopback port and waits until it accepts connections.
    pub fn start(chromedriver: &Path, browser: &Path, log: &Path) -> Self {
        let port = free_port();
        // chromedriver writes its own log; what it prints goes beside it.
        let output =
            std::fs::File::create(log.with_extension("out")).expect("chromedriver output file");
        // Without --allowed-ips chromedriver listens on loopback only.
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(output.try_clone().expect("output handle"))
            .stderr(output)
            // Its own process group, so the browser it forks dies with it on drop.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let mut driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            profile: tempfile::tempdir().expect("profile dir"),
            browser: browser.to_path_buf(),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!(
                    "chromedriver exited ({status}) before listening on {addr}; see {}",
                    log.with_extension("out").display()
                );
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {addr} within 20 s; see {}",
                log.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    /// A new WebDriver session in headless Chromium, with the browser console log enabled.
    pub async fn session(&self) -> Client {
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| (*s).to_owned()).collect();
        args.push(format!("--user-data-dir={}", self.profile.path().display()));
        args.push(format!("--window-size={WIDTH},900"));
        let caps: Capabilities = match json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": self.browser, "args": args },
            "goog:loggingPrefs": { "browser": "ALL" },
            "pageLoadStrategy": "normal",
        }) {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let client = within(
            "starting a Chromium session",
            60,
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps)
                .connect(&self.url),
        )
        .await
        .unwrap_or_else(|e| panic!("cannot start a Chromium session: {e}"));
        within(
            "setting timeouts",
            10,
            client.update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(20)),
                Some(Duration::from_secs(30)),
                Some(Duration::ZERO),
            )),
        )
        .await
        .expect("set timeouts");
        client
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGKILL to the group (negative pid): chromedriver and every Chromium process it forked.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// One entry of the browser console log as chromedriver reports it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub level: String,
    pub message: String,
}

/// The console entries logged since the last call, from chromedriver's log endpoint
/// (`POST /session/{id}/se/log`, which fantoccini does not wrap: a plain HTTP/1.1 request here
/// saves depending on fantoccini's `http` and `url` types for a custom command).
pub async fn console(client: &Client, driver: &Driver) -> Vec<LogEntry> {
    let session = within("session id", 10, client.session_id())
        .await
        .expect("session id")
        .expect("an open session");
    let body = json!({ "type": "browser" }).to_string();
    let reply = within(
        "reading the browser log",
        15,
        post(&driver.url, &format!("/session/{session}/se/log"), &body),
    )
    .await;
    let value: Value = serde_json::from_str(&reply)
        .unwrap_or_else(|e| panic!("browser log is not JSON ({e}): {reply}"));
    value["value"]
        .as_array()
        .unwrap_or_else(|| panic!("no log entries in {reply}"))
        .iter()
        .map(|e| LogEntry {
            level: e["level"].as_str().unwrap_or_default().to_owned(),
            message: e["message"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// POSTs JSON to chromedriver (which refuses HTTP/1.0) over HTTP/1.1; returns the body.
async fn post(base: &str, path: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .expect("connect to chromedriver");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    // chromedriver keeps the connection open, so read the head, then Content-Length bytes.
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let (head_len, body_len) = loop {
        let n = stream.read(&mut buf).await.expect("read");
        assert!(n > 0, "chromedriver closed {path} before replying");
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).into_owned();
            assert!(
                head.starts_with("HTTP/1.1 200"),
                "chromedriver {path}: {head}"
            );
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or_else(|| panic!("no Content-Length from chromedriver: {head}"));
            break (end + 4, length);
        }
    };
    while raw.len() < head_len + body_len {
        let n = stream.read(&mut buf).await.expect("read");
        assert!(n > 0, "chromedriver closed {path} mid-reply");
        raw.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(raw[head_len..head_len + body_len].to_vec()).expect("UTF-8 reply")
}

/// Fails the test on any SEVERE console entry since the last check (errors thrown by scripts,
/// failed requests); prints the others.
pub async fn assert_no_console_errors(client: &Client, driver: &Driver, page: &str) {
    let entries = console(client, driver).await;
    for e in &entries {
        println!("  console {page} [{}] {}", e.level, e.message);
    }
    let severe: Vec<&LogEntry> = entries.iter().filter(|e| e.level == "SEVERE").collect();
    assert!(
        severe.is_empty(),
        "browser console errors on {page}: {severe:#?}"
    );
}

/// Proves the console check can fail: an error logged by a script on the page must come back
/// from the log as SEVERE (otherwise a broken log would pass every page).
pub async fn assert_console_is_read(client: &Client, driver: &Driver) {
    const CANARY: &str = "hypomics browser test: console canary";
    within(
        "logging a console error",
        10,
        client.execute(&format!("console.error('{CANARY}');"), vec![]),
    )
    .await
    .expect("console.error");
    let entries = console(client, driver).await;
    assert!(
        entries
            .iter()
            .any(|e| e.level == "SEVERE" && e.message.contains(CANARY)),
        "a console error did not reach the browser log: {entries:?}"
    );
}

/// Saves a screenshot of the whole page (the window is resized to the page's height, up to a
/// limit) as `dir/name.png` and prints its path.
pub async fn screenshot(client: &Client, dir: &Path, name: &str) -> PathBuf {
    // The page's height and the viewport's; a page is never measured shorter than the window,
    // and the window is taller than its viewport, so shrink first, then grow by what is missing.
    const MEASURE: &str = "return [Math.max(document.documentElement.scrollHeight, \
        document.body.scrollHeight), window.innerHeight];";
    let mut window = 900;
    within(
        "resizing the window",
        15,
        client.set_window_size(WIDTH, window),
    )
    .await
    .expect("resize window");
    for _ in 0..3 {
        let sizes = within("measuring the page", 15, client.execute(MEASURE, vec![]))
            .await
            .expect("page height");
        let page = sizes[0].as_u64().unwrap_or(0) as u32;
        let viewport = sizes[1].as_u64().unwrap_or(0) as u32;
        if page <= viewport || window >= 8000 {
            break;
        }
        window = (window + page - viewport).min(8000);
        within(
            "resizing the window",
            15,
            client.set_window_size(WIDTH, window),
        )
        .await
        .expect("resize window");
    }
    let png = within("taking a screenshot", 30, client.screenshot())
        .await
        .expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).expect("write screenshot");
    println!("screenshot: {}", path.display());
    path
}
