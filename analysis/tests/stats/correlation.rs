//! Pearson / Spearman vs scipy.stats.pearsonr / spearmanr (Fisher-z interval as scipy's
//! `confidence_interval` for Pearson; the same formula for Spearman).

use crate::common::*;
use analysis::correlation::{CorrelationMethod, correlate_layer, pearson, spearman};
use analysis::groups::SampleValues;
use datasets::{FeatureId, Matrix, SampleId};

#[test]
fn correlations_match_scipy() {
    let fixture = load("correlation.json");
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (x, y) = (nums(&case["x"]), nums(&case["y"]));
        let e = &case["expected"];
        for (label, r) in [("pearson", pearson(&x, &y)), ("spearman", spearman(&x, &y))] {
            let r = r.unwrap();
            let what = format!("{name} {label}");
            assert_eq!(r.n as f64, num(&e["n"]), "{what}");
            let ex = &e[label];
            close_field(r.coefficient.value, ex, "value", REL, &what);
            close_field(r.coefficient.ci_low, ex, "ci_low", REL, &what);
            close_field(r.coefficient.ci_high, ex, "ci_high", REL, &what);
            close_p_field(r.p_value, ex, "p_value", REL_P, &what);
        }
    }
}

/// The layer function (with the Spearman rank reuse) agrees with the per-feature function.
#[test]
fn layer_agrees_with_per_feature() {
    let fixture = load("correlation.json");
    let case = &fixture["cases"][0];
    let (x, y) = (nums(&case["x"]), nums(&case["y"]));
    let n = x.len();
    let samples: Vec<SampleId> = (0..n).map(|i| SampleId::from(format!("s{i}"))).collect();
    let mut y_missing = y.clone();
    y_missing[3] = f64::NAN;
    let m = Matrix::from_features(
        samples.clone(),
        vec![FeatureId::from("complete"), FeatureId::from("missing")],
        vec![y.clone(), y_missing.clone()],
    )
    .unwrap();
    // The variable lists the samples in reverse order.
    let variable = SampleValues::new(
        samples.iter().rev().cloned().collect(),
        x.iter().rev().copied().collect(),
    )
    .unwrap();
    for method in [CorrelationMethod::Pearson, CorrelationMethod::Spearman] {
        let out = correlate_layer(&m, &variable, method, 3);
        for (result, yy) in out.iter().zip([&y, &y_missing]) {
            let direct = analysis::correlation::correlate(&x, yy, method, 3).unwrap();
            let got = result.as_ref().unwrap();
            assert_eq!(got.n, direct.n);
            close(got.coefficient.value, direct.coefficient.value, 1e-12, "r");
            close_p(got.p_value, direct.p_value, 1e-12, "p");
        }
    }
}
