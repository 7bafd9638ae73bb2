//! Grouped bar chart of counts, used for the calibration figure: hypotheses found on the real
//! labels beside those found on each label-shuffled copy. Each bar carries its value as text, since
//! the point of the figure is to compare small counts exactly.

use super::axis::Frame;
use super::palette::{self, TEXT_MUTED};
use super::svg::{Anchor, FONT, Fill, Svg, fit};

/// One series: a value per category (missing values count as 0; negative and non-finite ones
/// are drawn as 0).
#[derive(Clone, Copy, Debug)]
pub struct BarSeries<'a> {
    pub name: &'a str,
    pub values: &'a [f64],
}

#[derive(Clone, Copy, Debug)]
pub struct BarChart<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    pub y_label: &'a str,
    pub categories: &'a [&'a str],
    pub series: &'a [BarSeries<'a>],
}

fn value(s: &BarSeries<'_>, i: usize) -> f64 {
    s.values
        .get(i)
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(0.0)
}

/// The chart as an inline `<svg>`; a "no data" placeholder without categories or series.
pub fn bar_chart(chart: &BarChart<'_>) -> String {
    if chart.categories.is_empty() || chart.series.is_empty() {
        return super::placeholder(chart.title, "nothing to count");
    }
    let max = chart
        .series
        .iter()
        .flat_map(|s| (0..chart.categories.len()).map(move |i| value(s, i)))
        .fold(0.0, f64::max);
    let frame = Frame {
        bottom: 58.0,
        ..Frame::default()
    };
    let mut svg = Svg::new(frame.width, frame.height, chart.title);
    frame.title(&mut svg, chart.title, chart.subtitle);
    let y = frame.y_scale(0.0, (max * 1.15).max(1.0));
    frame.y_axis(&mut svg, &y, chart.y_label);
    frame.x_baseline(&mut svg);
    let slot = (frame.x1() - frame.x0()) / chart.categories.len() as f64;
    let bar_w = (slot * 0.8 / chart.series.len() as f64).min(48.0);
    for (i, category) in chart.categories.iter().enumerate() {
        let left = frame.x0() + slot * i as f64 + (slot - bar_w * chart.series.len() as f64) / 2.0;
        for (k, s) in chart.series.iter().enumerate() {
            let v = value(s, i);
            let bx = left + bar_w * k as f64;
            let top = y.map(v);
            svg.rect(
                bx + 1.0,
                top,
                bar_w - 2.0,
                frame.y1() - top,
                Fill::new(palette::group(k), 0.85),
                None,
            );
            svg.text(
                bx + bar_w / 2.0,
                top - 3.0,
                &format_count(v),
                Anchor::Middle,
                FONT - 1.0,
                "",
            );
        }
        svg.text(
            frame.x0() + slot * (i as f64 + 0.5),
            frame.y1() + 16.0,
            &fit(category, slot - 4.0, FONT),
            Anchor::Middle,
            FONT,
            "",
        );
    }
    // Legend under the category labels.
    let mut lx = frame.x0();
    for (k, s) in chart.series.iter().enumerate() {
        let ly = frame.y1() + 34.0;
        svg.rect(
            lx,
            ly - 9.0,
            10.0,
            10.0,
            Fill::new(palette::group(k), 0.85),
            None,
        );
        let name = fit(s.name, 200.0, FONT);
        svg.text(
            lx + 14.0,
            ly,
            &name,
            Anchor::Start,
            FONT,
            &format!(r#" fill="{TEXT_MUTED}""#),
        );
        lx += 30.0 + name.chars().count() as f64 * FONT * 0.58;
    }
    svg.finish()
}

/// Whole numbers without decimals, others with two.
fn format_count(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bar_per_category_and_series_with_values() {
        let real = [21.0, 0.0, 8.0];
        let replicated = [21.0, 0.0, 1.0];
        let svg = bar_chart(&BarChart {
            title: "calibration",
            subtitle: "",
            y_label: "hypotheses",
            categories: &["real labels", "shuffled 1", "shuffled 2"],
            series: &[
                BarSeries {
                    name: "hypotheses",
                    values: &real,
                },
                BarSeries {
                    name: "replicated",
                    values: &replicated,
                },
            ],
        });
        // Background, 6 bars, 2 legend keys.
        assert_eq!(svg.matches("<rect").count(), 9);
        assert!(svg.contains(">21</text>") && svg.contains(">8</text>"));
        assert!(svg.contains(">shuffled 2</text>"));
    }

    #[test]
    fn short_series_and_bad_values_draw_as_zero() {
        let svg = bar_chart(&BarChart {
            title: "t",
            subtitle: "",
            y_label: "n",
            categories: &["a", "b"],
            series: &[BarSeries {
                name: "s",
                values: &[f64::NAN],
            }],
        });
        assert_eq!(
            svg.matches(">0</text>").count(),
            3,
            "two bars and the y tick"
        );
    }

    #[test]
    fn empty_chart_is_a_placeholder() {
        let svg = bar_chart(&BarChart {
            title: "t",
            subtitle: "",
            y_label: "n",
            categories: &[],
            series: &[],
        });
        assert!(svg.contains("no data"));
    }
}
