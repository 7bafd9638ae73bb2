//! `GET /explore?entity=SYMBOL` or `?hypothesis=ID`: an interactive view of the entity/finding
//! graph around a gene or a hypothesis, and `GET /assets/explore.js`, the script that draws it.
//!
//! The page is a frame; the script fetches the same JSON API any client would use (entity
//! search, neighbourhood, hypothesis detail) and lays the graph out in the browser, so the
//! explorer shows nothing the API does not and needs no server-side layout code. The script is
//! compiled into the binary and served by hypomics itself, so the page still works offline and
//! loads nothing from elsewhere.

use super::html::{escape, layout};
use super::{PageError, PageResult};
use crate::params::{self, Params};
use crate::routes::hypotheses;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};

/// The explorer's script, served at [`SCRIPT_PATH`].
pub const SCRIPT: &str = include_str!("../../assets/explore.js");

pub const SCRIPT_PATH: &str = "/assets/explore.js";

/// Node colours, matching the script's, for the legend.
const LEGEND: [(&str, &str); 6] = [
    ("gene, site, mutation", "#3a7bd5"),
    ("clinical variable", "#e08a1e"),
    ("pathway", "#2e9e5b"),
    ("finding", "#8e5cc4"),
    ("hypothesis", "#d0435b"),
    ("other (sample group, study)", "#7a7a7a"),
];

const STYLE: &str = "<style>#explore{display:flex;gap:1em;align-items:flex-start;flex-wrap:wrap}\
#explore-svg{width:960px;max-width:100%;height:auto;background:#fff;border:1px solid #ddd}\
#explore-details{min-width:16em;max-width:28em;font-size:.9em;background:#fff;border:1px solid #ddd;\
padding:.5em;white-space:pre-wrap}#explore-details:empty{display:none}#explore-details div{margin:.2em 0}\
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:50%;margin:0 .3em 0 .8em;\
vertical-align:middle}.node:focus{outline:none}.node:focus circle{stroke:#222}</style>";

pub async fn page(State(state): State<AppState>, params: Params) -> PageResult {
    params.only(&["entity", "hypothesis"]).map_err(PageError)?;
    let entity = params.text("entity").unwrap_or("");
    // A hypothesis id is checked here so a stale link gets a 404 page, not a script error.
    let hypothesis = match params.text("hypothesis") {
        Some(raw) => {
            let node = params::node_id("hypothesis", raw)?;
            let graph = state.read()?;
            let (id, ..) = hypotheses::lookup(&graph, &node.get().to_string())?;
            Some(id.node().get())
        }
        None => None,
    };
    let legend: String = LEGEND
        .iter()
        .map(|(label, colour)| {
            format!("<span class=\"swatch\" style=\"background:{colour}\"></span>{label}")
        })
        .collect();
    let body = format!(
        "{STYLE}<h1>Explore the graph</h1>\
         <p class=\"muted\">Entities, findings and hypotheses around a gene or a hypothesis. \
         Hover a node for details, click it to centre the graph on it; edges carry the relation \
         and the best q-value of the findings behind it.</p>\
         <form id=\"explore-search\"><label>gene or entity <input id=\"explore-q\" \
         type=\"search\" name=\"entity\" size=\"28\" value=\"{}\" placeholder=\"symbol or alias, e.g. PTEN\" \
         autocomplete=\"off\"></label> <button type=\"submit\">show</button> \
         <label><input id=\"explore-findings\" type=\"checkbox\"> show the best finding of each \
         relation</label></form>\
         <p id=\"explore-hits\"></p>\
         <p id=\"explore-status\" class=\"muted\" role=\"status\">loading…</p>\
         <div id=\"explore\" data-entity=\"{}\" data-hypothesis=\"{}\">\
         <svg id=\"explore-svg\" viewBox=\"0 0 960 640\" \
         role=\"img\" aria-label=\"graph around the chosen entity or hypothesis\"></svg>\
         <div id=\"explore-details\" aria-live=\"polite\"></div></div>\
         <p class=\"muted\">{legend}</p>\
         <noscript><p>The explorer needs JavaScript; the same data is at \
         <code>/api/entities</code> and <code>/api/hypotheses</code>.</p></noscript>\
         <script src=\"{SCRIPT_PATH}\"></script>",
        escape(entity),
        escape(entity),
        hypothesis.map(|h| h.to_string()).unwrap_or_default(),
    );
    Ok(Html(layout("explore", &body)))
}

pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
}
