//! A small SVG writer: the handful of elements the plots draw, with every piece of text escaped
//! and every coordinate finite. Plots are written by hand rather than with a plotting crate
//! because they need only lines, circles, rectangles and text, and a dependency-free writer keeps
//! the build small and the output byte-for-byte deterministic.

use std::fmt::Write;

/// Font size of tick labels and most text, in SVG user units (pixels at 100% zoom).
pub const FONT: f64 = 11.0;
/// Font size of plot titles.
pub const TITLE_FONT: f64 = 13.0;
/// Average glyph width as a fraction of the font size, for fitting text without measuring it.
const GLYPH_WIDTH: f64 = 0.58;

pub use crate::html::escape;

/// Shortens `text` to about `max_width` units at `font` size, ending in an ellipsis when cut.
pub fn fit(text: &str, max_width: f64, font: f64) -> String {
    let max_chars = (max_width / (font * GLYPH_WIDTH)).floor().max(1.0) as usize;
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// A coordinate with one decimal, trailing zeros dropped; non-finite values become 0 so that no
/// `NaN` ever reaches an attribute (callers filter data before drawing, this is a last guard).
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    let s = format!("{:.1}", x);
    let s = s.strip_suffix(".0").unwrap_or(&s);
    if s == "-0" { "0".into() } else { s.to_owned() }
}

/// Horizontal anchoring of a text element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Middle => "middle",
            Self::End => "end",
        }
    }
}

/// Stroke of a line or path.
#[derive(Clone, Copy, Debug)]
pub struct Stroke<'a> {
    pub colour: &'a str,
    pub width: f64,
    /// `stroke-dasharray`, e.g. `"4 3"`.
    pub dash: Option<&'a str>,
}

impl<'a> Stroke<'a> {
    pub fn solid(colour: &'a str, width: f64) -> Self {
        Self {
            colour,
            width,
            dash: None,
        }
    }

    pub fn dashed(colour: &'a str, width: f64) -> Self {
        Self {
            colour,
            width,
            dash: Some("4 3"),
        }
    }

    fn attrs(&self) -> String {
        let mut s = format!(
            r#" stroke="{}" stroke-width="{}""#,
            escape(self.colour),
            num(self.width)
        );
        if let Some(d) = self.dash {
            let _ = write!(s, r#" stroke-dasharray="{}""#, escape(d));
        }
        s
    }
}

/// Fill colour and opacity of a shape.
#[derive(Clone, Copy, Debug)]
pub struct Fill<'a> {
    pub colour: &'a str,
    pub opacity: f64,
}

impl<'a> Fill<'a> {
    pub fn new(colour: &'a str, opacity: f64) -> Self {
        Self { colour, opacity }
    }

    fn attrs(&self) -> String {
        format!(
            r#" fill="{}" fill-opacity="{}""#,
            escape(self.colour),
            opacity_str(self.opacity)
        )
    }
}

/// An SVG document being written. `finish` closes it.
pub struct Svg {
    out: String,
    pub width: f64,
    pub height: f64,
}

impl Svg {
    /// Opens an `<svg>` of the given size with an accessible title and a white background.
    /// No `xmlns`: the element is meant for inline use in HTML (see [`super::standalone`]).
    pub fn new(width: f64, height: f64, title: &str) -> Self {
        let mut out = String::with_capacity(4096);
        let _ = write!(
            out,
            r##"<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}" font-family="Helvetica, Arial, sans-serif" font-size="{f}"><title>{t}</title><rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>"##,
            w = num(width),
            h = num(height),
            t = escape(title),
            f = num(FONT),
        );
        Self { out, width, height }
    }

    /// Text at (x, y) (baseline), escaped; `extra` is trusted attribute text written by the plots.
    pub fn text(&mut self, x: f64, y: f64, text: &str, anchor: Anchor, size: f64, extra: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{}" y="{}" text-anchor="{}" font-size="{}"{}>{}</text>"#,
            num(x),
            num(y),
            anchor.as_str(),
            num(size),
            extra,
            escape(text)
        );
    }

    /// Text rotated 90° anticlockwise about its anchor, for y-axis labels.
    pub fn vertical_text(&mut self, x: f64, y: f64, text: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{x}" y="{y}" text-anchor="middle" transform="rotate(-90 {x} {y})">{}</text>"#,
            escape(text),
            x = num(x),
            y = num(y),
        );
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: Stroke<'_>) {
        let _ = write!(
            self.out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}"{}/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            stroke.attrs()
        );
    }

    /// A circle; with `tooltip`, a `<title>` child that browsers show on hover.
    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, fill: Fill<'_>, tooltip: Option<&str>) {
        let _ = write!(
            self.out,
            r#"<circle cx="{}" cy="{}" r="{}"{}"#,
            num(cx),
            num(cy),
            num(r),
            fill.attrs()
        );
        match tooltip {
            Some(t) => {
                let _ = write!(self.out, "><title>{}</title></circle>", escape(t));
            }
            None => self.out.push_str("/>"),
        }
    }

    /// Many circles of one style in a `<g>` that carries the style once: a screen's volcano has
    /// thousands of points, and repeating fill and opacity on each would double the file.
    pub fn dots(&mut self, points: &[(f64, f64)], r: f64, fill: Fill<'_>) {
        if points.is_empty() {
            return;
        }
        let _ = write!(self.out, "<g{}>", fill.attrs());
        for &(cx, cy) in points {
            let _ = write!(
                self.out,
                r#"<circle cx="{}" cy="{}" r="{}"/>"#,
                num(cx),
                num(cy),
                num(r)
            );
        }
        self.out.push_str("</g>");
    }

    /// An unfilled ring, to mark one point among many.
    pub fn ring(&mut self, cx: f64, cy: f64, r: f64, stroke: Stroke<'_>) {
        let _ = write!(
            self.out,
            r#"<circle cx="{}" cy="{}" r="{}" fill="none"{}/>"#,
            num(cx),
            num(cy),
            num(r),
            stroke.attrs()
        );
    }

    pub fn rect(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Fill<'_>,
        stroke: Option<Stroke<'_>>,
    ) {
        let _ = write!(
            self.out,
            r#"<rect x="{}" y="{}" width="{}" height="{}"{}{}/>"#,
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0)),
            fill.attrs(),
            stroke.map(|s| s.attrs()).unwrap_or_default()
        );
    }

    /// A path from already-formatted path data (built with [`PathData`]).
    pub fn path(&mut self, d: &PathData, stroke: Stroke<'_>) {
        if d.is_empty() {
            return;
        }
        let _ = write!(
            self.out,
            r#"<path d="{}" fill="none"{} stroke-linejoin="round"/>"#,
            d.0,
            stroke.attrs()
        );
    }

    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

fn opacity_str(o: f64) -> String {
    format!("{:.2}", o.clamp(0.0, 1.0))
}

/// SVG path data, built from finite coordinates only.
#[derive(Default, Debug, Clone)]
pub struct PathData(String);

impl PathData {
    pub fn move_to(&mut self, x: f64, y: f64) {
        let _ = write!(self.0, "M{} {}", num(x), num(y));
    }

    pub fn line_to(&mut self, x: f64, y: f64) {
        let _ = write!(self.0, "L{} {}", num(x), num(y));
    }

    pub fn horizontal_to(&mut self, x: f64) {
        let _ = write!(self.0, "H{}", num(x));
    }

    pub fn vertical_to(&mut self, y: f64) {
        let _ = write!(self.0, "V{}", num(y));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_finite() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.26), "1.3");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(f64::INFINITY), "0");
    }

    #[test]
    fn fit_cuts_long_text_with_ellipsis() {
        assert_eq!(fit("short", 200.0, 11.0), "short");
        let cut = fit(&"x".repeat(100), 64.0, 11.0);
        assert!(cut.ends_with('…'));
        assert_eq!(cut.chars().count(), 10);
    }

    #[test]
    fn dots_share_one_style() {
        let mut svg = Svg::new(10.0, 10.0, "t");
        svg.dots(&[(1.0, 2.0), (3.0, 4.0)], 2.0, Fill::new("#000000", 0.5));
        svg.dots(&[], 2.0, Fill::new("#000000", 0.5));
        let s = svg.finish();
        assert_eq!(s.matches("<circle").count(), 2);
        assert_eq!(s.matches("<g ").count(), 1);
        assert!(
            s.contains(r##"<g fill="#000000" fill-opacity="0.50"><circle cx="1" cy="2" r="2"/>"##)
        );
    }

    #[test]
    fn document_is_closed_and_text_escaped() {
        let mut svg = Svg::new(100.0, 50.0, "a<b");
        svg.text(1.0, 2.0, "x&y", Anchor::Middle, FONT, "");
        let s = svg.finish();
        assert!(s.starts_with("<svg viewBox=\"0 0 100 50\""));
        assert!(s.ends_with("</svg>"));
        assert!(s.contains("<title>a&lt;b</title>"));
        assert!(s.contains(">x&amp;y</text>"));
    }
}
