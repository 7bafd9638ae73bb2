//! Volcano plot of one analysis: effect against -log10 p for every test it ran, with the rows
//! that pass the false-discovery threshold coloured by direction and the strongest few labelled.
//! It shows a finding in the context of the whole screen it came from: one strong hit among
//! thousands of flat rows reads differently from a screen where everything moved.
//!
//! A screen has thousands of rows; points that would land on the same 2-pixel cell are drawn
//! once, which keeps the SVG small without changing what the eye sees.

use super::axis::{Frame, padded_range};
use super::palette::{DOWN, MUTED, TEXT_MUTED, UP};
use super::svg::{Anchor, FONT, Fill, Stroke, Svg, fit};
use crate::hypothesis::fmt_p;
use std::collections::HashSet;

/// One test row: its label (feature or gene), effect, p and session-wide q.
#[derive(Clone, Copy, Debug)]
pub struct VolcanoPoint<'a> {
    pub label: &'a str,
    pub effect: f64,
    pub p: f64,
    pub q: f64,
}

#[derive(Clone, Copy, Debug)]
pub struct Volcano<'a> {
    pub title: &'a str,
    pub effect_label: &'a str,
    pub points: &'a [VolcanoPoint<'a>],
    /// Rows with q at or below this are highlighted (0.05 in the report).
    pub q_threshold: f64,
    /// How many of the highlighted rows (smallest p first) get a text label.
    pub label_top: usize,
    /// A row to ring and label whatever its rank: the finding the plot supports.
    pub focus: Option<&'a str>,
}

/// Hits drawn individually with a hover tooltip; the rest are plain dots.
const TOOLTIPS: usize = 40;

/// Pixel positions with at most one per 2-pixel cell, in first-seen order.
fn thin(points: impl Iterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let mut seen: HashSet<(i64, i64)> = HashSet::new();
    points
        .filter(|&(px, py)| seen.insert(((px / 2.0).floor() as i64, (py / 2.0).floor() as i64)))
        .collect()
}

/// -log10 p, with p = 0 (underflow) drawn at 1e-300.
fn neg_log10(p: f64) -> f64 {
    -p.max(1e-300).log10()
}

/// The plot as an inline `<svg>`; a "no data" placeholder without any finite row.
pub fn volcano_plot(plot: &Volcano<'_>) -> String {
    let rows: Vec<&VolcanoPoint<'_>> = plot
        .points
        .iter()
        .filter(|r| r.effect.is_finite() && r.p.is_finite() && (0.0..=1.0).contains(&r.p))
        .collect();
    let (Some((x_lo, x_hi)), Some((_, y_hi))) = (
        padded_range(rows.iter().map(|r| r.effect).chain([0.0]), 0.05),
        padded_range(rows.iter().map(|r| neg_log10(r.p)), 0.06),
    ) else {
        return super::placeholder(plot.title, "no test with a finite effect and p-value");
    };
    let highlighted = |r: &VolcanoPoint<'_>| r.q <= plot.q_threshold;
    let n_hits = rows.iter().filter(|r| highlighted(r)).count();
    let subtitle = format!(
        "{} tests, {} with q <= {} ({} up, {} down)",
        rows.len(),
        n_hits,
        plot.q_threshold,
        rows.iter()
            .filter(|r| highlighted(r) && r.effect > 0.0)
            .count(),
        rows.iter()
            .filter(|r| highlighted(r) && r.effect < 0.0)
            .count(),
    );
    let frame = Frame::default();
    let mut svg = Svg::new(frame.width, frame.height, plot.title);
    frame.title(&mut svg, plot.title, &subtitle);
    let x = frame.x_scale(x_lo, x_hi);
    let y = frame.y_scale(0.0, y_hi.max(1.0));
    frame.y_axis(&mut svg, &y, "-log10 p");
    frame.x_axis(&mut svg, &x, plot.effect_label);
    svg.line(
        x.map(0.0),
        frame.y0(),
        x.map(0.0),
        frame.y1(),
        Stroke::solid(MUTED, 0.8),
    );

    // The p-value boundary of the highlighted set: the largest p that still passes.
    if let Some(p_cut) = rows
        .iter()
        .filter(|r| highlighted(r))
        .map(|r| r.p)
        .max_by(f64::total_cmp)
    {
        let py = y.map(neg_log10(p_cut));
        svg.line(
            frame.x0(),
            py,
            frame.x1(),
            py,
            Stroke::dashed(TEXT_MUTED, 0.8),
        );
        svg.text(
            frame.x1() - 2.0,
            py - 3.0,
            &format!("q = {}", plot.q_threshold),
            Anchor::End,
            FONT - 1.0,
            &format!(r#" fill="{TEXT_MUTED}""#),
        );
    }

    // Background rows first, then hits by direction, each thinned to one point per 2-pixel cell;
    // the strongest hits are drawn one by one, on top, with their numbers on hover.
    let mut hits: Vec<&VolcanoPoint<'_>> =
        rows.iter().copied().filter(|r| highlighted(r)).collect();
    hits.sort_by(|a, b| a.p.total_cmp(&b.p));
    let split = hits.len().min(TOOLTIPS);
    let (named, rest) = hits.split_at(split);
    let background: Vec<&VolcanoPoint<'_>> =
        rows.iter().copied().filter(|r| !highlighted(r)).collect();
    let at = |r: &VolcanoPoint<'_>| (x.map(r.effect), y.map(neg_log10(r.p)));
    svg.dots(
        &thin(background.iter().map(|r| at(r))),
        2.0,
        Fill::new(MUTED, 0.5),
    );
    for (colour, up) in [(UP, true), (DOWN, false)] {
        let points = thin(
            rest.iter()
                .filter(|r| (r.effect > 0.0) == up)
                .map(|r| at(r)),
        );
        svg.dots(&points, 2.8, Fill::new(colour, 0.8));
    }
    for r in named.iter().rev() {
        let colour = if r.effect > 0.0 { UP } else { DOWN };
        let tip = format!(
            "{}: effect {:.3}, p={}, q={}",
            r.label,
            r.effect,
            fmt_p(r.p),
            fmt_p(r.q)
        );
        let (px, py) = at(r);
        svg.circle(px, py, 2.8, Fill::new(colour, 0.8), Some(&tip));
    }

    // Labels: the top few hits, plus the focus row.
    let mut labelled: Vec<&VolcanoPoint<'_>> = hits.iter().take(plot.label_top).copied().collect();
    let focus = plot
        .focus
        .and_then(|f| rows.iter().find(|r| r.label == f).copied());
    if let Some(f) = focus
        && !labelled.iter().any(|r| r.label == f.label)
    {
        labelled.push(f);
    }
    let mut taken: Vec<(f64, f64)> = Vec::new();
    for r in labelled {
        let (px, py) = (x.map(r.effect), y.map(neg_log10(r.p)));
        let right = px < (frame.x0() + frame.x1()) / 2.0;
        let mut ly = py - 5.0;
        // Nudge down past labels already placed on the same side nearby.
        while taken
            .iter()
            .any(|&(tx, ty)| (tx - px).abs() < 90.0 && (ty - ly).abs() < 11.0)
        {
            ly += 11.0;
        }
        ly = ly.clamp(frame.y0() + 8.0, frame.y1() - 2.0);
        taken.push((px, ly));
        let is_focus = focus.is_some_and(|f| f.label == r.label);
        if is_focus {
            svg.ring(px, py, 6.0, Stroke::solid("#000000", 1.5));
        }
        // Labels sit among dense points; a white outline under the glyphs keeps them legible.
        let offset = if is_focus { 9.0 } else { 6.0 };
        svg.text(
            if right { px + offset } else { px - offset },
            ly,
            &fit(r.label, 110.0, FONT),
            if right { Anchor::Start } else { Anchor::End },
            FONT,
            if is_focus {
                r##" font-weight="bold" stroke="#ffffff" stroke-width="3" paint-order="stroke""##
            } else {
                r##" stroke="#ffffff" stroke-width="3" paint-order="stroke""##
            },
        );
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(label: &str, effect: f64, p: f64, q: f64) -> VolcanoPoint<'_> {
        VolcanoPoint {
            label,
            effect,
            p,
            q,
        }
    }

    fn volcano<'a>(points: &'a [VolcanoPoint<'a>], focus: Option<&'a str>) -> String {
        volcano_plot(&Volcano {
            title: "mutation of PTEN -> proteome",
            effect_label: "mean difference",
            points,
            q_threshold: 0.05,
            label_top: 2,
            focus,
        })
    }

    #[test]
    fn highlights_hits_and_labels_the_top_few() {
        let points = [
            point("PTEN", -2.0, 1e-12, 1e-9),
            point("AKT1", 1.0, 1e-6, 1e-4),
            point("MTOR", 0.8, 1e-4, 0.01),
            point("GAPDH", 0.1, 0.5, 0.9),
            point("ACTB", -0.2, 0.3, 0.8),
            point("bad", f64::NAN, 0.1, 0.2),
        ];
        let svg = volcano(&points, None);
        assert_eq!(svg.matches("<circle").count(), 5);
        assert_eq!(svg.matches(UP).count() + svg.matches(DOWN).count(), 3);
        assert!(svg.contains(">PTEN</text>") && svg.contains(">AKT1</text>"));
        assert!(
            !svg.contains(">MTOR</text>"),
            "only the top two are labelled"
        );
        assert!(svg.contains("5 tests, 3 with q &lt;= 0.05 (2 up, 1 down)"));
    }

    #[test]
    fn focus_row_is_ringed_and_labelled_even_if_not_a_hit() {
        let points = [
            point("PTEN", -2.0, 1e-12, 1e-9),
            point("GAPDH", 0.1, 0.5, 0.9),
        ];
        let svg = volcano(&points, Some("GAPDH"));
        assert!(svg.contains(r#"fill="none""#));
        assert!(svg.contains(">GAPDH</text>"));
    }

    #[test]
    fn only_the_strongest_hits_carry_tooltips() {
        let labels: Vec<String> = (0..100).map(|i| format!("G{i}")).collect();
        let points: Vec<VolcanoPoint<'_>> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| point(l, 1.0 + i as f64 / 10.0, 10f64.powi(-(i as i32) - 3), 1e-3))
            .collect();
        let svg = volcano(&points, None);
        assert_eq!(svg.matches("<title>").count(), 1 + TOOLTIPS);
        assert!(svg.contains("<title>G99: "), "the smallest p has a tooltip");
        assert!(!svg.contains("<title>G0: "));
        assert!(svg.matches("<circle").count() > TOOLTIPS);
    }

    #[test]
    fn overlapping_background_points_are_drawn_once() {
        let points: Vec<VolcanoPoint<'_>> = (0..1000).map(|_| point("x", 0.01, 0.5, 0.9)).collect();
        let svg = volcano(&points, None);
        assert_eq!(svg.matches("<circle").count(), 1);
        assert!(svg.contains("1000 tests"));
    }

    #[test]
    fn names_are_escaped_and_empty_input_is_a_placeholder() {
        let points = [point("A<B&C", 1.0, 1e-5, 1e-3)];
        let svg = volcano(&points, None);
        assert!(svg.contains("A&lt;B&amp;C"));
        assert!(volcano(&[], None).contains("no data"));
        let p0 = [point("zero", 1.0, 0.0, 0.0)];
        assert!(
            volcano(&p0, None).contains("<circle"),
            "p = 0 is drawn, capped"
        );
    }
}
