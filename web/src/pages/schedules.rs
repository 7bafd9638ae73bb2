//! `GET /schedules`: every cron schedule with its next and last firing (as wall-clock time in the
//! schedule's own zone, and UTC), switches to pause or remove one, and a form to add one. The
//! form checks the expression through `/api/schedules/preview` as it is typed, so the person
//! writing `0 6 * * 1-5` sees the next few dates before saving.

use super::PageResult;
use super::html::{escape, layout};
use crate::error::ApiError;
use crate::routes::schedules::all;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Html;
use serde_json::Value;
use std::fmt::Write;

/// Inline, like every page's script; text from the server is set with `textContent` only.
const SCRIPT: &str = r#"<script>
async function scheduleCall(method, url, body) {
  const opts = {method: method, credentials: 'same-origin', headers: {}};
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(url, opts);
  if (r.status === 204) return {};
  let data = {};
  try { data = await r.json(); } catch (e) { data = {error: 'HTTP ' + r.status}; }
  if (!r.ok) {
    throw new Error(r.status === 401
      ? 'Sign in first: open the login address hypomics serve printed (…/login?token=…).'
      : (data.error || ('HTTP ' + r.status)));
  }
  return data;
}
function scheduleStatus(el, text, bad) {
  el.textContent = text;
  el.className = bad ? 'status badge bad' : 'status muted';
}
const form = document.getElementById('schedule-form');
if (form) {
  if (!form.timezone.value) {
    try { form.timezone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; }
    catch (e) { form.timezone.value = 'UTC'; }
  }
  const preview = document.getElementById('schedule-preview');
  let pending = 0;
  let timer = null;
  async function refreshPreview() {
    const ticket = ++pending;
    const q = new URLSearchParams({cron: form.cron.value, timezone: form.timezone.value, count: '3'});
    try {
      const data = await scheduleCall('GET', '/api/schedules/preview?' + q.toString());
      if (ticket !== pending) return;
      if (data.valid) {
        scheduleStatus(preview, 'next: ' + data.next.map(n => n.local).join(' · '), false);
      } else {
        scheduleStatus(preview, data.error, true);
      }
    } catch (e) {
      if (ticket === pending) scheduleStatus(preview, e.message, true);
    }
  }
  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(refreshPreview, 250);
  }
  form.cron.addEventListener('input', schedulePreview);
  form.timezone.addEventListener('input', schedulePreview);
  refreshPreview();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const status = form.querySelector('.status');
    const body = {
      study: form.study.value,
      cron: form.cron.value,
      timezone: form.timezone.value,
      enabled: form.enabled.checked,
      spec: {
        planner: form.planner.value,
        max_analyses: Number(form.max_analyses.value),
        permutations: Number(form.permutations.value),
        seed: Number(form.seed.value),
      },
    };
    scheduleStatus(status, 'saving…', false);
    try {
      await scheduleCall('POST', '/api/schedules', body);
      window.location.reload();
    } catch (e) { scheduleStatus(status, e.message, true); }
  });
}
for (const button of document.querySelectorAll('button[data-action]')) {
  button.addEventListener('click', async () => {
    const row = button.closest('tr');
    const status = row.querySelector('.status');
    const url = '/api/schedules/' + row.dataset.id;
    try {
      if (button.dataset.action === 'delete') {
        if (!window.confirm('Remove schedule ' + row.dataset.id + '? Its past jobs stay.')) return;
        await scheduleCall('DELETE', url);
      } else {
        await scheduleCall('PATCH', url, {enabled: button.dataset.action === 'enable'});
      }
      window.location.reload();
    } catch (e) { scheduleStatus(status, e.message, true); }
  });
}
</script>"#;

fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn row(s: &Value) -> String {
    let id = text(s, "id");
    let enabled = s["enabled"].as_bool().unwrap_or(false);
    let study_name = text(s, "study_name");
    let study = if study_name.is_empty() {
        text(s, "study")
    } else {
        study_name
    };
    let when = |local: &str, utc: &str| {
        let (local, utc) = (text(s, local), text(s, utc));
        if utc.is_empty() {
            "<span class=\"muted\">–</span>".to_owned()
        } else {
            format!(
                "{}<br><span class=\"muted\">{}</span>",
                escape(&local),
                escape(&utc)
            )
        }
    };
    let last_job = match s["last_job"].as_i64() {
        Some(job) => format!(" <a href=\"/jobs/{job}\">job {job}</a>"),
        None => String::new(),
    };
    let spec = &s["spec"];
    let budget = format!(
        "{} · {} analyses · {} permutations",
        text(spec, "planner"),
        text(spec, "max_analyses"),
        text(spec, "permutations")
    );
    let (switch, badge) = if enabled {
        (
            "<button data-action=\"disable\">pause</button>",
            "<span class=\"badge ok\">on</span>",
        )
    } else {
        (
            "<button data-action=\"enable\">resume</button>",
            "<span class=\"badge na\">paused</span>",
        )
    };
    format!(
        "<tr data-id=\"{id}\"><td class=\"num\">{id}</td><td><a href=\"/studies/{study_link}\">{study}</a></td>\
         <td><code>{cron}</code></td><td>{zone}</td><td>{badge}</td><td>{next}</td><td>{last}{last_job}</td>\
         <td class=\"muted\">{budget}</td>\
         <td>{switch} <button data-action=\"delete\">remove</button> <span class=\"status\"></span></td></tr>",
        id = escape(&id),
        study_link = escape(&text(s, "study")),
        study = escape(&study),
        cron = escape(&text(s, "cron")),
        zone = escape(&text(s, "timezone")),
        next = when("next_run_local", "next_run_at"),
        last = when("last_run_local", "last_run_at"),
        budget = escape(&budget),
    )
}

fn add_form(studies: &[(i64, String)]) -> String {
    if studies.is_empty() {
        return "<p class=\"muted\">Register a study first (<a href=\"/studies\">studies</a>); \
                schedules run registered studies.</p>"
            .to_owned();
    }
    let options: String = studies
        .iter()
        .map(|(id, name)| format!("<option value=\"{id}\">{}</option>", escape(name)))
        .collect();
    format!(
        "<h2>Add a schedule</h2>\
         <form id=\"schedule-form\">\
         <label>study <select name=\"study\">{options}</select></label> \
         <label>cron <input name=\"cron\" value=\"0 6 * * *\" size=\"16\" \
           title=\"minute hour day-of-month month day-of-week\"></label> \
         <label>time zone <input name=\"timezone\" value=\"\" size=\"18\" placeholder=\"Europe/Berlin\"></label> \
         <label>planner <select name=\"planner\"><option>offline</option><option>llm</option></select></label> \
         <label>analyses <input name=\"max_analyses\" type=\"number\" min=\"1\" max=\"1000\" value=\"40\" style=\"width:5em\"></label> \
         <label>permutations <input name=\"permutations\" type=\"number\" min=\"0\" max=\"20\" value=\"2\" style=\"width:4em\"></label> \
         <label>seed <input name=\"seed\" type=\"number\" min=\"0\" value=\"1\" style=\"width:6em\"></label> \
         <label><input name=\"enabled\" type=\"checkbox\" checked> on</label> \
         <button type=\"submit\">add</button> <span class=\"status\"></span>\
         <p>Five fields: minute hour day-of-month month day-of-week (<code>0 6 * * 1-5</code> is 06:00 on weekdays). \
         Times are wall-clock times in the zone, across daylight-saving changes. \
         <span id=\"schedule-preview\" class=\"muted\"></span></p>\
         </form>"
    )
}

pub async fn page(State(state): State<AppState>) -> PageResult {
    let control = match state.control() {
        Ok(c) => c,
        Err(ApiError::NoQueue) => {
            return Ok(Html(layout(
                "schedules",
                "<h1>Schedules</h1><p>This server has no job queue, so nothing can be scheduled: \
                 start <code>hypomics serve</code> with a workspace.</p>",
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let schedules = all(&state)?;
    let studies: Vec<(i64, String)> = control
        .with(|c| c.studies())?
        .into_iter()
        .map(|s| (s.id.0, s.name))
        .collect();
    let mut body = String::from(
        "<h1>Schedules</h1><p class=\"muted\">Each firing queues a job for its study; a job whose \
         study files did not change since the last completed run ends as <em>unchanged</em> \
         without running.</p>",
    );
    if schedules.is_empty() {
        body.push_str("<p>No schedules yet.</p>");
    } else {
        body.push_str(
            "<table><tr><th>id</th><th>study</th><th>cron</th><th>zone</th><th>state</th>\
             <th>next run</th><th>last run</th><th>job spec</th><th></th></tr>",
        );
        for s in &schedules {
            let _ = write!(body, "{}", row(s));
        }
        body.push_str("</table>");
    }
    body.push_str(&add_form(&studies));
    body.push_str(SCRIPT);
    Ok(Html(layout("schedules", &body)))
}
