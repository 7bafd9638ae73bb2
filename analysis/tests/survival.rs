//! Survival module against lifelines 0.30 reference values
//! (analysis/reference/make_survival_fixtures.py → tests/fixtures/survival_*.json).

use analysis::NotTestable;
use analysis::groups::GroupLabels;
use analysis::survival::{
    Covariate, CoxFit, CoxOptions, SurvivalTimes, cox_adjusted_screen, cox_multivariable,
    cox_univariate, cox_univariate_screen, kaplan_meier, logrank_test,
};
use datasets::{FeatureId, Matrix, SampleId};
use serde_json::Value;

// The shared fixture helpers, for `close_p` (probabilities by relative error, no absolute floor).
#[allow(dead_code)]
#[path = "stats/common.rs"]
mod common;
use common::close_p;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[track_caller]
fn assert_close(got: f64, want: f64, rel: f64, what: &str) {
    let diff = (got - want).abs();
    assert!(
        diff <= rel * got.abs().max(want.abs()) || diff < 1e-14,
        "{what}: got {got:e}, want {want:e} (rel diff {:e})",
        diff / want.abs()
    );
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

/// Sample IDs for a case: its own when given, else s0, s1, ...
fn sample_ids(case: &Value, n: usize) -> Vec<SampleId> {
    match case["samples"].as_array() {
        Some(ids) => ids
            .iter()
            .map(|s| SampleId::from(s.as_str().unwrap()))
            .collect(),
        None => (0..n).map(|i| SampleId::from(format!("s{i}"))).collect(),
    }
}

fn follow_up(case: &Value) -> SurvivalTimes {
    let events: Vec<Option<bool>> = case["event"]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::as_bool)
        .collect();
    let ids = sample_ids(case, events.len());
    SurvivalTimes::new(ids, floats(&case["time"]), events).unwrap()
}

fn opt_f64(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[test]
fn kaplan_meier_matches_lifelines() {
    let data = fixture("survival_km.json");
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 3);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let km = kaplan_meier(&follow_up(case)).unwrap();
        let want = case["steps"].as_array().unwrap();
        assert_eq!(km.steps.len(), want.len(), "{name}: number of steps");
        for (got, want) in km.steps.iter().zip(want) {
            let t = want["time"].as_f64().unwrap();
            assert_eq!(got.time, t, "{name}");
            assert_eq!(
                got.at_risk as u64,
                want["at_risk"].as_u64().unwrap(),
                "{name} t={t}"
            );
            assert_eq!(
                got.events as u64,
                want["events"].as_u64().unwrap(),
                "{name} t={t}"
            );
            assert_eq!(
                got.censored as u64,
                want["censored"].as_u64().unwrap(),
                "{name} t={t}"
            );
            for (g, key) in [
                (got.survival, "survival"),
                (got.lower, "lower"),
                (got.upper, "upper"),
            ] {
                assert_close(
                    g,
                    want[key].as_f64().unwrap(),
                    1e-9,
                    &format!("{name} t={t} {key}"),
                );
            }
        }
        if name == "exact_half_then_zero" {
            // Survival is exactly 5/6 · 4/5 · 3/4 = 0.5 at t = 3; lifelines' exp(Σ log) gives
            // 0.5000000000000001 there and so reports the next step (5) as the median.
            assert_eq!(km.median, Some(3.0));
            assert_eq!(opt_f64(&case["median"]), Some(5.0));
        } else {
            assert_eq!(km.median, opt_f64(&case["median"]), "{name}: median");
        }
        let ci = case["median_ci"].as_array().unwrap();
        assert_eq!(
            km.median_ci,
            (opt_f64(&ci[0]), opt_f64(&ci[1])),
            "{name}: median CI"
        );
    }
}

#[test]
fn logrank_matches_lifelines() {
    let data = fixture("survival_logrank.json");
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 3);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let labels: Vec<Option<&str>> = case["group"]
            .as_array()
            .unwrap()
            .iter()
            .map(Value::as_str)
            .collect();
        let surv = follow_up(case);
        // Groups listed in reverse order: alignment is by sample ID.
        let mut ids = surv.samples().to_vec();
        let mut rev = labels.clone();
        ids.reverse();
        rev.reverse();
        let groups = GroupLabels::new(ids, &rev).unwrap();
        let r = logrank_test(&surv, &groups).unwrap();
        assert_eq!(r.df as u64, case["df"].as_u64().unwrap(), "{name}");
        assert_close(r.statistic, case["statistic"].as_f64().unwrap(), 1e-9, name);
        close_p(r.p_value, case["p_value"].as_f64().unwrap(), 1e-9, name);
        let observed: usize = r.groups.iter().map(|g| g.observed).sum();
        let expected: f64 = r.groups.iter().map(|g| g.expected).sum();
        assert!(
            (observed as f64 - expected).abs() < 1e-9,
            "{name}: O and E totals agree"
        );
    }
}

fn check_cox(name: &str, got: &CoxFit, want: &Value) {
    const REL: f64 = 1e-6;
    assert!(got.converged, "{name}: converged");
    assert_eq!(
        got.n_samples as u64,
        want["n_samples"].as_u64().unwrap(),
        "{name}"
    );
    assert_eq!(
        got.n_events as u64,
        want["n_events"].as_u64().unwrap(),
        "{name}"
    );
    let coefs = want["coefficients"].as_array().unwrap();
    assert_eq!(got.coefficients.len(), coefs.len());
    for (g, w) in got.coefficients.iter().zip(coefs) {
        assert_eq!(g.name, w["name"].as_str().unwrap());
        let what = |k: &str| format!("{name} {} {k}", g.name);
        assert_close(g.coef, w["coef"].as_f64().unwrap(), REL, &what("coef"));
        assert_close(g.se, w["se"].as_f64().unwrap(), REL, &what("se"));
        assert_close(
            g.hazard_ratio,
            w["hazard_ratio"].as_f64().unwrap(),
            REL,
            &what("HR"),
        );
        assert_close(
            g.hr_lower,
            w["hr_lower"].as_f64().unwrap(),
            REL,
            &what("HR lower"),
        );
        assert_close(
            g.hr_upper,
            w["hr_upper"].as_f64().unwrap(),
            REL,
            &what("HR upper"),
        );
        assert_close(g.z, w["z"].as_f64().unwrap(), REL, &what("z"));
        // lifelines' estimates are converged to ~1e-6 relative, and p ~ phi(z)/z moves by a
        // relative z^2 dz/z: the Wald p is held to REL * max(1, z^2) relative, no absolute floor.
        let z = w["z"].as_f64().unwrap();
        close_p(
            g.wald_p,
            w["wald_p"].as_f64().unwrap(),
            REL * z.powi(2).max(1.0),
            &what("Wald p"),
        );
    }
    assert_close(
        got.log_likelihood,
        want["log_likelihood"].as_f64().unwrap(),
        1e-9,
        name,
    );
    assert_close(
        got.lr_statistic,
        want["lr_statistic"].as_f64().unwrap(),
        REL,
        name,
    );
    // Likewise the LR p moves by a relative ~ chi2/2 * (its relative error).
    let chi2 = want["lr_statistic"].as_f64().unwrap();
    close_p(
        got.lr_p,
        want["lr_p"].as_f64().unwrap(),
        REL * (chi2 / 2.0).max(1.0),
        &format!("{name} LR p"),
    );
    assert_eq!(got.lr_df, coefs.len());
}

#[test]
fn univariate_cox_matches_lifelines() {
    let data = fixture("survival_cox.json");
    let cases = data["univariate"].as_array().unwrap();
    assert!(cases.len() >= 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let want = &case["expected"];
        let label = want["coefficients"][0]["name"].as_str().unwrap();
        let fit = cox_univariate(
            label,
            &floats(&case["x"]),
            &follow_up(case),
            &CoxOptions::default(),
        )
        .unwrap();
        check_cox(name, &fit, want);
    }
}

#[test]
fn tail_p_values_stay_accurate() {
    let data = fixture("survival_cox.json");
    let case = data["univariate"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "strong_effect_tail")
        .unwrap();
    let fit = cox_univariate(
        "x",
        &floats(&case["x"]),
        &follow_up(case),
        &CoxOptions::default(),
    )
    .unwrap();
    // Far below what 1 - cdf could represent.
    assert!(fit.coefficients[0].wald_p < 1e-40);
    assert!(fit.lr_p < 1e-50);
}

#[test]
fn multivariable_cox_matches_lifelines() {
    let data = fixture("survival_cox.json");
    let cases = data["multivariable"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let want = &case["expected"];
        let columns: Vec<(String, Vec<f64>)> = want["coefficients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let n = c["name"].as_str().unwrap().to_owned();
                let v = floats(&case["covariates"][&n]);
                (n, v)
            })
            .collect();
        let covariates: Vec<Covariate> = columns
            .iter()
            .map(|(n, v)| Covariate { name: n, values: v })
            .collect();
        let fit = cox_multivariable(&covariates, &follow_up(case), &CoxOptions::default()).unwrap();
        check_cox(name, &fit, want);
    }
}

#[test]
fn screen_matches_lifelines_per_feature() {
    let data = fixture("survival_cox.json");
    let screen = &data["screen"];
    if screen.is_null() {
        panic!(
            "fixture lacks the screen case; rerun make_survival_fixtures.py with the TCGA-ACC data"
        );
    }
    let samples = sample_ids(screen, 0);
    let features: Vec<FeatureId> = screen["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| FeatureId::from(s.as_str().unwrap()))
        .collect();
    let columns: Vec<Vec<f64>> = screen["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(floats)
        .collect();
    let layer = Matrix::from_features(samples, features.clone(), columns).unwrap();
    // The layer lists its samples in another order than the follow-up: matched by ID.
    let order: Vec<usize> = (0..layer.n_samples()).rev().collect();
    let layer = layer.select_samples(&order);
    let results = cox_univariate_screen(&layer, &follow_up(screen), &CoxOptions::default());
    assert_eq!(results.len(), features.len());
    for ((feature, got), want) in features
        .iter()
        .zip(&results)
        .zip(screen["expected"].as_array().unwrap())
    {
        match feature.as_str() {
            "CONSTANT" => assert_eq!(got, &Err(NotTestable::ConstantValues)),
            "ALL_MISSING" => assert!(matches!(got, Err(NotTestable::TooFewObservations { .. }))),
            name => check_cox(name, got.as_ref().unwrap(), want),
        }
    }
}

#[test]
fn adjusted_screen_matches_lifelines_per_feature() {
    let data = fixture("survival_cox.json");
    let screen = &data["screen"];
    let samples = sample_ids(screen, 0);
    let features: Vec<FeatureId> = screen["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| FeatureId::from(s.as_str().unwrap()))
        .collect();
    let columns: Vec<Vec<f64>> = screen["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(floats)
        .collect();
    let layer = Matrix::from_features(samples, features.clone(), columns).unwrap();
    let order: Vec<usize> = (0..layer.n_samples()).rev().collect();
    let layer = layer.select_samples(&order);
    let (age, stage) = (
        floats(&screen["covariates"]["age"]),
        floats(&screen["covariates"]["stage"]),
    );
    let covariates = [
        Covariate {
            name: "age",
            values: &age,
        },
        Covariate {
            name: "stage",
            values: &stage,
        },
    ];
    let results = cox_adjusted_screen(
        &layer,
        &follow_up(screen),
        &covariates,
        &CoxOptions::default(),
    );
    for ((feature, got), want) in features
        .iter()
        .zip(&results)
        .zip(screen["expected_adjusted"].as_array().unwrap())
    {
        match feature.as_str() {
            "CONSTANT" => assert_eq!(got, &Err(NotTestable::ConstantValues)),
            "ALL_MISSING" => assert!(matches!(got, Err(NotTestable::TooFewObservations { .. }))),
            name => check_cox(name, got.as_ref().unwrap(), want),
        }
    }
    let short = [Covariate {
        name: "age",
        values: &age[..3],
    }];
    let r = cox_adjusted_screen(&layer, &follow_up(screen), &short, &CoxOptions::default());
    assert!(
        r.iter()
            .all(|r| matches!(r, Err(NotTestable::InvalidInput { .. })))
    );
}

#[test]
fn positional_values_must_match_follow_up() {
    let surv = SurvivalTimes::new(vec![SampleId::from("a")], vec![1.0], vec![Some(true)]).unwrap();
    let r = cox_univariate("g", &[1.0, 2.0], &surv, &CoxOptions::default());
    assert!(matches!(r, Err(NotTestable::InvalidInput { .. })));
}

/// Scaled-Schoenfeld proportional-hazards test vs lifelines' `proportional_hazard_test`
/// (`make_survival_extra_fixtures.py`): statistics 1e-6 relative, or 1e-6 absolute below 1 (the
/// statistic is a squared sum that cancels towards zero for a covariate with proportional
/// hazards, where both fits' last digits dominate), p-values by the same error times
/// `max(1, T / 2)` (a chi-square tail moves by about T/2 times the statistic's relative error).
#[test]
fn schoenfeld_test_matches_lifelines() {
    use analysis::survival::{TimeTransform, proportional_hazards_test};
    let data = fixture("survival_extra.json");
    for case in data["ph"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let surv = follow_up(case);
        let names: Vec<String> = case["covariates"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let columns: Vec<Vec<f64>> = names
            .iter()
            .map(|c| floats(&case["covariates"][c.as_str()]))
            .collect();
        let covariates: Vec<Covariate> = names
            .iter()
            .zip(&columns)
            .map(|(n, v)| Covariate { name: n, values: v })
            .collect();
        for (key, transform) in [
            ("rank", TimeTransform::Rank),
            ("identity", TimeTransform::Identity),
            ("log", TimeTransform::Log),
        ] {
            let want = &case["expected"][key];
            if want.is_null() {
                continue;
            }
            let got =
                proportional_hazards_test(&covariates, &surv, transform, &CoxOptions::default())
                    .unwrap();
            for term in &got.terms {
                let w = &want[term.name.as_str()];
                let what = format!("{name} {key} {}", term.name);
                let t = w["statistic"].as_f64().unwrap();
                assert!(
                    (term.statistic - t).abs() <= 1e-6 * t.max(1.0),
                    "{what}: statistic {} vs lifelines {t}",
                    term.statistic
                );
                close_p(
                    term.p_value,
                    w["p"].as_f64().unwrap(),
                    1e-6 * (t / 2.0).max(1.0),
                    &what,
                );
            }
        }
    }
}

/// Firth-penalised Cox vs Heinze & Schemper's penalised likelihood maximised by scipy
/// (`make_survival_extra_fixtures.py`): coefficients and standard errors 1e-5 relative (the
/// reference's optimiser tolerance), penalised log likelihood and LR statistics 1e-6 absolute
/// (second order in the coefficients' error), p-values 1e-5 times `max(1, LR / 2)` relative.
/// The separated cases are the point: the ordinary Cox fit does not converge there.
#[test]
fn firth_cox_matches_the_penalised_likelihood() {
    use analysis::survival::firth_cox;
    let data = fixture("survival_extra.json");
    for case in data["firth"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let surv = follow_up(case);
        let want = &case["expected"];
        let names: Vec<String> = want["coefficients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect();
        let columns: Vec<Vec<f64>> = names
            .iter()
            .map(|c| floats(&case["covariates"][c.as_str()]))
            .collect();
        let covariates: Vec<Covariate> = names
            .iter()
            .zip(&columns)
            .map(|(n, v)| Covariate { name: n, values: v })
            .collect();
        let fit = firth_cox(&covariates, &surv, &CoxOptions::default()).unwrap();
        let l = want["penalized_log_likelihood"].as_f64().unwrap();
        assert!(
            (fit.penalized_log_likelihood - l).abs() < 1e-6,
            "{name}: l* {} vs {l}",
            fit.penalized_log_likelihood
        );
        for (g, w) in fit
            .coefficients
            .iter()
            .zip(want["coefficients"].as_array().unwrap())
        {
            let what = format!("{name} {}", g.name);
            assert_close(g.coef, w["coef"].as_f64().unwrap(), 1e-5, &what);
            assert_close(g.se, w["se"].as_f64().unwrap(), 1e-5, &what);
            let lr = w["lr_statistic"].as_f64().unwrap();
            assert!(
                (g.lr_statistic - lr).abs() < 1e-6,
                "{what}: LR {} vs {lr}",
                g.lr_statistic
            );
            close_p(
                g.p_value,
                w["p"].as_f64().unwrap(),
                1e-5 * (lr / 2.0).max(1.0),
                &what,
            );
        }
        if name.contains("separat") {
            let ordinary = cox_multivariable(&covariates, &surv, &CoxOptions::default());
            assert!(
                !ordinary.is_ok_and(|f| f.converged),
                "{name}: the ordinary Cox fit should not converge"
            );
        }
    }
}
