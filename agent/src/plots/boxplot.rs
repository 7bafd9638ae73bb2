//! Box-and-strip plot of one feature's values by group: every observation as a point (jittered
//! deterministically so the same data always draws the same picture), over a box from the first
//! to the third quartile with the median marked and Tukey whiskers (1.5 IQR). Showing the points
//! matters: a difference in means driven by three outliers looks convincing as a bar but not here.

use super::axis::{Frame, padded_range};
use super::palette::{self, AXIS};
use super::svg::{Anchor, FONT, Fill, Stroke, Svg, fit};

/// One group's observations; non-finite values are ignored.
#[derive(Clone, Copy, Debug)]
pub struct BoxGroup<'a> {
    pub label: &'a str,
    pub values: &'a [f64],
}

#[derive(Clone, Copy, Debug)]
pub struct BoxPlot<'a> {
    pub title: &'a str,
    /// Muted line under the title (the test and its numbers, the samples shown).
    pub subtitle: &'a str,
    pub y_label: &'a str,
    pub groups: &'a [BoxGroup<'a>],
}

/// Quartiles and whiskers of one group.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoxStats {
    pub n: usize,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    /// Most extreme observations within 1.5 IQR of the box.
    pub whisker_low: f64,
    pub whisker_high: f64,
}

/// The `p`-quantile of sorted values by linear interpolation (numpy's default, R type 7).
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Box statistics of the finite values, `None` when there are none.
pub fn box_stats(values: &[f64]) -> Option<BoxStats> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let q1 = quantile(&v, 0.25)?;
    let median = quantile(&v, 0.5)?;
    let q3 = quantile(&v, 0.75)?;
    let reach = 1.5 * (q3 - q1);
    let whisker_low = v.iter().copied().find(|&x| x >= q1 - reach).unwrap_or(q1);
    let whisker_high = v
        .iter()
        .rev()
        .copied()
        .find(|&x| x <= q3 + reach)
        .unwrap_or(q3);
    Some(BoxStats {
        n: v.len(),
        q1,
        median,
        q3,
        whisker_low,
        whisker_high,
    })
}

/// Deterministic jitter in [-0.5, 0.5): the golden-ratio sequence spreads consecutive points
/// evenly across the strip without a random generator.
fn jitter(i: usize) -> f64 {
    const PHI: f64 = 0.618_033_988_749_895;
    ((i as f64 + 1.0) * PHI).fract() - 0.5
}

/// The plot as an inline `<svg>`; a "no data" placeholder when no group has a finite value.
pub fn box_plot(plot: &BoxPlot<'_>) -> String {
    let stats: Vec<Option<BoxStats>> = plot.groups.iter().map(|g| box_stats(g.values)).collect();
    let Some((lo, hi)) = padded_range(
        plot.groups.iter().flat_map(|g| g.values.iter().copied()),
        0.06,
    ) else {
        return super::placeholder(plot.title, "no finite values to plot");
    };
    let frame = Frame {
        bottom: 58.0,
        ..Frame::default()
    };
    let mut svg = Svg::new(frame.width, frame.height, plot.title);
    frame.title(&mut svg, plot.title, plot.subtitle);
    let y = frame.y_scale(lo, hi);
    frame.y_axis(&mut svg, &y, plot.y_label);
    frame.x_baseline(&mut svg);

    let k = plot.groups.len().max(1);
    let slot = (frame.x1() - frame.x0()) / k as f64;
    let box_w = (slot * 0.5).min(70.0);
    for (i, (group, stats)) in plot.groups.iter().zip(&stats).enumerate() {
        let cx = frame.x0() + slot * (i as f64 + 0.5);
        let colour = palette::group(i);
        if let Some(s) = stats {
            let top = y.map(s.q3);
            let bottom = y.map(s.q1);
            let stroke = Stroke::solid(AXIS, 1.2);
            svg.line(cx, y.map(s.whisker_high), cx, top, stroke);
            svg.line(cx, bottom, cx, y.map(s.whisker_low), stroke);
            for w in [s.whisker_low, s.whisker_high] {
                svg.line(
                    cx - box_w / 4.0,
                    y.map(w),
                    cx + box_w / 4.0,
                    y.map(w),
                    stroke,
                );
            }
            svg.rect(
                cx - box_w / 2.0,
                top,
                box_w,
                bottom - top,
                Fill::new(colour, 0.18),
                Some(Stroke::solid(colour, 1.2)),
            );
            let m = y.map(s.median);
            svg.line(
                cx - box_w / 2.0,
                m,
                cx + box_w / 2.0,
                m,
                Stroke::solid(AXIS, 2.5),
            );
        }
        let points: Vec<(f64, f64)> = group
            .values
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .enumerate()
            .map(|(j, v)| (cx + jitter(j) * box_w * 0.9, y.map(v)))
            .collect();
        svg.dots(&points, 2.4, Fill::new(colour, 0.65));
        let n = stats.map_or(0, |s| s.n);
        svg.text(
            cx,
            frame.y1() + 16.0,
            &fit(group.label, slot - 4.0, FONT),
            Anchor::Middle,
            FONT,
            "",
        );
        svg.text(
            cx,
            frame.y1() + 30.0,
            &format!("n={n}"),
            Anchor::Middle,
            FONT,
            &format!(r#" fill="{}""#, palette::TEXT_MUTED),
        );
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plot(groups: &[BoxGroup<'_>]) -> String {
        box_plot(&BoxPlot {
            title: "PTEN protein",
            subtitle: "",
            y_label: "log2 abundance",
            groups,
        })
    }

    #[test]
    fn quartiles_match_numpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [25, 50, 75]) = [2, 3, 4].
        let s = box_stats(&[4.0, 1.0, f64::NAN, 3.0, 2.0, 10.0]).unwrap();
        assert_eq!((s.n, s.q1, s.median, s.q3), (5, 2.0, 3.0, 4.0));
        // 10 lies beyond q3 + 1.5 IQR = 7, so the whisker stops at 4.
        assert_eq!((s.whisker_low, s.whisker_high), (1.0, 4.0));
        assert_eq!(quantile(&[1.0, 2.0], 0.5), Some(1.5));
        assert_eq!(box_stats(&[f64::NAN]), None);
    }

    #[test]
    fn one_point_per_finite_value_and_n_in_labels() {
        let a = [1.0, 2.0, 3.0, f64::NAN];
        let b = [2.0, 4.0, 6.0, 8.0, 10.0];
        let svg = plot(&[
            BoxGroup {
                label: "wild-type",
                values: &a,
            },
            BoxGroup {
                label: "mutated",
                values: &b,
            },
        ]);
        assert_eq!(svg.matches("<circle").count(), 8);
        assert!(svg.contains(">n=3</text>") && svg.contains(">n=5</text>"));
        assert!(svg.contains(">wild-type</text>"));
        assert_eq!(svg.matches("<rect").count(), 3, "background and two boxes");
    }

    #[test]
    fn jitter_is_deterministic_and_bounded() {
        let v = [1.0; 20];
        let g = [BoxGroup {
            label: "a",
            values: &v,
        }];
        assert_eq!(plot(&g), plot(&g));
        assert!((0..1000).map(jitter).all(|j| (-0.5..0.5).contains(&j)));
    }

    #[test]
    fn labels_are_escaped() {
        let v = [1.0, 2.0];
        let svg = plot(&[BoxGroup {
            label: "<50 & older",
            values: &v,
        }]);
        assert!(svg.contains("&lt;50 &amp; older"));
        assert!(!svg.contains("<50"));
    }

    #[test]
    fn empty_input_gives_a_placeholder() {
        let svg = plot(&[]);
        assert!(svg.contains("no data"));
        let nan = [f64::NAN];
        let svg = plot(&[BoxGroup {
            label: "a",
            values: &nan,
        }]);
        assert!(svg.contains("no data") && svg.ends_with("</svg>"));
    }
}
