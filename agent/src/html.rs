//! HTML and XML escaping, in one place: the report, the plots' SVG and the dashboard's pages all
//! escape through [`escape`], so a page and its embedded SVG treat text alike. The pieces the
//! report and the dashboard both show of a hypothesis's score (its knowledge badge, why it
//! matters, its contradictions) are written here once.

use graph::{Contradiction, KnowledgeStatus, Refinement, ScoreBreakdown};

/// Escapes text for XML and HTML, in element content and in quoted attributes alike. Gene names,
/// clinical levels (`<50`, `A&B`) and file names all reach the report through this.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0; tabs and newlines read as spaces.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The known / partly known / new badge, with what knowledge says (reason and source) as its
/// tooltip. A score recorded before knowledge grounding (no reason, nothing explained) gets its
/// badge from the novelty value.
pub fn knowledge_badge(score: &ScoreBreakdown) -> String {
    let g = &score.knowledge;
    let recorded = !g.reason.is_empty() || !g.between.is_empty();
    let status = if recorded {
        g.status
    } else {
        KnowledgeStatus::from_novelty(score.novelty)
    };
    let class = match status {
        KnowledgeStatus::Known => "known",
        KnowledgeStatus::PartlyKnown => "partly_known",
        KnowledgeStatus::Unexplained => "new",
    };
    let title = if g.reason.is_empty() {
        score.novelty_reason.clone()
    } else if g.source.is_empty() {
        g.reason.clone()
    } else {
        format!("{} ({})", g.reason, g.source)
    };
    format!(
        "<span class=\"badge knowledge {class}\" title=\"{}\">{}</span>",
        escape(&title),
        status.badge()
    )
}

/// What knowledge says and why it matters, as a short paragraph (empty when nothing is known).
pub fn knowledge_note(score: &ScoreBreakdown) -> String {
    let g = &score.knowledge;
    let mut out = String::new();
    if !g.reason.is_empty() {
        out.push_str(&format!(
            "<p class=\"knowledge\"><b>{}</b>: {}{}</p>",
            escape(g.status.badge()),
            escape(&g.reason),
            if g.source.is_empty() {
                String::new()
            } else {
                format!(" <span class=\"muted\">({})</span>", escape(&g.source))
            }
        ));
    }
    for why in &g.why_it_matters {
        out.push_str(&format!(
            "<p class=\"why\"><b>Why it matters</b>: {}</p>",
            escape(why)
        ));
    }
    out
}

/// The contradictions of one hypothesis as list items: kind, then the finding in words.
pub fn contradiction_items(score: &ScoreBreakdown) -> String {
    contradiction_list(&score.contradictions)
}

/// Contradictions as list items (also of hypotheses below the cut, which carry no score here).
pub fn contradiction_list(contradictions: &[Contradiction]) -> String {
    contradictions
        .iter()
        .map(|c| {
            format!(
                "<li><span class=\"badge contradiction\">{}</span> {}{}</li>",
                escape(c.kind.label()),
                escape(&c.detail),
                if c.findings.is_empty() {
                    String::new()
                } else {
                    format!(" <code>{}</code>", escape(&c.findings.join(", ")))
                }
            )
        })
        .collect()
}

/// A refinement (`agent::refine`) as a paragraph: narrowed to a stratum or tried and not held,
/// what triggered it, what each stratum showed, the narrowed claim's held-out re-test and the
/// stratified findings. Empty when the hypothesis needed none.
pub fn refinement_note(refinement: Option<&Refinement>) -> String {
    let Some(r) = refinement else {
        return String::new();
    };
    let held_out = r.replication.as_ref().map_or_else(String::new, |rep| {
        format!(
            " Re-tested on {}: {}.",
            escape(&rep.cohort),
            escape(&rep.detail)
        )
    });
    let findings = if r.findings.is_empty() {
        String::new()
    } else {
        format!(" <code>{}</code>", escape(&r.findings.join(", ")))
    };
    format!(
        "<p class=\"refinement\"><span class=\"badge refinement\">{}</span> after it {}: {}.{held_out}{findings}</p>",
        escape(&r.headline()),
        escape(&r.trigger),
        escape(&r.detail),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<50 & "x" 'y'"#),
            "&lt;50 &amp; &quot;x&quot; &#39;y&#39;"
        );
        assert_eq!(escape("a\tb\u{0}"), "a b ");
    }

    #[test]
    fn knowledge_badges_escape_their_reason_and_fall_back_to_novelty() {
        let mut score = ScoreBreakdown {
            novelty: 0.9,
            novelty_reason: "old <reason>".into(),
            ..Default::default()
        };
        let old = knowledge_badge(&score);
        assert!(
            old.contains(">new<") && old.contains("old &lt;reason&gt;"),
            "{old}"
        );
        *score.knowledge = graph::Grounding {
            status: KnowledgeStatus::Known,
            reason: "MLH1 loss <causes> MSI".into(),
            source: "PMID 1".into(),
            why_it_matters: vec!["MSI: immunotherapy".into()],
            ..Default::default()
        };
        let known = knowledge_badge(&score);
        assert!(known.contains("badge knowledge known") && known.contains(">known<"));
        assert!(
            known.contains("MLH1 loss &lt;causes&gt; MSI (PMID 1)"),
            "{known}"
        );
        let note = knowledge_note(&score);
        assert!(
            note.contains("Why it matters</b>: MSI: immunotherapy"),
            "{note}"
        );
        score.contradictions.push(graph::Contradiction {
            kind: graph::ContradictionKind::VanishesAfterAdjustment,
            detail: "p=0.4 & gone".into(),
            findings: vec!["F3.1".into()],
        });
        let items = contradiction_items(&score);
        assert!(items.contains("vanishes after adjustment") && items.contains("&amp; gone"));
        assert!(items.contains("<code>F3.1</code>"));
    }
}
