//! Group comparisons: tumour vs normal, clinical groups, mutated vs wild-type, and group
//! differences adjusted for purity and batch.

use super::design::{matched_pairs, two_group_rows};
use super::reference::interest_then_reference;
use super::{Context, ExecError, Produced, Untestable, collect_rows, restrict_features};
use crate::ledger::TestRow;
use crate::profile::MIN_GROUP;
use analysis::compare::CompareOptions;
use analysis::correlation::{CorrelationMethod, correlate_layer};
use analysis::groups::{GroupLabels, Membership, SampleValues, TwoGroups};
use analysis::mutation_impact::{MutationOptions, mutation_impact as grid};
use analysis::regression::{DesignBuilder, regress_layer};
use datasets::Matrix;
use datasets::clinical::{Tissue, VariableKind};
use serde_json::json;

/// Group screens take their p-value from the Mann-Whitney U test, not Welch's t. Label-shuffled
/// runs of the demo study showed why: on proteome features (skewed, with outliers) a Welch test
/// of a small group (5 to 10 tumours, as rare clinical levels and mutations give) against the
/// rest gave p < 1e-5 about 50 times as often as it should, and the p-filter's run-wide
/// thresholds live in exactly that tail, so rare groups produced claims on shuffled labels in
/// most runs. The rank test's null distribution holds for any feature distribution when labels
/// are exchangeable (scipy's method: exact for small untied groups, else tie- and
/// continuity-corrected normal), which is the null calibration shuffles. Effects stay the mean
/// difference with its Welch interval and Hedges' g.
fn options() -> CompareOptions {
    CompareOptions {
        min_per_group: 3,
        rank_test: true,
    }
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
    // Tumour and matched normal of one participant are paired when the design has enough pairs.
    let pairs = matched_pairs(ctx.study, &matrix, &groups);
    let (rows, test) = two_group_rows(
        layer_name,
        &matrix,
        &groups,
        Some(&pairs),
        variable,
        "Tumor vs Normal",
        &mut untestable,
    );
    Ok(Produced {
        module: "differential_abundance",
        params: json!({"test": test.name(), "pairs": pairs.len(), "groups": ["Tumor", "Normal"], "min_per_group": options().min_per_group}),
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
    let mut tests = Vec::new();
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
            tests.push("spearman");
        }
        _ => {
            for (contrast, groups) in clinical_contrasts(kind, &counts, &labels, &samples)? {
                let (contrast_rows, test) = two_group_rows(
                    layer_name,
                    &matrix,
                    &groups,
                    None,
                    variable,
                    &contrast,
                    &mut untestable,
                );
                rows.extend(contrast_rows);
                contrasts.push(contrast);
                tests.push(test.name());
            }
        }
    }
    Ok(Produced {
        module: "clinical_association",
        params: json!({"variable": variable, "contrasts": contrasts, "tests": tests}),
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
/// adjusted follow-up so both state the same contrast: two levels (binary, or a categorical
/// variable with two usable levels) compare the level of interest with the reference
/// (`reference.rs`: normal, wild-type, negative, MSS, low stage, else the larger group);
/// categorical ones each of the four largest levels with the rest. Ordinal variables are tested
/// for trend instead.
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
            let (a, b) =
                interest_then_reference((&counts[1].0, counts[1].1), (&counts[0].0, counts[0].1));
            let (a, b) = (a.to_owned(), b.to_owned());
            let groups =
                TwoGroups::from_labels(samples.to_vec(), labels, &a, &b).map_err(grouping_error)?;
            out.push((format!("{a} vs {b}"), groups));
        }
        _ if counts.len() >= 2 => {
            let mut counts = counts[..counts.len().min(4)].to_vec();
            let two_levels = counts.len() == 2;
            if two_levels {
                let (interest, _) = interest_then_reference(
                    (&counts[0].0, counts[0].1),
                    (&counts[1].0, counts[1].1),
                );
                let swap = interest != counts[0].0;
                if swap {
                    counts.swap(0, 1);
                }
            }
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
            // The rank test's p-value, as for every group screen (see `options`).
            rank_test: true,
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
            test: graph::TestKind::MannWhitney,
            effect: e.mean_difference.value,
            ci_low: e.mean_difference.ci_low,
            ci_high: e.mean_difference.ci_high,
            std_effect: e.hedges_g.value,
            statistic: e.rank_biserial.unwrap_or(f64::NAN),
            p: e.mann_whitney_p.unwrap_or(f64::NAN),
            n: (e.n_mutated + e.n_wild_type) as usize,
            warning: None,
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
        params: json!({"gene": gene, "test": "mann_whitney", "features": only_genes.map(|g| g.len())}),
        layers: vec![mutation_layer.name.clone(), layer_name.to_owned()],
        samples,
        rows,
        not_testable: untestable.total(),
        notes: untestable.notes(),
    })
}

/// Re-tests group differences with the study's confounders (purity, batch, hypermutation axis or
/// the mutation burden computed from the mutation layer) as covariates by OLS; the group coefficient is the
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
    if let Some(VariableKind::Numeric(_)) = ctx.study.clinical.variable(variable).map(|v| &v.kind) {
        return adjusted_rank_correlation(ctx, variable, layer_name, &matrix, covariates);
    }
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
    let (numeric, categorical) = covariate_terms(ctx, covariates, &samples, false)?;
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
                let residual_se = fit.residual_se;
                ols_term_row(layer_name, f, variable, &contrast, fit, term, |estimate| {
                    if residual_se > 0.0 {
                        estimate / residual_se
                    } else {
                        0.0
                    }
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

type NumericTerms = Vec<(String, SampleValues)>;
type CategoricalTerms = Vec<(String, GroupLabels)>;

/// Covariate columns for a linear model over `samples`: numeric ones (as ranks with `ranked`),
/// and categorical, binary or ordinal ones as levels.
fn covariate_terms(
    ctx: &Context<'_>,
    covariates: &[String],
    samples: &[datasets::SampleId],
    ranked: bool,
) -> Result<(NumericTerms, CategoricalTerms), ExecError> {
    let mut numeric = Vec::new();
    let mut categorical = Vec::new();
    for c in covariates {
        if let Some(mut values) = ctx.numeric_covariate(c, samples)? {
            if ranked {
                values = ranks_of_observed(&values);
            }
            numeric.push((
                c.clone(),
                SampleValues::new(samples.to_vec(), values).map_err(grouping_error)?,
            ));
            continue;
        }
        if let Some(
            VariableKind::Categorical(_) | VariableKind::Binary(_) | VariableKind::Ordinal(_),
        ) = ctx.study.clinical.variable(c).map(|v| &v.kind)
        {
            let labels = ctx.labels(c, samples)?;
            categorical.push((
                c.clone(),
                GroupLabels::new(samples.to_vec(), &labels).map_err(grouping_error)?,
            ));
        }
    }
    Ok((numeric, categorical))
}

/// The row of one term of a feature's OLS fit, with its 95% t interval; `std_effect` puts the
/// estimate on the scale its caller compares effects on.
fn ols_term_row(
    layer_name: &str,
    feature: &datasets::FeatureId,
    variable: &str,
    contrast: &str,
    fit: &analysis::regression::OlsFit,
    term: usize,
    std_effect: impl Fn(f64) -> f64,
) -> Option<TestRow> {
    let c = fit.coefficients.get(term)?;
    let t_crit = analysis::distributions::t_quantile(0.975, fit.df_residual as f64);
    Some(TestRow {
        layer: layer_name.to_owned(),
        feature: feature.to_string(),
        gene: feature.gene_symbol().to_owned(),
        variable: variable.to_owned(),
        contrast: contrast.to_owned(),
        test: graph::TestKind::OlsT,
        effect: c.estimate,
        ci_low: c.estimate - t_crit * c.std_error,
        ci_high: c.estimate + t_crit * c.std_error,
        std_effect: std_effect(c.estimate),
        statistic: c.t,
        p: c.p_value,
        n: fit.n,
        warning: None,
    })
}

/// Average ranks of the finite values, NaN where a value is missing.
fn ranks_of_observed(values: &[f64]) -> Vec<f64> {
    let observed: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let mut ranks = Vec::new();
    analysis::ranks::average_ranks(
        &observed,
        &mut ranks,
        &mut analysis::ranks::RankScratch::new(),
    );
    let mut next = ranks.into_iter();
    values
        .iter()
        .map(|v| {
            if v.is_finite() {
                next.next().unwrap_or(f64::NAN)
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// The follow-up of a numeric variable's Spearman screen: does the rank correlation hold with
/// the covariates in the model? Feature, variable and numeric covariates are replaced by their
/// ranks and fitted by OLS, so the variable's coefficient is a rank-based partial association
/// on the screen's own scale; the contrast extends the screen's (`rank correlation`) so the
/// hypothesis it re-tests finds it.
fn adjusted_rank_correlation(
    ctx: &Context<'_>,
    variable: &str,
    layer_name: &str,
    matrix: &Matrix,
    covariates: &[String],
) -> Result<Produced, ExecError> {
    let samples = matrix.samples().to_vec();
    let values = ranks_of_observed(&ctx.numeric_values(variable, &samples)?);
    let values = SampleValues::new(samples.clone(), values).map_err(grouping_error)?;
    let (numeric, categorical) = covariate_terms(ctx, covariates, &samples, true)?;
    let columns: Vec<Vec<f64>> = matrix.feature_columns().map(ranks_of_observed).collect();
    let ranked = Matrix::from_features(samples.clone(), matrix.features().to_vec(), columns)
        .map_err(|e| ExecError::NothingToTest(e.to_string()))?;
    let mut builder = DesignBuilder::new().numeric(variable, &values);
    for (name, v) in &numeric {
        builder = builder.numeric(name, v);
    }
    for (name, labels) in &categorical {
        builder = builder.categorical(name, labels);
    }
    let (design, fits) = regress_layer(&ranked, &builder);
    let term = design.index_of(variable).ok_or_else(|| {
        ExecError::NothingToTest(format!("{variable} has no usable values to adjust"))
    })?;
    let contrast = format!("rank correlation adjusted for {}", covariates.join(", "));
    let mut untestable = Untestable::default();
    let rows = collect_rows(&fits, ranked.features(), &mut untestable, |f, fit| {
        // The slope of rank on rank is near the partial rank correlation.
        ols_term_row(layer_name, f, variable, &contrast, fit, term, |estimate| {
            estimate
        })
    });
    Ok(Produced {
        module: "linear_regression",
        params: json!({"variable": variable, "covariates": covariates, "features": matrix.n_features(),
            "ranks": true, "contrasts": [contrast]}),
        layers: vec![layer_name.to_owned()],
        samples,
        rows,
        not_testable: untestable.total(),
        notes: untestable.notes(),
    })
}
