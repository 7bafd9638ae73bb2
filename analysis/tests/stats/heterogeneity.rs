//! Cochran's Q test of homogeneity against statsmodels' fixed-effect meta-analysis
//! (`analysis/reference/make_heterogeneity_fixtures.py`). Tolerance: 1e-9 relative on Q, the
//! pooled estimate and its standard error; p by relative error alone (`close_p`), down to the
//! deep-tail case near 1e-170.

use super::common::{REL_P, close, close_p, load, num, nums};
use analysis::heterogeneity::cochran_q;

#[test]
fn cochran_q_matches_statsmodels() {
    let fixture = load("heterogeneity.json");
    for case in fixture["cases"].as_array().unwrap() {
        let estimates = nums(&case["estimates"]);
        let std_errors = nums(&case["std_errors"]);
        let h = cochran_q(&estimates, &std_errors).unwrap();
        let what = format!("{estimates:?}");
        close(h.q, num(&case["q"]), 1e-9, &format!("{what} q"));
        assert_eq!(h.df as u64, case["df"].as_u64().unwrap(), "{what} df");
        close_p(h.p, num(&case["p"]), REL_P, &format!("{what} p"));
        close(
            h.pooled,
            num(&case["pooled"]),
            1e-9,
            &format!("{what} pooled"),
        );
        close(
            h.pooled_se,
            num(&case["pooled_se"]),
            1e-9,
            &format!("{what} pooled se"),
        );
    }
}

#[test]
fn fewer_than_two_usable_estimates_compare_nothing() {
    assert_eq!(cochran_q(&[1.0], &[0.5]), None);
    // A zero or missing standard error leaves its estimate out.
    assert_eq!(cochran_q(&[1.0, 2.0], &[0.5, 0.0]), None);
    assert_eq!(cochran_q(&[f64::NAN, 2.0], &[0.5, 0.5]), None);
    let h = cochran_q(&[1.0, 2.0, 5.0], &[0.5, 0.5, f64::NAN]).unwrap();
    assert_eq!(h.df, 1);
}
