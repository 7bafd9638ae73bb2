//! SVG figures for the report and the dashboard. Each builder is a pure function of plain data
//! (slices and labels in a small input struct) returning one inline `<svg>` element with a
//! viewBox: no JavaScript, no external assets, deterministic output, every label escaped. Input
//! with nothing to draw gives a placeholder figure that says "no data" rather than a panic or an
//! empty string, so a page always has something in the figure's place.

mod axis;
mod bars;
mod boxplot;
mod km;
mod palette;
mod scatter;
pub mod svg;
mod volcano;

pub use bars::{BarChart, BarSeries, bar_chart};
pub use boxplot::{BoxGroup, BoxPlot, BoxStats, box_plot, box_stats, quantile};
pub use km::{KmData, km_plot, split_at_median};
pub use scatter::{LeastSquares, Scatter, least_squares, scatter_plot};
pub use svg::escape;
pub use volcano::{Volcano, VolcanoPoint, volcano_plot};

use svg::{Anchor, FONT, Svg};

/// A figure that says there is nothing to draw, and why.
pub fn placeholder(title: &str, reason: &str) -> String {
    let frame = axis::Frame::default();
    let mut svg = Svg::new(frame.width, frame.height, title);
    frame.title(&mut svg, title, "");
    svg.rect(
        frame.x0(),
        frame.y0(),
        frame.x1() - frame.x0(),
        frame.y1() - frame.y0(),
        svg::Fill::new("#f4f4f4", 1.0),
        None,
    );
    svg.text(
        frame.width / 2.0,
        frame.height / 2.0,
        &svg::fit(&format!("no data: {reason}"), frame.x1() - frame.x0(), FONT),
        Anchor::Middle,
        FONT,
        &format!(r#" fill="{}""#, palette::TEXT_MUTED),
    );
    svg.finish()
}

/// An inline figure as a standalone SVG file (XML declaration and namespace added), for serving
/// as `image/svg+xml` or writing to disk. Inline HTML use needs neither.
pub fn standalone(inline_svg: &str) -> String {
    let body = inline_svg.strip_prefix("<svg ").map_or_else(
        || inline_svg.to_owned(),
        |rest| format!(r#"<svg xmlns="http://www.w3.org/2000/svg" {rest}"#),
    );
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_says_no_data_and_is_closed() {
        let s = placeholder("PTEN <mut>", "no samples");
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains("no data: no samples"));
        assert!(s.contains("PTEN &lt;mut&gt;"));
    }

    #[test]
    fn standalone_adds_the_namespace_once() {
        let s = standalone(&placeholder("t", "r"));
        assert!(s.starts_with("<?xml"));
        assert_eq!(s.matches("xmlns=").count(), 1);
    }
}
