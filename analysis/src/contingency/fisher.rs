//! Fisher's exact test for 2 x 2 tables with the two-sided p-value of
//! `scipy.stats.fisher_exact`: the probability of all tables (with the observed margins) whose
//! hypergeometric probability does not exceed the observed one, with scipy's relative tolerance
//! of 1e-14 and its search for the cut-off on the far side of the mode.
//!
//! The odds ratio is the sample (unconditional) `ad / bc`, as scipy reports. Its 95% interval is
//! Woolf's log method, `exp(ln OR +- 1.96 sqrt(1/a + 1/b + 1/c + 1/d))`. A zero cell is replaced
//! by 0.5 for the interval only, so it stays finite; this is what `statsmodels`'
//! `Table2x2(..., shift_zeros=True).oddsratio_confint()` does (it replaces zero cells, rather
//! than adding 0.5 to all four cells as the Haldane-Anscombe correction would).

use super::hypergeometric::{cdf_signed, pmf, sf_signed};
use crate::distributions::Z_975;
use crate::outcome::{NotTestable, Outcome};
use serde::{Deserialize, Serialize};

/// Result of Fisher's exact test on `[[a, b], [c, d]]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FisherExact {
    /// `ad / bc`; infinite when `b` or `c` is zero.
    pub odds_ratio: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
}

/// scipy's search for the last point (from `lo` towards `hi`) where the increasing function `f`
/// is still at most `target`.
fn binary_search(f: impl Fn(i64) -> f64, target: f64, mut lo: i64, mut hi: i64) -> i64 {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let value = f(mid);
        if value < target {
            lo = mid + 1;
        } else if value > target {
            hi = mid - 1;
        } else {
            return mid;
        }
    }
    if f(lo) <= target { lo } else { lo - 1 }
}

/// Fisher's exact test on `[[a, b], [c, d]]`. A table with an empty row or column is
/// [`NotTestable::ConstantValues`]: one of the two variables does not vary.
pub fn fisher_exact(table: [[u64; 2]; 2]) -> Outcome<FisherExact> {
    let [[a, b], [c, d]] = table;
    if a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0 {
        return Err(NotTestable::ConstantValues);
    }
    let odds_ratio = if b > 0 && c > 0 {
        (a as f64 * d as f64) / (b as f64 * c as f64)
    } else {
        f64::INFINITY
    };

    let [sa, sb, sc, sd] = [a, b, c, d].map(|v| if v == 0 { 0.5 } else { v as f64 });
    let log_or = (sa * sd / (sb * sc)).ln();
    let se = (1.0 / sa + 1.0 / sb + 1.0 / sc + 1.0 / sd).sqrt();

    // X = a ~ Hypergeom(total, successes = row 1 sum, draws = column 1 sum).
    let (n1, n2, n) = (a + b, c + d, a + c);
    let total = n1 + n2;
    let p_at = |x: i64| {
        if x < 0 {
            0.0
        } else {
            pmf(x as u64, total, n1, n)
        }
    };
    let x = a as i64;
    let mode = ((n + 1) as f64 * (n1 + 1) as f64 / (total + 2) as f64) as i64;
    let p_exact = p_at(x);
    let p_mode = p_at(mode);
    let gamma = 1.0 + 1e-14;
    let p_value = if (p_exact - p_mode).abs() / p_exact.max(p_mode) <= 1e-14 {
        1.0
    } else if x < mode {
        let lower = cdf_signed(x, total, n1, n);
        if p_at(n as i64) > p_exact * gamma {
            lower
        } else {
            let guess = binary_search(|y| -p_at(y), -p_exact * gamma, mode, n as i64);
            lower + sf_signed(guess, total, n1, n)
        }
    } else {
        let upper = sf_signed(x - 1, total, n1, n);
        if p_at(0) > p_exact * gamma {
            upper
        } else {
            let guess = binary_search(p_at, p_exact * gamma, 0, mode);
            upper + cdf_signed(guess, total, n1, n)
        }
    };

    Ok(FisherExact {
        odds_ratio,
        ci_low: (log_or - Z_975 * se).exp(),
        ci_high: (log_or + Z_975 * se).exp(),
        p_value: p_value.min(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tea_tasting() {
        // Fisher's lady tasting tea, [[3, 1], [1, 3]]: two-sided p = 34/70.
        let r = fisher_exact([[3, 1], [1, 3]]).unwrap();
        assert!((r.p_value - 34.0 / 70.0).abs() < 1e-14);
        assert_eq!(r.odds_ratio, 9.0);
        let se = (2.0f64 / 3.0 + 2.0).sqrt();
        assert!((r.ci_low - (9.0f64.ln() - Z_975 * se).exp()).abs() < 1e-12);
    }

    #[test]
    fn zero_cells() {
        let r = fisher_exact([[5, 0], [0, 5]]).unwrap();
        assert_eq!(r.odds_ratio, f64::INFINITY);
        assert!((r.p_value - 2.0 / 252.0).abs() < 1e-15);
        assert!(r.ci_high.is_finite());
        assert_eq!(
            fisher_exact([[0, 0], [3, 4]]).unwrap_err(),
            NotTestable::ConstantValues
        );
    }
}
