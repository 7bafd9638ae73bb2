//! Chi-square and Fisher's exact test vs scipy.stats.chi2_contingency / fisher_exact, Woolf odds
//! ratio interval vs statsmodels Table2x2(shift_zeros=True), hypergeometric vs scipy.stats.hypergeom.

use crate::common::*;
use analysis::contingency::{ContingencyTable, chi_square, fisher_exact, hypergeometric};

fn table(v: &serde_json::Value) -> Vec<Vec<u64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_u64().unwrap())
                .collect()
        })
        .collect()
}

#[test]
fn chi_square_matches_scipy() {
    let fixture = load("contingency.json");
    for case in fixture["chi_square"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let t = table(&case["table"]);
        let (r, c) = (t.len(), t[0].len());
        let ct = ContingencyTable::new(r, c, t.concat()).unwrap();
        let yates = case["yates"].as_bool().unwrap();
        let res = chi_square(&ct, yates).unwrap();
        let e = &case["expected"];
        let what = format!("{name} yates={yates}");
        close_field(res.statistic, e, "statistic", REL, &what);
        close_p_field(res.p_value, e, "p_value", REL_P, &what);
        close_field(res.df, e, "df", REL, &what);
    }
}

#[test]
fn fisher_matches_scipy_and_statsmodels() {
    let fixture = load("contingency.json");
    for case in fixture["fisher"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let t = table(&case["table"]);
        let res = fisher_exact([[t[0][0], t[0][1]], [t[1][0], t[1][1]]]).unwrap();
        let e = &case["expected"];
        close_field(res.odds_ratio, e, "odds_ratio", REL, name);
        close_p_field(res.p_value, e, "p_value", REL_P, name);
        close_field(res.ci_low, e, "ci_low", REL, name);
        close_field(res.ci_high, e, "ci_high", REL, name);
    }
}

#[test]
fn hypergeometric_matches_scipy() {
    let fixture = load("contingency.json");
    for case in fixture["hypergeometric"].as_array().unwrap() {
        let g = |k: &str| case[k].as_u64().unwrap();
        let (x, total, successes, draws) = (g("x"), g("total"), g("successes"), g("draws"));
        let what = format!("x={x} M={total} n={successes} N={draws}");
        close_p_field(
            hypergeometric::pmf(x, total, successes, draws),
            case,
            "pmf",
            REL_P,
            &what,
        );
        close_p_field(
            hypergeometric::cdf(x, total, successes, draws),
            case,
            "cdf",
            REL_P,
            &what,
        );
        close_p_field(
            hypergeometric::sf(x, total, successes, draws),
            case,
            "sf",
            REL_P,
            &what,
        );
    }
}
