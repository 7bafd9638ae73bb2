//! `GET /hypotheses/{id}`: one hypothesis with its badges, score breakdown, the evidence chain,
//! plots of the study's values behind it (the figures report.html draws, re-read from the
//! study), the provenance of every analysis behind it (down to input file hashes) and a volcano
//! plot of the primary finding's analysis. Built from the same lookup as `GET /api/hypotheses/{id}`.

use super::PageResult;
use super::html::{escape, knowledge_badge, layout, num, pval, replication_badge, score_bar};
use crate::params::PathParam;
use crate::routes::hypotheses::{self, rank, total};
use crate::state::AppState;
use agent::evidence_plots::{FindingPlot, supporting_plots};
use agent::plots::{Volcano, VolcanoPoint, volcano_plot};
use axum::extract::State;
use axum::response::Html;
use graph::model::HypothesisRecord;
use graph::model::Stance;
use graph::query::evidence::{AnalysisProvenance, EvidenceChain, EvidenceLink};
use graph::{AnalysisId, HypothesisId, InputFile, ResearchGraph, RunId};

pub async fn page(State(state): State<AppState>, PathParam(raw): PathParam) -> PageResult {
    // Everything the graph says is read under its lock, which must not be held while the
    // study loads.
    let (title, body, plots, run, inputs, tail) = {
        let graph = state.read()?;
        let (id, h, chain) = hypotheses::lookup(&graph, &raw)?;
        let body = head(id, h, &chain);
        let plots = finding_plots(&graph, &chain.links);
        // The files the plotted (supporting) findings' analyses read, to check the study against.
        let inputs: Vec<InputFile> = chain
            .links
            .iter()
            .filter(|l| l.stance == Stance::Supports)
            .flat_map(|l| l.analysis.inputs.iter().cloned())
            .collect();
        let tail = format!(
            "{}{}",
            provenance(&chain.links),
            figure(&graph, &chain.links)
        );
        (chain.statement, body, plots, h.run, inputs, tail)
    };
    let data = data_section(&state, run, plots, &inputs).await;
    Ok(Html(layout(&title, &format!("{body}{data}{tail}"))))
}

/// The hypothesis's statement, badges, score and evidence table.
fn head(id: HypothesisId, h: &HypothesisRecord, chain: &EvidenceChain) -> String {
    let s = &h.hypothesis;
    let mut body = format!(
        "<p><a href=\"/runs/{}\">← hypotheses of {}</a></p><h1>{}</h1><p>{}{} \
         <span class=\"muted\">rank {} · status {} · {}</span></p>",
        h.run.get(),
        escape(&h.run.to_string()),
        escape(&chain.statement),
        replication_badge(s),
        knowledge_badge(s),
        rank(h).map_or_else(|| "–".to_owned(), |r| r.to_string()),
        escape(chain.status.as_str()),
        escape(&id.to_string()),
    );
    body.push_str(&format!(
        "<h2>Score</h2><table><tr><th>total</th><th>reliability</th><th>novelty</th>\
         <th>clinical relevance</th><th>replication</th></tr><tr><td class=\"num\">{}</td>\
         <td class=\"num\">{}</td><td class=\"num\" title=\"{}\">{}</td><td class=\"num\">{}</td>\
         <td class=\"num\">{}</td></tr></table><p class=\"muted\">Novelty: {}. Replication: {}</p>",
        score_bar(total(h)),
        num(Some(s.score.reliability), 2),
        escape(&s.score.novelty_reason),
        num(Some(s.score.novelty), 2),
        num(Some(s.score.clinical_relevance), 2),
        num(Some(s.score.replication), 2),
        escape(&s.score.novelty_reason),
        escape(if s.replication.detail.is_empty() {
            "not recorded"
        } else {
            &s.replication.detail
        }),
    ));
    body.push_str(&agent::html::knowledge_note(&s.score));
    if !s.score.contradictions.is_empty() {
        body.push_str(&format!(
            "<h2>Contradictions</h2><ul>{}</ul>",
            agent::html::contradiction_items(&s.score)
        ));
    }
    if let Some(refinement) = s.score.refinement.as_deref() {
        body.push_str(&format!(
            "<h2>Refinement</h2>{}",
            agent::html::refinement_note(Some(refinement))
        ));
    }
    if let Some(mechanism) = &s.chain {
        body.push_str(&format!(
            "<h2>Mechanism chain</h2>{}",
            agent::chain::diagram::chain_html(mechanism)
        ));
    }
    body.push_str(&format!(
        "<p><a href=\"/explore?hypothesis={}\">explore its graph</a></p>",
        id.node().get()
    ));
    body.push_str(&evidence_table(&chain.links));
    body
}

/// The supporting findings as the shared plotting code describes them. The primary is the first
/// supporting finding, as for the volcano (the agent records it before its follow-ups); it is
/// `None` when its kind of analysis has no per-sample plot.
struct Plots {
    primary: Option<FindingPlot>,
    evidence: Vec<FindingPlot>,
}

/// `None` when the hypothesis has no supporting finding.
fn finding_plots(graph: &ResearchGraph, links: &[EvidenceLink]) -> Option<Plots> {
    let describe = |link: &EvidenceLink| {
        let analysis = graph.analysis(link.analysis.id)?;
        let finding = graph.finding(link.finding.id)?;
        FindingPlot::from_graph(
            analysis,
            &link.analysis.id.to_string(),
            finding,
            &link.finding.id.to_string(),
        )
    };
    let supporting: Vec<&EvidenceLink> = links
        .iter()
        .filter(|l| l.stance == Stance::Supports)
        .collect();
    let primary = supporting.first()?;
    Some(Plots {
        primary: describe(primary),
        evidence: supporting.iter().filter_map(|l| describe(l)).collect(),
    })
}

/// Plots of the study's values behind the hypothesis, or a note saying why there are none: a
/// missing or edited study is a normal state of a store that outlives its data, not an error.
async fn data_section(
    state: &AppState,
    run: RunId,
    plots: Option<Plots>,
    inputs: &[InputFile],
) -> String {
    let mut out = String::from("<section id=\"data\"><h2>Data behind this hypothesis</h2>");
    let note = |text: &str| format!("<p class=\"muted note\">{}</p>", escape(text));
    match plots {
        None => out.push_str(&note(
            "No supporting finding is recorded, so there is nothing to plot.",
        )),
        Some(Plots { primary: None, .. }) => out.push_str(&note(
            "The primary finding's analysis has no per-sample plot (only group comparisons, \
             correlations and survival analyses have one).",
        )),
        Some(Plots {
            primary: Some(primary),
            evidence,
        }) => match state.study_matching(run, inputs).await {
            Ok(study) => {
                for f in supporting_plots(&study, &primary, &evidence) {
                    out.push_str(&format!(
                        "<figure>{}<figcaption class=\"muted\">{}</figcaption></figure>",
                        f.svg,
                        escape(&f.caption)
                    ));
                }
                out.push_str(&format!(
                    "<p class=\"muted\">Values re-read from study \"{}\" for the samples each \
                     analysis used; its files match the hashes recorded with the analyses.</p>",
                    escape(&study.name)
                ));
            }
            Err(why) => out.push_str(&note(&format!(
                "No plots of the data: {}.",
                why.to_string().trim_end_matches('.')
            ))),
        },
    }
    out.push_str("</section>");
    out
}

fn evidence_table(links: &[EvidenceLink]) -> String {
    let mut out = String::from(
        "<h2>Evidence</h2><table><tr><th>finding</th><th>role</th><th>layer</th><th>feature</th>\
         <th>variable</th><th>contrast</th><th>effect</th><th>95% CI</th><th>p</th><th>q</th>\
         <th>n</th><th>replicated by</th><th>warning</th></tr>",
    );
    for link in links {
        let f = &link.finding.finding;
        let ci = match (f.ci_low, f.ci_high) {
            (Some(lo), Some(hi)) => format!("{} – {}", num(Some(lo), 3), num(Some(hi), 3)),
            _ => "–".into(),
        };
        let replicated: Vec<String> = link.replicated_by.iter().map(|r| r.to_string()).collect();
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&link.finding.id.to_string()),
            escape(link.stance.as_str()),
            escape(&f.layer),
            escape(f.feature.as_str()),
            escape(&f.variable),
            escape(f.contrast.as_deref().unwrap_or("")),
            num(Some(f.effect), 3),
            ci,
            pval(Some(f.p)),
            pval(f.q),
            f.n,
            escape(&replicated.join(", ")),
            escape(f.warning.as_deref().unwrap_or("")),
        ));
    }
    if links.is_empty() {
        out.push_str("<tr><td colspan=\"13\" class=\"muted\">no findings recorded</td></tr>");
    }
    out.push_str("</table>");
    out
}

/// The analyses behind the evidence, each once, in order of first appearance.
fn analyses(links: &[EvidenceLink]) -> Vec<&AnalysisProvenance> {
    let mut seen: Vec<AnalysisId> = Vec::new();
    let mut out = Vec::new();
    for link in links {
        if !seen.contains(&link.analysis.id) {
            seen.push(link.analysis.id);
            out.push(&link.analysis);
        }
    }
    out
}

fn provenance(links: &[EvidenceLink]) -> String {
    let mut out = String::from("<h2>Provenance</h2>");
    for a in analyses(links) {
        let inputs: String = a
            .inputs
            .iter()
            .map(|f| {
                format!(
                    "<li>{} <code>sha256:{}</code></li>",
                    escape(&f.path),
                    escape(&f.sha256)
                )
            })
            .collect();
        out.push_str(&format!(
            "<h3>{} · {}</h3><table><tr><th>module</th><td>{}</td></tr>\
             <tr><th>question</th><td>{}</td></tr><tr><th>parameters</th><td><code>{}</code></td></tr>\
             <tr><th>layers</th><td>{}</td></tr><tr><th>samples</th><td>{}</td></tr>\
             <tr><th>input files</th><td><ul>{}</ul></td></tr>\
             <tr><th>input hash</th><td><code>{}</code></td></tr>\
             <tr><th>software</th><td>{}</td></tr><tr><th>recorded</th><td>{}</td></tr></table>",
            escape(&a.id.to_string()),
            escape(&a.study),
            escape(&a.module),
            escape(a.question.as_deref().unwrap_or("–")),
            escape(&a.params.to_string()),
            escape(&a.input_layers.join(", ")),
            a.n_samples,
            inputs,
            escape(&a.input_hash),
            escape(&a.software_version),
            escape(&a.created_at.to_string()),
        ));
    }
    out
}

/// A volcano of the primary finding's analysis (the first supporting finding: the agent records
/// the primary before its follow-ups), drawn from the findings the store kept for it.
fn figure(graph: &ResearchGraph, links: &[EvidenceLink]) -> String {
    let Some(primary) = links
        .iter()
        .find(|l| l.stance == Stance::Supports)
        .or(links.first())
    else {
        return String::new();
    };
    let findings: Vec<_> = graph
        .findings_of(primary.analysis.id)
        .into_iter()
        .filter_map(|f| graph.finding(f))
        .collect();
    let points: Vec<VolcanoPoint<'_>> = findings
        .iter()
        .map(|f| VolcanoPoint {
            label: f.feature.as_str(),
            effect: f.effect,
            p: f.p,
            q: f.q.unwrap_or(1.0),
        })
        .collect();
    let focus = primary.finding.finding.feature.as_str();
    let title = format!(
        "{}: {}",
        primary.analysis.module, primary.finding.finding.variable
    );
    let svg = volcano_plot(&Volcano {
        title: &title,
        effect_label: "effect (the module's natural scale)",
        points: &points,
        q_threshold: 0.05,
        label_top: 8,
        focus: Some(focus),
    });
    format!(
        "<h2>Primary analysis</h2><figure>{svg}<figcaption class=\"muted\">{} findings of \
         {} ({}), {} highlighted. The store keeps the nominally significant results of a \
         screen, not every test, so the plot shows those.</figcaption></figure>",
        points.len(),
        escape(&primary.analysis.id.to_string()),
        escape(&primary.analysis.module),
        escape(focus),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use graph::{
        EntityRef, HypothesisStatus, NewAnalysis, NewFinding, NewHypothesis, RelationKind, TestKind,
    };

    /// A finding's warning (a failed proportional-hazards check) is shown in the evidence
    /// table, escaped; a finding without one shows an empty cell.
    #[test]
    fn the_evidence_table_shows_a_finding_s_warning() {
        let mut g = ResearchGraph::open_in_memory().expect("graph");
        let run = g.start_run("r", None).expect("run");
        let finding = |feature: &str, warning: Option<&str>| NewFinding {
            layer: "proteome".into(),
            feature: datasets::FeatureId::new(feature),
            variable: "overall survival".into(),
            contrast: None,
            test: TestKind::CoxWald,
            statistic: 2.5,
            effect: 0.4,
            ci_low: None,
            ci_high: None,
            p: 0.01,
            q: Some(0.04),
            n: 80,
            claim: Some(graph::Claim {
                subject: EntityRef::gene(feature),
                relation: RelationKind::PrognosticFor,
                object: EntityRef::ClinicalVariable("overall survival".into()),
            }),
            warning: warning.map(str::to_owned),
        };
        let recorded = g
            .record_analysis(
                NewAnalysis {
                    run,
                    study: "s".into(),
                    direction: None,
                    module: "survival".into(),
                    params: serde_json::json!({}),
                    input_layers: vec!["proteome".into()],
                    sample_set: Vec::new(),
                    inputs: Vec::new(),
                    software_version: "test".into(),
                    derived_from: Vec::new(),
                },
                vec![
                    finding(
                        "PTEN",
                        Some("proportional hazards doubtful (p<0.05) & <rescued>"),
                    ),
                    finding("MYC", None),
                ],
            )
            .expect("analysis");
        let h = g
            .add_hypothesis(NewHypothesis {
                run,
                hypothesis: graph::Hypothesis {
                    id: "H1".into(),
                    rank: 1,
                    kind: "survival".into(),
                    statement: "PTEN protein is prognostic".into(),
                    ..Default::default()
                },
                status: HypothesisStatus::Proposed,
                supported_by: recorded.findings.clone(),
                contradicted_by: Vec::new(),
                derived_from: Vec::new(),
                concerns: Vec::new(),
            })
            .expect("hypothesis");
        let chain = g.evidence_chain(h).expect("evidence");
        let table = evidence_table(&chain.links);
        assert!(table.contains("<th>warning</th>"), "{table}");
        assert!(
            table.contains(
                "<td>proportional hazards doubtful (p&lt;0.05) &amp; &lt;rescued&gt;</td></tr>"
            ),
            "{table}"
        );
        assert_eq!(table.matches("<td></td></tr>").count(), 1, "{table}");
    }
}
