//! Logistic regression vs statsmodels Logit (Newton, tol 1e-14), fixtures from
//! `analysis/reference/make_logistic_fixtures.py`. Tolerance 1e-9 relative for estimates,
//! standard errors, z, log-likelihoods and p-values (no absolute floor; the deep-tail case's LR p
//! is 2e-75).

use crate::common::*;
use analysis::groups::TwoGroups;
use analysis::logistic::{logistic, logistic_screen};
use analysis::regression::Design;
use datasets::{FeatureId, Matrix, SampleId};

#[test]
fn logistic_matches_statsmodels() {
    let fixture = load("logistic.json");
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let y = nums(&case["y"]);
        let columns = case["columns"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), nums(v)))
            .collect::<Vec<_>>();
        // serde_json sorts object keys: restore the column order of statsmodels' X.
        let order = ["x", "purity", "batch[T.B2]", "batch[T.B3]"];
        let mut columns: Vec<(String, Vec<f64>)> = columns;
        columns.sort_by_key(|(k, _)| order.iter().position(|o| o == k));
        let design = Design::from_columns(y.len(), columns).unwrap();
        let fit = logistic(&y, &design).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(fit.n as f64, num(&case["nobs"]), "{name}");
        for (key, which) in [("params", 0), ("bse", 1), ("z", 2)] {
            for (j, want) in nums(&case[key]).into_iter().enumerate() {
                let c = fit.coefficients[j];
                close(
                    [c.estimate, c.std_error, c.t][which],
                    want,
                    REL,
                    &format!("{name} {key}[{j}]"),
                );
            }
        }
        for (j, want) in nums(&case["pvalues"]).into_iter().enumerate() {
            close_p(
                fit.coefficients[j].p_value,
                want,
                REL_P,
                &format!("{name} p[{j}]"),
            );
        }
        close(
            fit.log_likelihood,
            num(&case["llf"]),
            REL,
            &format!("{name} llf"),
        );
        close(
            fit.null_log_likelihood,
            num(&case["llnull"]),
            REL,
            &format!("{name} ll0"),
        );
        close(
            fit.lr_statistic,
            num(&case["llr"]),
            REL,
            &format!("{name} LR"),
        );
        close_p(
            fit.lr_p,
            num(&case["llr_pvalue"]),
            REL_P,
            &format!("{name} LR p"),
        );
    }
}

#[test]
fn screen_fits_each_feature_on_its_own() {
    let fixture = load("logistic.json");
    let case = &fixture["cases"][0];
    let y = nums(&case["y"]);
    let x = nums(&case["columns"]["x"]);
    let samples: Vec<SampleId> = (0..y.len())
        .map(|i| SampleId::from(format!("s{i}")))
        .collect();
    let labels: Vec<Option<&str>> = y
        .iter()
        .map(|&v| Some(if v == 1.0 { "event" } else { "none" }))
        .collect();
    let groups = TwoGroups::from_labels(samples.clone(), &labels, "event", "none").unwrap();
    let m = Matrix::from_features(samples, vec![FeatureId::from("x")], vec![x]).unwrap();
    let fits = logistic_screen(&m, &groups);
    let fit = fits[0].as_ref().unwrap();
    close(
        fit.coefficients[1].estimate,
        num(&case["params"][1]),
        REL,
        "screen slope",
    );
}
