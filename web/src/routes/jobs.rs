//! Jobs: the runs the server executes. Start one (study, planner, budget), list and read them,
//! cancel or resume, and follow one live as server-sent events. A job records a graph run
//! (`run` in its JSON) whose findings and hypotheses the rest of the API serves.

use crate::error::ApiError;
use crate::jobs::JobSpec;
use crate::jobs::feed::{JobFeed, JobFeeds};
use crate::params::{Params, PathParam};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use graph::control::{Job, JobFilter, JobId, JobState, JobTrigger, NewJob};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::convert::Infallible;

pub(crate) fn job_id(raw: &str) -> Result<JobId, ApiError> {
    crate::params::positive_id(raw, "job").map(JobId)
}

fn load(state: &AppState, id: JobId) -> Result<Job, ApiError> {
    state.control()?.with(|c| c.job(id))
}

pub async fn list(State(state): State<AppState>, params: Params) -> Result<Json<Value>, ApiError> {
    params.only(&["study", "state", "limit"])?;
    let study = match params.text("study") {
        Some(key) => Some(super::studies::find(&state, key)?.id),
        None => None,
    };
    let job_state =
        params.parse::<JobState>("state", "one of queued, running, done, failed, cancelled")?;
    let limit = params.parse::<usize>("limit", "a positive integer")?;
    if limit == Some(0) {
        return Err(ApiError::BadParam {
            name: "limit".into(),
            value: "0".into(),
            expected: "a positive integer".into(),
        });
    }
    let jobs = state.control()?.with(|c| {
        c.jobs(&JobFilter {
            study,
            state: job_state,
            limit: Some(limit.unwrap_or(100)),
        })
    })?;
    Ok(Json(json!({ "jobs": jobs })))
}

pub async fn detail(
    State(state): State<AppState>,
    PathParam(raw): PathParam,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.only(&[])?;
    Ok(Json(json!({ "job": load(&state, job_id(&raw)?)? })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// Study id or name.
    pub study: Value,
    #[serde(default)]
    pub spec: JobSpec,
    /// Run even if the inputs did not change since the study's last completed run.
    #[serde(default = "default_force")]
    pub force: bool,
}

/// A person who asks for a run wants one; change detection is for schedules and batches.
fn default_force() -> bool {
    true
}

pub async fn start(
    State(state): State<AppState>,
    body: Result<Json<StartRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(request) = body.map_err(|e| ApiError::Unprocessable(e.body_text()))?;
    let key = match &request.study {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => {
            return Err(ApiError::Unprocessable(format!(
                "`study` must be a study id or name, got {other}"
            )));
        }
    };
    request.spec.validate().map_err(ApiError::Unprocessable)?;
    let study = super::studies::find(&state, &key)?;
    let control = state.control()?;
    let now = control.now();
    let max_attempts = control.workspace.max_attempts;
    let job = control.with(|c| {
        c.enqueue(
            NewJob {
                study: study.id,
                spec: serde_json::to_value(&request.spec)?,
                trigger: JobTrigger::Manual,
                schedule: None,
                force: request.force,
                max_attempts,
            },
            now,
        )
    })?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "job": job }))))
}

pub async fn cancel(
    State(state): State<AppState>,
    PathParam(raw): PathParam,
) -> Result<Json<Value>, ApiError> {
    let id = job_id(&raw)?;
    let control = state.control()?;
    let now = control.now();
    let job = control.with(|c| c.request_cancel(id, now))?;
    Ok(Json(json!({ "job": job })))
}

pub async fn resume(
    State(state): State<AppState>,
    PathParam(raw): PathParam,
) -> Result<Json<Value>, ApiError> {
    let id = job_id(&raw)?;
    let control = state.control()?;
    let now = control.now();
    let job = control.with(|c| c.resume(id, 3, now))?;
    Ok(Json(json!({ "job": job })))
}

/// Where a stream starts: `?after=N`, else the `Last-Event-ID` a reconnecting browser sends.
fn start_after(params: &Params, headers: &HeaderMap) -> Result<i64, ApiError> {
    if let Some(after) = params.parse::<i64>("after", "an event sequence number")? {
        return Ok(after);
    }
    Ok(headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// `GET /api/jobs/{id}/events`: the job's events as server-sent events (`id` = sequence number,
/// `event` = kind, `data` = JSON), live until the job ends, then a final `end` event with the job.
/// At most the server's cap of streams are open at once (503 beyond it). All streams of a job
/// share one reader of the store (`jobs::feed`), which reads again when the store notifies a
/// change of the job on PostgreSQL (whichever server wrote it), and every `feed::POLL` on SQLite.
pub async fn events(
    State(state): State<AppState>,
    PathParam(raw): PathParam,
    params: Params,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    params.only(&["after"])?;
    let id = job_id(&raw)?;
    load(&state, id)?;
    let after = start_after(&params, &headers)?;
    let slot = state
        .access()
        .streams
        .clone()
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::Busy(
                "too many live event streams are open on this server; retry shortly, or read `/api/jobs/{id}/log`".into(),
            )
        })?;
    let stream = futures_util::stream::unfold(
        Follow {
            feed: JobFeeds::follow(&state, id),
            _slot: slot,
            after,
            pending: VecDeque::new(),
            ended: false,
        },
        Follow::next,
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The state of one live stream.
struct Follow {
    /// Held while the stream lives: one of the server's stream slots.
    _slot: tokio::sync::OwnedSemaphorePermit,
    /// The job's shared reader.
    feed: tokio::sync::watch::Receiver<std::sync::Arc<JobFeed>>,
    /// The last sequence number sent.
    after: i64,
    pending: VecDeque<Event>,
    ended: bool,
}

impl Follow {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        let mut reader_gone = false;
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some((Ok(event), self));
            }
            if self.ended {
                return None;
            }
            let feed = self.feed.borrow_and_update().clone();
            for e in feed.after(self.after) {
                self.after = e.seq;
                self.pending.push_back(
                    Event::default()
                        .id(e.seq.to_string())
                        .event(e.kind.clone())
                        .data(e.data.clone()),
                );
            }
            if !self.pending.is_empty() {
                continue;
            }
            if feed.finished {
                self.ended = true;
                self.pending.push_back(
                    Event::default()
                        .event("end")
                        .data(json!({ "job": feed.job }).to_string()),
                );
                continue;
            }
            // A failed read, or a reader that stopped with nothing more to say, ends the stream.
            if feed.failed || reader_gone {
                return None;
            }
            // Err: the reader stopped; its last publication is read once more above.
            reader_gone = self.feed.changed().await.is_err();
        }
    }
}

pub async fn event_log(
    State(state): State<AppState>,
    PathParam(raw): PathParam,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.only(&["after", "limit"])?;
    let id = job_id(&raw)?;
    load(&state, id)?;
    let after = params
        .parse::<i64>("after", "an event sequence number")?
        .unwrap_or(0);
    let limit = params
        .parse::<usize>("limit", "a positive integer")?
        .unwrap_or(1000);
    let events = state
        .control()?
        .with(|c| c.events_since(id, after, limit))?;
    Ok(Json(json!({ "events": events })))
}
