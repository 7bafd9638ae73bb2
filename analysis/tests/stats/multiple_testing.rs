//! BH / BY / Bonferroni vs statsmodels multipletests (on the non-NaN p-values); Storey q-values
//! vs the fixed-lambda formula implemented in the fixture script.

use crate::common::*;
use analysis::multiple_testing::{
    Correction, STOREY_LAMBDA, adjust, benjamini_hochberg, benjamini_yekutieli, bonferroni, storey,
};

fn all_close(got: &[f64], expected: &[f64], what: &str) {
    assert_eq!(got.len(), expected.len(), "{what}");
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        close_p(*g, *e, REL_P, &format!("{what}[{i}]"));
    }
}

#[test]
fn corrections_match_statsmodels() {
    let fixture = load("multiple_testing.json");
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let p = nums(&case["p"]);
        all_close(
            &benjamini_hochberg(&p),
            &nums(&case["bh"]),
            &format!("{name} BH"),
        );
        all_close(
            &benjamini_yekutieli(&p),
            &nums(&case["by"]),
            &format!("{name} BY"),
        );
        all_close(
            &bonferroni(&p),
            &nums(&case["bonferroni"]),
            &format!("{name} Bonf"),
        );
        let s = storey(&p, STOREY_LAMBDA);
        close(s.pi0, num(&case["storey_pi0"]), REL, &format!("{name} pi0"));
        all_close(
            &s.q_values,
            &nums(&case["storey_q"]),
            &format!("{name} Storey"),
        );
        let via_enum = adjust(&p, Correction::Storey { lambda: 0.5 });
        assert_eq!(via_enum.len(), p.len());
    }
}
