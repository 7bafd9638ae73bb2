//! Associations with continuous outcomes: numeric clinical variables, the same gene in another
//! layer (cis), and survival.

use super::{Context, ExecError, Produced, Untestable, collect_rows, restrict_features};
use crate::ledger::TestRow;
use analysis::correlation::{CorrelationMethod, correlate_layer};
use analysis::groups::SampleValues;
use analysis::survival::{
    Covariate, CoxOptions, SurvivalTimes, cox_adjusted_screen, cox_univariate_screen,
};
use datasets::FeatureId;
use serde_json::json;

const MIN_PAIRS: usize = 10;

pub(super) fn correlation_row(
    layer: &str,
    f: &FeatureId,
    variable: &str,
    c: &analysis::correlation::Correlation,
) -> TestRow {
    TestRow {
        layer: layer.to_owned(),
        feature: f.to_string(),
        gene: f.gene_symbol().to_owned(),
        variable: variable.to_owned(),
        contrast: "rank correlation".into(),
        test: graph::TestKind::Spearman,
        effect: c.coefficient.value,
        ci_low: c.coefficient.ci_low,
        ci_high: c.coefficient.ci_high,
        std_effect: c.coefficient.value,
        statistic: c.coefficient.value,
        p: c.p_value,
        n: c.n,
    }
}

pub fn clinical_numeric(
    ctx: &Context<'_>,
    variable: &str,
    layer_name: &str,
) -> Result<Produced, ExecError> {
    let layer = ctx.layer(layer_name)?;
    let matrix = ctx.scoped(layer, false);
    let samples = matrix.samples().to_vec();
    let values = ctx.numeric_values(variable, &samples)?;
    let values = SampleValues::new(samples.clone(), values)
        .map_err(|e| ExecError::NothingToTest(e.to_string()))?;
    let outcomes = correlate_layer(&matrix, &values, CorrelationMethod::Spearman, MIN_PAIRS);
    let mut untestable = Untestable::default();
    let rows = collect_rows(&outcomes, matrix.features(), &mut untestable, |f, c| {
        Some(correlation_row(layer_name, f, variable, c))
    });
    Ok(Produced {
        module: "correlation",
        params: json!({"variable": variable, "method": "spearman", "min_pairs": MIN_PAIRS}),
        layers: vec![layer_name.to_owned()],
        samples,
        rows,
        not_testable: untestable.total(),
        notes: untestable.notes(),
    })
}

pub fn cis(ctx: &Context<'_>, source_name: &str, target_name: &str) -> Result<Produced, ExecError> {
    let source = ctx.scoped(ctx.layer(source_name)?, false);
    let target = ctx.scoped(ctx.layer(target_name)?, false);
    let pairs =
        analysis::cis::cis_correlations(&source, &target, CorrelationMethod::Spearman, MIN_PAIRS);
    let mut untestable = Untestable::default();
    let mut rows = Vec::with_capacity(pairs.len());
    for pair in &pairs {
        match &pair.correlation {
            Ok(c) => {
                let mut row = correlation_row(
                    target_name,
                    &pair.target,
                    &format!("{source_name} {}", pair.source),
                    c,
                );
                row.gene = pair.gene.clone();
                row.contrast = format!("{source_name} -> {target_name} (same gene)");
                rows.push(row);
            }
            Err(reason) => untestable.add(reason),
        }
    }
    let samples = source
        .samples()
        .iter()
        .filter(|s| target.sample_index(s.as_str()).is_some())
        .cloned()
        .collect();
    Ok(Produced {
        module: "cis_correlation",
        params: json!({"source": source_name, "target": target_name, "method": "spearman"}),
        layers: vec![source_name.to_owned(), target_name.to_owned()],
        samples,
        rows,
        not_testable: untestable.total(),
        notes: untestable.notes(),
    })
}

/// Univariate Cox over a layer, or (with `adjusted`) Cox of listed features adjusted for
/// clinical covariates. Effects are log hazard ratios per unit; `std_effect` is per SD.
/// `outcome` names one of the study's survival outcomes (`None`: its first).
pub fn survival(
    ctx: &Context<'_>,
    layer_name: &str,
    outcome: Option<&str>,
    adjusted: Option<(&Vec<String>, &Vec<String>)>,
) -> Result<Produced, ExecError> {
    let survival = &ctx.study.clinical.survival;
    let outcome = match outcome {
        None => survival.first(),
        Some(name) => survival.iter().find(|s| s.name == name),
    }
    .ok_or_else(|| {
        ExecError::NothingToTest(match outcome {
            Some(name) => format!("the study has no survival outcome {name:?}"),
            None => "the study has no survival data".into(),
        })
    })?;
    let layer = ctx.layer(layer_name)?;
    let mut matrix = ctx.scoped(layer, false);
    if let Some((features, _)) = adjusted {
        matrix = restrict_features(&matrix, features, false);
    }
    let samples = matrix.samples().to_vec();
    let (time, event) = ctx
        .study
        .clinical
        .outcome_for(&outcome.name, &samples)
        .ok_or_else(|| ExecError::NothingToTest("the study has no survival data".into()))?;
    let surv = SurvivalTimes::new(samples.clone(), time, event)
        .map_err(|e| ExecError::NothingToTest(e.to_string()))?;
    let options = CoxOptions::default();
    let (fits, covariate_names) = match adjusted {
        None => (cox_univariate_screen(&matrix, &surv, &options), Vec::new()),
        Some((_, covariates)) => {
            let columns: Vec<(String, Vec<f64>)> = covariates
                .iter()
                .filter_map(|c| ctx.numeric_values(c, &samples).ok().map(|v| (c.clone(), v)))
                .collect();
            let cov: Vec<Covariate<'_>> = columns
                .iter()
                .map(|(name, values)| Covariate { name, values })
                .collect();
            (
                cox_adjusted_screen(&matrix, &surv, &cov, &options),
                columns.iter().map(|(n, _)| n.clone()).collect(),
            )
        }
    };
    let mut untestable = Untestable::default();
    let contrast = if covariate_names.is_empty() {
        "per unit, univariate".to_owned()
    } else {
        format!("per unit, adjusted for {}", covariate_names.join(", "))
    };
    let mut rows = Vec::new();
    for (f, (fit, feature)) in fits.iter().zip(matrix.features()).enumerate() {
        match fit {
            Ok(fit) if fit.converged => {
                let Some(c) = fit.coefficients.first() else {
                    continue;
                };
                let sd = sample_sd(matrix.feature(f));
                rows.push(TestRow {
                    layer: layer_name.to_owned(),
                    feature: feature.to_string(),
                    gene: feature.gene_symbol().to_owned(),
                    variable: outcome.name.clone(),
                    contrast: contrast.clone(),
                    test: graph::TestKind::CoxWald,
                    effect: c.coef,
                    ci_low: c.coef_lower,
                    ci_high: c.coef_upper,
                    std_effect: c.coef * sd,
                    statistic: c.z,
                    p: c.wald_p,
                    n: fit.n_samples,
                });
            }
            Ok(fit) => untestable.add(&analysis::NotTestable::DidNotConverge {
                iterations: fit.iterations,
            }),
            Err(reason) => untestable.add(reason),
        }
    }
    Ok(Produced {
        module: if adjusted.is_some() {
            "cox_adjusted"
        } else {
            "cox_univariate"
        },
        params: json!({"outcome": outcome.name, "ties": "efron", "covariates": covariate_names}),
        layers: vec![layer_name.to_owned()],
        samples,
        rows,
        not_testable: untestable.total(),
        notes: untestable.notes(),
    })
}

fn sample_sd(values: &[f64]) -> f64 {
    let observed: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if observed.len() < 2 {
        return 0.0;
    }
    let mean = observed.iter().sum::<f64>() / observed.len() as f64;
    (observed.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (observed.len() - 1) as f64).sqrt()
}
