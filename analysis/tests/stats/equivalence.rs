//! TOST vs statsmodels' `ttost_ind` and `CompareMeans.tconfint_diff`
//! (`analysis/reference/make_equivalence_fixtures.py` -> equivalence.json), for both variance
//! models. p-values by relative error without an absolute floor (one case reaches 1e-86).

use crate::common::*;
use analysis::equivalence::{VarianceModel, tost};

#[test]
fn tost_matches_statsmodels() {
    let fx = load("equivalence.json");
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    let mut shown = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (x1, x2) = (nums(&case["x1"]), nums(&case["x2"]));
        let (low, upp) = (num(&case["low"]), num(&case["upp"]));
        for (key, model) in [
            ("unequal", VarianceModel::Unequal),
            ("pooled", VarianceModel::Pooled),
        ] {
            let e = &case[key];
            let what = format!("{name} {key}");
            let got = tost(&x1, &x2, low, upp, model).unwrap();
            close_field(got.df, e, "df", 1e-9, &what);
            close_field(got.t_lower, e, "t_lower", 1e-9, &what);
            close_field(got.t_upper, e, "t_upper", 1e-9, &what);
            close_p_field(got.p_lower, e, "p_lower", 1e-7, &what);
            close_p_field(got.p_upper, e, "p_upper", 1e-7, &what);
            close_p_field(got.p, e, "p", 1e-7, &what);
            close_field(got.ci90_low, e, "ci90_low", 1e-9, &what);
            close_field(got.ci90_high, e, "ci90_high", 1e-9, &what);
            // Equivalence at 0.05 is the 90% interval inside the margins.
            let inside = got.ci90_low > low && got.ci90_high < upp;
            assert_eq!(
                got.shown(0.05),
                inside,
                "{what}: TOST and interval disagree"
            );
            shown += usize::from(got.shown(0.05));
        }
    }
    // The fixture has cases on both sides of the decision.
    assert!(shown > 0 && shown < 2 * cases.len());
}
