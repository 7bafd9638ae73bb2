//! The hypergeometric distribution, accurate to near machine precision in the far tails.
//!
//! Fisher's exact test and over-representation analysis both rank results by hypergeometric tail
//! probabilities that reach 1e-100 and below. A log-factorial formula subtracts numbers of order
//! `n ln n` and loses about `log10(n ln n)` digits; instead the pmf is Loader's saddle-point form
//! (`stirlerr` and `bd0`, as R's `dhyper`), and tails sum the pmf ratio series from the smaller
//! side as R's `phyper` does, so a tail is never obtained as `1 - (something near 1)`.
//!
//! Parameterisation follows `scipy.stats.hypergeom(M, n, N)`: a population of `total` items of
//! which `successes` are marked, `draws` items drawn without replacement; X = marked items drawn.

/// `ln(n!) - ln(sqrt(2 pi n) (n/e)^n)`, exact table below 16 (computed with mpmath at 40
/// digits) and the asymptotic series above.
fn stirlerr(n: f64) -> f64 {
    // Full digits kept so the table can be checked against its source.
    #[allow(clippy::excessive_precision)]
    const TABLE: [f64; 16] = [
        0.0,
        0.081_061_466_795_327_258_22,
        0.041_340_695_955_409_294_09,
        0.027_677_925_684_998_339_15,
        0.020_790_672_103_765_093_11,
        0.016_644_691_189_821_192_16,
        0.013_876_128_823_070_747_99,
        0.011_896_709_945_891_770_1,
        0.010_411_265_261_972_096_5,
        0.009_255_462_182_712_732_918,
        0.008_330_563_433_362_871_256,
        0.007_573_675_487_951_840_795,
        0.006_942_840_107_209_529_866,
        0.006_408_994_188_004_207_068,
        0.005_951_370_112_758_847_736,
        0.005_554_733_551_962_801_371,
    ];
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15.0 {
        return TABLE.get(n as usize).copied().unwrap_or(0.0);
    }
    let nn = n * n;
    if n > 500.0 {
        return (S0 - S1 / nn) / n;
    }
    if n > 80.0 {
        return (S0 - (S1 - S2 / nn) / nn) / n;
    }
    if n > 35.0 {
        return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
    }
    (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
}

/// Deviance term `x ln(x / np) + np - x`, computed without cancellation when `x` is near `np`.
fn bd0(x: f64, np: f64) -> f64 {
    if (x - np).abs() < 0.1 * (x + np) {
        let mut v = (x - np) / (x + np);
        let mut s = (x - np) * v;
        if s.abs() < f64::MIN_POSITIVE {
            return s;
        }
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000 {
            ej *= v;
            let s1 = s + ej / f64::from(2 * j + 1);
            if s1 == s {
                return s1;
            }
            s = s1;
        }
    }
    x * (x / np).ln() + np - x
}

/// Log of the binomial pmf `P(X = x)` for `X ~ Bin(n, p)` with `q = 1 - p` given separately.
fn ln_dbinom(x: f64, n: f64, p: f64, q: f64) -> f64 {
    if p == 0.0 {
        return if x == 0.0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if q == 0.0 {
        return if x == n { 0.0 } else { f64::NEG_INFINITY };
    }
    if x == 0.0 {
        if n == 0.0 {
            return 0.0;
        }
        return if p < 0.1 {
            -bd0(n, n * q) - n * p
        } else {
            n * q.ln()
        };
    }
    if x == n {
        return if q < 0.1 {
            -bd0(n, n * p) - n * q
        } else {
            n * p.ln()
        };
    }
    if x < 0.0 || x > n {
        return f64::NEG_INFINITY;
    }
    let lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n * p) - bd0(n - x, n * q);
    let lf = (2.0 * std::f64::consts::PI).ln() + x.ln() + (-x / n).ln_1p();
    lc - 0.5 * lf
}

/// `ln P(X = x)`; `-inf` outside the support.
pub fn ln_pmf(x: u64, total: u64, successes: u64, draws: u64) -> f64 {
    if successes > total || draws > total {
        return f64::NAN;
    }
    let failures = total - successes;
    if x > successes || x > draws || draws - x > failures {
        return f64::NEG_INFINITY;
    }
    if draws == 0 || draws == total {
        // Everything or nothing drawn: X is fixed.
        let fixed = if draws == 0 { 0 } else { successes };
        return if x == fixed { 0.0 } else { f64::NEG_INFINITY };
    }
    let (x, r, b, n) = (x as f64, successes as f64, failures as f64, draws as f64);
    let p = n / (r + b);
    let q = (r + b - n) / (r + b);
    ln_dbinom(x, r, p, q) + ln_dbinom(n - x, b, p, q) - ln_dbinom(n, r + b, p, q)
}

/// `P(X = x)`.
pub fn pmf(x: u64, total: u64, successes: u64, draws: u64) -> f64 {
    ln_pmf(x, total, successes, draws).exp()
}

/// `sum_{i < x} P(X = i) / P(X = x)` style ratio sum of R's `pdhyper`: the lower tail up to and
/// including `x`, divided by `P(X = x)`. Arguments are in "red/black" form.
fn lower_tail_ratio(x: f64, red: f64, black: f64, draws: f64) -> f64 {
    let mut sum = 0.0;
    let mut term = 1.0;
    let mut x = x;
    while x > 0.0 && term >= f64::EPSILON * sum {
        term *= x * (black - draws + x) / (draws + 1.0 - x) / (red + 1.0 - x);
        sum += term;
        x -= 1.0;
    }
    1.0 + sum
}

/// Tail probability as R's `phyper(x, NR, NB, n, lower_tail)`: `P(X <= x)` or `P(X > x)`.
fn tail(x: i64, total: u64, successes: u64, draws: u64, lower: bool) -> f64 {
    let failures = total.saturating_sub(successes);
    let (mut red, mut black) = (successes as f64, failures as f64);
    let n = draws as f64;
    let mut x = x as f64;
    let mut lower = lower;
    // Sum whichever tail is the smaller one: swap colours when x lies above the mean.
    if x * (red + black) > n * red {
        std::mem::swap(&mut red, &mut black);
        x = n - x - 1.0;
        lower = !lower;
    }
    let support_low = (n - black).max(0.0);
    let support_high = n.min(red);
    if x < support_low {
        return if lower { 0.0 } else { 1.0 };
    }
    if x >= support_high {
        return if lower { 1.0 } else { 0.0 };
    }
    let d = pmf(x as u64, (red + black) as u64, red as u64, draws);
    let pd = lower_tail_ratio(x, red, black, n);
    let p = d * pd;
    if lower {
        p.min(1.0)
    } else {
        (0.5 - p + 0.5).max(0.0)
    }
}

/// `P(X <= x)` for a signed `x` (zero below the support), for searches that step past zero.
pub(crate) fn cdf_signed(x: i64, total: u64, successes: u64, draws: u64) -> f64 {
    tail(x, total, successes, draws, true)
}

/// `P(X > x)` for a signed `x` (one below the support).
pub(crate) fn sf_signed(x: i64, total: u64, successes: u64, draws: u64) -> f64 {
    tail(x, total, successes, draws, false)
}

/// `P(X <= x)`.
pub fn cdf(x: u64, total: u64, successes: u64, draws: u64) -> f64 {
    tail(x as i64, total, successes, draws, true)
}

/// `P(X > x)`, as `scipy.stats.hypergeom.sf(x, M, n, N)`. For the over-representation p-value
/// `P(X >= k)` call `sf(k - 1, ..)`, or [`upper_tail_from`].
pub fn sf(x: u64, total: u64, successes: u64, draws: u64) -> f64 {
    tail(x as i64, total, successes, draws, false)
}

/// `P(X >= k)`, defined for `k = 0` too (where it is one).
pub fn upper_tail_from(k: u64, total: u64, successes: u64, draws: u64) -> f64 {
    tail(k as i64 - 1, total, successes, draws, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_pmf_matches_counting() {
        // Population 10 with 4 marked, draw 3: P(X = 2) = C(4,2) C(6,1) / C(10,3) = 36 / 120.
        assert!((pmf(2, 10, 4, 3) - 0.3).abs() < 1e-15);
        let total: f64 = (0..=3).map(|x| pmf(x, 10, 4, 3)).sum();
        assert!((total - 1.0).abs() < 1e-14);
        assert!((cdf(1, 10, 4, 3) - (pmf(0, 10, 4, 3) + pmf(1, 10, 4, 3))).abs() < 1e-15);
        assert!((sf(1, 10, 4, 3) - (pmf(2, 10, 4, 3) + pmf(3, 10, 4, 3))).abs() < 1e-15);
        assert_eq!(upper_tail_from(0, 10, 4, 3), 1.0);
        assert_eq!(pmf(4, 10, 4, 3), 0.0);
    }

    #[test]
    fn extreme_draw_is_exact() {
        // Drawing all 5 marked items out of 1000 in 5 draws: 1 / C(1000, 5).
        let expect = 1.0 / 8_250_291_250_200.0;
        assert!((pmf(5, 1000, 5, 5) / expect - 1.0).abs() < 1e-13);
        assert!((upper_tail_from(5, 1000, 5, 5) / expect - 1.0).abs() < 1e-13);
    }
}
