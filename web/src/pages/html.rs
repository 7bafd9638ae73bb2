//! HTML building blocks shared by the pages: escaping (every piece of stored text goes through
//! [`escape`], since statements, gene names and clinical levels may contain markup characters),
//! the page frame with its inline stylesheet, number formatting and badges.

use graph::{Hypothesis, ReplicationStatus};

/// Escapes text for HTML element content and quoted attribute values: the same escaping the
/// plots and the run report use, so a page and its embedded SVG treat text alike.
pub use agent::html::escape;

/// Inline so pages need nothing but themselves.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}\
header{background:#234;color:#fff;padding:.6em 1.2em}header a{color:#fff;text-decoration:none;font-weight:bold}\
main{padding:1em 1.2em;max-width:1400px}\
table{border-collapse:collapse;margin:.5em 0;background:#fff}\
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top;font-size:.92em}\
th{background:#eef}td.num{text-align:right;font-variant-numeric:tabular-nums}\
.bar{display:inline-block;height:.7em;background:#4a7;vertical-align:middle;margin-left:.3em}\
.badge{display:inline-block;padding:0 .45em;border-radius:.6em;font-size:.8em;margin-right:.3em;white-space:nowrap}\
.ok{background:#d4f0d4}.bad{background:#f6d4d4}.na{background:#e4e4e4}.novel{background:#dde4fb}\
.known{background:#dde4fb}.partly_known{background:#f6ecd0}.new{background:#f1e0ee}.contradiction{background:#f6d4d4}\
.muted{color:#666}code{font-size:.85em;word-break:break-all}form{margin:.5em 0}\
figure{margin:1em 0}svg{max-width:760px;height:auto}";

/// A whole page: `body` is trusted HTML built by the caller; `title` is escaped here.
pub fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · hypomics</title><style>{STYLE}</style></head>\
         <body><header><a href=\"/\">hypomics</a> · <a href=\"/studies\">studies</a> · <a href=\"/jobs\">jobs</a> · <a href=\"/schedules\">schedules</a> · <a href=\"/compare\">compare runs</a> · \
         <a href=\"/explore\">explore</a></header><main>{body}</main></body></html>\n",
        escape(title)
    )
}

/// What a browser gets when the server needs its token and the request had none.
pub fn login_needed_page() -> String {
    layout(
        "sign in",
        "<h1>Sign in needed</h1><p>This needs the server's token. Open the dashboard through the \
         login address <code>hypomics serve</code> printed when it started \
         (<code>http://HOST:PORT/login?token=...</code>); your browser then keeps a session \
         cookie for this server.</p>",
    )
}

/// A number with `digits` decimals, or an en dash when absent or not finite.
pub fn num(x: Option<f64>, digits: usize) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.digits$}"),
        _ => "–".into(),
    }
}

/// A p- or q-value: scientific below 0.001 so small values stay readable.
pub fn pval(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() && v != 0.0 && v < 1e-3 => format!("{v:.2e}"),
        other => num(other, 3),
    }
}

/// A score in [0, 1] as a number followed by a proportional bar.
pub fn score_bar(total: Option<f64>) -> String {
    let width = total
        .filter(|t| t.is_finite())
        .map_or(0.0, |t| t.clamp(0.0, 1.0) * 60.0);
    format!(
        "{}<span class=\"bar\" style=\"width:{width:.0}px\"></span>",
        num(total, 2)
    )
}

/// The badge class and words for a replication status.
pub fn replication_label(status: ReplicationStatus) -> (&'static str, &'static str) {
    match status {
        ReplicationStatus::Replicated => ("ok", "replicated"),
        ReplicationStatus::NotReplicated => ("bad", "not replicated"),
        ReplicationStatus::NotTested => ("na", "not re-testable"),
    }
}

/// The replication badge from the hypothesis's recorded replication.
pub fn replication_badge(h: &Hypothesis) -> String {
    let (class, label) = replication_label(h.replication.status);
    format!(
        "<span class=\"badge {class}\" title=\"{}\">{label}</span>",
        escape(&h.replication.detail)
    )
}

/// The knowledge badge (known / partly known / new) with what knowledge says as its tooltip;
/// shared with report.html.
pub fn knowledge_badge(h: &Hypothesis) -> String {
    agent::html::knowledge_badge(&h.score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<b>A&B</b> "x" 'y'"#),
            "&lt;b&gt;A&amp;B&lt;/b&gt; &quot;x&quot; &#39;y&#39;"
        );
    }

    #[test]
    fn badges_read_the_recorded_score() {
        let score = Hypothesis {
            score: graph::ScoreBreakdown {
                novelty: 0.9,
                novelty_reason: "no <pathway>".into(),
                ..Default::default()
            },
            replication: graph::Replication {
                status: ReplicationStatus::NotReplicated,
                detail: "p = 0.4".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(replication_badge(&score).contains(">not replicated<"));
        let knowledge = knowledge_badge(&score);
        assert!(knowledge.contains(">new<"), "{knowledge}");
        assert!(knowledge.contains("no &lt;pathway&gt;"), "{knowledge}");
        assert!(replication_badge(&Hypothesis::default()).contains("not re-testable"));
    }

    #[test]
    fn numbers_absent_or_not_finite_show_a_dash() {
        assert_eq!(num(None, 2), "–");
        assert_eq!(num(Some(f64::NAN), 2), "–");
        assert_eq!(pval(Some(1.5e-5)), "1.50e-5");
        assert_eq!(pval(Some(0.25)), "0.250");
        assert!(score_bar(Some(0.5)).contains("width:30px"));
    }
}
