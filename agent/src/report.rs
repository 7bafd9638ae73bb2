//! `report.html`: the whole run in one self-contained page (inline CSS and SVG, no scripts, no
//! network), so it can be opened offline, archived beside the data, or mailed. It reads top to
//! bottom the way a reviewer checks a claim: what was studied, how much was tested and how often
//! chance alone produces hypotheses (calibration), then each ranked hypothesis with its score,
//! replication, evidence chain and the plots of the data behind it, and last the full record of
//! analyses in the order the agent ran them. All text passes through `escape`.

mod figures;
mod style;

use crate::html::{contradiction_items, knowledge_badge, knowledge_note};
use crate::hypothesis::Hypothesis;
use crate::ledger::Q_STRONG;
use crate::plots::{BarChart, BarSeries, bar_chart, escape};
use crate::profile::StudyProfile;
use crate::run::{Calibration, RunResult};
use crate::validate::{Replication, ReplicationStatus};
use datasets::Study;
use datasets::kinds::FileRole;
use std::fmt::Write;

/// Hypotheses that get figures; the rest are listed with their evidence only, which keeps the
/// file small for long runs.
pub const PLOTTED_HYPOTHESES: usize = 10;

/// The report for a finished run on `study` (the same study the run used: figures re-read its
/// values).
pub fn report_html(result: &RunResult, study: &Study) -> String {
    let mut out = String::with_capacity(512 * 1024);
    let s = &result.summary;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>hypomics report: {}</title><style>{}</style></head><body><main>",
        escape(&s.study),
        style::CSS
    );
    let _ = write!(
        out,
        "<header><h1>hypomics report: {}</h1><p>{} hypotheses from {} analyses, seed {}, {:.1} s. Every number below comes from a test recorded in findings.tsv.</p></header>",
        escape(&s.study),
        s.hypotheses,
        s.analyses,
        s.seed,
        s.seconds
    );
    nav(&mut out, result);
    summary_section(&mut out, result);
    calibration_section(&mut out, &s.calibration);
    profile_section(&mut out, &result.profile);
    hypotheses_section(&mut out, result, study);
    contradictions_section(&mut out, result);
    analyses_section(&mut out, result);
    provenance_section(&mut out, study);
    out.push_str("</main></body></html>\n");
    out
}

/// Links to each section and each hypothesis, for a long page.
fn nav(out: &mut String, result: &RunResult) {
    out.push_str("<nav><a href=\"#summary\">Summary</a> · <a href=\"#calibration\">Calibration</a> · <a href=\"#profile\">Profile</a> · <a href=\"#hypotheses\">Hypotheses</a>");
    for h in &result.hypotheses {
        let _ = write!(out, " <a href=\"#{id}\">{id}</a>", id = escape(&h.model.id));
    }
    out.push_str(
        " · <a href=\"#contradictions\">Contradictions</a> · <a href=\"#analyses\">Analyses</a> · <a href=\"#provenance\">Provenance</a></nav>",
    );
}

fn fact(out: &mut String, name: &str, value: &str) {
    let _ = write!(
        out,
        "<tr><th>{}</th><td>{}</td></tr>",
        escape(name),
        escape(value)
    );
}

fn summary_section(out: &mut String, result: &RunResult) {
    let s = &result.summary;
    out.push_str("<section id=\"summary\"><h2>Run summary</h2><table class=\"facts\">");
    fact(out, "study", &s.study);
    fact(
        out,
        "analyses run",
        &format!(
            "{} ({} directions skipped, {} follow-ups opened)",
            s.analyses, s.failed_directions, s.directions_opened
        ),
    );
    fact(out, "tests", &s.tests.to_string());
    fact(
        out,
        "strong findings",
        &format!(
            "{} (claimed by the p-filter at q <= {Q_STRONG} over every test of the run and every analysis, and an effect above the floor)",
            s.strong_findings
        ),
    );
    fact(
        out,
        "samples",
        &format!(
            "{} discovery, {} held out for validation",
            s.discovery_samples, s.validation_samples
        ),
    );
    fact(
        out,
        "hypotheses",
        &format!(
            "{} ({} replicated on held-out samples)",
            s.hypotheses, s.replicated
        ),
    );
    fact(out, "stopped because", &s.stop_reason);
    let c = &s.coverage;
    fact(
        out,
        "first screens",
        &format!(
            "{} of {} clinical variables, recurrent mutations and survival outcomes screened at least once, within a budget of {} analyses",
            c.first_screens_done, c.first_screens_needed, c.max_analyses
        ),
    );
    out.push_str("</table>");
    if c.not_explored.is_empty() {
        out.push_str("<p>Nothing the study holds was left unexplored.</p>");
    } else {
        out.push_str("<h3>Not explored</h3><table><tr><th>what</th><th>why</th></tr>");
        for n in &c.not_explored {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(&n.subject.to_string()),
                escape(&n.reason)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or("n/a".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

fn calibration_section(out: &mut String, c: &Calibration) {
    out.push_str("<section id=\"calibration\"><h2>Calibration: hypotheses expected by chance</h2>");
    if c.permutations == 0 {
        let _ = write!(
            out,
            "<p class=\"muted\">Calibration was not run (0 label-shuffled runs). On the real labels the loop produced {} label-dependent hypotheses ({} replicated); without shuffled runs there is no empirical estimate of how many of them chance alone would produce.</p></section>",
            c.real_hypotheses, c.real_replicated
        );
        return;
    }
    let _ = write!(
        out,
        "<p>The whole loop was re-run on {} copies of the study with sample labels shuffled (clinical variables and mutations no longer belong to their samples), with the same budget and seed; directions were chosen by {}. Hypotheses that appear there are what chance and the search alone produce. Cis and tumour/normal hypotheses do not depend on the shuffled labels and are not counted.</p>",
        c.permutations,
        escape(&c.planner)
    );
    let _ = write!(
        out,
        "<table class=\"facts\"><tr><th>false hypotheses per shuffled run</th><td>{}</td></tr><tr><th>per shuffled run</th><td>{}</td></tr><tr><th>analyses per shuffled run</th><td>{} (real run: {})</td></tr></table>",
        escape(&crate::output::null_rate_text(c)),
        escape(&format!("{:?}", c.null_hypotheses)),
        escape(&format!("{:?}", c.null_analyses)),
        c.real_analyses
    );
    let mut categories = vec!["real labels".to_owned()];
    categories.extend((1..=c.permutations).map(|k| format!("shuffled {k}")));
    let category_refs: Vec<&str> = categories.iter().map(String::as_str).collect();
    let found: Vec<f64> = std::iter::once(c.real_hypotheses)
        .chain(c.null_hypotheses.iter().copied())
        .map(|n| n as f64)
        .collect();
    let replicated: Vec<f64> = std::iter::once(c.real_replicated)
        .chain(c.null_replicated.iter().copied())
        .map(|n| n as f64)
        .collect();
    let subtitle = format!(
        "empirical false-hypothesis rate {}, among replicated {}",
        percent(c.false_hypothesis_rate),
        percent(c.false_replicated_rate)
    );
    let svg = bar_chart(&BarChart {
        title: "Label-dependent hypotheses: real vs shuffled labels",
        subtitle: &subtitle,
        y_label: "hypotheses",
        categories: &category_refs,
        series: &[
            BarSeries {
                name: "hypotheses",
                values: &found,
            },
            BarSeries {
                name: "replicated on held-out samples",
                values: &replicated,
            },
        ],
    });
    let _ = write!(
        out,
        "<div class=\"figures\"><figure>{svg}<figcaption>Shuffled runs gave {} hypotheses ({} replicated) against {} ({} replicated) on the real labels: an empirical false-hypothesis rate of {} (mean null count over the real count), {} among replicated hypotheses.</figcaption></figure></div></section>",
        escape(&format!("{:?}", c.null_hypotheses)),
        escape(&format!("{:?}", c.null_replicated)),
        c.real_hypotheses,
        c.real_replicated,
        percent(c.false_hypothesis_rate),
        percent(c.false_replicated_rate)
    );
}

fn profile_section(out: &mut String, p: &StudyProfile) {
    out.push_str("<section id=\"profile\"><h2>Study profile</h2><table class=\"facts\">");
    fact(
        out,
        "samples",
        &if p.has_tumor_normal {
            format!("{} tumours, {} normals", p.tumors, p.normals)
        } else {
            format!("{} tumours (no normal tissue)", p.tumors)
        },
    );
    fact(out, "survival", p.survival.as_deref().unwrap_or("none"));
    fact(
        out,
        "mutation layer",
        p.mutation_layer.as_deref().unwrap_or("none"),
    );
    fact(
        out,
        "recurrent mutations",
        &p.mutations
            .iter()
            .map(|m| {
                format!(
                    "{} ({} of {})",
                    m.gene,
                    m.carriers,
                    m.carriers + m.wild_type
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    );
    fact(
        out,
        "numeric clinical variables",
        &p.numeric_variables.join(", "),
    );
    out.push_str("</table><h4>Layers</h4><table><tr><th>layer</th><th>kind</th><th class=\"num\">features</th><th class=\"num\">samples</th><th class=\"num\">missing</th></tr>");
    for l in &p.layers {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}%</td></tr>",
            escape(&l.name),
            escape(&serde_label(&l.kind)),
            l.features,
            l.samples,
            l.missing_fraction * 100.0
        );
    }
    out.push_str("</table><h4>Clinical groupings</h4><table><tr><th>variable</th><th>kind</th><th>levels (samples)</th></tr>");
    for g in &p.groupings {
        let levels = g
            .levels
            .iter()
            .map(|(name, n)| format!("{name} ({n})"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&g.variable),
            escape(g.kind),
            escape(&levels)
        );
    }
    out.push_str("</table></section>");
}

/// The snake_case name serde gives an enum value (`copy_number`), for display.
fn serde_label<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// A kind's stored name in words (`clinical_numeric` -> `clinical numeric`).
fn kind_label(kind: &str) -> String {
    kind.replace('_', " ")
}

/// CSS class and words for a replication status.
fn status_badge(status: ReplicationStatus) -> (&'static str, &'static str) {
    match status {
        ReplicationStatus::Replicated => ("replicated", "replicated"),
        ReplicationStatus::NotReplicated => ("not_replicated", "not replicated"),
        ReplicationStatus::NotTested => ("not_tested", "not re-testable"),
    }
}

/// Badge and detail for one re-test (held-out samples, or an external cohort).
fn replication_line(out: &mut String, prefix: &str, r: &Replication) {
    let (class, status) = status_badge(r.status);
    let _ = write!(
        out,
        "<p><span class=\"badge {class}\">{}{status}</span><span class=\"muted\">{}</span></p>",
        escape(prefix),
        escape(&r.detail)
    );
}

fn hypotheses_section(out: &mut String, result: &RunResult, study: &Study) {
    let _ = write!(
        out,
        "<section id=\"hypotheses\"><h2>Hypotheses</h2><p>Ranked by total score = 0.50 reliability + 0.15 plausibility (support from prior knowledge) + 0.15 novelty + 0.20 clinical relevance, less 0.05 per contradiction other than a failed replication. Badges say what prior knowledge knows: <i>known</i> (a textbook relation, with its source), <i>partly known</i> (one step away) or <i>new</i> (nothing shipped explains it: new, unstudied or implausible). Figures (top {PLOTTED_HYPOTHESES}) show the discovery samples each analysis tested; replication used the held-out samples only.</p>"
    );
    if result.hypotheses.is_empty() {
        out.push_str("<p class=\"muted\">No finding was strong enough to become a hypothesis.</p>");
    }
    for (i, h) in result.hypotheses.iter().enumerate() {
        hypothesis_card(out, h, (i < PLOTTED_HYPOTHESES).then_some((result, study)));
    }
    out.push_str("</section>");
}

fn hypothesis_card(out: &mut String, h: &Hypothesis, plot: Option<(&RunResult, &Study)>) {
    let _ = write!(
        out,
        "<section class=\"hyp\" id=\"{id}\"><h3><span class=\"rank\">{id}</span>{statement}</h3><p><span class=\"badge\">{kind}</span> {knowledge}</p>{note}",
        id = escape(&h.model.id),
        statement = escape(&h.model.statement),
        kind = escape(&kind_label(&h.model.kind)),
        knowledge = knowledge_badge(&h.model.score),
        note = knowledge_note(&h.model.score),
    );
    replication_line(out, "", &h.model.replication);
    if let Some(external) = &h.model.external_replication {
        replication_line(out, &format!("{}: ", external.cohort), external);
    }
    let sc = &h.model.score;
    let _ = write!(
        out,
        "<table class=\"score\"><tr><th>total</th><th>reliability</th><th>plausibility</th><th>novelty</th><th>clinical relevance</th><th>replication</th></tr><tr><td class=\"num\"><b>{:.2}</b></td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td></tr></table><p class=\"muted\">Reliability from significance {:.2}, effect size {:.2}, consistency of follow-ups {:.2} and replication {:.2}. Novelty: {}.</p>",
        sc.total,
        sc.reliability,
        sc.plausibility,
        sc.novelty,
        sc.clinical_relevance,
        sc.replication,
        sc.significance,
        sc.effect,
        sc.consistency,
        sc.replication,
        escape(&sc.novelty_reason),
    );
    if !sc.contradictions.is_empty() {
        let _ = write!(
            out,
            "<h4>Contradictions</h4><ul class=\"contradictions\">{}</ul>",
            contradiction_items(sc)
        );
    }
    out.push_str(&crate::html::refinement_note(sc.refinement.as_deref()));
    if let Some(chain) = &h.model.chain {
        let _ = write!(
            out,
            "<h4>Mechanism chain ({} links)</h4>{}",
            chain.links.len(),
            crate::chain::diagram::chain_html(chain)
        );
    }
    out.push_str("<h4>Evidence chain</h4><ol class=\"evidence\">");
    for e in &h.model.evidence {
        let _ = write!(
            out,
            "<li><a href=\"#A{}\"><code>{}</code></a> <span class=\"role\">{}</span>: {}</li>",
            e.step,
            escape(&e.finding),
            escape(e.role.as_str()),
            escape(&e.summary)
        );
    }
    out.push_str("</ol>");
    if let Some((result, study)) = plot {
        out.push_str("<div class=\"figures\">");
        for f in figures::hypothesis_figures(h, result, study) {
            let _ = write!(
                out,
                "<figure>{}<figcaption>{}</figcaption></figure>",
                f.svg,
                escape(&f.caption)
            );
        }
        out.push_str("</div>");
    }
    out.push_str("</section>");
}

/// Every hypothesis some finding disagrees with, in rank order: it is kept (demoted, with the
/// reason) rather than dropped, and this section is where a reviewer finds them together.
fn contradictions_section(out: &mut String, result: &RunResult) {
    out.push_str("<section id=\"contradictions\"><h2>Contradictions</h2><p>Findings that disagree with a hypothesis: the same gene moving the other way in another layer, an effect that vanishes or reverses after adjustment for the study's confounders, a re-test on held-out samples that did not confirm it. Each such hypothesis stays in the ranking, demoted, with the reason.</p>");
    let with: Vec<&Hypothesis> = result
        .hypotheses
        .iter()
        .filter(|h| !h.model.score.contradictions.is_empty())
        .collect();
    if with.is_empty() {
        out.push_str("<p class=\"muted\">No finding contradicts a reported hypothesis.</p>");
    }
    for h in with {
        let _ = write!(
            out,
            "<div class=\"contradiction\"><p><a href=\"#{id}\">{id}</a> {}</p><ul>{}</ul>{}</div>",
            escape(&h.model.statement),
            contradiction_items(&h.model.score),
            crate::html::refinement_note(h.model.score.refinement.as_deref()),
            id = escape(&h.model.id),
        );
    }
    let cut = &result.contradicted_beyond_the_cut;
    if !cut.is_empty() {
        let _ = write!(
            out,
            "<h3>Below the top {}</h3><p>Hypotheses ranked below the report's cut, not presented above, that findings disagree with:</p>",
            result.hypotheses.len()
        );
    }
    for h in cut {
        let items: String = h
            .contradictions
            .iter()
            .map(|c| format!("<li>{}</li>", escape(&c.detail)))
            .collect();
        let _ = write!(
            out,
            "<div class=\"contradiction\"><p>rank {} {}</p><ul>{items}</ul>{}</div>",
            h.rank,
            escape(&h.statement),
            crate::html::refinement_note(h.refinement.as_ref()),
        );
    }
    out.push_str("</section>");
}

fn analyses_section(out: &mut String, result: &RunResult) {
    out.push_str("<section id=\"analyses\"><h2>Analyses, in the order they ran</h2><p>The record of the research process: each direction the planner chose, why, what it ran and what it found. Follow-ups name the step that opened them.</p><table><tr><th>step</th><th>question</th><th>why</th><th>module</th><th class=\"num\">samples</th><th class=\"num\">tests</th><th class=\"num\">strong</th><th>notes</th></tr>");
    let ledger = &result.ledger;
    for (i, a) in ledger.analyses().iter().enumerate() {
        let why = match a.direction.parent_step {
            Some(parent) => format!("follow-up of A{parent}: {}", a.direction.rationale),
            None => a.direction.rationale.clone(),
        };
        let mut notes = a.notes.clone();
        if a.not_testable > 0 && notes.is_empty() {
            notes.push(format!("{} not testable", a.not_testable));
        }
        let _ = write!(
            out,
            "<tr id=\"A{step}\"><td>A{step}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&a.direction.question.describe()),
            escape(&why),
            escape(&a.module),
            a.samples.len(),
            a.rows.len(),
            ledger.strong_rows(i, Q_STRONG).len(),
            escape(&notes.join("; ")),
            step = a.step,
        );
    }
    out.push_str("</table></section>");
}

fn file_role(role: &FileRole) -> String {
    match role {
        FileRole::Clinical => "clinical".into(),
        FileRole::SampleMap => "sample map".into(),
        FileRole::MutationCalls => "mutation calls".into(),
        FileRole::Layer(kind) => format!("layer: {}", serde_label(kind)),
        FileRole::FeatureAnnotation => "feature annotation".into(),
        FileRole::Ignored(reason) => format!("ignored ({reason})"),
    }
}

fn provenance_section(out: &mut String, study: &Study) {
    out.push_str("<section id=\"provenance\"><h2>Provenance</h2><p class=\"muted\">Every input file with its SHA-256, so each result can be traced to the bytes it came from.</p><table><tr><th>file</th><th>role</th><th class=\"num\">bytes</th><th>sha256</th></tr>");
    for f in &study.files {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td><code>{}</code></td></tr>",
            escape(&f.name),
            escape(&file_role(&f.role)),
            f.size_bytes.map_or(String::new(), |b| b.to_string()),
            escape(f.sha256.as_deref().unwrap_or("")),
        );
    }
    out.push_str("</table></section>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::question::Kind;

    #[test]
    fn percent_formats_rates() {
        assert_eq!(percent(Some(0.186)), "19%");
        assert_eq!(percent(None), "n/a");
    }

    #[test]
    fn labels_come_from_serde_names() {
        assert_eq!(
            kind_label(&Kind::ClinicalNumeric.name()),
            "clinical numeric"
        );
        assert_eq!(serde_label(&datasets::LayerKind::CopyNumber), "copy_number");
    }

    #[test]
    fn replication_lines_escape_and_classify() {
        let mut out = String::new();
        let r = Replication {
            status: ReplicationStatus::NotReplicated,
            cohort: "TCGA <UCEC>".into(),
            detail: "effect -0.1 (p=0.4, n=30) & opposite".into(),
            ..Replication::default()
        };
        replication_line(&mut out, "TCGA <UCEC>: ", &r);
        assert!(out.contains("badge not_replicated"));
        assert!(out.contains("TCGA &lt;UCEC&gt;: not replicated"));
        assert!(out.contains("&amp; opposite"));
    }

    #[test]
    fn file_roles_read_as_words() {
        assert_eq!(
            file_role(&FileRole::Layer(datasets::LayerKind::Proteome)),
            "layer: proteome"
        );
        assert_eq!(file_role(&FileRole::Ignored("x".into())), "ignored (x)");
    }
}
