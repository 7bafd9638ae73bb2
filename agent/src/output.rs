//! What a run leaves in its output folder: `findings.tsv` (every test), `hypotheses.json` (ranked,
//! with evidence chains and scores), `summary.json`, and `report.html` (see `report`).

use crate::hypothesis::finding_id;
use crate::run::{AgentError, RunResult};
use serde_json::json;
use std::io::Write;
use std::path::Path;

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> AgentError + '_ {
    move |source| AgentError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes a file atomically (temp file + rename) so a crash never leaves half an output.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AgentError> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(io_err(&tmp))?;
    f.write_all(bytes).map_err(io_err(&tmp))?;
    f.sync_data().map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

fn num(x: f64) -> String {
    if x.is_nan() {
        "NA".into()
    } else {
        format!("{x}")
    }
}

pub fn findings_tsv(result: &RunResult) -> String {
    let mut out = String::from(
        "finding_id\tanalysis\tmodule\tlayer\tfeature\tgene\tvariable\tcontrast\ttest\teffect\tci_low\tci_high\tstatistic\tp\tq\tn\tdirection\twarning\n",
    );
    for (i, a) in result.ledger.analyses().iter().enumerate() {
        for (r, row) in a.rows.iter().enumerate() {
            let fields = [
                finding_id(a.step, r),
                format!("A{}", a.step),
                a.module.clone(),
                row.layer.clone(),
                row.feature.clone(),
                row.gene.clone(),
                row.variable.clone(),
                row.contrast.clone(),
                row.test.to_string(),
                num(row.effect),
                num(row.ci_low),
                num(row.ci_high),
                num(row.statistic),
                num(row.p),
                num(result.ledger.q(i, r)),
                row.n.to_string(),
                row.direction().to_owned(),
                row.warning.clone().unwrap_or_default(),
            ];
            let clean: Vec<String> = fields
                .iter()
                .map(|f| f.replace(['\t', '\n'], " "))
                .collect();
            out.push_str(&clean.join("\t"));
            out.push('\n');
        }
    }
    out
}

pub fn hypotheses_json(result: &RunResult) -> serde_json::Value {
    json!({
        "study": result.summary.study,
        "summary": result.summary,
        "hypotheses": result.hypotheses,
        "contradictions": contradictions(result),
        "beyond_the_cut": result.contradicted_beyond_the_cut,
    })
}

/// The run's contradictions in one list (each hypothesis also carries its own in its score):
/// which hypothesis, how the finding disagrees, in words, and the findings. Hypotheses below the
/// cut are listed too, with their rank and no id (`"beyond_the_cut": true`).
pub fn contradictions(result: &RunResult) -> Vec<serde_json::Value> {
    let item = |id: Option<&str>, rank: usize, statement: &str, c: &graph::Contradiction| {
        json!({
            "hypothesis": id,
            "rank": rank,
            "beyond_the_cut": id.is_none(),
            "statement": statement,
            "kind": c.kind,
            "detail": c.detail,
            "findings": c.findings,
        })
    };
    let presented = result.hypotheses.iter().flat_map(|h| {
        h.model
            .score
            .contradictions
            .iter()
            .map(|c| item(Some(&h.model.id), h.model.rank, &h.model.statement, c))
    });
    let cut = result.contradicted_beyond_the_cut.iter().flat_map(|h| {
        h.contradictions
            .iter()
            .map(|c| item(None, h.rank, &h.statement, c))
    });
    presented.chain(cut).collect()
}

/// What a reader of hypotheses.json gets back (the run summary beside them is left out).
#[derive(Debug, serde::Deserialize)]
pub struct HypothesesFile {
    pub study: String,
    pub hypotheses: Vec<crate::hypothesis::Hypothesis>,
    /// Contradicted hypotheses below the cut (absent in files written before the list was).
    #[serde(default)]
    pub beyond_the_cut: Vec<crate::contradictions::BeyondTheCut>,
}

/// Reads a run's hypotheses.json back into typed hypotheses.
pub fn read_hypotheses(path: &Path) -> Result<HypothesesFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a hypotheses file ({e})", path.display()))
}

/// Writes every output of a run; `study` is the study the run used (the report plots its values).
pub fn write_outputs(
    result: &RunResult,
    study: &datasets::Study,
    out_dir: &Path,
) -> Result<(), AgentError> {
    std::fs::create_dir_all(out_dir).map_err(io_err(out_dir))?;
    write_atomic(
        &out_dir.join("findings.tsv"),
        findings_tsv(result).as_bytes(),
    )?;
    let pretty = |v: &serde_json::Value| serde_json::to_vec_pretty(v).unwrap_or_default();
    write_atomic(
        &out_dir.join("hypotheses.json"),
        &pretty(&hypotheses_json(result)),
    )?;
    write_atomic(
        &out_dir.join("summary.json"),
        &pretty(
            &json!({"summary": result.summary, "profile": result.profile, "split": result.split,
                "contradictions": contradictions(result)}),
        ),
    )?;
    write_atomic(
        &out_dir.join("report.html"),
        crate::report::report_html(result, study).as_bytes(),
    )?;
    Ok(())
}

/// What the terminal shows at the end of a run: the top hypotheses and the error-control figures.
pub fn text_summary(result: &RunResult, out_dir: &Path) -> String {
    let s = &result.summary;
    let mut t = format!(
        "\n{} analyses ({} directions skipped), {} tests, {} strong findings (session-wide q <= 0.05) in {:.1} s\n",
        s.analyses, s.failed_directions, s.tests, s.strong_findings, s.seconds
    );
    t.push_str(&format!(
        "discovery {} samples, validation {} held-out samples; {} hypotheses, {} replicated\n",
        s.discovery_samples, s.validation_samples, s.hypotheses, s.replicated
    ));
    let cov = &s.coverage;
    t.push_str(&format!(
        "first screens: {} of {} clinical variables, recurrent mutations and survival outcomes, budget {} analyses\n",
        cov.first_screens_done, cov.first_screens_needed, cov.max_analyses
    ));
    for n in &cov.not_explored {
        t.push_str(&format!("  not explored: {}: {}\n", n.subject, n.reason));
    }
    let c = &s.calibration;
    if c.permutations > 0 {
        t.push_str(&format!(
            "calibration: {} label-shuffled runs ({} analyses each) gave {:?} label-dependent hypotheses ({:?} replicated) vs {} ({} replicated, {} analyses) on the real labels; {}; empirical false-hypothesis rate {}, among replicated {}\n",
            c.permutations,
            format_counts(&c.null_analyses),
            c.null_hypotheses,
            c.null_replicated,
            c.real_hypotheses,
            c.real_replicated,
            c.real_analyses,
            null_rate_text(c),
            percent(c.false_hypothesis_rate),
            percent(c.false_replicated_rate)
        ));
        t.push_str(&format!("calibration planner: {}\n", c.planner));
    }
    let external: Vec<_> = result
        .hypotheses
        .iter()
        .filter_map(|h| h.model.external_replication.as_ref())
        .collect();
    if let Some(first) = external.first() {
        let replicated = external
            .iter()
            .filter(|r| r.status == crate::validate::ReplicationStatus::Replicated)
            .count();
        t.push_str(&format!(
            "external cohort {}: {replicated} of {} hypotheses replicated\n",
            first.cohort,
            external.len()
        ));
    }
    t.push_str("\nTop hypotheses\n");
    for h in result.hypotheses.iter().take(10) {
        t.push_str(&format!(
            "{:>3}. [{:.2}] {} ({}; {})\n",
            h.model.rank,
            h.model.score.total,
            h.model.statement,
            match h.model.replication.status {
                crate::validate::ReplicationStatus::Replicated => "replicated".to_owned(),
                crate::validate::ReplicationStatus::NotReplicated => "not replicated".to_owned(),
                crate::validate::ReplicationStatus::NotTested => "not re-testable".to_owned(),
            },
            h.model.score.knowledge.status.badge()
        ));
    }
    t.push_str(&format!(
        "\nwritten to {}: report.html, hypotheses.json, findings.tsv, summary.json, journal.jsonl\n",
        out_dir.display()
    ));
    t
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or("n/a".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

/// The per-run counts, or one number when every run had the same.
pub fn format_counts(counts: &[usize]) -> String {
    match counts.split_first() {
        Some((first, rest)) if rest.iter().all(|c| c == first) => first.to_string(),
        _ => format!("{counts:?}"),
    }
}

/// The mean false-hypothesis count per shuffled run with its interval, in words.
pub fn null_rate_text(c: &crate::run::Calibration) -> String {
    match &c.null_rate {
        Some(r) => format!(
            "mean {:.2} per shuffled run ({:.0}% interval {:.2} to {:.2}, {})",
            r.mean,
            r.level * 100.0,
            r.low,
            r.high,
            r.method
        ),
        None => "no interval".to_owned(),
    }
}

/// A calibration as `hypomics calibrate` prints it: the real labels' count next to the
/// label-shuffled runs' and the empirical false-hypothesis rate.
pub fn calibration_text(c: &crate::run::Calibration) -> String {
    format!(
        "real labels: {} label-dependent hypotheses ({} replicated on held-out samples) in {} analyses\n\
         {} label-shuffled runs: {:?} hypotheses ({:?} replicated) in {:?} analyses\n\
         {}\n\
         empirical false-hypothesis rate {}, among replicated {}\n",
        c.real_hypotheses,
        c.real_replicated,
        c.real_analyses,
        c.permutations,
        c.null_hypotheses,
        c.null_replicated,
        c.null_analyses,
        null_rate_text(c),
        c.false_hypothesis_rate
            .map_or("n/a".to_owned(), |r| format!("{:.0}%", r * 100.0)),
        c.false_replicated_rate
            .map_or("n/a".to_owned(), |r| format!("{:.0}%", r * 100.0)),
    )
}
