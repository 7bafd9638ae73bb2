//! OLS with covariates vs statsmodels OLS(missing="drop"), including levels emptied by a
//! feature's missing values (statsmodels on the design without them).

use crate::common::*;
use analysis::groups::{GroupLabels, SampleValues, TwoGroups};
use analysis::moderated::{Contrast, ModerationOptions, lm_fit_layer};
use analysis::regression::{Design, DesignBuilder, ols, regress_layer};
use datasets::{FeatureId, Matrix, SampleId};

#[test]
fn ols_matches_statsmodels() {
    let fixture = load("regression.json");
    let samples: Vec<SampleId> = strings(&fixture["samples"])
        .into_iter()
        .map(SampleId::from)
        .collect();
    let group: Vec<Option<String>> = strings(&fixture["group"]).into_iter().map(Some).collect();
    let batch: Vec<Option<String>> = strings(&fixture["batch"]).into_iter().map(Some).collect();
    let groups = TwoGroups::from_labels(samples.clone(), &group, "tumour", "normal").unwrap();
    let purity = SampleValues::new(samples.clone(), nums(&fixture["purity"])).unwrap();
    let batch = GroupLabels::new(samples.clone(), &batch).unwrap();
    let builder = DesignBuilder::new()
        .two_groups("group", &groups)
        .numeric("purity", &purity)
        .categorical("batch", &batch);

    let features = fixture["features"].as_object().unwrap();
    let names: Vec<FeatureId> = features
        .keys()
        .map(|k| FeatureId::from(k.as_str()))
        .collect();
    // The matrix lists samples in reverse to exercise alignment by ID.
    let rev: Vec<SampleId> = samples.iter().rev().cloned().collect();
    let columns: Vec<Vec<f64>> = features
        .values()
        .map(|v| nums(v).into_iter().rev().collect())
        .collect();
    let m = Matrix::from_features(rev, names.clone(), columns).unwrap();
    let (design, fits) = regress_layer(&m, &builder);
    assert_eq!(design.names(), strings(&fixture["terms"]).as_slice());

    for (f, name) in names.iter().enumerate() {
        let e = &fixture["expected"][name.as_str()];
        let fit = fits[f].as_ref().unwrap();
        // The per-feature entry point gives the same fit.
        assert_eq!(&ols(m.feature(f), &design).unwrap(), fit);
        assert_eq!(fit.n as f64, num(&e["nobs"]), "{name}");
        assert_eq!(fit.df_residual as f64, num(&e["df_resid"]), "{name}");
        close(
            fit.r_squared,
            num(&e["rsquared"]),
            REL,
            &format!("{name} R2"),
        );
        let cols = [("params", 0), ("bse", 1), ("tvalues", 2), ("pvalues", 3)];
        for (key, which) in cols {
            for (j, expected) in nums(&e[key]).into_iter().enumerate() {
                let c = fit.coefficients[j];
                let got = [c.estimate, c.std_error, c.t, c.p_value][which];
                let what = format!("{name} {key}[{j}]");
                if key == "pvalues" {
                    close_p(got, expected, REL_P, &what);
                } else {
                    close(got, expected, REL, &what);
                }
            }
        }
    }
}

/// Builds the dropped-levels fixture's layer and design (`moderated.json`, "dropped_levels").
fn dropped_levels_case() -> (serde_json::Value, Matrix, Design) {
    let fixture = load("moderated.json");
    let case = fixture["dropped_levels"].clone();
    let samples: Vec<SampleId> = strings(&case["samples"])
        .into_iter()
        .map(SampleId::from)
        .collect();
    let group: Vec<Option<String>> = strings(&case["group"]).into_iter().map(Some).collect();
    let batch: Vec<Option<String>> = strings(&case["batch"]).into_iter().map(Some).collect();
    let groups = TwoGroups::from_labels(samples.clone(), &group, "tumour", "normal").unwrap();
    let purity = SampleValues::new(samples.clone(), nums(&case["purity"])).unwrap();
    let batch = GroupLabels::new(samples.clone(), &batch).unwrap();
    let design = DesignBuilder::new()
        .two_groups("group", &groups)
        .numeric("purity", &purity)
        .categorical("batch", &batch)
        .build_for(&samples);
    let features = case["features"].as_object().unwrap();
    let m = Matrix::from_features(
        samples,
        features
            .keys()
            .map(|k| FeatureId::from(k.as_str()))
            .collect(),
        features.values().map(nums).collect(),
    )
    .unwrap();
    (case, m, design)
}

#[test]
fn levels_emptied_by_missing_values_are_dropped_not_fatal() {
    let (case, m, design) = dropped_levels_case();
    for (f, name) in m.features().iter().enumerate() {
        let e = &case["expected"][name.as_str()];
        let fit = ols(m.feature(f), &design).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(fit.dropped_terms, strings(&e["dropped"]), "{name}");
        assert_eq!(fit.df_residual as f64, num(&e["df_resid"]), "{name}");
        let kept = strings(&e["kept"]);
        for (term, c) in design.names().iter().zip(&fit.coefficients) {
            let Some(k) = kept.iter().position(|t| t == term) else {
                assert!(c.estimate.is_nan(), "{name} {term} dropped");
                continue;
            };
            let what = format!("{name} {term}");
            close(c.estimate, num(&e["params"][k]), REL, &what);
            close(c.std_error, num(&e["bse"][k]), REL, &what);
            close_p(c.p_value, num(&e["pvalues"][k]), REL_P, &what);
        }
    }
}

#[test]
fn moderated_contrasts_avoid_dropped_levels() {
    let (_, m, design) = dropped_levels_case();
    let fit = lm_fit_layer(&m, &design).unwrap();
    let b2 = m.feature_index("b2_missing").unwrap();
    let Ok(f) = &fit.features()[b2] else {
        panic!("feature with an empty level is still fitted")
    };
    assert_eq!(f.dropped_terms, ["batch[T.B2]"]);
    // The group contrast is estimable and equals the OLS estimate of the same fit.
    let group = Contrast::coefficient(fit.terms(), "group[T.tumour]").unwrap();
    let by_group = fit.contrasts(&[group]).unwrap();
    let ols_fit = ols(m.feature(b2), &design).unwrap();
    let est = by_group.features()[b2].as_ref().unwrap().coefficients[0];
    close(
        est,
        ols_fit.coefficients[1].estimate,
        1e-12,
        "group estimate",
    );
    let moderated = by_group.moderate(ModerationOptions::default()).unwrap();
    assert!(moderated.features[b2].is_ok());
    // A contrast that needs the dropped level says so; moderating the raw fit does too.
    let level = Contrast::coefficient(fit.terms(), "batch[T.B2]").unwrap();
    let err = fit.contrasts(&[level]).unwrap().features()[b2]
        .clone()
        .unwrap_err();
    assert!(err.to_string().contains("batch[T.B2]"), "{err}");
    let raw = fit.moderate(ModerationOptions::default()).unwrap();
    assert!(raw.features[b2].is_err());
    assert!(raw.features[m.feature_index("none_missing").unwrap()].is_ok());
}
