//! `GET /`: what hypomics is, and the runs in the store with a link to each run's hypotheses.

use super::html::{escape, layout};
use super::{PageError, PageResult};
use crate::params::Params;
use crate::routes::{hypotheses, runs};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Html;

pub async fn page(State(state): State<AppState>, params: Params) -> PageResult {
    params.only(&[]).map_err(PageError)?;
    let start = start_section(&state)?;
    let graph = state.read()?;
    let runs = runs::all(&graph);
    let mut body = String::from(
        "<h1>hypomics</h1><p>hypomics turns raw multiomics tables into scored hypotheses. \
         A research agent explores a study on half of its samples, chains its findings into \
         hypotheses, re-tests them on the held-out half, and scores their reliability, novelty \
         and clinical relevance. Every hypothesis here links to the findings behind it and to \
         the hashes of the input files they came from.</p><p><a href=\"/explore\">Explore the \
         graph</a> around a gene, or <a href=\"/compare\">compare two runs</a>.</p>",
    );
    body.push_str(&start);
    body.push_str("<h2>Runs</h2>");
    if runs.is_empty() {
        body.push_str("<p class=\"muted\">No runs recorded in this store yet.</p>");
    } else {
        body.push_str(
            "<table><tr><th>run</th><th>label</th><th>started</th><th>hypotheses</th></tr>",
        );
        for run in runs {
            let n = hypotheses::ranked(&graph, run.id, None, None).len();
            let id = run.id.get();
            body.push_str(&format!(
                "<tr><td><a href=\"/runs/{id}\">{}</a></td><td><a href=\"/runs/{id}\">{}</a></td>\
                 <td>{}</td><td class=\"num\">{n}</td></tr>",
                escape(&run.id.to_string()),
                escape(&run.label),
                escape(&run.started_at.to_string()),
            ));
        }
        body.push_str("</table>");
    }
    Ok(Html(layout("runs", &body)))
}

/// The quick start: run the demo study (or see where its last run is), when this server runs jobs.
fn start_section(state: &AppState) -> Result<String, PageError> {
    if !state.has_queue() {
        return Ok(String::new());
    }
    let control = state.control()?;
    let Some(demo) = control.with(|c| c.study_by_name(crate::DEMO_STUDY))? else {
        return Ok(
            "<p><a href=\"/studies\">Studies</a>: register a folder or upload files to run the agent on.</p>"
                .into(),
        );
    };
    let jobs = control.with(|c| {
        c.jobs(&graph::control::JobFilter {
            study: Some(demo.id),
            state: None,
            limit: Some(5),
        })
    })?;
    let mut out = String::from(
        "<h2>Run the demo study</h2><p>The bundled demo is a trimmed CPTAC endometrial carcinoma \
         cohort (153 samples: proteome, phosphoproteome, RNA, copy number, mutations, clinical \
         data). A run of 12 analyses takes under a minute.</p>",
    );
    out.push_str(&super::studies::run_form(&demo.name, "run-demo"));
    if !jobs.is_empty() {
        out.push_str("<p>Recent demo jobs:</p>");
        out.push_str(&super::studies::job_rows(&jobs));
    }
    out.push_str("<p><a href=\"/studies\">All studies</a> · add your own.</p>");
    out.push_str(super::studies::script());
    Ok(out)
}
