//! The optional webhook: a JSON summary POSTed to a URL when a job ends.
//!
//! - Signed: the body's HMAC-SHA256 under the configured secret is sent as
//!   `X-Hypomics-Signature: sha256=<hex>` (the scheme GitHub uses), so the receiver can tell the
//!   call came from this server and was not altered.
//! - Redirects are not followed (a 3xx counts as a failed delivery): the body goes only where
//!   it was configured to go.
//! - Delivery (three tries with a short backoff, 10 s each) runs on its own thread, so a slow
//!   receiver never holds a worker; [`wait_for_deliveries`] lets a batch finish them before it
//!   exits. The outcome is logged as a job event naming only the receiver's scheme, host and
//!   port: a webhook URL often holds a secret in its path or query, and the event log is readable
//!   by anyone who may read the job. A failing receiver never changes the job's state.

use graph::control::{ControlStore, Job, JobId};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-hypomics-signature";

/// Shortest accepted secret.
pub const MIN_SECRET_LEN: usize = 16;

/// Where job summaries go and the secret they are signed with.
#[derive(Clone)]
pub struct Webhook {
    url: String,
    secret: String,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Webhook({})", redacted(&self.url))
    }
}

impl Webhook {
    /// A webhook to `url` (http or https) signed with `secret` (at least [`MIN_SECRET_LEN`]
    /// characters).
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Result<Self, String> {
        let (url, secret) = (url.into(), secret.into());
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "the webhook must be an http:// or https:// URL, got `{}`",
                redacted(&url)
            ));
        }
        if secret.chars().count() < MIN_SECRET_LEN {
            return Err(format!(
                "the webhook secret must have at least {MIN_SECRET_LEN} characters (set HYPOMICS_WEBHOOK_SECRET or --webhook-secret); the receiver checks the {SIGNATURE_HEADER} header with it"
            ));
        }
        Ok(Self { url, secret })
    }

    /// The receiver as logged: scheme, host and port only.
    pub fn target(&self) -> String {
        redacted(&self.url)
    }
}

/// `scheme://host[:port]` of a URL, without user info, path or query.
fn redacted(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("?", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    format!("{scheme}://{host}")
}

/// `sha256=<hex>` of the HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// The body sent: enough to act on without calling back (job, study, state, outcome, summary).
pub fn payload(job: &Job, study_name: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "event": "job.finished",
        "job": job.id,
        "study": study_name,
        "study_id": job.study,
        "state": job.state,
        "outcome": job.outcome,
        "trigger": job.trigger,
        "run": job.run,
        "error": job.error,
        "result": job.result,
        "finished_at": job.finished_at.map(|t| t.to_string()),
    })
}

/// Deliveries still running in this process.
static PENDING: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());

/// Sends the payload for `job` on a delivery thread, which records the outcome as an event of
/// the job in the store at `store`.
pub fn notify(hook: &Webhook, store: &Path, control: &mut ControlStore, job: &Job) {
    let study = control.study(job.study).ok().flatten().map(|s| s.name);
    let body = payload(job, study.as_deref()).to_string();
    let (hook, store, id) = (hook.clone(), store.to_path_buf(), job.id);
    let handle = std::thread::spawn(move || deliver(&hook, &store, id, body));
    if let Ok(mut pending) = PENDING.lock() {
        pending.retain(|h| !h.is_finished());
        pending.push(handle);
    }
}

/// Waits (at most `limit`) for deliveries started by [`notify`] to finish.
pub fn wait_for_deliveries(limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let done = PENDING
            .lock()
            .map(|mut p| {
                p.retain(|h| !h.is_finished());
                p.is_empty()
            })
            .unwrap_or(true);
        if done || Instant::now() >= deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn deliver(hook: &Webhook, store: &PathBuf, job: JobId, body: String) {
    let delivered = post_signed(hook, body);
    let event = graph::control::WorkerEvent::Webhook {
        target: hook.target(),
        delivered: delivered.is_ok(),
        error: delivered.err(),
    };
    if let Ok(mut control) = ControlStore::open(store) {
        let _ = control.record_event(job, event, graph::Timestamp::now());
    }
}

fn post_signed(hook: &Webhook, body: String) -> Result<u16, String> {
    let signed = signature(&hook.secret, body.as_bytes());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let mut last = String::new();
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
            }
            let sent = client
                .post(&hook.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, &signed)
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => return Ok(r.status().as_u16()),
                Ok(r) if r.status().is_redirection() => {
                    return Err(format!("HTTP {} (redirects are not followed)", r.status()));
                }
                Ok(r) => last = format!("HTTP {}", r.status()),
                // Without the URL: it may hold a secret, and this goes to the event log.
                Err(e) => last = e.without_url().to_string(),
            }
        }
        Err(last)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_rfc_4231_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn logged_targets_drop_credentials_paths_and_queries() {
        assert_eq!(
            redacted("https://user:pw@hooks.example.org:8443/T0/B1/secret?key=abc"),
            "https://hooks.example.org:8443"
        );
        let hook =
            Webhook::new("http://127.0.0.1:9/hook/secret", "0123456789abcdef").expect("hook");
        assert_eq!(format!("{hook:?}"), "Webhook(http://127.0.0.1:9)");
        assert!(Webhook::new("http://x/", "short").is_err());
        assert!(Webhook::new("ftp://x/", "0123456789abcdef").is_err());
    }
}
