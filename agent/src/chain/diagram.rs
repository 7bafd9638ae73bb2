//! A mechanism chain drawn as a small self-contained SVG: one row per link, a box for each end
//! (entity and layer), an arrow labelled with the predicted direction and the backing finding's
//! effect and q (or p for a pre-specified check), and the held-out re-test as a mark. The report
//! and the dashboard embed the same drawing; every piece of text goes through `html::escape`.

use crate::hypothesis::{fmt_effect, fmt_p};
use crate::plots::svg::{escape, fit, num};
use graph::{ChainLink, LinkDirection, MechanismChain, Mention, ReplicationStatus};
use std::fmt::Write;

const WIDTH: f64 = 640.0;
const BOX_W: f64 = 190.0;
const BOX_H: f64 = 34.0;
const ROW_H: f64 = 52.0;
const FONT: f64 = 11.0;

/// The box text of a chain end: the entity and, for a feature, its layer.
fn label(m: &Mention) -> (String, String) {
    match m {
        Mention::Feature { layer, feature } => (feature.clone(), layer.clone()),
        Mention::Mutation(g) => (g.clone(), "mutation".into()),
        Mention::ClinicalLevel { variable, level } => (level.clone(), variable.clone()),
        Mention::Clinical(v) => (v.clone(), "clinical".into()),
        Mention::Gene(g) => (g.clone(), "gene".into()),
        Mention::Pathway(p) => (p.clone(), "pathway".into()),
        Mention::SampleGroup(g) => (g.clone(), "samples".into()),
        Mention::Module(m) => (m.clone(), "module".into()),
    }
}

fn arrow_text(link: &ChainLink) -> String {
    let d = &link.discovery;
    let stat = match d.q {
        Some(q) => format!("q={}", fmt_p(q)),
        None => format!("p={}", fmt_p(d.p)),
    };
    let effect = if d.test.starts_with("TOST") {
        format!("Δ {}", fmt_effect(d.effect))
    } else {
        fmt_effect(d.effect)
    };
    format!("{} {effect} {stat}", link.predicted.word())
}

fn mark(status: ReplicationStatus) -> (&'static str, &'static str, &'static str) {
    match status {
        ReplicationStatus::Replicated => ("✓", "#1a7f37", "held on held-out samples"),
        ReplicationStatus::NotReplicated => ("✗", "#b42318", "did not hold on held-out samples"),
        ReplicationStatus::NotTested => ("?", "#6b7280", "not tested on held-out samples"),
    }
}

fn draw_box(svg: &mut String, x: f64, y: f64, m: &Mention) {
    let (name, layer) = label(m);
    let _ = write!(
        svg,
        r##"<rect x="{}" y="{}" width="{}" height="{}" rx="5" fill="#f3f4f6" stroke="#4b5563"/><text x="{}" y="{}" font-size="{}" text-anchor="middle" font-weight="bold">{}</text><text x="{}" y="{}" font-size="{}" text-anchor="middle" fill="#4b5563">{}</text>"##,
        num(x),
        num(y),
        num(BOX_W),
        num(BOX_H),
        num(x + BOX_W / 2.0),
        num(y + 14.0),
        num(FONT),
        escape(&fit(&name, BOX_W - 8.0, FONT)),
        num(x + BOX_W / 2.0),
        num(y + 28.0),
        num(FONT - 1.0),
        escape(&fit(&layer, BOX_W - 8.0, FONT - 1.0)),
    );
}

/// The chain as an SVG element (no XML declaration; embed it in HTML directly).
pub fn chain_svg(chain: &MechanismChain) -> String {
    let height = ROW_H * chain.links.len() as f64 + 8.0;
    let mut svg = format!(
        r##"<svg class="chain" width="{}" height="{}" viewBox="0 0 {} {}" role="img" font-family="sans-serif"><title>{}</title>"##,
        num(WIDTH),
        num(height),
        num(WIDTH),
        num(height),
        escape(&chain.prediction),
    );
    let left = 4.0;
    let right = WIDTH - BOX_W - 24.0;
    for (i, link) in chain.links.iter().enumerate() {
        let y = 4.0 + ROW_H * i as f64;
        draw_box(&mut svg, left, y, &link.from);
        draw_box(&mut svg, right, y, &link.to);
        let (x1, x2, ym) = (left + BOX_W + 4.0, right - 6.0, y + BOX_H / 2.0);
        let dash = if link.predicted == LinkDirection::Unchanged {
            r#" stroke-dasharray="5,4""#
        } else {
            ""
        };
        let _ = write!(
            svg,
            r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#374151" stroke-width="1.5"{dash}/><path d="M{},{} L{},{} L{},{} z" fill="#374151"/><text x="{}" y="{}" font-size="{}" text-anchor="middle">{}</text>"##,
            num(x1),
            num(ym),
            num(x2 - 6.0),
            num(ym),
            num(x2),
            num(ym),
            num(x2 - 8.0),
            num(ym - 4.0),
            num(x2 - 8.0),
            num(ym + 4.0),
            num((x1 + x2) / 2.0),
            num(ym - 5.0),
            num(FONT - 1.0),
            escape(&fit(&arrow_text(link), x2 - x1, FONT - 1.0)),
        );
        let (symbol, colour, title) = mark(link.validation.status);
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" font-size="{}" fill="{colour}" font-weight="bold"><title>{}</title>{symbol}</text>"##,
            num(right + BOX_W + 6.0),
            num(ym + 4.0),
            num(FONT + 2.0),
            escape(&format!("{title}: {}", link.validation.detail)),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The chain for a report or a page: the diagram, the prediction and the refutation.
pub fn chain_html(chain: &MechanismChain) -> String {
    format!(
        r#"<figure class="chain">{}<figcaption><p>{}</p><p><b>Would refute it:</b> {}</p></figcaption></figure>"#,
        chain_svg(chain),
        escape(&chain.prediction),
        escape(&chain.refutation)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use graph::{LinkFinding, Replication};

    fn link(from: &str, to: &str, predicted: LinkDirection, q: Option<f64>) -> ChainLink {
        ChainLink {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            predicted,
            rationale: String::new(),
            discovery: LinkFinding {
                finding: q.map(|_| "F3.1".into()),
                test: if q.is_some() {
                    "welch_t"
                } else {
                    "TOST (Welch)"
                }
                .into(),
                effect: -1.234,
                ci_low: -1.5,
                ci_high: -0.9,
                p: 0.004,
                q,
                n: 60,
                summary: String::new(),
            },
            validation: Replication {
                status: ReplicationStatus::Replicated,
                detail: "held-out <ok>".into(),
                ..Replication::default()
            },
        }
    }

    #[test]
    fn draws_a_box_per_end_and_an_arrow_per_link_with_escaped_text() {
        let chain = MechanismChain {
            links: vec![
                link(
                    "clinical_level:MSI<status>=MSI-H",
                    "proteome:MLH1",
                    LinkDirection::Down,
                    Some(0.001),
                ),
                link(
                    "proteome:MLH1",
                    "proteome:PMS2",
                    LinkDirection::Up,
                    Some(0.01),
                ),
                link(
                    "clinical_level:MSI<status>=MSI-H",
                    "rna:PMS2",
                    LinkDirection::Unchanged,
                    None,
                ),
            ],
            prediction: "Predicted: a & b".into(),
            refutation: "knock down <MLH1>".into(),
        };
        let svg = chain_svg(&chain);
        assert_eq!(svg.matches("<rect").count(), 6);
        assert_eq!(svg.matches("<line").count(), 3);
        assert_eq!(svg.matches("stroke-dasharray").count(), 1);
        assert!(
            !svg.contains("http") && !svg.contains("url("),
            "self-contained: {svg}"
        );
        assert!(svg.contains("down -1.23 q=0.0010"), "{svg}");
        assert!(svg.contains("unchanged Δ -1.23 p=0.0040"), "{svg}");
        assert!(svg.contains("MSI&lt;status&gt;") && !svg.contains("MSI<status>"));
        assert!(svg.contains("held-out &lt;ok&gt;"));
        let html = chain_html(&chain);
        assert!(html.contains("knock down &lt;MLH1&gt;") && html.contains("a &amp; b"));
    }
}
