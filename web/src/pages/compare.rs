//! `GET /compare?from=A&to=B`: two runs side by side, hypothesis by hypothesis, from the same
//! diff as `GET /api/runs/{run}/diff`. With only `to` the previous run of its study is used;
//! without `to` the page offers a form to pick the two runs, since a reader arriving from the
//! menu has not chosen yet.

use super::html::{escape, layout, num};
use super::{PageError, PageResult};
use crate::params::{self, Params};
use crate::routes::{compare, runs};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Html;
use graph::query::diff::{HypothesisChange, RunDiff};
use graph::{ResearchGraph, RunId};

pub async fn page(State(state): State<AppState>, params: Params) -> PageResult {
    params.only(&["from", "to"]).map_err(PageError)?;
    let graph = state.read()?;
    let to = params
        .text("to")
        .map(|raw| params::run_id("to", raw, &graph))
        .transpose()?;
    let Some(to) = to else {
        let from = params
            .text("from")
            .map(|raw| params::run_id("from", raw, &graph))
            .transpose()?;
        let body = format!(
            "<h1>Compare runs</h1><p>Pick two runs, usually two runs of one study. \
             Hypotheses are matched by what they claim (question kind, data layer and the \
             entities of their primary finding), not by wording or rank.</p>{}",
            form(&graph, from, None)
        );
        return Ok(Html(layout("compare runs", &body)));
    };
    let (from, to) = compare::runs_to_compare(&graph, to, "from", params.text("from"))?;
    let diff = compare::diff(&graph, from, to)?;
    Ok(Html(layout(
        &format!("{from} → {to}"),
        &render(&graph, &diff),
    )))
}

/// The run picker: two selects over every run, defaulting to the given runs (or the latest run
/// and the one before it).
fn form(graph: &ResearchGraph, from: Option<RunId>, to: Option<RunId>) -> String {
    let all = runs::all(graph);
    let to = to.or_else(|| all.last().map(|r| r.id));
    let from = from.or_else(|| to.and_then(|t| graph.previous_run_of_same_study(t)));
    let options = |chosen: Option<RunId>| -> String {
        all.iter()
            .map(|r| {
                let selected = if Some(r.id) == chosen {
                    " selected"
                } else {
                    ""
                };
                format!(
                    "<option value=\"{}\"{selected}>{} · {}</option>",
                    r.id.get(),
                    escape(&r.id.to_string()),
                    escape(&r.label)
                )
            })
            .collect()
    };
    if all.is_empty() {
        return "<p class=\"muted\">No runs recorded in this store yet.</p>".into();
    }
    format!(
        "<form id=\"compare-form\" method=\"get\" action=\"/compare\">\
         <label>earlier run <select name=\"from\">{}</select></label> \
         <label>later run <select name=\"to\">{}</select></label> \
         <button type=\"submit\">compare</button></form>",
        options(from),
        options(to)
    )
}

fn render(graph: &ResearchGraph, diff: &RunDiff) -> String {
    let label = |run: RunId| graph.run(run).map(|r| r.label.as_str()).unwrap_or("");
    let mut body = format!(
        "<h1>Compare {} → {}</h1><p class=\"muted\">{} → {}</p>\
         <p>{} new, {} lost, {} strengthened, {} weakened, {} unchanged. A hypothesis counts as \
         strengthened or weakened when its total score moved by more than {} or it gained or \
         lost replication on the held-out samples.</p>",
        escape(&diff.from.to_string()),
        escape(&diff.to.to_string()),
        escape(label(diff.from)),
        escape(label(diff.to)),
        diff.new.len(),
        diff.lost.len(),
        diff.strengthened.len(),
        diff.weakened.len(),
        diff.unchanged.len(),
        diff.score_threshold,
    );
    body.push_str(&format!(
        "<p><a href=\"/runs/{}\">hypotheses of {}</a> · <a href=\"/runs/{}\">hypotheses of {}</a> \
         · <a href=\"/compare?from={}&amp;to={}\">swap</a></p>",
        diff.from.get(),
        escape(&diff.from.to_string()),
        diff.to.get(),
        escape(&diff.to.to_string()),
        diff.to.get(),
        diff.from.get(),
    ));
    body.push_str(&form(graph, Some(diff.from), Some(diff.to)));
    for (id, title, rows) in [
        ("new", "New", &diff.new),
        ("lost", "Lost", &diff.lost),
        ("strengthened", "Strengthened", &diff.strengthened),
        ("weakened", "Weakened", &diff.weakened),
    ] {
        body.push_str(&format!("<h2 id=\"{id}\">{title} ({})</h2>", rows.len()));
        body.push_str(&table(id, rows));
    }
    body.push_str(&format!(
        "<details><summary>Unchanged ({})</summary>{}</details>",
        diff.unchanged.len(),
        table("unchanged", &diff.unchanged)
    ));
    body
}

/// Replication status as a badge, like the run page's.
fn replication(status: Option<graph::ReplicationStatus>) -> String {
    let Some(status) = status else {
        return "–".into();
    };
    let (class, label) = super::html::replication_label(status);
    format!("<span class=\"badge {class}\">{label}</span>")
}

fn table(id: &str, rows: &[HypothesisChange]) -> String {
    if rows.is_empty() {
        return "<p class=\"muted\">none</p>".into();
    }
    let mut out = format!(
        "<table id=\"diff-{id}\"><thead><tr><th>statement</th><th>score before → after</th>\
         <th>change</th><th>replication before → after</th><th>rank before → after</th>\
         </tr></thead><tbody>"
    );
    for c in rows {
        let link = c.to_id.or(c.from_id);
        let statement = match link {
            Some(h) => format!(
                "<a href=\"/hypotheses/{}\">{}</a>",
                h.node().get(),
                escape(&c.statement)
            ),
            None => escape(&c.statement),
        };
        let delta = c
            .score_delta
            .map(|d| format!("{}{}", if d > 0.0 { "+" } else { "" }, num(Some(d), 2)))
            .unwrap_or_else(|| "–".into());
        let rank = |r: Option<u64>| r.map_or_else(|| "–".to_owned(), |r| r.to_string());
        out.push_str(&format!(
            "<tr title=\"{}\"><td>{statement}</td><td class=\"num\">{} → {}</td>\
             <td class=\"num\">{delta}</td><td>{} → {}</td><td class=\"num\">{} → {}</td></tr>",
            escape(&c.key),
            num(c.score_before, 2),
            num(c.score_after, 2),
            replication(c.replication_before),
            replication(c.replication_after),
            rank(c.from_rank),
            rank(c.to_rank),
        ));
    }
    out.push_str("</tbody></table>");
    out
}
