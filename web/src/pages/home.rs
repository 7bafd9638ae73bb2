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
    let graph = state.read()?;
    let runs = runs::all(&graph);
    let mut body = String::from(
        "<h1>hypomics</h1><p>hypomics turns raw multiomics tables into scored hypotheses. \
         A research agent explores a study on half of its samples, chains its findings into \
         hypotheses, re-tests them on the held-out half, and scores their reliability, novelty \
         and clinical relevance. Every hypothesis here links to the findings behind it and to \
         the hashes of the input files they came from.</p><h2>Runs</h2>",
    );
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
