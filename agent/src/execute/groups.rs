//! Group comparisons: tumour vs normal, clinical groups, mutated vs wild-type, and group
//! differences adjusted for purity and batch.

use super::{
    Context, ExecError, Produced, Untestable, collect_rows, comparison_row, restrict_features,
};
use crate::ledger::TestRow;
use crate::profile::MIN_GROUP;
use analysis::compare::{CompareOptions, compare_layer};
use analysis::correlation::{CorrelationMethod, correlate_layer};
use analysis::groups::{GroupLabels, Membership, SampleValues, TwoGroups};
use analysis::mutation_impact::{MutationOptions, mutation_impact as grid};
use analysis::regression::{DesignBuilder, regress_layer};
use datasets::Matrix;
use datasets::clinical::{Tissue, VariableKind};
use serde_json::json;

fn options() -> CompareOptions {
    CompareOptions {
        min_per_group: 3,
        rank_test: false,
    }
}

fn two_group_rows(
    layer_name: &str,
    matrix: &Matrix,
    groups: &TwoGroups,
    variable: &str,
    contrast: &str,
    untestable: &mut Untestable,
) -> Vec<TestRow> {
    let outcomes = compare_layer(matrix, groups, &options());
    collect_rows(&outcomes, matrix.features(), untestable, |f, c| {
        Some(comparison_row(
            layer_name,
            f,
            variable,
            contrast.to_owned(),
            c,
        ))
    })
}

fn grouping_error(e: analysis::groups::GroupingError) -> ExecError {
    ExecError::NothingToTest(e.to_string())
}

pub fn tumor_vs_normal(ctx: &Context<'_>, layer_name: &str) -> Result<Produced, ExecError> {
    let layer = ctx.layer(layer_name)?;
    let matrix = ctx.scoped(layer, true);
    let clinical = &ctx.study.clinical;
    let index = clinical.sample_index();
    let membership: Vec<Membership> = matrix
        .samples()
        .iter()
        .map(
            |s| match index.get(s.as_str()).and_then(|&i| clinical.tissue_of(i)) {
                Some(Tissue::Tumor) => Membership::A,
                Some(Tissue::Normal) => Membership::B,
                None => Membership::Excluded,
            },
        )
        .collect();
    let groups = TwoGroups::new(matrix.samples().to_vec(), membership, "Tumor", "Normal")
        .map_err(grouping_error)?;
    let mut untestable = Untestable::default();
    let variable = clinical
        .tissue
        .as_ref()
        .map_or("tissue", |(c, _)| c.as_str());
    let rows = two_group_rows(
        layer_name,
        &matrix,
        &groups,
        variable,
        "Tumor vs Normal",
        &mut untestable,
    );
    Ok(Produced {
        module: "differential_abundance",
        params: json!({"test": "welch", "groups": ["Tumor", "Normal"], "min_per_group": options().min_per_group}),
        layers: vec![layer_name.to_owned()],
        samples: matrix.samples().to_vec(),
        rows,
        not_testable: untestable.total(),
        notes: untestable.notes(),
    })
}

/// Binary: second level vs first. Categorical: each of the four largest levels vs the rest (or
/// the larger vs the smaller of two). Ordinal: a Spearman trend over the level ranks.
pub fn clinical_groups(
    ctx: &Context<'_>,
    variable: &str,
    layer_name: &str,
) -> Result<Produced, ExecError> {
    let layer = ctx.layer(layer_name)?;
    let matrix = ctx.scoped(layer, false);
    let samples = matrix.samples().to_vec();
    let labels = ctx.labels(variable, &samples)?;
    let (levels, kind) = ctx.levels(variable)?;
    let counts = usable_levels(levels, &labels);
    if counts.len() < 2 {
        return Err(ExecError::NothingToTest(format!(
            "{variable} has fewer than two levels with {MIN_GROUP}+ samples in {layer_name}"
        )));
    }
    let mut untestable = Untestable::default();
    let mut rows = Vec::new();
    let mut contrasts = Vec::new();
    match kind {
        VariableKind::Ordinal(_) => {
            let ranks = ctx.numeric_values(variable, &samples)?;
            let values = SampleValues::new(samples.clone(), ranks).map_err(grouping_error)?;
            let outcomes =
                correlate_layer(&matrix, &values, CorrelationMethod::Spearman, 2 * MIN_GROUP);
            rows.extend(collect_rows(
                &outcomes,
                matrix.features(),
                &mut untestable,
                |f, c| {
                    let mut row = super::association::correlation_row(layer_name, f, variable, c);
                    row.contrast = "trend over ordered levels".into();
                    row.test = graph::TestKind::SpearmanTrend;
                    Some(row)
                },
            ));
            contrasts.push("trend".to_owned());
        }
        _ => {
            for (contrast, groups) in clinical_contrasts(kind, &counts, &labels, &samples)? {
                rows.extend(two_group_rows(
                    layer_name,
                    &matrix,
                    &groups,
                    variable,
                    &contrast,
                    &mut untestable,
                ));
                contrasts.push(contrast);
            }
        }
    }
    Ok(Produced {
        module: "clinical_association",
        params: json!({"variable": variable, "contrasts": contrasts, "test": if matches!(kind, VariableKind::Ordinal(_)) {"spearman"} else {"welch"}}),
        layers: vec![layer_name.to_owned()],
        samples,
        rows,
        not_testable: untestable.total(),
        notes: untestable.notes(),
    })
}

/// Level counts of a clinical variable among `labels`, keeping levels with enough samples, in the
/// variable's level order (ordinal order, frequency order for categorical variables).
fn usable_levels(
    levels: &datasets::clinical::Levels,
    labels: &[Option<String>],
) -> Vec<(String, usize)> {
    levels
        .levels
        .iter()
        .map(|l| {
            let n = labels
                .iter()
                .filter(|x| x.as_deref() == Some(l.name.as_str()))
                .count();
            (l.name.clone(), n)
        })
        .filter(|(_, n)| *n >= MIN_GROUP)
        .collect()
}

/// The two-group contrasts a clinical variable is tested with, shared by the screen and its
/// adjusted follow-up so both state the same contrast: binary variables compare the second level
/// with the first; categorical ones each of the four largest levels with the rest (or, with only
/// two usable levels, the larger with the smaller). Ordinal variables are tested for trend instead.
fn clinical_contrasts(
    kind: &VariableKind,
    counts: &[(String, usize)],
    labels: &[Option<String>],
    samples: &[datasets::SampleId],
) -> Result<Vec<(String, TwoGroups)>, ExecError> {
    let mut out = Vec::new();
    match kind {
        VariableKind::Ordinal(_) => {}
        VariableKind::Binary(_) if counts.len() >= 2 => {
            let (a, b) = (counts[1].0.clone(), counts[0].0.clone());
            let groups =
                TwoGroups::from_labels(samples.to_vec(), labels, &a, &b).map_err(grouping_error)?;
            out.push((format!("{a} vs {b}"), groups));
        }
        _ if counts.len() >= 2 => {
            let counts = &counts[..counts.len().min(4)];
            let two_levels = counts.len() == 2;
            for (level, _) in counts.iter().take(if two_levels { 1 } else { 4 }) {
                let membership: Vec<Membership> = labels
                    .iter()
                    .map(|l| match l {
                        Some(l) if l == level => Membership::A,
                        Some(l) if !two_levels || l == &counts[1].0 => Membership::B,
                        _ => Membership::Excluded,
                    })
                    .collect();
                let rest = if two_levels {
                    counts[1].0.clone()
                } else {
                    "rest".to_owned()
                };
                let groups =
                    TwoGroups::new(samples.to_vec(), membership, level.clone(), rest.clone())
                        .map_err(grouping_error)?;
                out.push((format!("{level} vs {rest}"), groups));
            }
        }
        _ => {}
    }
    Ok(out)
}

/// Mutated vs wild-type for one gene, over a whole layer or over listed genes' features.
pub fn mutation_impact(
    ctx: &Context<'_>,
    gene: &str,
    layer_name: &str,
    only_genes: Option<&Vec<String>>,
) -> Result<Produced, ExecError> {
    let mutation_layer = ctx
        .study
        .mutation_layer()
        .ok_or_else(|| ExecError::NothingToTest("the study has no mutation layer".into()))?;
    let mutations = restrict_features(
        &ctx.scoped(mutation_layer, false),
        &[gene.to_owned()],
        false,
    );
    if mutations.n_features() == 0 {
        return Err(ExecError::NothingToTest(format!(
            "{gene} is not in the mutation layer"
        )));
    }
    let layer = ctx.layer(layer_name)?;
    let mut matrix = ctx.scoped(layer, false);
    if let Some(genes) = only_genes {
        matrix = restrict_features(&matrix, genes, true);
        if matrix.n_features() == 0 {
            return Err(ExecError::NothingToTest(format!(
                "none of the genes are measured in {layer_name}"
            )));
        }
    }
    let result = grid(
        &mutations,
        &matrix,
        &MutationOptions {
            min_per_group: 3,
            rank_test: false,
        },
    );
    let mut untestable = Untestable::default();
    let cells = match result.rows.first().map(|r| &r.results) {
        Some(Ok(cells)) => cells,
        Some(Err(reason)) => return Err(ExecError::NothingToTest(format!("{gene}: {reason}"))),
        None => {
            return Err(ExecError::NothingToTest(format!(
                "{gene} is not in the mutation layer"
            )));
        }
    };
    let variable = format!("{gene} mutation");
    let rows = collect_rows(cells, &result.features, &mut untestable, |f, e| {
        Some(TestRow {
            layer: layer_name.to_owned(),
            feature: f.to_string(),
            gene: f.gene_symbol().to_owned(),
            variable: variable.clone(),
            contrast: "mutated vs wild-type".into(),
            test: graph::TestKind::WelchT,
            effect: e.mean_difference.value,
            ci_low: e.mean_difference.ci_low,
            ci_high: e.mean_difference.ci_high,
            std_effect: e.hedges_g.value,
            statistic: e.welch.statistic,
            p: e.welch.p_value,
            n: (e.n_mutated + e.n_wild_type) as usize,
        })
    });
    let samples: Vec<_> = matrix
        .samples()
        .iter()
        .filter(|s| mutations.sample_index(s.as_str()).is_some())
        .cloned()
        .collect();
    Ok(Produced {
        module: "mutation_impact",
        params: json!({"gene": gene, "test": "welch", "features": only_genes.map(|g| g.len())}),
        layers: vec![mutation_layer.name.clone(), layer_name.to_owned()],
        samples,
        rows,
        not_testable: untestable.total(),
        notes: untestable.notes(),
    })
}

/// Re-tests group differences with purity/batch covariates by OLS; the group coefficient is the
/// adjusted difference. Contrasts are the screen's own (`clinical_contrasts`), so each adjusted row
/// names the same contrast as the finding it re-tests.
pub fn adjusted_groups(
    ctx: &Context<'_>,
    variable: &str,
    layer_name: &str,
    features: &[String],
    covariates: &[String],
) -> Result<Produced, ExecError> {
    let layer = ctx.layer(layer_name)?;
    let matrix = restrict_features(&ctx.scoped(layer, false), features, false);
    let samples = matrix.samples().to_vec();
    let contrasts: Vec<(String, TwoGroups)> = if let Some(gene) = variable.strip_suffix(" mutation")
    {
        vec![(
            "mutated vs wild-type".to_owned(),
            mutation_groups(ctx, gene, &samples)?,
        )]
    } else {
        let labels = ctx.labels(variable, &samples)?;
        let (levels, kind) = ctx.levels(variable)?;
        clinical_contrasts(kind, &usable_levels(levels, &labels), &labels, &samples)?
    };
    if contrasts.is_empty() {
        return Err(ExecError::NothingToTest(format!(
            "{variable} has no two-group contrast to adjust"
        )));
    }
    let mut numeric = Vec::new();
    let mut categorical = Vec::new();
    for c in covariates {
        match ctx.study.clinical.variable(c).map(|v| &v.kind) {
            Some(VariableKind::Numeric(_)) => {
                let values = ctx.numeric_values(c, &samples)?;
                numeric.push((
                    c.clone(),
                    SampleValues::new(samples.clone(), values).map_err(grouping_error)?,
                ));
            }
            Some(
                VariableKind::Categorical(_) | VariableKind::Binary(_) | VariableKind::Ordinal(_),
            ) => {
                let labels = ctx.labels(c, &samples)?;
                categorical.push((
                    c.clone(),
                    GroupLabels::new(samples.clone(), &labels).map_err(grouping_error)?,
                ));
            }
            _ => {}
        }
    }
    let mut untestable = Untestable::default();
    let mut rows = Vec::new();
    for (contrast, groups) in &contrasts {
        let mut builder = DesignBuilder::new().two_groups("group", groups);
        for (name, values) in &numeric {
            builder = builder.numeric(name, values);
        }
        for (name, labels) in &categorical {
            builder = builder.categorical(name, labels);
        }
        let (design, fits) = regress_layer(&matrix, &builder);
        let Some(term) = design.names().iter().position(|n| n.starts_with("group")) else {
            continue;
        };
        let contrast = format!("{contrast} adjusted for {}", covariates.join(", "));
        rows.extend(collect_rows(
            &fits,
            matrix.features(),
            &mut untestable,
            |f, fit| {
                let c = fit.coefficients.get(term)?;
                let t_crit = analysis::distributions::t_quantile(0.975, fit.df_residual as f64);
                Some(TestRow {
                    layer: layer_name.to_owned(),
                    feature: f.to_string(),
                    gene: f.gene_symbol().to_owned(),
                    variable: variable.to_owned(),
                    contrast: contrast.clone(),
                    test: graph::TestKind::OlsT,
                    effect: c.estimate,
                    ci_low: c.estimate - t_crit * c.std_error,
                    ci_high: c.estimate + t_crit * c.std_error,
                    std_effect: if fit.residual_se > 0.0 {
                        c.estimate / fit.residual_se
                    } else {
                        0.0
                    },
                    statistic: c.t,
                    p: c.p_value,
                    n: fit.n,
                })
            },
        ));
    }
    Ok(Produced {
        module: "linear_regression",
        params: json!({"variable": variable, "covariates": covariates, "features": features.len(),
            "contrasts": contrasts.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>()}),
        layers: vec![layer_name.to_owned()],
        samples,
        rows,
        not_testable: untestable.total(),
        notes: untestable.notes(),
    })
}

/// The two groups of one contrast a group-difference screen stated (`mutated vs wild-type` of
/// `<gene> mutation`, or a clinical variable's contrast such as `MSI-H vs MSS`), among
/// `samples`: what a pre-specified check of another feature between the same groups compares
/// (a mechanism chain's RNA link).
pub fn contrast_groups(
    ctx: &Context<'_>,
    variable: &str,
    contrast: &str,
    samples: &[datasets::SampleId],
) -> Result<TwoGroups, ExecError> {
    if let Some(gene) = variable.strip_suffix(" mutation") {
        return mutation_groups(ctx, gene, samples);
    }
    let labels = ctx.labels(variable, samples)?;
    let (levels, kind) = ctx.levels(variable)?;
    clinical_contrasts(kind, &usable_levels(levels, &labels), &labels, samples)?
        .into_iter()
        .find(|(c, _)| c == contrast)
        .map(|(_, groups)| groups)
        .ok_or_else(|| {
            ExecError::NothingToTest(format!("{variable} has no contrast {contrast} here"))
        })
}

/// Mutated (A) vs wild-type (B) among `samples`, from the study's mutation layer.
fn mutation_groups(
    ctx: &Context<'_>,
    gene: &str,
    samples: &[datasets::SampleId],
) -> Result<TwoGroups, ExecError> {
    let mutation_layer = ctx
        .study
        .mutation_layer()
        .ok_or_else(|| ExecError::NothingToTest("no mutation layer".into()))?;
    let f = mutation_layer
        .matrix
        .feature_index(gene)
        .ok_or_else(|| ExecError::NothingToTest(format!("{gene} not in the mutation layer")))?;
    let status = mutation_layer.matrix.feature(f);
    let membership = samples
        .iter()
        .map(|s| {
            match mutation_layer
                .matrix
                .sample_index(s.as_str())
                .map(|i| status[i])
            {
                Some(v) if v > 0.0 => Membership::A,
                Some(0.0) => Membership::B,
                _ => Membership::Excluded,
            }
        })
        .collect();
    TwoGroups::new(samples.to_vec(), membership, "mutated", "wild-type").map_err(grouping_error)
}
