//! The optional webhook: a JSON summary POSTed to a URL when a job ends. Delivery is best effort
//! (three tries with a short backoff, 10 s each); the outcome is logged as a job event, and a
//! failing receiver never changes the job's state.

use graph::control::{ControlStore, Job};
use std::time::Duration;

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

/// Sends the payload for `job` to `url` and records the delivery as an event of the job.
pub fn notify(url: &str, control: &mut ControlStore, job: &Job) {
    let study = control.study(job.study).ok().flatten().map(|s| s.name);
    let body = payload(job, study.as_deref());
    let delivered = post_json(url, &body);
    let _ = control.append_event(
        job.id,
        "webhook",
        &serde_json::json!({"url": url, "delivered": delivered.is_ok(), "error": delivered.err()}),
        graph::Timestamp::now(),
    );
}

fn post_json(url: &str, body: &serde_json::Value) -> Result<u16, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        let mut last = String::new();
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
            }
            match client.post(url).json(body).send().await {
                Ok(r) if r.status().is_success() => return Ok(r.status().as_u16()),
                Ok(r) => last = format!("HTTP {}", r.status()),
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    })
}
