//! `GET /studies` and `GET /studies/{id}`: the registered studies, what each contains (layers and
//! their shapes, how samples matched across files, clinical variables and their inferred types),
//! its jobs, and the forms that register a folder, upload files and start a run.

use super::html::{escape, layout};
use super::{PageError, PageResult};
use crate::params::{Params, PathParam};
use crate::routes::studies::find;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Html;
use graph::control::{Job, JobFilter, StudyRecord};
use graph::model::StudyProfile;
use std::fmt::Write;

/// The run form and the script behind every write button on the study pages. Inline: pages need
/// nothing but themselves. All text from the server is set with `textContent`.
const SCRIPT: &str = r#"<script>
async function hypomicsPost(url, body, isForm) {
  const opts = {method: 'POST', credentials: 'same-origin'};
  if (isForm) { opts.body = body; } else {
    opts.headers = {'Content-Type': 'application/json'};
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(url, opts);
  let data = {};
  try { data = await r.json(); } catch (e) { data = {error: 'HTTP ' + r.status}; }
  if (!r.ok) {
    const msg = r.status === 401
      ? 'Sign in first: open the login address hypomics serve printed (…/login?token=…).'
      : (data.error || ('HTTP ' + r.status));
    throw new Error(msg);
  }
  return data;
}
function hypomicsStatus(el, text, bad) {
  el.textContent = text;
  el.className = bad ? 'badge bad' : 'muted';
}
for (const form of document.querySelectorAll('form.start-run')) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const status = form.querySelector('.status');
    const spec = {
      planner: form.planner.value,
      max_analyses: Number(form.max_analyses.value),
      permutations: Number(form.permutations.value),
      seed: Number(form.seed.value),
    };
    hypomicsStatus(status, 'queueing…', false);
    try {
      const data = await hypomicsPost('/api/jobs', {study: form.dataset.study, spec: spec, force: true});
      window.location.href = '/jobs/' + data.job.id;
    } catch (e) { hypomicsStatus(status, e.message, true); }
  });
}
const register = document.getElementById('register-form');
if (register) register.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const status = register.querySelector('.status');
  hypomicsStatus(status, 'loading the folder…', false);
  try {
    const data = await hypomicsPost('/api/studies', {name: register.name.value, path: register.path.value});
    window.location.href = '/studies/' + data.study.id;
  } catch (e) { hypomicsStatus(status, e.message, true); }
});
const upload = document.getElementById('upload-form');
if (upload) upload.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const status = upload.querySelector('.status');
  const body = new FormData();
  for (const f of upload.files.files) body.append('file', f, f.name);
  hypomicsStatus(status, 'uploading…', false);
  try {
    const data = await hypomicsPost('/api/studies/upload?name=' + encodeURIComponent(upload.name.value), body, true);
    window.location.href = '/studies/' + data.study.id;
  } catch (e) { hypomicsStatus(status, e.message, true); }
});
</script>"#;

/// A form that starts a run of `study` (by name) with the usual knobs.
pub fn run_form(study: &str, id_attr: &str) -> String {
    format!(
        "<form class=\"start-run\" id=\"{id}\" data-study=\"{study}\">\
         <label>planner <select name=\"planner\"><option value=\"offline\">offline rules</option>\
         <option value=\"llm\">LLM (server's HYPOMICS_LLM_*)</option></select></label> \
         <label>analyses <input name=\"max_analyses\" type=\"number\" min=\"1\" max=\"1000\" value=\"12\" size=\"4\"></label> \
         <label>shuffled calibration runs <input name=\"permutations\" type=\"number\" min=\"0\" max=\"20\" value=\"0\" size=\"3\"></label> \
         <label>seed <input name=\"seed\" type=\"number\" min=\"0\" value=\"1\" size=\"4\"></label> \
         <button type=\"submit\">Run</button> <span class=\"status muted\"></span></form>",
        id = escape(id_attr),
        study = escape(study),
    )
}

pub fn script() -> &'static str {
    SCRIPT
}

fn layer_rows(profile: &StudyProfile) -> String {
    let mut out = String::new();
    if profile.layers.is_empty() {
        return out;
    }
    out.push_str("<table><tr><th>layer</th><th>kind</th><th>features</th><th>samples</th><th>file</th><th>sample matching</th></tr>");
    for l in &profile.layers {
        let m = &l.matching;
        let rules = m
            .by_rule
            .iter()
            .map(|(rule, n)| format!("{rule}: {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let matching = format!(
            "{} of {} IDs matched{}",
            m.matched,
            m.ids_in_file,
            if rules.is_empty() {
                String::new()
            } else {
                format!(" ({rules})")
            }
        );
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><code>{}</code></td><td>{}</td></tr>",
            escape(&l.name),
            escape(&l.kind),
            l.features,
            l.samples,
            escape(&l.file),
            escape(&matching),
        );
    }
    out.push_str("</table>");
    out
}

fn variable_rows(profile: &StudyProfile) -> String {
    let mut out = String::new();
    if profile.clinical_variables.is_empty() {
        return out;
    }
    out.push_str(
        "<table><tr><th>clinical variable</th><th>inferred type</th><th>details</th></tr>",
    );
    for v in &profile.clinical_variables {
        let mut details = format!("{} observed", v.observed);
        if !v.levels.is_empty() {
            let levels: Vec<String> = v
                .levels
                .iter()
                .map(|(level, n)| format!("{level} ({n})"))
                .collect();
            let _ = write!(details, " · {}", levels.join(", "));
        }
        if let Some((low, high)) = v.range {
            let _ = write!(details, " · range {low:.3} to {high:.3}");
        }
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&v.name),
            escape(&v.kind),
            escape(&details),
        );
    }
    out.push_str("</table>");
    out
}

pub fn job_rows(jobs: &[Job]) -> String {
    if jobs.is_empty() {
        return "<p class=\"muted\">No jobs yet.</p>".into();
    }
    let mut out = String::from(
        "<table><tr><th>job</th><th>state</th><th>trigger</th><th>outcome</th><th>run</th><th>created</th><th>finished</th></tr>",
    );
    for j in jobs {
        let run = j.run.map_or(String::new(), |r| {
            format!(
                "<a href=\"/runs/{}\">{}</a>",
                r.get(),
                escape(&r.to_string())
            )
        });
        let _ = write!(
            out,
            "<tr><td><a href=\"/jobs/{id}\">job {id}</a></td><td><span class=\"badge {cls}\">{}</span></td><td>{}</td><td>{}</td><td>{run}</td><td>{}</td><td>{}</td></tr>",
            escape(j.state.as_str()),
            escape(j.trigger.as_str()),
            escape(j.outcome.as_deref().unwrap_or("")),
            escape(&j.created_at.to_string()),
            escape(&j.finished_at.map(|t| t.to_string()).unwrap_or_default()),
            id = j.id,
            cls = state_class(j.state),
        );
    }
    out.push_str("</table>");
    out
}

pub fn state_class(state: graph::control::JobState) -> &'static str {
    use graph::control::JobState as S;
    match state {
        S::Done => "ok",
        S::Failed | S::Cancelled => "bad",
        S::Queued | S::Running => "na",
    }
}

fn not_running_note(state: &AppState) -> &'static str {
    if state.has_queue() {
        ""
    } else {
        "<p class=\"muted\">This server only reads its store (started with <code>--read-only</code>); start <code>hypomics serve</code> without it to register studies and run jobs.</p>"
    }
}

pub async fn list(State(state): State<AppState>, params: Params) -> PageResult {
    params.only(&[]).map_err(PageError)?;
    let mut body = String::from("<h1>Studies</h1>");
    body.push_str(not_running_note(&state));
    if !state.has_queue() {
        return Ok(Html(layout("studies", &body)));
    }
    let control = state.control()?;
    let studies: Vec<StudyRecord> = control.with(|c| c.studies())?;
    body.push_str("<table><tr><th>study</th><th>source</th><th>layers</th><th>samples</th><th>registered</th><th>run</th></tr>");
    for s in &studies {
        let profile = StudyProfile::from_stored(s.profile.as_ref());
        let layers = profile.layers.len();
        let samples = profile.samples.map_or(String::new(), |n| n.to_string());
        let _ = write!(
            body,
            "<tr><td><a href=\"/studies/{id}\">{}</a></td><td>{}</td><td class=\"num\">{layers}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&s.name),
            escape(s.source.as_str()),
            escape(&samples),
            escape(&s.created_at.to_string()),
            run_form(&s.name, &format!("run-{}", s.id)),
            id = s.id,
        );
    }
    body.push_str("</table>");
    let root_note = if control.workspace.data_root.is_some() {
        "a folder under the server's data root"
    } else {
        "a folder under the data root (this server was started without <code>--data-root</code>, so registering folders is off)"
    };
    let _ = write!(
        body,
        "<h2>Add a study</h2><p>Register {root_note}:</p>\
         <form id=\"register-form\"><label>name <input name=\"name\" required></label> \
         <label>folder <input name=\"path\" required placeholder=\"relative/to/data/root\"></label> \
         <button type=\"submit\">Register</button> <span class=\"status muted\"></span></form>\
         <p>or upload a study's files (tables, clinical data, optional study.toml; at most {} MiB):</p>\
         <form id=\"upload-form\"><label>name <input name=\"name\" required></label> \
         <input type=\"file\" name=\"files\" multiple required> \
         <button type=\"submit\">Upload</button> <span class=\"status muted\"></span></form>",
        control.workspace.upload_limit / (1024 * 1024)
    );
    body.push_str(SCRIPT);
    Ok(Html(layout("studies", &body)))
}

pub async fn detail(
    State(state): State<AppState>,
    PathParam(key): PathParam,
    params: Params,
) -> PageResult {
    params.only(&[]).map_err(PageError)?;
    let study = find(&state, &key)?;
    let jobs = state.control()?.with(|c| {
        c.jobs(&JobFilter {
            study: Some(study.id),
            state: None,
            limit: Some(50),
        })
    })?;
    let raw_profile = study.profile.clone().unwrap_or_default();
    let profile = StudyProfile::from_stored(study.profile.as_ref());
    let mut body = format!(
        "<h1>Study {}</h1><p class=\"muted\">{} · registered {}{}</p>",
        escape(&study.name),
        escape(study.source.as_str()),
        escape(&study.created_at.to_string()),
        study.path.as_ref().map_or(String::new(), |p| format!(
            " · <code>{}</code>",
            escape(&p.display().to_string())
        )),
    );
    body.push_str("<h2>Run</h2>");
    body.push_str(&run_form(&study.name, "run-study"));
    body.push_str("<h2>Layers</h2>");
    body.push_str(&layer_rows(&profile));
    body.push_str("<h2>Clinical variables</h2>");
    body.push_str(&variable_rows(&profile));
    body.push_str("<h2>Jobs</h2>");
    body.push_str(&job_rows(&jobs));
    let _ = write!(
        body,
        "<details><summary>Full profile (JSON)</summary><pre><code>{}</code></pre></details>",
        escape(&serde_json::to_string_pretty(&raw_profile).unwrap_or_default())
    );
    body.push_str(SCRIPT);
    Ok(Html(layout(&format!("study {}", study.name), &body)))
}
