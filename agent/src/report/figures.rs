//! The figures behind one hypothesis in the report: the per-sample plots its primary finding
//! calls for (drawn by `evidence_plots`, which the dashboard shares) and the volcano of the
//! primary analysis, which only the run's ledger can draw whole (the graph store keeps a
//! screen's nominally significant rows, not every test).

use crate::evidence_plots::{Figure, FindingPlot, supporting_plots};
use crate::hypothesis::{Evidence, Hypothesis};
use crate::ledger::{AnalysisRecord, Q_STRONG, TestRow};
use crate::plots::{Volcano, VolcanoPoint, placeholder, volcano_plot};
use crate::run::RunResult;
use datasets::Study;
use graph::{EvidenceRole, TestKind};

/// Hits labelled by name in a volcano plot.
const VOLCANO_LABELS: usize = 6;

/// The primary finding of a hypothesis: its evidence entry, analysis and row.
struct Primary<'a> {
    evidence: &'a Evidence,
    index: usize,
    analysis: &'a AnalysisRecord,
    row: &'a TestRow,
}

fn primary<'a>(h: &'a Hypothesis, result: &'a RunResult) -> Option<Primary<'a>> {
    let evidence = h
        .model
        .evidence
        .iter()
        .find(|e| e.role == EvidenceRole::Primary)
        .or(h.model.evidence.first())?;
    locate(evidence, result)
}

fn locate<'a>(evidence: &'a Evidence, result: &'a RunResult) -> Option<Primary<'a>> {
    let index = result.ledger.index_of(evidence.step)?;
    let analysis = result.ledger.analyses().get(index)?;
    let row = analysis.rows.get(evidence.row)?;
    Some(Primary {
        evidence,
        index,
        analysis,
        row,
    })
}

/// The figures for a hypothesis: the per-sample plot(s) its kind calls for, then the volcano of
/// its primary analysis.
pub fn hypothesis_figures(h: &Hypothesis, result: &RunResult, study: &Study) -> Vec<Figure> {
    let Some(p) = primary(h, result) else {
        return vec![Figure {
            title: h.model.id.clone(),
            svg: placeholder(&h.model.id, "the primary finding is not in the ledger"),
            caption: "No figure: the hypothesis's primary finding could not be found.".into(),
        }];
    };
    let mut figures = Vec::new();
    if let Some(primary_plot) = finding_plot(&p) {
        let cis: Vec<FindingPlot> = h
            .model
            .evidence
            .iter()
            .filter(|e| e.role == EvidenceRole::Cis)
            .filter_map(|e| locate(e, result))
            .filter_map(|c| finding_plot(&c))
            .collect();
        figures.extend(supporting_plots(study, &primary_plot, &cis));
    }
    figures.push(volcano(&p, result));
    figures
}

/// A ledger finding as the shared plotting code describes it.
fn finding_plot(p: &Primary<'_>) -> Option<FindingPlot> {
    let kind = p.analysis.direction.question.plot(
        &p.analysis.layers,
        &p.row.variable,
        &p.row.contrast,
        Some(&p.row.gene),
    )?;
    Some(FindingPlot {
        kind,
        feature: p.row.feature.clone(),
        samples: p.analysis.samples.clone(),
        analysis: format!("A{}", p.analysis.step),
        test: p.row.test,
        p: p.row.p,
        finding: p.evidence.finding.clone(),
        summary: p.evidence.summary.clone(),
    })
}

/// What the effect of a test row measures, for the volcano's x axis.
fn effect_label(row: &TestRow) -> String {
    match row.test {
        TestKind::WelchT | TestKind::MannWhitney | TestKind::ModeratedT => {
            format!("mean difference ({})", row.contrast)
        }
        TestKind::PairedT => format!("mean within-pair difference ({})", row.contrast),
        TestKind::OlsT => "adjusted difference".into(),
        TestKind::Spearman | TestKind::SpearmanTrend => "Spearman rho".into(),
        TestKind::CoxWald | TestKind::CoxFirth => "log hazard ratio per unit".into(),
        TestKind::Hypergeometric => "log2 fold enrichment".into(),
        TestKind::Gsea => "normalised enrichment score".into(),
        TestKind::Camera => "mean signed z of members minus others".into(),
        TestKind::ChiSquare => "Cramer's V".into(),
    }
}

/// The volcano of the primary analysis, restricted to the primary row's contrast and test: an
/// analysis of a categorical variable runs one screen per level, and mixing their effects on
/// one axis would mislabel all but one.
fn volcano(p: &Primary<'_>, result: &RunResult) -> Figure {
    let a = p.analysis;
    let points: Vec<VolcanoPoint<'_>> = a
        .rows
        .iter()
        .enumerate()
        .filter(|(_, row)| row.contrast == p.row.contrast && row.test == p.row.test)
        .map(|(r, row)| VolcanoPoint {
            label: &row.feature,
            effect: row.effect,
            p: row.p,
            q: result.ledger.q(p.index, r),
        })
        .collect();
    let title = if points.len() < a.rows.len() {
        format!(
            "A{}: {} ({})",
            a.step,
            a.direction.question.describe(),
            p.row.contrast
        )
    } else {
        format!("A{}: {}", a.step, a.direction.question.describe())
    };
    let svg = volcano_plot(&Volcano {
        title: &title,
        effect_label: &effect_label(p.row),
        points: &points,
        q_threshold: Q_STRONG,
        label_top: VOLCANO_LABELS,
        focus: Some(&p.row.feature),
    });
    Figure {
        title,
        svg,
        caption: format!(
            "All {} tests of analysis A{} ({}, {}); coloured: session-wide q <= {Q_STRONG}; ringed: {}.",
            points.len(),
            a.step,
            a.module,
            p.row.contrast,
            p.row.feature
        ),
    }
}
