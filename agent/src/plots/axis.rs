//! Linear scales, "nice" tick positions (steps of 1, 2 or 5 times a power of ten) and the frame
//! every x/y plot shares: title, plot area, gridlines, ticks and axis labels. Sharing one frame
//! keeps all figures of a report the same size and style.

use super::palette::{AXIS, GRID, TEXT_MUTED};
use super::svg::{Anchor, FONT, Stroke, Svg, TITLE_FONT, fit};

/// Maps a data interval onto a pixel interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Scale {
    /// A scale over [lo, hi]; a degenerate interval is widened so that mapping stays finite.
    pub fn new(lo: f64, hi: f64, r0: f64, r1: f64) -> Self {
        let (lo, hi) = widen(lo, hi);
        Self {
            d0: lo,
            d1: hi,
            r0,
            r1,
        }
    }

    pub fn map(&self, v: f64) -> f64 {
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Widens an empty or inverted interval to something drawable.
fn widen(lo: f64, hi: f64) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi > lo {
        return (lo, hi);
    }
    let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
    (lo - pad, lo + pad)
}

/// Data range of finite values, padded by `pad` of its width on both sides.
pub fn padded_range(values: impl Iterator<Item = f64>, pad: f64) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return None;
    }
    let (lo, hi) = widen(lo, hi);
    let d = (hi - lo) * pad;
    Some((lo - d, hi + d))
}

/// About `target` round tick values inside [lo, hi].
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (lo, hi) = widen(lo, hi);
    let step = nice_step((hi - lo) / target.max(1) as f64);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last)
        .take(50)
        .map(|k| {
            let v = k as f64 * step;
            if v.abs() < step * 1e-9 { 0.0 } else { v }
        })
        .collect()
}

fn nice_step(raw: f64) -> f64 {
    let raw = if raw > 0.0 && raw.is_finite() {
        raw
    } else {
        1.0
    };
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// A tick label with as many decimals as the tick spacing needs (and no more).
pub fn tick_label(v: f64, ticks: &[f64]) -> String {
    let step = ticks
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .find(|s| *s > 0.0)
        .unwrap_or(1.0);
    let big = ticks.iter().any(|t| t.abs() >= 1e5);
    if big || step < 1e-4 {
        return format!("{v:.1e}");
    }
    let decimals = (-step.log10().floor()).clamp(0.0, 6.0) as usize;
    let s = format!("{v:.decimals$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        "0".into()
    } else {
        s
    }
}

/// The layout shared by x/y plots.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Default for Frame {
    fn default() -> Self {
        Self {
            width: 520.0,
            height: 340.0,
            left: 62.0,
            right: 16.0,
            top: 46.0,
            bottom: 50.0,
        }
    }
}

impl Frame {
    pub fn x0(&self) -> f64 {
        self.left
    }
    pub fn x1(&self) -> f64 {
        self.width - self.right
    }
    pub fn y0(&self) -> f64 {
        self.top
    }
    pub fn y1(&self) -> f64 {
        self.height - self.bottom
    }

    pub fn x_scale(&self, lo: f64, hi: f64) -> Scale {
        Scale::new(lo, hi, self.x0(), self.x1())
    }

    /// y grows upwards: the data minimum sits at the bottom of the plot area.
    pub fn y_scale(&self, lo: f64, hi: f64) -> Scale {
        Scale::new(lo, hi, self.y1(), self.y0())
    }

    /// Title (fitted to the width) and an optional muted subtitle line.
    pub fn title(&self, svg: &mut Svg, title: &str, subtitle: &str) {
        let w = self.width - 16.0;
        svg.text(
            self.width / 2.0,
            18.0,
            &fit(title, w, TITLE_FONT),
            Anchor::Middle,
            TITLE_FONT,
            r#" font-weight="bold""#,
        );
        if !subtitle.is_empty() {
            svg.text(
                self.width / 2.0,
                34.0,
                &fit(subtitle, w, FONT),
                Anchor::Middle,
                FONT,
                &format!(r#" fill="{TEXT_MUTED}""#),
            );
        }
    }

    /// Horizontal gridlines, y ticks and the y-axis label.
    pub fn y_axis(&self, svg: &mut Svg, y: &Scale, label: &str) {
        let ticks = nice_ticks(y.d0, y.d1, 5);
        for &t in &ticks {
            let py = y.map(t);
            svg.line(self.x0(), py, self.x1(), py, Stroke::solid(GRID, 1.0));
            svg.text(
                self.x0() - 5.0,
                py + 3.5,
                &tick_label(t, &ticks),
                Anchor::End,
                FONT,
                "",
            );
        }
        svg.line(
            self.x0(),
            self.y0(),
            self.x0(),
            self.y1(),
            Stroke::solid(AXIS, 1.0),
        );
        let h = self.y1() - self.y0();
        svg.vertical_text(14.0, (self.y0() + self.y1()) / 2.0, &fit(label, h, FONT));
    }

    /// The x axis with numeric ticks and its label.
    pub fn x_axis(&self, svg: &mut Svg, x: &Scale, label: &str) {
        let ticks = nice_ticks(x.d0, x.d1, 6);
        for &t in &ticks {
            let px = x.map(t);
            svg.line(px, self.y1(), px, self.y1() + 4.0, Stroke::solid(AXIS, 1.0));
            svg.text(
                px,
                self.y1() + 16.0,
                &tick_label(t, &ticks),
                Anchor::Middle,
                FONT,
                "",
            );
        }
        self.x_baseline(svg);
        self.x_label(svg, label);
    }

    pub fn x_baseline(&self, svg: &mut Svg) {
        svg.line(
            self.x0(),
            self.y1(),
            self.x1(),
            self.y1(),
            Stroke::solid(AXIS, 1.0),
        );
    }

    pub fn x_label(&self, svg: &mut Svg, label: &str) {
        svg.text(
            (self.x0() + self.x1()) / 2.0,
            self.height - 10.0,
            &fit(label, self.x1() - self.x0(), FONT),
            Anchor::Middle,
            FONT,
            "",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside() {
        let t = nice_ticks(0.0, 1.0, 5);
        let want = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
        assert_eq!(t.len(), want.len());
        assert!(t.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12));
        assert_eq!(nice_ticks(-3.7, 12.2, 5), vec![0.0, 5.0, 10.0]);
    }

    #[test]
    fn degenerate_ranges_still_tick() {
        assert!(!nice_ticks(2.0, 2.0, 5).is_empty());
        assert!(!nice_ticks(f64::NAN, 1.0, 5).is_empty());
    }

    #[test]
    fn labels_use_the_decimals_the_step_needs() {
        let t = nice_ticks(0.0, 1.0, 5);
        assert_eq!(tick_label(t[3], &t), "0.6");
        assert_eq!(tick_label(10.0, &[0.0, 5.0, 10.0]), "10");
        assert_eq!(tick_label(2e6, &[0.0, 1e6, 2e6]), "2.0e6");
    }

    #[test]
    fn scale_maps_ends_and_survives_empty_domains() {
        let s = Scale::new(0.0, 10.0, 100.0, 200.0);
        assert_eq!(s.map(0.0), 100.0);
        assert_eq!(s.map(10.0), 200.0);
        let flat = Scale::new(3.0, 3.0, 0.0, 1.0);
        assert!(flat.map(3.0).is_finite());
        assert_eq!(padded_range([f64::NAN].into_iter(), 0.1), None);
    }
}
