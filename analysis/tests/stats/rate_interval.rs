//! Garwood's exact Poisson interval for a mean per-run count against scipy's chi-square quantiles
//! (`analysis/reference/make_rate_interval_fixtures.py`).

use super::common::{load, num};
use analysis::rate_interval::poisson_rate_interval;

#[test]
fn garwood_interval_matches_scipy() {
    let fixture = load("rate_interval.json");
    for case in fixture["cases"].as_array().unwrap() {
        let counts: Vec<usize> = case["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap() as usize)
            .collect();
        let level = num(&case["level"]);
        let r = poisson_rate_interval(&counts, level).unwrap();
        let close = |got: f64, want: f64| {
            (got.is_nan() && want.is_nan()) || (got - want).abs() <= 1e-9 * want.abs().max(1e-12)
        };
        for (name, got, want) in [
            ("mean", r.mean, num(&case["mean"])),
            ("low", r.low, num(&case["low"])),
            ("high", r.high, num(&case["high"])),
            ("dispersion", r.dispersion, num(&case["dispersion"])),
        ] {
            assert!(close(got, want), "{counts:?} {name}: {got} vs {want}");
        }
        assert_eq!(r.level, level);
    }
}
