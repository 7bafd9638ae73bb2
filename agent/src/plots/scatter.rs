//! Scatter plot with an ordinary least-squares line, for correlations: copy number against RNA
//! against protein of one gene, or a feature against a numeric clinical variable. The subtitle
//! carries n, the fitted line and Pearson's r so the picture and the numbers travel together.

use super::axis::{Frame, padded_range};
use super::palette::{self, FIT_LINE};
use super::svg::{Fill, PathData, Stroke, Svg};
use crate::hypothesis::fmt_effect;

#[derive(Clone, Copy, Debug)]
pub struct Scatter<'a> {
    pub title: &'a str,
    /// Extra text for the subtitle (e.g. the test the agent ran), before the fit summary.
    pub note: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// Paired observations; pairs with a non-finite value are left out, extra values ignored.
    pub x: &'a [f64],
    pub y: &'a [f64],
}

/// y = intercept + slope x, fitted by ordinary least squares.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeastSquares {
    pub slope: f64,
    pub intercept: f64,
    /// Pearson correlation of the pairs.
    pub r: f64,
    pub n: usize,
}

/// Finite pairs of `x` and `y`.
fn pairs(x: &[f64], y: &[f64]) -> Vec<(f64, f64)> {
    x.iter()
        .zip(y)
        .map(|(&a, &b)| (a, b))
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .collect()
}

/// The least-squares line through the finite pairs; `None` with fewer than two pairs or when x
/// does not vary.
pub fn least_squares(x: &[f64], y: &[f64]) -> Option<LeastSquares> {
    let p = pairs(x, y);
    let n = p.len();
    if n < 2 {
        return None;
    }
    let mx = p.iter().map(|q| q.0).sum::<f64>() / n as f64;
    let my = p.iter().map(|q| q.1).sum::<f64>() / n as f64;
    let sxx: f64 = p.iter().map(|q| (q.0 - mx).powi(2)).sum();
    let syy: f64 = p.iter().map(|q| (q.1 - my).powi(2)).sum();
    let sxy: f64 = p.iter().map(|q| (q.0 - mx) * (q.1 - my)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let r = if syy > 0.0 {
        sxy / (sxx * syy).sqrt()
    } else {
        0.0
    };
    Some(LeastSquares {
        slope,
        intercept: my - slope * mx,
        r,
        n,
    })
}

/// The plot as an inline `<svg>`; a "no data" placeholder without any finite pair.
pub fn scatter_plot(plot: &Scatter<'_>) -> String {
    let p = pairs(plot.x, plot.y);
    let (Some((x_lo, x_hi)), Some((y_lo, y_hi))) = (
        padded_range(p.iter().map(|q| q.0), 0.05),
        padded_range(p.iter().map(|q| q.1), 0.06),
    ) else {
        return super::placeholder(plot.title, "no pair of finite values to plot");
    };
    let fit = least_squares(plot.x, plot.y);
    let summary = match fit {
        Some(f) => format!(
            "n={}, y = {} {} {}x, r = {}",
            f.n,
            significant(f.intercept),
            if f.slope < 0.0 { "-" } else { "+" },
            significant(f.slope.abs()),
            fmt_effect(f.r)
        ),
        None => format!("n={}, no line (x does not vary)", p.len()),
    };
    let subtitle = if plot.note.is_empty() {
        summary
    } else {
        format!("{}; {summary}", plot.note)
    };
    let frame = Frame::default();
    let mut svg = Svg::new(frame.width, frame.height, plot.title);
    frame.title(&mut svg, plot.title, &subtitle);
    let x = frame.x_scale(x_lo, x_hi);
    let y = frame.y_scale(y_lo, y_hi);
    frame.y_axis(&mut svg, &y, plot.y_label);
    frame.x_axis(&mut svg, &x, plot.x_label);
    let points: Vec<(f64, f64)> = p.iter().map(|&(a, b)| (x.map(a), y.map(b))).collect();
    svg.dots(&points, 2.6, Fill::new(palette::group(0), 0.6));
    if let Some(f) = fit {
        // The line over the observed x range, clipped to the plot's y range.
        let (a, b) = clip_line(f, x_lo, x_hi, y_lo, y_hi);
        if let (Some((xa, ya)), Some((xb, yb))) = (a, b) {
            let mut d = PathData::default();
            d.move_to(x.map(xa), y.map(ya));
            d.line_to(x.map(xb), y.map(yb));
            svg.path(&d, Stroke::solid(FIT_LINE, 1.6));
        }
    }
    svg.finish()
}

/// Three significant digits, for coefficients whose scale depends on the variables' units
/// (a slope per unit of ESTIMATE score is 0.000482, per unit of purity 2.41).
fn significant(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..6).contains(&magnitude) {
        return format!("{x:.2e}");
    }
    let decimals = (2 - magnitude).max(0) as usize;
    format!("{x:.decimals$}")
}

type Point = Option<(f64, f64)>;

/// End points of the fitted line within the box [x_lo, x_hi] x [y_lo, y_hi].
fn clip_line(f: LeastSquares, x_lo: f64, x_hi: f64, y_lo: f64, y_hi: f64) -> (Point, Point) {
    let at = |x: f64| f.intercept + f.slope * x;
    let mut lo = x_lo;
    let mut hi = x_hi;
    if f.slope != 0.0 {
        let x_at = |y: f64| (y - f.intercept) / f.slope;
        let (xa, xb) = (x_at(y_lo), x_at(y_hi));
        lo = lo.max(xa.min(xb));
        hi = hi.min(xa.max(xb));
    } else if !(y_lo..=y_hi).contains(&f.intercept) {
        return (None, None);
    }
    if lo >= hi {
        return (None, None);
    }
    (Some((lo, at(lo))), Some((hi, at(hi))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_recovers_a_line() {
        let x = [0.0, 1.0, 2.0, 3.0, f64::NAN];
        let y = [1.0, 3.0, 5.0, 7.0, 100.0];
        let f = least_squares(&x, &y).unwrap();
        assert!((f.slope - 2.0).abs() < 1e-12);
        assert!((f.intercept - 1.0).abs() < 1e-12);
        assert!((f.r - 1.0).abs() < 1e-12);
        assert_eq!(f.n, 4);
        assert_eq!(least_squares(&[1.0, 1.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn draws_each_pair_and_the_line() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, f64::NAN];
        let y = [2.0, 1.0, 4.0, 3.0, 6.0, 1.0];
        let svg = scatter_plot(&Scatter {
            title: "TP53 copy number vs RNA",
            note: "",
            x_label: "copy_number",
            y_label: "rna",
            x: &x,
            y: &y,
        });
        assert_eq!(svg.matches("<circle").count(), 5);
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(svg.contains("n=5"));
    }

    #[test]
    fn constant_x_draws_points_without_a_line() {
        let svg = scatter_plot(&Scatter {
            title: "t",
            note: "",
            x_label: "x",
            y_label: "y",
            x: &[1.0, 1.0, 1.0],
            y: &[1.0, 2.0, 3.0],
        });
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches("<path").count(), 0);
        assert!(svg.contains("no line"));
    }

    #[test]
    fn labels_are_escaped_and_empty_input_is_a_placeholder() {
        let svg = scatter_plot(&Scatter {
            title: "A&B <1>",
            note: "",
            x_label: "x",
            y_label: "y",
            x: &[],
            y: &[],
        });
        assert!(svg.contains("no data"));
        assert!(svg.contains("A&amp;B &lt;1&gt;"));
    }

    #[test]
    fn coefficients_keep_three_significant_digits() {
        assert_eq!(significant(0.000_482_1), "0.000482");
        assert_eq!(significant(2.414), "2.41");
        assert_eq!(significant(1234.4), "1234");
        assert_eq!(significant(-0.5), "-0.500");
        assert_eq!(significant(3.2e-7), "3.20e-7");
        assert_eq!(significant(0.0), "0");
    }

    #[test]
    fn clipped_line_stays_in_the_box() {
        let f = LeastSquares {
            slope: 10.0,
            intercept: 0.0,
            r: 1.0,
            n: 3,
        };
        let (a, b) = clip_line(f, 0.0, 10.0, 0.0, 20.0);
        assert_eq!(a, Some((0.0, 0.0)));
        assert_eq!(b, Some((2.0, 20.0)));
    }
}
