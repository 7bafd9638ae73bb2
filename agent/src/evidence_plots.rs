//! Plots of the study's values behind one finding: a box plot of the feature by mutation status,
//! clinical level or tissue, a scatter against a numeric clinical variable or along a copy number
//! -> RNA -> protein cascade, and Kaplan-Meier curves split at the feature's median.
//!
//! The report knows a finding through the run's ledger, the dashboard only through what the graph
//! store recorded. Both describe it as a [`FindingPlot`] so that one implementation draws the
//! figures for both, and a figure on the dashboard is the figure in report.html. Values are
//! re-read from the study for exactly the samples the analysis used (the discovery half), so a
//! figure shows the data the test saw.

use crate::execute::Context;
use crate::hypothesis::{fmt_effect, fmt_p};
use crate::kinds::Question;
use crate::plots::{
    BoxGroup, BoxPlot, KmData, Scatter, box_plot, km_plot, placeholder, scatter_plot,
    split_at_median,
};
use datasets::clinical::Tissue;
use datasets::{SampleId, Study};
use std::collections::{HashMap, HashSet};

/// Clinical levels shown at most in one box plot; rarer levels would be unreadable slivers.
const MAX_LEVELS: usize = 8;

/// An inline SVG with its title and the sentence that says what it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub title: String,
    pub svg: String,
    pub caption: String,
}

pub use crate::kinds::PlotKind;

/// One finding as a plot needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct FindingPlot {
    pub kind: PlotKind,
    /// The tested feature (for a cis finding, the target layer's feature).
    pub feature: String,
    /// The samples the analysis used, in its order.
    pub samples: Vec<SampleId>,
    /// The analysis as the reader knows it (`A12` in the report, the graph id on the dashboard).
    pub analysis: String,
    pub test: graph::TestKind,
    pub p: f64,
    /// The finding's id and what it says, for the caption.
    pub finding: String,
    pub summary: String,
}

impl FindingPlot {
    /// A finding as the graph store recorded it. The agent writes the analysis's question into
    /// its parameters (`record.rs`), which is what says which plot fits; analyses recorded
    /// without one, or of a kind with no per-sample plot, give `None`.
    pub fn from_graph(
        analysis: &graph::Analysis,
        analysis_label: &str,
        finding: &graph::Finding,
        finding_label: &str,
    ) -> Option<Self> {
        let question: Question =
            serde_json::from_value(analysis.params.get("question")?.clone()).ok()?;
        let contrast = finding.contrast.as_deref().unwrap_or_default();
        let kind = question.plot(&analysis.input_layers, &finding.variable, contrast, None)?;
        let summary = format!(
            "{} {} against {}{}, effect {}, p={}, n={}",
            finding.feature.as_str(),
            finding.layer,
            finding.variable,
            if contrast.is_empty() {
                String::new()
            } else {
                format!(" ({contrast})")
            },
            fmt_effect(finding.effect),
            fmt_p(finding.p),
            finding.n
        );
        Some(Self {
            kind,
            feature: finding.feature.as_str().to_owned(),
            samples: analysis.sample_set.clone(),
            analysis: analysis_label.to_owned(),
            test: finding.test,
            p: finding.p,
            finding: finding_label.to_owned(),
            summary,
        })
    }
}

/// The per-sample figures of a hypothesis: the plot its primary finding calls for, or, when the
/// primary is a cis correlation, one scatter per cis step of the cascade in `evidence` (which
/// holds the primary too), since a cascade is only visible step by step.
pub fn supporting_plots(
    study: &Study,
    primary: &FindingPlot,
    evidence: &[FindingPlot],
) -> Vec<Figure> {
    if primary.kind.is_cis() {
        evidence
            .iter()
            .filter(|e| e.kind.is_cis())
            .map(|e| plot(study, e))
            .collect()
    } else {
        vec![plot(study, primary)]
    }
}

/// The figure of one finding.
pub fn plot(study: &Study, f: &FindingPlot) -> Figure {
    match &f.kind {
        PlotKind::Mutation {
            gene,
            layer,
            mutation_layer,
        } => mutation_box(f, gene, layer, mutation_layer, study),
        PlotKind::Groups {
            variable,
            layer,
            contrast,
        } => clinical_box(f, variable, layer, contrast, study),
        PlotKind::Tissue { layer } => tissue_box(f, layer, study),
        PlotKind::Numeric { variable, layer } => clinical_scatter(f, variable, layer, study),
        PlotKind::Survival { layer, outcome } => survival_km(f, layer, outcome.as_deref(), study),
        PlotKind::Cis {
            gene,
            source,
            source_feature,
            target,
        } => cis_scatter(f, gene, source, source_feature, target, study),
    }
}

/// A feature's values for `samples` (NaN where the sample or the feature is missing).
fn feature_values(
    study: &Study,
    layer: &str,
    feature: &str,
    samples: &[SampleId],
) -> Result<Vec<f64>, String> {
    let l = study
        .layer_named(layer)
        .ok_or_else(|| format!("no layer {layer}"))?;
    let f = l
        .matrix
        .feature_index(feature)
        .ok_or_else(|| format!("{feature} is not in {layer}"))?;
    let column = l.matrix.feature(f);
    let index: HashMap<&str, usize> = l
        .matrix
        .samples()
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    Ok(samples
        .iter()
        .map(|s| {
            index
                .get(s.as_str())
                .and_then(|&i| column.get(i).copied())
                .unwrap_or(f64::NAN)
        })
        .collect())
}

/// A context for reading clinical values the way the analyses do (no scope needed for that).
fn reader<'a>(study: &'a Study, scope: &'a HashSet<SampleId>) -> Context<'a> {
    Context {
        study,
        scope,
        gene_sets: &[],
        seed: 0,
    }
}

fn subtitle(f: &FindingPlot) -> String {
    format!(
        "{} discovery samples of {}; {} p={}",
        f.samples.len(),
        f.analysis,
        f.test,
        fmt_p(f.p)
    )
}

fn note(f: &FindingPlot) -> String {
    format!("{}: {} p={}", f.analysis, f.test, fmt_p(f.p))
}

fn caption(f: &FindingPlot, what: &str) -> String {
    format!("{what} Finding {}: {}.", f.finding, f.summary)
}

/// Box plot of `values` grouped by `labels`, groups in `order` (empty groups left out).
fn grouped_box(
    title: &str,
    subtitle: &str,
    y_label: &str,
    values: &[f64],
    labels: &[Option<String>],
    order: &[String],
) -> String {
    let groups: Vec<(String, Vec<f64>)> = order
        .iter()
        .map(|level| {
            let v: Vec<f64> = values
                .iter()
                .zip(labels)
                .filter(|(x, l)| x.is_finite() && l.as_deref() == Some(level.as_str()))
                .map(|(x, _)| *x)
                .collect();
            (level.clone(), v)
        })
        .filter(|(_, v)| !v.is_empty())
        .take(MAX_LEVELS)
        .collect();
    let refs: Vec<BoxGroup<'_>> = groups
        .iter()
        .map(|(label, values)| BoxGroup { label, values })
        .collect();
    box_plot(&BoxPlot {
        title,
        subtitle,
        y_label,
        groups: &refs,
    })
}

fn mutation_box(
    f: &FindingPlot,
    gene: &str,
    layer: &str,
    mutation_layer: &str,
    study: &Study,
) -> Figure {
    let title = format!("{} {layer} by {gene} mutation", f.feature);
    let samples = &f.samples;
    let data = feature_values(study, layer, &f.feature, samples).and_then(|values| {
        let status = feature_values(study, mutation_layer, gene, samples)?;
        Ok((values, status))
    });
    let svg = match data {
        Ok((values, status)) => {
            let (wt, mutated) = (format!("{gene} wild-type"), format!("{gene} mutated"));
            let labels: Vec<Option<String>> = status
                .iter()
                .map(|&s| {
                    if s > 0.0 {
                        Some(mutated.clone())
                    } else if s == 0.0 {
                        Some(wt.clone())
                    } else {
                        None
                    }
                })
                .collect();
            grouped_box(
                &title,
                &subtitle(f),
                &format!("{} ({layer})", f.feature),
                &values,
                &labels,
                &[wt, mutated],
            )
        }
        Err(reason) => placeholder(&title, &reason),
    };
    Figure {
        svg,
        caption: caption(f, &format!("{} by {gene} mutation status.", f.feature)),
        title,
    }
}

fn clinical_box(
    f: &FindingPlot,
    variable: &str,
    layer: &str,
    contrast: &str,
    study: &Study,
) -> Figure {
    let title = format!("{} {layer} by {variable}", f.feature);
    let samples = &f.samples;
    let scope = HashSet::new();
    let ctx = reader(study, &scope);
    let data = feature_values(study, layer, &f.feature, samples).and_then(|values| {
        let labels = ctx.labels(variable, samples).map_err(|e| e.to_string())?;
        let (levels, _) = ctx.levels(variable).map_err(|e| e.to_string())?;
        let order: Vec<String> = levels.levels.iter().map(|l| l.name.clone()).collect();
        Ok((values, labels, order))
    });
    let svg = match data {
        Ok((values, labels, order)) => grouped_box(
            &title,
            &subtitle(f),
            &format!("{} ({layer})", f.feature),
            &values,
            &labels,
            &order,
        ),
        Err(reason) => placeholder(&title, &reason),
    };
    Figure {
        svg,
        caption: caption(
            f,
            &format!("{} by level of {variable} (tested: {contrast}).", f.feature),
        ),
        title,
    }
}

fn tissue_box(f: &FindingPlot, layer: &str, study: &Study) -> Figure {
    let title = format!("{} {layer}: tumour vs normal", f.feature);
    let samples = &f.samples;
    let clinical = &study.clinical;
    let index = clinical.sample_index();
    let labels: Vec<Option<String>> = samples
        .iter()
        .map(
            |s| match index.get(s.as_str()).and_then(|&i| clinical.tissue_of(i)) {
                Some(Tissue::Tumor) => Some("Tumor".to_owned()),
                Some(Tissue::Normal) => Some("Normal".to_owned()),
                None => None,
            },
        )
        .collect();
    let svg = match feature_values(study, layer, &f.feature, samples) {
        Ok(values) => grouped_box(
            &title,
            &subtitle(f),
            &format!("{} ({layer})", f.feature),
            &values,
            &labels,
            &["Normal".to_owned(), "Tumor".to_owned()],
        ),
        Err(reason) => placeholder(&title, &reason),
    };
    Figure {
        svg,
        caption: caption(f, &format!("{} in tumour and normal tissue.", f.feature)),
        title,
    }
}

fn clinical_scatter(f: &FindingPlot, variable: &str, layer: &str, study: &Study) -> Figure {
    let title = format!("{} {layer} vs {variable}", f.feature);
    let samples = &f.samples;
    let scope = HashSet::new();
    let ctx = reader(study, &scope);
    let data = feature_values(study, layer, &f.feature, samples).and_then(|y| {
        let x = ctx
            .numeric_values(variable, samples)
            .map_err(|e| e.to_string())?;
        Ok((x, y))
    });
    let svg = match data {
        Ok((x, y)) => scatter_plot(&Scatter {
            title: &title,
            note: &note(f),
            x_label: variable,
            y_label: &format!("{} ({layer})", f.feature),
            x: &x,
            y: &y,
        }),
        Err(reason) => placeholder(&title, &reason),
    };
    Figure {
        svg,
        caption: caption(
            f,
            &format!(
                "{} against {variable} in the discovery samples, with a least-squares line.",
                f.feature
            ),
        ),
        title,
    }
}

fn cis_scatter(
    f: &FindingPlot,
    gene: &str,
    source: &str,
    source_feature: &str,
    target: &str,
    study: &Study,
) -> Figure {
    let title = format!("{gene}: {source} vs {target}");
    let samples = &f.samples;
    let data = feature_values(study, source, source_feature, samples).and_then(|x| {
        let y = feature_values(study, target, &f.feature, samples)?;
        Ok((x, y))
    });
    let svg = match data {
        Ok((x, y)) => scatter_plot(&Scatter {
            title: &title,
            note: &note(f),
            x_label: &format!("{source_feature} ({source})"),
            y_label: &format!("{} ({target})", f.feature),
            x: &x,
            y: &y,
        }),
        Err(reason) => placeholder(&title, &reason),
    };
    Figure {
        svg,
        caption: caption(
            f,
            &format!("{gene} {source} against {target}, same samples."),
        ),
        title,
    }
}

fn survival_km(f: &FindingPlot, layer: &str, outcome: Option<&str>, study: &Study) -> Figure {
    let title = format!("{} {layer}, split at the median", f.feature);
    let samples = &f.samples;
    let outcome = match outcome {
        Some(name) => study.clinical.survival.iter().find(|s| s.name == name),
        None => study.clinical.survival.first(),
    };
    let (Some(outcome), Some((time, event))) = (
        outcome,
        outcome.and_then(|o| study.clinical.outcome_for(&o.name, samples)),
    ) else {
        return Figure {
            svg: placeholder(&title, "the study has no survival data"),
            caption: caption(f, "No survival data to draw."),
            title,
        };
    };
    let svg = match feature_values(study, layer, &f.feature, samples) {
        Ok(values) => {
            // The median over samples that enter the curves, so the halves are equal in size.
            let usable: Vec<f64> = values
                .iter()
                .zip(time.iter().zip(&event))
                .map(|(&v, (t, e))| {
                    if t.is_finite() && e.is_some() {
                        v
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            let groups = split_at_median(&usable);
            let group_refs: Vec<Option<&str>> = groups.iter().map(|g| g.as_deref()).collect();
            km_plot(&KmData {
                title: &title,
                time_label: &format!("time ({})", outcome.time_columns.join(" / ")),
                time: &time,
                event: &event,
                group: &group_refs,
            })
        }
        Err(reason) => placeholder(&title, &reason),
    };
    Figure {
        svg,
        caption: caption(
            f,
            &format!(
                "Survival of discovery samples with {} above and below its median (the Cox model used it as continuous).",
                f.feature
            ),
        ),
        title,
    }
}
