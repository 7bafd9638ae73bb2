//! The OpenAPI description of the studies and jobs endpoints (the writable side), merged into the
//! document by [`crate::openapi::spec`]. Kept apart from the read-only part so each half stays
//! readable.

use serde_json::{Value, json};

fn error(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn body(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn one(key: &str, schema: &str, description: &str) -> Value {
    body(
        description,
        json!({ "type": "object", "required": [key], "properties": { key: { "$ref": format!("#/components/schemas/{schema}") } } }),
    )
}

fn id_param(description: &str) -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" }, "description": description })
}

fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": description })
}

/// The write operations' security requirement: the server's bearer token (or the dashboard's
/// session cookie, which OpenAPI 3.0 describes as an apiKey in a cookie).
fn secured(mut op: Value) -> Value {
    op["security"] = json!([{ "bearer": [] }, { "session": [] }]);
    op["responses"]["401"] = error("no or a wrong token");
    op["responses"]["403"] = error(
        "this server is read-only (no job queue), or a session-cookie write did not come from this server's pages",
    );
    op
}

fn job_state() -> Value {
    json!({ "type": "string", "enum": ["queued", "running", "done", "failed", "cancelled"] })
}

pub fn schemas() -> Value {
    let nullable_time = json!({ "type": "string", "format": "date-time", "nullable": true });
    json!({
        "Study": {
            "type": "object", "required": ["id", "name", "source", "created_at"],
            "properties": {
                "id": { "type": "integer" }, "name": { "type": "string" },
                "source": { "type": "string", "enum": ["demo", "folder", "upload"] },
                "path": { "type": "string", "nullable": true },
                "profile": { "type": "object", "nullable": true, "description": "layers with shapes and sample matching, clinical variables with inferred types, survival, files with SHA-256" },
                "created_at": { "type": "string", "format": "date-time" }
            }
        },
        "JobSpec": {
            "type": "object", "additionalProperties": false,
            "properties": {
                "planner": { "type": "string", "enum": ["offline", "llm"], "default": "offline" },
                "max_analyses": { "type": "integer", "minimum": 1, "maximum": crate::jobs::spec::MAX_ANALYSES },
                "max_seconds": { "type": "number", "exclusiveMinimum": true, "minimum": 0 },
                "seed": { "type": "integer", "minimum": 0 },
                "permutations": { "type": "integer", "minimum": 0, "maximum": 20 },
                "max_hypotheses": { "type": "integer", "minimum": 1 }
            }
        },
        "Job": {
            "type": "object", "required": ["id", "study", "spec", "trigger", "state", "attempts", "max_attempts", "created_at"],
            "properties": {
                "id": { "type": "integer" }, "study": { "type": "integer" },
                "spec": { "$ref": "#/components/schemas/JobSpec" },
                "trigger": { "type": "string", "enum": ["manual", "schedule", "batch"] },
                "schedule": { "type": "integer", "nullable": true },
                "force": { "type": "boolean" },
                "state": job_state(),
                "attempts": { "type": "integer" }, "max_attempts": { "type": "integer" },
                "not_before": { "type": "string", "format": "date-time" },
                "worker": { "type": "string", "nullable": true },
                "lease_until": nullable_time.clone(),
                "cancel_requested": { "type": "boolean" },
                "run": { "type": "integer", "nullable": true, "description": "the graph run this job recorded (see /api/runs)" },
                "out_dir": { "type": "string", "nullable": true },
                "input_hashes": { "type": "object", "nullable": true, "additionalProperties": { "type": "string" }, "description": "file name -> SHA-256 as the job saw them" },
                "outcome": { "type": "string", "nullable": true, "description": "`ran`, or `unchanged`: skipped because the inputs equal the last completed run's" },
                "result": { "type": "object", "nullable": true, "description": "the run summary" },
                "error": { "type": "string", "nullable": true },
                "created_at": { "type": "string", "format": "date-time" },
                "started_at": nullable_time.clone(),
                "finished_at": nullable_time
            }
        },
        "JobEvent": {
            "type": "object", "required": ["job", "seq", "at", "kind", "data"],
            "properties": {
                "job": { "type": "integer" }, "seq": { "type": "integer" },
                "at": { "type": "string", "format": "date-time" },
                "kind": { "type": "string", "description": "claimed, profiled, recording, resumed, step, step_failed, planner_fallback, exploration_stopped, validating, calibrating, finished, recovered, webhook" },
                "data": { "type": "object" }
            }
        }
    })
}

pub fn paths() -> Value {
    let studies = body(
        "studies",
        json!({ "type": "object", "required": ["studies"], "properties": { "studies": { "type": "array", "items": { "$ref": "#/components/schemas/Study" } } } }),
    );
    let jobs = body(
        "jobs, newest first",
        json!({ "type": "object", "required": ["jobs"], "properties": { "jobs": { "type": "array", "items": { "$ref": "#/components/schemas/Job" } } } }),
    );
    json!({
        "/api/studies": {
            "get": { "summary": "Registered studies with their profiles", "parameters": [],
                     "responses": { "200": studies, "400": error("a parameter is unknown"), "403": error("this server has no job queue") } },
            "post": secured(json!({
                "summary": "Register a folder under the server's data root as a study (it is loaded once to check it and profile it)",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["name", "path"], "additionalProperties": false,
                    "properties": { "name": { "type": "string" }, "path": { "type": "string", "description": "relative to the data root; may not lead outside it" } } } } } },
                "responses": {
                    "201": one("study", "Study", "registered"),
                    "409": error("a study of that name exists"),
                    "422": error("the folder is missing, not a folder, or does not load as a study (the loader's message names the file and line)")
                }
            }))
        },
        "/api/studies/upload": {
            "post": secured(json!({
                "summary": "Upload a study's files (multipart/form-data, one part per file) and register them",
                "parameters": [{ "name": "name", "in": "query", "required": true, "schema": { "type": "string" }, "description": "name for the study" }],
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": {
                    "type": "object", "properties": { "file": { "type": "array", "items": { "type": "string", "format": "binary" } } } } } } },
                "responses": {
                    "201": one("study", "Study", "uploaded and registered"),
                    "400": error("a parameter is missing or unknown"),
                    "409": error("a study or upload of that name exists"),
                    "408": error("the upload stalled (no data for 30 s)"),
                    "413": error("the upload exceeds the server's size limit"),
                    "422": error("a file name is not plain, no files were sent, or the files do not load as a study")
                }
            }))
        },
        "/api/studies/{id}": {
            "get": { "summary": "A study (by id or name) with its profile and its last 50 jobs",
                     "parameters": [id_param("study id or name")],
                     "responses": { "200": body("the study", json!({ "type": "object", "required": ["study", "jobs"], "properties": {
                         "study": { "$ref": "#/components/schemas/Study" }, "jobs": { "type": "array", "items": { "$ref": "#/components/schemas/Job" } } } })),
                         "400": error("a parameter is unknown"), "403": error("this server has no job queue"), "404": error("no such study") } }
        },
        "/api/jobs": {
            "get": { "summary": "Jobs, newest first",
                     "parameters": [
                         query("study", json!({ "type": "string" }), "study id or name"),
                         query("state", job_state(), "only jobs in this state"),
                         query("limit", json!({ "type": "integer", "minimum": 1, "default": 100 }), "most jobs returned")
                     ],
                     "responses": { "200": jobs, "400": error("a parameter is invalid or unknown"), "403": error("this server has no job queue"), "404": error("no such study") } },
            "post": secured(json!({
                "summary": "Start a run: queue a job for a study with a planner and budget",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["study"], "additionalProperties": false,
                    "properties": {
                        "study": { "oneOf": [{ "type": "string" }, { "type": "integer" }], "description": "study id or name" },
                        "spec": { "$ref": "#/components/schemas/JobSpec" },
                        "force": { "type": "boolean", "default": true, "description": "run even if the inputs are unchanged since the last completed run" }
                    } } } } },
                "responses": {
                    "202": one("job", "Job", "queued"),
                    "404": error("no such study"),
                    "422": error("the body or the spec is invalid; the message names the field")
                }
            }))
        },
        "/api/jobs/{id}": {
            "get": { "summary": "One job: state, attempts, progress context, result",
                     "parameters": [id_param("job id")],
                     "responses": { "200": one("job", "Job", "the job"), "400": error("the id is not a job id"), "403": error("this server has no job queue"), "404": error("no such job") } }
        },
        "/api/jobs/{id}/cancel": {
            "post": secured(json!({
                "summary": "Cancel: a queued job at once, a running one at its next step (its journal is kept for resuming)",
                "parameters": [id_param("job id")],
                "responses": { "200": one("job", "Job", "the job after the request"), "400": error("the id is not a job id"), "404": error("no such job"), "409": error("the job already ended") }
            }))
        },
        "/api/jobs/{id}/resume": {
            "post": secured(json!({
                "summary": "Queue a failed or cancelled job again; its run continues from its journal",
                "parameters": [id_param("job id")],
                "responses": { "200": one("job", "Job", "the job, queued"), "400": error("the id is not a job id"), "404": error("no such job"), "409": error("the job is not failed or cancelled") }
            }))
        },
        "/api/jobs/{id}/events": {
            "get": { "summary": "Live progress as server-sent events (id = sequence number, event = kind, data = {at, data}); ends with an `end` event carrying the job",
                     "parameters": [id_param("job id"), query("after", json!({ "type": "integer" }), "start after this sequence number (a reconnecting browser's Last-Event-ID is honoured too)")],
                     "responses": { "200": { "description": "event stream", "content": { "text/event-stream": { "schema": { "type": "string" } } } },
                                    "400": error("the id or a parameter is invalid"), "403": error("this server has no job queue"), "404": error("no such job"),
                                    "503": error("the server's cap on live event streams is reached; retry later (Retry-After) or read /api/jobs/{id}/log") } }
        },
        "/api/jobs/{id}/log": {
            "get": { "summary": "The job's events as JSON",
                     "parameters": [id_param("job id"),
                         query("after", json!({ "type": "integer", "default": 0 }), "only events after this sequence number"),
                         query("limit", json!({ "type": "integer", "minimum": 1, "default": 1000 }), "most events returned")],
                     "responses": { "200": body("events, oldest first", json!({ "type": "object", "required": ["events"], "properties": { "events": { "type": "array", "items": { "$ref": "#/components/schemas/JobEvent" } } } })),
                                    "400": error("the id or a parameter is invalid"), "403": error("this server has no job queue"), "404": error("no such job") } }
        }
    })
}

/// Security schemes the write operations refer to.
pub fn security_schemes() -> Value {
    json!({
        "bearer": { "type": "http", "scheme": "bearer", "description": "the token `hypomics serve` prints (or --token / HYPOMICS_TOKEN)" },
        "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE, "description": "set by /login?token=... for the dashboard" }
    })
}
