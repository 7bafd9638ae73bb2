//! OLS with covariates vs statsmodels OLS(missing="drop").

use crate::common::*;
use analysis::groups::{GroupLabels, SampleValues, TwoGroups};
use analysis::regression::{DesignBuilder, ols, regress_layer};
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
