//! `GET /runs/{run}`: a run's hypotheses in rank order with their score breakdown and badges.
//! The `min_score` and `status` filters are applied server-side by the same query the JSON API
//! uses; the search box only hides rows in the browser, so it needs no round trip.

use super::html::{escape, knowledge_badge, layout, num, replication_badge, score_bar};
use super::{PageError, PageResult};
use crate::params::{self, Params, PathParam};
use crate::routes::hypotheses::{self, rank, total};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Html;
use graph::HypothesisStatus;

/// Hides the rows whose text does not contain the search box's text.
const SEARCH_JS: &str = "<script>(function(){var q=document.getElementById('search');\
q.addEventListener('input',function(){var t=q.value.toLowerCase();\
document.querySelectorAll('#hypotheses tbody tr').forEach(function(r){\
r.style.display=r.textContent.toLowerCase().indexOf(t)<0?'none':'';});});})();</script>";

pub async fn page(
    State(state): State<AppState>,
    PathParam(raw): PathParam,
    params: Params,
) -> PageResult {
    params.only(&["min_score", "status"]).map_err(PageError)?;
    let min_score = params.number("min_score")?;
    let status = hypotheses::status_param(&params)?;
    let graph = state.read()?;
    let run = params::run_id("run", &raw, &graph)?;
    let label = graph.run(run).map(|r| r.label.as_str()).unwrap_or("");
    let rows = hypotheses::ranked(&graph, run, status, min_score);

    let mut body = format!(
        "<h1>Hypotheses of {}</h1><p class=\"muted\">{}</p>",
        escape(&run.to_string()),
        escape(label)
    );
    if let Some(prev) = graph.previous_run_of_same_study(run) {
        body.push_str(&format!(
            "<p><a id=\"compare-previous\" href=\"/compare?from={}&amp;to={}\">compare with \
             previous run ({})</a></p>",
            prev.get(),
            run.get(),
            escape(&prev.to_string())
        ));
    }
    body.push_str(&filter_form(min_score, status));
    body.push_str(&format!(
        "<p>{} hypotheses shown. Total score = 0.50 reliability + 0.15 plausibility (support from \
         prior knowledge) + 0.15 novelty + 0.20 clinical relevance, less 0.05 per contradiction; \
         hover a novelty value or a known / partly known / new badge for its reason.</p>",
        rows.len()
    ));
    body.push_str(
        "<table id=\"hypotheses\"><thead><tr><th>rank</th><th>statement</th><th>total</th>\
         <th>reliability</th><th>novelty</th><th>clinical relevance</th><th>replication</th>\
         <th>status</th><th>badges</th></tr></thead><tbody>",
    );
    for (id, h) in &rows {
        let s = &h.hypothesis;
        body.push_str(&format!(
            "<tr><td class=\"num\">{}</td><td><a href=\"/hypotheses/{}\">{}</a></td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\" title=\"{}\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td><td>{}{}{}</td></tr>",
            rank(h).map_or_else(|| "–".to_owned(), |r| r.to_string()),
            id.node().get(),
            escape(&s.statement),
            score_bar(total(h)),
            num(Some(s.score.reliability), 2),
            escape(&s.score.novelty_reason),
            num(Some(s.score.novelty), 2),
            num(Some(s.score.clinical_relevance), 2),
            num(Some(s.score.replication), 2),
            escape(h.status.as_str()),
            replication_badge(s),
            knowledge_badge(s),
            chain_badge(s),
        ));
    }
    body.push_str("</tbody></table>");
    let below = below_the_cut(&state, run).await;
    body.push_str(&contradictions_section(&rows, below.as_ref()));
    body.push_str(SEARCH_JS);
    drop(graph);
    // A reader of this page opens a hypothesis next, whose plots need the study's data: start
    // loading it now (seconds for a large study) so that page does not wait for it. One
    // warm-up at a time: a burst of views must not queue a load each.
    if let Some(slot) = state.warm_slot() {
        let warm = state.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let _ = warm.study_for_run(run).await;
        });
    }
    Ok(Html(layout(&format!("hypotheses of {run}"), &body)))
}

/// The GET form for the server-side filters, showing the values in force, and the search box.
fn filter_form(min_score: Option<f64>, status: Option<HypothesisStatus>) -> String {
    let mut options = String::from("<option value=\"\">any</option>");
    for s in HypothesisStatus::ALL {
        let selected = if Some(*s) == status { " selected" } else { "" };
        options.push_str(&format!(
            "<option value=\"{0}\"{selected}>{0}</option>",
            escape(s.as_str())
        ));
    }
    let min = min_score.map(|m| m.to_string()).unwrap_or_default();
    format!(
        "<form method=\"get\"><label>min score <input name=\"min_score\" type=\"number\" \
         step=\"0.01\" min=\"0\" max=\"1\" value=\"{}\"></label> \
         <label>status <select name=\"status\">{options}</select></label> \
         <button type=\"submit\">filter</button></form>\
         <p><label>search <input id=\"search\" type=\"search\" \
         placeholder=\"gene, variable, word\"></label></p>",
        escape(&min)
    )
}

/// Contradicted hypotheses ranked below the run's cut, with the number presented: they are not in
/// the graph store, only in the run's hypotheses.json, which the job that recorded the run wrote
/// into its folder. `None` for a run no job of this store recorded (started from the command
/// line) or whose file is gone or unreadable.
async fn below_the_cut(state: &AppState, run: graph::RunId) -> Option<BelowTheCut> {
    let control = state.control().ok()?;
    let job = control.with(|c| c.job_of_run(run)).ok()??;
    let path = job.out_dir?.join("hypotheses.json");
    let file = tokio::task::spawn_blocking(move || agent::output::read_hypotheses(&path))
        .await
        .ok()?
        .ok()?;
    Some(BelowTheCut {
        presented: file.hypotheses.len(),
        hypotheses: file.beyond_the_cut,
    })
}

/// What [`below_the_cut`] read: the run's cut and the contradicted hypotheses below it.
struct BelowTheCut {
    presented: usize,
    hypotheses: Vec<agent::contradictions::BeyondTheCut>,
}

/// The run's hypotheses that some finding disagrees with, each with its contradictions: they stay
/// in the ranking, demoted, and are listed together here, followed by those below the run's cut
/// (by rank, marked as such) so a reviewer does not lose them to the cut.
fn contradictions_section(
    rows: &[(graph::HypothesisId, &graph::HypothesisRecord)],
    below: Option<&BelowTheCut>,
) -> String {
    let mut out = String::from(
        "<h2 id=\"contradictions\">Contradictions</h2><p class=\"muted\">Findings that disagree \
         with a hypothesis: opposite directions in two layers, an effect that vanishes or \
         reverses after adjustment, a failed replication.</p>",
    );
    let mut any = false;
    for (id, h) in rows.iter().map(|(id, h)| (id, &h.hypothesis)) {
        if h.score.contradictions.is_empty() {
            continue;
        }
        any = true;
        out.push_str(&format!(
            "<div class=\"contradiction-entry\"><p><a href=\"/hypotheses/{}\">{}</a></p><ul>{}</ul>{}</div>",
            id.node().get(),
            escape(&h.statement),
            agent::html::contradiction_items(&h.score),
            agent::html::refinement_note(h.score.refinement.as_deref()),
        ));
    }
    if let Some(below) = below.filter(|b| !b.hypotheses.is_empty()) {
        any = true;
        out.push_str(&format!(
            "<h3 id=\"below-the-cut\">Below the top {}</h3><p class=\"muted\">Hypotheses ranked \
             below the run's cut, not recorded as hypotheses, that findings disagree with.</p>",
            below.presented
        ));
        for h in &below.hypotheses {
            out.push_str(&format!(
                "<div class=\"contradiction-entry below-the-cut\"><p><span class=\"badge\">rank \
                 {} · below the top {}</span> {}</p><ul>{}</ul>{}</div>",
                h.rank,
                below.presented,
                escape(&h.statement),
                agent::html::contradiction_list(&h.contradictions),
                agent::html::refinement_note(h.refinement.as_ref()),
            ));
        }
    }
    if !any {
        out.push_str("<p class=\"muted\">No finding contradicts a hypothesis shown.</p>");
    }
    out
}

/// "chain of N links" for a hypothesis that states a mechanism chain.
fn chain_badge(h: &graph::Hypothesis) -> String {
    h.chain.as_ref().map_or_else(String::new, |c| {
        format!(
            " <span class=\"badge\" title=\"{}\">chain of {} links</span>",
            escape(&c.prediction),
            c.links.len()
        )
    })
}
