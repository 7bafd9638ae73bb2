//! The figures behind one hypothesis. Values are re-read from the study for exactly the samples
//! the primary analysis used (`AnalysisRecord::samples`, the discovery half), so a figure shows
//! the data the test saw: a box plot of the feature by mutation status or clinical level, a
//! scatter against a numeric clinical variable or along a copy number -> RNA -> protein cascade,
//! Kaplan-Meier curves split at the feature's median for survival, and the volcano of the screen.

use crate::execute::Context;
use crate::hypothesis::{Evidence, Hypothesis, fmt_p};
use crate::ledger::{AnalysisRecord, Q_STRONG, TestRow};
use crate::plots::{
    BoxGroup, BoxPlot, KmData, Scatter, Volcano, VolcanoPoint, box_plot, km_plot, placeholder,
    scatter_plot, split_at_median, volcano_plot,
};
use crate::question::Question;
use crate::run::RunResult;
use datasets::clinical::Tissue;
use datasets::{SampleId, Study};
use std::collections::{HashMap, HashSet};

/// Clinical levels shown at most in one box plot; rarer levels would be unreadable slivers.
const MAX_LEVELS: usize = 8;
/// Hits labelled by name in a volcano plot.
const VOLCANO_LABELS: usize = 6;

/// An inline SVG with the sentence that says what it shows.
pub struct Figure {
    pub svg: String,
    pub caption: String,
}

/// The primary finding of a hypothesis: its evidence entry, analysis and row.
struct Primary<'a> {
    evidence: &'a Evidence,
    index: usize,
    analysis: &'a AnalysisRecord,
    row: &'a TestRow,
}

fn primary<'a>(h: &'a Hypothesis, result: &'a RunResult) -> Option<Primary<'a>> {
    let evidence = h
        .evidence
        .iter()
        .find(|e| e.role == "primary")
        .or(h.evidence.first())?;
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
            svg: placeholder(&h.id, "the primary finding is not in the ledger"),
            caption: "No figure: the hypothesis's primary finding could not be found.".into(),
        }];
    };
    let mut figures = Vec::new();
    match &p.analysis.direction.question {
        Question::MutationImpact { gene, layer } => {
            figures.push(mutation_box(&p, gene, layer, study))
        }
        Question::ClinicalGroups { variable, layer } => {
            figures.push(clinical_box(&p, variable, layer, study))
        }
        Question::TumorVsNormal { layer } => figures.push(tissue_box(&p, layer, study)),
        Question::ClinicalNumeric { variable, layer } => {
            figures.push(clinical_scatter(&p, variable, layer, study))
        }
        Question::Survival { layer } => figures.push(survival_km(&p, layer, study)),
        Question::Cis { .. } => {
            for e in h.evidence.iter().filter(|e| e.role == "cis") {
                if let Some(c) = locate(e, result) {
                    figures.push(cis_scatter(&c, study));
                }
            }
        }
        _ => {}
    }
    figures.push(volcano(&p, result));
    figures
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

fn subtitle(p: &Primary<'_>, n: usize) -> String {
    format!(
        "{n} discovery samples of A{}; {} p={}",
        p.analysis.step,
        p.row.test,
        fmt_p(p.row.p)
    )
}

fn caption(p: &Primary<'_>, what: &str) -> String {
    format!(
        "{what} Finding {}: {}.",
        p.evidence.finding, p.evidence.summary
    )
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

fn mutation_box(p: &Primary<'_>, gene: &str, layer: &str, study: &Study) -> Figure {
    let title = format!("{} {layer} by {gene} mutation", p.row.feature);
    let samples = &p.analysis.samples;
    let mutation_layer = p.analysis.layers.first().map_or("mutation", String::as_str);
    let data = feature_values(study, layer, &p.row.feature, samples).and_then(|values| {
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
                &subtitle(p, samples.len()),
                &format!("{} ({layer})", p.row.feature),
                &values,
                &labels,
                &[wt, mutated],
            )
        }
        Err(reason) => placeholder(&title, &reason),
    };
    Figure {
        svg,
        caption: caption(p, &format!("{} by {gene} mutation status.", p.row.feature)),
    }
}

fn clinical_box(p: &Primary<'_>, variable: &str, layer: &str, study: &Study) -> Figure {
    let title = format!("{} {layer} by {variable}", p.row.feature);
    let samples = &p.analysis.samples;
    let scope = HashSet::new();
    let ctx = reader(study, &scope);
    let data = feature_values(study, layer, &p.row.feature, samples).and_then(|values| {
        let labels = ctx.labels(variable, samples).map_err(|e| e.to_string())?;
        let (levels, _) = ctx.levels(variable).map_err(|e| e.to_string())?;
        let order: Vec<String> = levels.levels.iter().map(|l| l.name.clone()).collect();
        Ok((values, labels, order))
    });
    let svg = match data {
        Ok((values, labels, order)) => grouped_box(
            &title,
            &subtitle(p, samples.len()),
            &format!("{} ({layer})", p.row.feature),
            &values,
            &labels,
            &order,
        ),
        Err(reason) => placeholder(&title, &reason),
    };
    Figure {
        svg,
        caption: caption(
            p,
            &format!(
                "{} by level of {variable} (tested: {}).",
                p.row.feature, p.row.contrast
            ),
        ),
    }
}

fn tissue_box(p: &Primary<'_>, layer: &str, study: &Study) -> Figure {
    let title = format!("{} {layer}: tumour vs normal", p.row.feature);
    let samples = &p.analysis.samples;
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
    let svg = match feature_values(study, layer, &p.row.feature, samples) {
        Ok(values) => grouped_box(
            &title,
            &subtitle(p, samples.len()),
            &format!("{} ({layer})", p.row.feature),
            &values,
            &labels,
            &["Normal".to_owned(), "Tumor".to_owned()],
        ),
        Err(reason) => placeholder(&title, &reason),
    };
    Figure {
        svg,
        caption: caption(
            p,
            &format!("{} in tumour and normal tissue.", p.row.feature),
        ),
    }
}

fn clinical_scatter(p: &Primary<'_>, variable: &str, layer: &str, study: &Study) -> Figure {
    let title = format!("{} {layer} vs {variable}", p.row.feature);
    let samples = &p.analysis.samples;
    let scope = HashSet::new();
    let ctx = reader(study, &scope);
    let data = feature_values(study, layer, &p.row.feature, samples).and_then(|y| {
        let x = ctx
            .numeric_values(variable, samples)
            .map_err(|e| e.to_string())?;
        Ok((x, y))
    });
    let note = format!("A{}: {} p={}", p.analysis.step, p.row.test, fmt_p(p.row.p));
    let svg = match data {
        Ok((x, y)) => scatter_plot(&Scatter {
            title: &title,
            note: &note,
            x_label: variable,
            y_label: &format!("{} ({layer})", p.row.feature),
            x: &x,
            y: &y,
        }),
        Err(reason) => placeholder(&title, &reason),
    };
    Figure {
        svg,
        caption: caption(
            p,
            &format!(
                "{} against {variable} in the discovery samples, with a least-squares line.",
                p.row.feature
            ),
        ),
    }
}

fn cis_scatter(c: &Primary<'_>, study: &Study) -> Figure {
    let Question::Cis { source, target } = &c.analysis.direction.question else {
        return Figure {
            svg: placeholder(&c.evidence.finding, "not a cis analysis"),
            caption: String::new(),
        };
    };
    let gene = &c.row.gene;
    let title = format!("{gene}: {source} vs {target}");
    let source_feature = c
        .row
        .variable
        .strip_prefix(&format!("{source} "))
        .unwrap_or(gene);
    let samples = &c.analysis.samples;
    let data = feature_values(study, source, source_feature, samples).and_then(|x| {
        let y = feature_values(study, target, &c.row.feature, samples)?;
        Ok((x, y))
    });
    let note = format!("A{}: {} p={}", c.analysis.step, c.row.test, fmt_p(c.row.p));
    let svg = match data {
        Ok((x, y)) => scatter_plot(&Scatter {
            title: &title,
            note: &note,
            x_label: &format!("{source_feature} ({source})"),
            y_label: &format!("{} ({target})", c.row.feature),
            x: &x,
            y: &y,
        }),
        Err(reason) => placeholder(&title, &reason),
    };
    Figure {
        svg,
        caption: caption(
            c,
            &format!("{gene} {source} against {target}, same samples."),
        ),
    }
}

fn survival_km(p: &Primary<'_>, layer: &str, study: &Study) -> Figure {
    let title = format!("{} {layer}, split at the median", p.row.feature);
    let samples = &p.analysis.samples;
    let (Some(outcome), Some((time, event))) = (
        study.clinical.survival.first(),
        study.clinical.survival_for(samples),
    ) else {
        return Figure {
            svg: placeholder(&title, "the study has no survival data"),
            caption: caption(p, "No survival data to draw."),
        };
    };
    let svg = match feature_values(study, layer, &p.row.feature, samples) {
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
            p,
            &format!(
                "Survival of discovery samples with {} above and below its median (the Cox model used it as continuous).",
                p.row.feature
            ),
        ),
    }
}

/// What the effect of a test row measures, for the volcano's x axis.
fn effect_label(row: &TestRow) -> String {
    match row.test.as_str() {
        "welch_t" => format!("mean difference ({})", row.contrast),
        "ols_t" => "adjusted difference".into(),
        "spearman" | "spearman_trend" => "Spearman rho".into(),
        "cox_wald" => "log hazard ratio per unit".into(),
        "hypergeometric" => "log2 fold enrichment".into(),
        "chi_square" => "Cramer's V".into(),
        other => format!("effect ({other})"),
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
