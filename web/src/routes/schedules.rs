//! Schedules: cron expressions (five fields, in an explicit IANA time zone) that queue a job for a
//! study when they fire. `hypomics serve` fires them (`crate::schedule::run_loop`); a fired job
//! that finds the study's files unchanged since its last completed run ends as `unchanged`
//! without running.

use crate::error::ApiError;
use crate::params::{Params, PathParam};
use crate::schedule::{self, CronSchedule, ScheduleError};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use graph::control::{Schedule, ScheduleId, StudyRecord};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

impl From<ScheduleError> for ApiError {
    fn from(e: ScheduleError) -> Self {
        match e {
            ScheduleError::Control(c) => ApiError::Control(c),
            other => ApiError::Unprocessable(other.to_string()),
        }
    }
}

fn schedule_id(raw: &str) -> Result<ScheduleId, ApiError> {
    crate::params::positive_id(raw, "schedule").map(ScheduleId)
}

/// A schedule as the API shows it: the stored row, the study's name, and its times as wall-clock
/// text in the schedule's own zone (what the person who wrote the cron expression thinks in).
pub(crate) fn view(s: &Schedule, study: Option<&StudyRecord>) -> Value {
    let zone = schedule::cron::parse_zone(&s.timezone).ok();
    let local = |t: Option<graph::Timestamp>| match (zone, t) {
        (Some(z), Some(t)) => Some(schedule::cron::local_text(z, t)),
        _ => None,
    };
    let mut v = serde_json::to_value(s).unwrap_or_else(|_| json!({}));
    if let Some(map) = v.as_object_mut() {
        map.insert("study_name".into(), json!(study.map(|r| r.name.clone())));
        map.insert("next_run_local".into(), json!(local(s.next_run_at)));
        map.insert("last_run_local".into(), json!(local(s.last_run_at)));
    }
    v
}

/// Every schedule with its study, for the API list and the dashboard page.
pub(crate) fn all(state: &AppState) -> Result<Vec<Value>, ApiError> {
    let (schedules, studies) = state
        .control()?
        .with(|c| Ok((c.schedules()?, c.studies()?)))?;
    let by_id: HashMap<_, _> = studies.iter().map(|s| (s.id, s)).collect();
    Ok(schedules
        .iter()
        .map(|s| view(s, by_id.get(&s.study).copied()))
        .collect())
}

pub async fn list(State(state): State<AppState>, params: Params) -> Result<Json<Value>, ApiError> {
    params.only(&[])?;
    Ok(Json(json!({ "schedules": all(&state)? })))
}

pub async fn detail(
    State(state): State<AppState>,
    PathParam(raw): PathParam,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.only(&[])?;
    let id = schedule_id(&raw)?;
    let (found, study) = state.control()?.with(|c| {
        let s = c.schedule(id)?;
        let study = c.study(s.study)?;
        Ok((s, study))
    })?;
    Ok(Json(json!({ "schedule": view(&found, study.as_ref()) })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// Study id or name.
    pub study: Value,
    pub cron: String,
    pub timezone: String,
    /// The job each firing queues; defaults apply to absent fields.
    pub spec: Option<Value>,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

fn study_key(study: &Value) -> Result<String, ApiError> {
    match study {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(ApiError::Unprocessable(format!(
            "`study` must be a study id or name, got {other}"
        ))),
    }
}

pub async fn create(
    State(state): State<AppState>,
    body: Result<Json<CreateRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(request) = body.map_err(|e| ApiError::Unprocessable(e.body_text()))?;
    let study = super::studies::find(&state, &study_key(&request.study)?)?;
    let spec = schedule::parse_spec(request.spec.as_ref())?;
    let control = state.control()?;
    let now = control.now();
    let created = control.with(|c| {
        Ok(schedule::add(
            c,
            study.id,
            &request.cron,
            &request.timezone,
            spec,
            request.enabled,
            now,
        ))
    })??;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "schedule": view(&created, Some(&study)) })),
    ))
}

/// Fields to change; absent ones keep their value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    pub cron: Option<String>,
    pub timezone: Option<String>,
    pub spec: Option<Value>,
    pub enabled: Option<bool>,
}

pub async fn update(
    State(state): State<AppState>,
    PathParam(raw): PathParam,
    body: Result<Json<UpdateRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = schedule_id(&raw)?;
    let Json(request) = body.map_err(|e| ApiError::Unprocessable(e.body_text()))?;
    let control = state.control()?;
    let current = control.with(|c| c.schedule(id))?;
    let spec = match &request.spec {
        Some(spec) => schedule::parse_spec(Some(spec))?,
        None => current.spec.clone(),
    };
    let now = control.now();
    let updated = control.with(|c| {
        Ok(schedule::update(
            c,
            &current,
            request.cron.as_deref().unwrap_or(&current.cron),
            request.timezone.as_deref().unwrap_or(&current.timezone),
            &spec,
            request.enabled.unwrap_or(current.enabled),
            now,
        ))
    })??;
    let study = control.with(|c| c.study(updated.study))?;
    Ok(Json(json!({ "schedule": view(&updated, study.as_ref()) })))
}

pub async fn delete(
    State(state): State<AppState>,
    PathParam(raw): PathParam,
) -> Result<StatusCode, ApiError> {
    let id = schedule_id(&raw)?;
    state.control()?.with(|c| c.delete_schedule(id))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/schedules/preview?cron=...&timezone=...`: checks an expression without storing it
/// and lists its next occurrences, so the dashboard form can say what a cron line means before
/// it is saved. An invalid expression is an answer here (`valid: false` with the error naming the
/// field), not a failed request: the form asks on every keystroke and most prefixes are invalid.
pub async fn preview(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.only(&["cron", "timezone", "count"])?;
    let cron = params.text("cron").ok_or_else(|| ApiError::MissingParam {
        name: "cron".into(),
        expected: "a five-field cron expression".into(),
    })?;
    let timezone = params.text("timezone").unwrap_or("UTC");
    let count = params
        .parse::<usize>("count", "an integer from 1 to 20")?
        .unwrap_or(5);
    if !(1..=20).contains(&count) {
        return Err(ApiError::BadParam {
            name: "count".into(),
            value: count.to_string(),
            expected: "an integer from 1 to 20".into(),
        });
    }
    let parsed = match CronSchedule::parse(cron, timezone) {
        Ok(parsed) => parsed,
        Err(e) => {
            return Ok(Json(json!({
                "cron": cron,
                "timezone": timezone,
                "valid": false,
                "error": e.to_string(),
                "next": [],
            })));
        }
    };
    let mut at = match state.control() {
        Ok(control) => control.now(),
        Err(_) => graph::Timestamp::now(),
    };
    let mut next = Vec::with_capacity(count);
    for _ in 0..count {
        let Some(t) = parsed.next_after(at) else {
            break;
        };
        next.push(json!({ "at": t, "local": parsed.local_text(t) }));
        at = t;
    }
    Ok(Json(json!({
        "cron": parsed.expr(),
        "timezone": parsed.zone().name(),
        "valid": true,
        "next": next,
    })))
}

/// This resource's part of the OpenAPI document: `(paths, schemas)`, merged by `crate::openapi`.
pub fn openapi() -> (Value, Value) {
    let error = |description: &str| json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let one = json!({ "description": "the schedule", "content": { "application/json": { "schema": {
        "type": "object", "required": ["schedule"],
        "properties": { "schedule": { "$ref": "#/components/schemas/Schedule" } } } } } });
    let id = json!({ "name": "id", "in": "path", "required": true,
        "schema": { "type": "string", "pattern": "^[0-9]+$" }, "description": "schedule id" });
    let cron_text = "five fields: minute hour day-of-month month day-of-week, e.g. `0 6 * * 1-5`";
    let spec_text = "the job each firing queues (planner, max_analyses, max_seconds, seed, permutations, max_hypotheses); absent fields take the defaults";
    let paths = json!({
        "/api/schedules": {
            "get": {
                "summary": "Every schedule, with its next and last firing (UTC and wall-clock in its zone)",
                "parameters": [],
                "responses": {
                    "200": { "description": "schedules", "content": { "application/json": { "schema": {
                        "type": "object", "required": ["schedules"],
                        "properties": { "schedules": { "type": "array", "items": { "$ref": "#/components/schemas/Schedule" } } } } } } },
                    "400": error("a parameter is unknown"),
                    "403": error("the server has no job queue")
                }
            },
            "post": {
                "summary": "Add a schedule: a cron expression in an explicit IANA time zone that queues a job for a study (needs the token)",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["study", "cron", "timezone"], "additionalProperties": false,
                    "properties": {
                        "study": { "oneOf": [{ "type": "string" }, { "type": "integer" }], "description": "study id or name" },
                        "cron": { "type": "string", "description": cron_text },
                        "timezone": { "type": "string", "description": "IANA zone, e.g. `Europe/Berlin`; occurrences are wall-clock times there, across daylight-saving changes" },
                        "spec": { "type": "object", "description": spec_text },
                        "enabled": { "type": "boolean", "default": true }
                    } } } } },
                "responses": {
                    "201": one.clone(),
                    "401": error("no or a wrong token"),
                    "404": error("no such study"),
                    "422": error("the cron expression, time zone or spec is invalid; the message names the field")
                }
            }
        },
        "/api/schedules/preview": {
            "get": {
                "summary": "Check a cron expression and zone without storing them, and list the next occurrences (an invalid expression is answered with `valid: false` and the error)",
                "parameters": [
                    { "name": "cron", "in": "query", "required": true, "schema": { "type": "string" }, "description": cron_text },
                    { "name": "timezone", "in": "query", "required": false, "schema": { "type": "string", "default": "UTC" }, "description": "IANA zone" },
                    { "name": "count", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 20, "default": 5 }, "description": "occurrences to list" }
                ],
                "responses": {
                    "200": { "description": "whether the expression is valid, and its next occurrences", "content": { "application/json": { "schema": {
                        "type": "object", "required": ["cron", "timezone", "valid", "next"],
                        "properties": {
                            "cron": { "type": "string" }, "timezone": { "type": "string" },
                            "valid": { "type": "boolean" },
                            "error": { "type": "string", "description": "why the expression or zone is invalid, naming the field" },
                            "next": { "type": "array", "items": { "type": "object", "properties": {
                                "at": { "type": "string", "format": "date-time" }, "local": { "type": "string" } } } }
                        } } } } },
                    "400": error("a parameter is missing or unknown")
                }
            }
        },
        "/api/schedules/{id}": {
            "get": {
                "summary": "One schedule",
                "parameters": [id.clone()],
                "responses": { "200": one.clone(), "400": error("the id is not a number"), "403": error("the server has no job queue"), "404": error("no such schedule") }
            },
            "patch": {
                "summary": "Change a schedule's expression, zone, spec or switch; absent fields keep their value (needs the token)",
                "parameters": [id.clone()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "additionalProperties": false,
                    "properties": {
                        "cron": { "type": "string", "description": cron_text },
                        "timezone": { "type": "string" },
                        "spec": { "type": "object", "description": spec_text },
                        "enabled": { "type": "boolean" }
                    } } } } },
                "responses": {
                    "200": one,
                    "400": error("the id is not a number"),
                    "401": error("no or a wrong token"),
                    "404": error("no such schedule"),
                    "422": error("the cron expression, time zone or spec is invalid; the message names the field")
                }
            },
            "delete": {
                "summary": "Remove a schedule; the jobs it queued stay (needs the token)",
                "parameters": [id],
                "responses": {
                    "204": { "description": "removed" },
                    "400": error("the id is not a number"),
                    "401": error("no or a wrong token"),
                    "404": error("no such schedule")
                }
            }
        }
    });
    let nullable_time = json!({ "type": "string", "format": "date-time", "nullable": true });
    let schemas = json!({
        "Schedule": {
            "type": "object",
            "required": ["id", "study", "cron", "timezone", "spec", "enabled", "created_at"],
            "properties": {
                "id": { "type": "integer" },
                "study": { "type": "integer" },
                "study_name": { "type": "string", "nullable": true },
                "cron": { "type": "string" },
                "timezone": { "type": "string" },
                "spec": { "type": "object" },
                "enabled": { "type": "boolean" },
                "next_run_at": nullable_time,
                "last_run_at": nullable_time,
                "next_run_local": { "type": "string", "nullable": true, "description": "next firing as wall-clock time in the schedule's zone" },
                "last_run_local": { "type": "string", "nullable": true },
                "last_job": { "type": "integer", "nullable": true },
                "created_at": { "type": "string", "format": "date-time" }
            }
        }
    });
    (paths, schemas)
}
