//! Cox regression of a layer's features against a survival outcome, as a careful analyst runs it.
//!
//! - Every feature gets the ordinary Cox model (Efron ties), univariate or adjusted for clinical
//!   covariates; its Wald test is the row's p-value (`cox_wald`).
//! - Where that fit separates (monotone likelihood: at every death the patient who dies has the
//!   highest, or lowest, value of everyone still at risk, so the log hazard ratio runs to
//!   infinity), Newton does not converge or stops at an absurd coefficient. Such a feature used to
//!   be dropped as "did not converge", although it is the strongest association of the screen.
//!   It is refitted with Firth's penalty instead (`analysis::survival::firth_cox`), whose estimate
//!   is finite and whose penalised likelihood-ratio test is valid under separation
//!   (`cox_firth`), and the row says why in its warning.
//! - A Cox coefficient is one number for the whole follow-up. Every row that could become a
//!   finding (nominal p below [`PH_CHECK_P`]) is checked for proportional hazards by scaled
//!   Schoenfeld residuals against the rank of the death times (lifelines' default); where the
//!   check fails (p below [`PH_WARN_P`]) the row carries a warning, which findings.tsv and the
//!   hypothesis statement show: the hazard ratio is then an average over a changing effect.

use super::{Context, ExecError, Produced, Untestable, restrict_features};
use crate::hypothesis::fmt_p;
use crate::ledger::TestRow;
use analysis::survival::{
    Covariate, CoxOptions, SurvivalTimes, TimeTransform, cox_adjusted_screen,
    cox_univariate_screen, firth_cox, proportional_hazards_test,
};
use rayon::prelude::*;
use serde_json::json;

/// A log hazard ratio per SD beyond this is a fit running away (an HR per SD above e^8, about
/// 3000), not an estimate: the model is refitted with Firth's penalty.
pub const DIVERGED_LOG_HR_PER_SD: f64 = 8.0;
/// Rows with a nominal p below this are checked for proportional hazards.
pub const PH_CHECK_P: f64 = 0.05;
/// A Schoenfeld p below this puts a warning on the row.
pub const PH_WARN_P: f64 = 0.05;

/// Univariate Cox over a layer, or (with `adjusted`: features and covariates) Cox of listed
/// features adjusted for clinical covariates. Effects are log hazard ratios per unit;
/// `std_effect` is per SD. `outcome` names one of the study's survival outcomes (`None`: its
/// first).
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
    // In the matrix's sample order, as every covariate below.
    let surv = SurvivalTimes::new(samples.clone(), time, event)
        .map_err(|e| ExecError::NothingToTest(e.to_string()))?;
    let options = CoxOptions::default();
    let columns: Vec<(String, Vec<f64>)> = match adjusted {
        None => Vec::new(),
        Some((_, covariates)) => covariates
            .iter()
            .filter_map(|c| ctx.numeric_values(c, &samples).ok().map(|v| (c.clone(), v)))
            .collect(),
    };
    let clinical: Vec<Covariate<'_>> = columns
        .iter()
        .map(|(name, values)| Covariate { name, values })
        .collect();
    let fits = match adjusted {
        None => cox_univariate_screen(&matrix, &surv, &options),
        Some(_) => cox_adjusted_screen(&matrix, &surv, &clinical, &options),
    };
    let covariate_names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
    // The feature first, then the clinical covariates: the design of feature `f`'s model.
    let design = |f: usize| {
        let name = matrix.features()[f].as_str();
        std::iter::once(Covariate {
            name,
            values: matrix.feature(f),
        })
        .chain(clinical.iter().copied())
        .collect::<Vec<_>>()
    };
    let mut untestable = Untestable::default();
    let contrast = if covariate_names.is_empty() {
        "per unit, univariate".to_owned()
    } else {
        format!("per unit, adjusted for {}", covariate_names.join(", "))
    };
    let mut rows = Vec::new();
    // Feature index of each row, for the proportional-hazards pass.
    let mut row_features = Vec::new();
    let mut firth_rows = 0usize;
    for (f, (fit, feature)) in fits.iter().zip(matrix.features()).enumerate() {
        let sd = sample_sd(matrix.feature(f));
        let base = TestRow {
            layer: layer_name.to_owned(),
            feature: feature.to_string(),
            gene: feature.gene_symbol().to_owned(),
            variable: outcome.name.clone(),
            contrast: contrast.clone(),
            test: graph::TestKind::CoxWald,
            effect: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            std_effect: f64::NAN,
            statistic: f64::NAN,
            p: f64::NAN,
            n: 0,
            warning: None,
        };
        let separated = match fit {
            Ok(fit) if fit.converged => fit
                .coefficients
                .first()
                .is_some_and(|c| !c.se.is_finite() || (c.coef * sd).abs() > DIVERGED_LOG_HR_PER_SD),
            Ok(_) => true,
            Err(_) => false,
        };
        if separated {
            match firth_cox(&design(f), &surv, &options) {
                Ok(firth) => {
                    let Some(c) = firth.coefficients.first() else {
                        continue;
                    };
                    firth_rows += 1;
                    rows.push(TestRow {
                        test: graph::TestKind::CoxFirth,
                        effect: c.coef,
                        ci_low: c.hr_lower.ln(),
                        ci_high: c.hr_upper.ln(),
                        std_effect: c.coef * sd,
                        statistic: c.lr_statistic,
                        p: c.p_value,
                        n: firth.n_samples,
                        warning: Some(
                            "the ordinary Cox fit separates (monotone likelihood); \
                             Firth-penalised estimate and likelihood-ratio test"
                                .into(),
                        ),
                        ..base
                    });
                    row_features.push(f);
                }
                Err(reason) => untestable.add(&reason),
            }
            continue;
        }
        match fit {
            Ok(fit) => {
                let Some(c) = fit.coefficients.first() else {
                    continue;
                };
                rows.push(TestRow {
                    effect: c.coef,
                    ci_low: c.coef_lower,
                    ci_high: c.coef_upper,
                    std_effect: c.coef * sd,
                    statistic: c.z,
                    p: c.wald_p,
                    n: fit.n_samples,
                    ..base
                });
                row_features.push(f);
            }
            Err(reason) => untestable.add(reason),
        }
    }
    // Proportional hazards of every ordinary Cox row that could become a finding.
    let checks: Vec<(usize, f64)> = rows
        .par_iter()
        .zip(row_features.par_iter())
        .enumerate()
        .filter(|(_, (row, _))| row.test == graph::TestKind::CoxWald && row.p < PH_CHECK_P)
        .filter_map(|(r, (_, &f))| {
            let test =
                proportional_hazards_test(&design(f), &surv, TimeTransform::Rank, &options).ok()?;
            test.terms.first().map(|t| (r, t.p_value))
        })
        .collect();
    let mut violated = 0usize;
    for &(r, p) in &checks {
        if p < PH_WARN_P {
            violated += 1;
            rows[r].warning = Some(format!(
                "proportional hazards doubtful (Schoenfeld p={}): the hazard ratio changes over \
                 follow-up and the estimate is an average",
                fmt_p(p)
            ));
        }
    }
    let mut notes = untestable.notes();
    if firth_rows > 0 {
        notes.push(format!(
            "{firth_rows} features separate the deaths (monotone likelihood): Firth-penalised Cox"
        ));
    }
    notes.push(format!(
        "proportional hazards checked by Schoenfeld residuals for {} rows with p < {PH_CHECK_P}: \
         {violated} doubtful",
        checks.len()
    ));
    Ok(Produced {
        module: if adjusted.is_some() {
            "cox_adjusted"
        } else {
            "cox_univariate"
        },
        params: json!({"outcome": outcome.name, "ties": "efron", "covariates": covariate_names,
            "firth": firth_rows, "ph_checked": checks.len(), "ph_doubtful": violated,
            "ph_transform": "rank"}),
        layers: vec![layer_name.to_owned()],
        samples,
        rows,
        not_testable: untestable.total(),
        notes,
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
