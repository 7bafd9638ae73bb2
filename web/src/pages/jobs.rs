//! `GET /jobs` and `GET /jobs/{id}`: the queue, and one job watched live. The job page follows
//! `/api/jobs/{id}/events` (server-sent events): a progress bar over the analysis budget, each
//! direction explored with its tests and strong findings as they arrive, then a link to the run's
//! hypotheses. Cancel and resume call the API.

use super::html::{escape, layout};
use super::studies::{job_rows, state_class};
use super::{PageError, PageResult};
use crate::params::{Params, PathParam};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Html;
use graph::control::JobFilter;
use std::fmt::Write;

pub async fn list(State(state): State<AppState>, params: Params) -> PageResult {
    params.only(&[]).map_err(PageError)?;
    let mut body = String::from("<h1>Jobs</h1>");
    if !state.has_queue() {
        body.push_str("<p class=\"muted\">This server has no job queue (read-only).</p>");
        return Ok(Html(layout("jobs", &body)));
    }
    let jobs = state.control()?.with(|c| {
        c.jobs(&JobFilter {
            limit: Some(200),
            ..JobFilter::default()
        })
    })?;
    body.push_str(&job_rows(&jobs));
    Ok(Html(layout("jobs", &body)))
}

/// Follows the event stream. Everything from the server is written with `textContent`.
const SCRIPT: &str = r#"<script>
(function () {
  const root = document.getElementById('job');
  const id = root.dataset.job;
  const budget = Number(root.dataset.budget) || 1;
  const stateEl = document.getElementById('job-state');
  const bar = document.getElementById('job-progress');
  const label = document.getElementById('job-progress-label');
  const log = document.getElementById('job-log');
  const runLink = document.getElementById('run-link');
  const message = document.getElementById('job-message');
  let steps = 0, tests = 0, strong = 0;
  function row(cells) {
    const tr = document.createElement('tr');
    for (const c of cells) { const td = document.createElement('td'); td.textContent = String(c); tr.appendChild(td); }
    log.appendChild(tr);
  }
  function progress() {
    bar.value = Math.min(steps, budget);
    label.textContent = steps + ' of ' + budget + ' analyses · ' + tests + ' tests · ' + strong + ' strong findings';
  }
  function showRun(run) {
    if (run === null || run === undefined) return;
    runLink.href = '/runs/' + run;
    runLink.textContent = 'hypotheses of run r' + run;
    runLink.hidden = false;
  }
  const source = new EventSource('/api/jobs/' + id + '/events');
  const kinds = ['claimed', 'profiled', 'recording', 'resumed', 'step', 'step_failed', 'planner_fallback',
    'exploration_stopped', 'validating', 'calibrating', 'finished', 'recovered', 'webhook'];
  for (const kind of kinds) {
    source.addEventListener(kind, (ev) => {
      const e = JSON.parse(ev.data);
      const d = e.data || {};
      let text = '';
      if (kind === 'step') {
        steps = Math.max(steps, d.step + 1); tests += d.tests; strong += d.strong;
        text = d.question + ': ' + d.tests + ' tests, ' + d.strong + ' strong' + (d.opened ? ', ' + d.opened + ' follow-ups opened' : '') + (d.replayed ? ' (replayed from journal)' : '');
        progress();
      } else if (kind === 'step_failed') { text = d.question + ': ' + d.reason; }
      else if (kind === 'recording') { showRun(d.run); text = 'recording as run r' + d.run; }
      else if (kind === 'profiled') { text = d.layers + ' layers, ' + d.tumors + ' tumours, ' + d.normals + ' normals'; stateEl.textContent = 'running'; }
      else if (kind === 'claimed') { document.getElementById('job-attempt').textContent = d.attempt; text = 'attempt ' + d.attempt + ' taken by ' + d.worker; }
      else if (kind === 'finished') { text = d.state + (d.outcome ? ' (' + d.outcome + ')' : '') + (d.error ? ': ' + d.error : ''); }
      else { text = JSON.stringify(d); }
      row([e.at, kind, text]);
    });
  }
  source.addEventListener('end', (ev) => {
    source.close();
    const job = JSON.parse(ev.data).job;
    stateEl.textContent = job.state;
    document.getElementById('job-attempt').textContent = job.attempts;
    document.getElementById('job-max-attempts').textContent = job.max_attempts;
    stateEl.className = 'badge ' + (job.state === 'done' ? 'ok' : 'bad');
    if (job.outcome === 'unchanged') message.textContent = 'The study\'s files are unchanged since its last run, so nothing was re-run.';
    if (job.error) message.textContent = job.error;
    showRun(job.run);
    if (job.state === 'done') { bar.value = bar.max; }
    // The output links are drawn by the server once the run's files exist.
    if (job.outcome === 'ran' && !document.getElementById('job-files')) { window.location.reload(); return; }
    document.getElementById('cancel-job').hidden = true;
    document.getElementById('resume-job').hidden = !(job.state === 'failed' || job.state === 'cancelled');
  });
  async function post(url) {
    const r = await fetch(url, {method: 'POST', credentials: 'same-origin'});
    let data = {};
    try { data = await r.json(); } catch (e) { data = {}; }
    if (!r.ok) { message.textContent = r.status === 401 ? 'Sign in first: open the login address hypomics serve printed.' : (data.error || ('HTTP ' + r.status)); return; }
    window.location.reload();
  }
  document.getElementById('cancel-job').addEventListener('click', () => post('/api/jobs/' + id + '/cancel'));
  document.getElementById('resume-job').addEventListener('click', () => post('/api/jobs/' + id + '/resume'));
})();
</script>"#;

pub async fn detail(
    State(state): State<AppState>,
    PathParam(raw): PathParam,
    params: Params,
) -> PageResult {
    params.only(&[]).map_err(PageError)?;
    let id = crate::routes::jobs::job_id(&raw)?;
    let control = state.control()?;
    let job = control.with(|c| c.job(id))?;
    let study = control.with(|c| c.study(job.study))?;
    let spec: crate::jobs::JobSpec = serde_json::from_value(job.spec.clone()).unwrap_or_default();
    let study_name = study.as_ref().map_or("?".to_owned(), |s| s.name.clone());
    let mut body = String::new();
    let _ = write!(
        body,
        "<div id=\"job\" data-job=\"{id}\" data-budget=\"{budget}\"><h1>Job {id}: {study}</h1>\
         <p>state <span id=\"job-state\" class=\"badge {cls}\">{state}</span> · trigger {trigger} · \
         planner {planner} · budget {budget} analyses · seed {seed} · attempt <span id=\"job-attempt\">{attempts}</span> of <span id=\"job-max-attempts\">{max}</span></p>\
         <p><progress id=\"job-progress\" max=\"{budget}\" value=\"0\"></progress> \
         <span id=\"job-progress-label\" class=\"muted\"></span></p>\
         <p id=\"job-message\" class=\"muted\">{error}</p>\
         <p><a id=\"run-link\" hidden></a></p>{files}\
         <p><button id=\"cancel-job\"{cancel_hidden}>Cancel</button> \
         <button id=\"resume-job\"{resume_hidden}>Resume</button> \
         <a href=\"/studies/{study_id}\">study page</a></p>\
         <h2>Progress</h2><table><thead><tr><th>time</th><th>event</th><th>detail</th></tr></thead>\
         <tbody id=\"job-log\"></tbody></table></div>",
        id = job.id,
        study = escape(&study_name),
        study_id = job.study,
        cls = state_class(job.state),
        state = escape(job.state.as_str()),
        trigger = escape(job.trigger.as_str()),
        planner = escape(&format!("{:?}", spec.planner).to_lowercase()),
        budget = spec.max_analyses,
        seed = spec.seed,
        attempts = job.attempts,
        max = job.max_attempts,
        error = escape(job.error.as_deref().unwrap_or("")),
        files = output_links(&job),
        cancel_hidden = if job.state.is_final() { " hidden" } else { "" },
        resume_hidden = if matches!(
            job.state,
            graph::control::JobState::Failed | graph::control::JobState::Cancelled
        ) {
            ""
        } else {
            " hidden"
        },
    );
    body.push_str(SCRIPT);
    Ok(Html(layout(&format!("job {}", job.id), &body)))
}

/// The files a finished run writes that the dashboard offers, with their content types. A fixed
/// list: the name comes from the URL and must never pick an arbitrary file.
const OUTPUT_FILES: &[(&str, &str)] = &[
    ("report.html", "text/html; charset=utf-8"),
    ("findings.tsv", "text/tab-separated-values; charset=utf-8"),
    ("hypotheses.json", "application/json"),
    ("summary.json", "application/json"),
    ("journal.jsonl", "application/x-ndjson"),
];

/// `GET /jobs/{id}/files/{name}`: one of a job's output files (the self-contained report, the
/// findings table, ...), read from the job's folder under the workspace.
pub async fn file(
    State(state): State<AppState>,
    axum::extract::Path((raw, name)): axum::extract::Path<(String, String)>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let id = crate::routes::jobs::job_id(&raw)?;
    let Some((name, content_type)) = OUTPUT_FILES.iter().find(|(n, _)| *n == name) else {
        return Err(PageError(crate::error::ApiError::NotFound {
            what: "output file",
            id: name,
        }));
    };
    let control = state.control()?;
    let job = control.with(|c| c.job(id))?;
    let missing = || {
        PageError(crate::error::ApiError::NotFound {
            what: "output file",
            id: format!("{name} of job {id}"),
        })
    };
    let dir = job.out_dir.ok_or_else(missing)?;
    // Jobs only ever write under the workspace's runs folder; anything else is not served.
    if !dir.starts_with(&control.workspace.runs_dir) {
        return Err(missing());
    }
    let bytes = tokio::fs::read(dir.join(name))
        .await
        .map_err(|_| missing())?;
    let mut response = ([(axum::http::header::CONTENT_TYPE, *content_type)], bytes).into_response();
    if content_type.starts_with("text/html") {
        // The report is HTML built from study data: sandboxed, it runs nothing and cannot act as
        // the dashboard (an opaque origin without cookies).
        response.headers_mut().insert(
            axum::http::header::CONTENT_SECURITY_POLICY,
            axum::http::HeaderValue::from_static(crate::headers::REPORT_CSP),
        );
    }
    Ok(response)
}

/// Links to a finished job's output files.
pub fn output_links(job: &graph::control::Job) -> String {
    if job.outcome.as_deref() != Some("ran") {
        return String::new();
    }
    let links: Vec<String> = OUTPUT_FILES
        .iter()
        .map(|(name, _)| format!("<a href=\"/jobs/{}/files/{name}\">{name}</a>", job.id))
        .collect();
    format!("<p id=\"job-files\">Outputs: {}</p>", links.join(" · "))
}
