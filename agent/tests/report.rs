//! The HTML report of a real run on the bundled demo study: it must be one well-formed,
//! self-contained page that names every hypothesis and shows the data behind the top ones.

use agent::knowledge::Knowledge;
use agent::planner::OfflinePlanner;
use agent::plots::escape;
use agent::question::Kind;
use agent::report::{PLOTTED_HYPOTHESES, report_html};
use agent::run::{Budget, RunConfig, RunResult, run};

fn demo_report() -> (RunResult, String) {
    let study = datasets::demo::load().unwrap();
    let knowledge = Knowledge::embedded().unwrap();
    let config = RunConfig {
        permutations: 0,
        budget: Budget {
            max_analyses: 15,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut planner = OfflinePlanner::default();
    let result = run(&study, &knowledge, &config, None, &mut planner, &mut |_| {}).unwrap();
    let html = report_html(&result, &study);
    (result, html)
}

const VOID: [&str; 7] = ["meta", "br", "hr", "img", "col", "input", "link"];

/// Checks that tags nest and close, attribute values are quoted and hold no raw `<`, and every
/// `&` in text or attributes starts an entity. `xml` = true also requires every element to be
/// closed (SVG is XML); otherwise HTML void elements may stand alone.
fn check_markup(doc: &str, xml: bool) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = doc;
    let entity_ok = |s: &str| {
        s.match_indices('&').all(|(i, _)| {
            let tail = &s[i..];
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| tail.starts_with(e))
        })
    };
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        if !entity_ok(text) {
            return Err(format!("raw & in text {text:?}"));
        }
        rest = &rest[open..];
        if rest.starts_with("<!DOCTYPE") {
            let end = rest.find('>').ok_or("unclosed doctype")?;
            rest = &rest[end + 1..];
            continue;
        }
        if !xml && rest.starts_with("<style>") {
            let end = rest.find("</style>").ok_or("unclosed style")?;
            rest = &rest[end + "</style>".len()..];
            continue;
        }
        // Find the end of the tag, skipping quoted attribute values.
        let mut in_quote = false;
        let mut end = None;
        for (i, c) in rest.char_indices().skip(1) {
            match c {
                '"' => in_quote = !in_quote,
                '<' if !in_quote => return Err(format!("'<' inside a tag near {:?}", &rest[..i])),
                '>' if !in_quote => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end =
            end.ok_or_else(|| format!("unterminated tag {:?}", &rest[..rest.len().min(80)]))?;
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if name.is_empty() {
            return Err(format!("bad tag <{tag}>"));
        }
        // Attributes: name="value" pairs (HTML boolean attributes are not used by the report).
        let mut attrs = body[name.len()..].trim();
        while !attrs.is_empty() {
            let eq = attrs
                .find("=\"")
                .ok_or_else(|| format!("unquoted attribute in <{tag}>"))?;
            let after = &attrs[eq + 2..];
            let close = after
                .find('"')
                .ok_or_else(|| format!("unclosed value in <{tag}>"))?;
            let value = &after[..close];
            if value.contains('<') || !entity_ok(value) {
                return Err(format!("unescaped attribute value {value:?}"));
            }
            attrs = after[close + 1..].trim_start();
        }
        let void = !xml && VOID.contains(&name.as_str());
        if !self_closing && !void {
            stack.push(name);
        }
    }
    if !entity_ok(rest) {
        return Err("raw & after the last tag".into());
    }
    match stack.last() {
        None => Ok(()),
        Some(open) => Err(format!("<{open}> never closed")),
    }
}

/// Every `<svg>...</svg>` fragment of the page.
fn svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let Some(len) = rest[start..].find("</svg>") else {
            out.push(&rest[start..]);
            break;
        };
        let end = start + len + "</svg>".len();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

/// The card of one hypothesis: from its opening tag to the first `</section>` after it (cards
/// hold no nested sections).
fn card<'a>(html: &'a str, id: &str) -> &'a str {
    let open = format!("<section class=\"hyp\" id=\"{id}\">");
    let start = html
        .find(&open)
        .unwrap_or_else(|| panic!("no card for {id}"));
    let len = html[start..].find("</section>").unwrap();
    &html[start..start + len]
}

#[test]
fn demo_report_is_complete_well_formed_and_offline() {
    let (result, html) = demo_report();
    assert!(
        !result.hypotheses.is_empty(),
        "the demo run should find hypotheses"
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    check_markup(&html, false).unwrap();

    // Self-contained: no external reference of any kind, no script.
    for needle in ["http://", "https://", "<script", "<link", "src=", "url("] {
        assert!(!html.contains(needle), "report contains {needle}");
    }

    // Every figure is a closed, well-formed SVG element.
    let figures = svgs(&html);
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    for svg in &figures {
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("viewBox=\""));
        check_markup(svg, true).unwrap_or_else(|e| panic!("{e} in {}", &svg[..200]));
    }

    // The run summary and the whole research record.
    assert!(html.contains(&escape(&result.summary.stop_reason)));
    assert!(html.contains(&format!("<th>tests</th><td>{}</td>", result.summary.tests)));
    for a in result.ledger.analyses() {
        assert!(html.contains(&format!("<tr id=\"A{}\">", a.step)));
        assert!(html.contains(&escape(&a.direction.question.describe())));
    }

    // Contradictions in their own section, each hypothesis with one linked there.
    let section = &html[html
        .find("<section id=\"contradictions\">")
        .expect("section")..];
    for h in result
        .hypotheses
        .iter()
        .filter(|h| !h.model.score.contradictions.is_empty())
    {
        assert!(
            section.contains(&format!("href=\"#{}\"", h.model.id)),
            "{}",
            h.model.id
        );
    }

    // Every hypothesis with its statement and evidence; the top ones with real figures.
    for (i, h) in result.hypotheses.iter().enumerate() {
        let card = card(&html, &h.model.id);
        assert!(
            card.contains(&escape(&h.model.statement)),
            "{} statement",
            h.model.id
        );
        // What knowledge says, as a badge with its reason, and every contradiction.
        assert!(
            card.contains(&format!(
                ">{}</span>",
                h.model.score.knowledge.status.badge()
            )) && card.contains("badge knowledge"),
            "{} knowledge badge",
            h.model.id
        );
        for c in &h.model.score.contradictions {
            assert!(
                card.contains(&escape(&c.detail)),
                "{} contradiction",
                h.model.id
            );
        }
        for e in &h.model.evidence {
            assert!(card.contains(&escape(&e.finding)) && card.contains(&escape(&e.summary)));
        }
        // A chain is drawn as a chain (boxes and arrows), for every chain hypothesis.
        let (chains, plots): (Vec<&str>, Vec<&str>) = svgs(card)
            .into_iter()
            .partition(|svg| svg.starts_with("<svg class=\"chain\""));
        match &h.model.chain {
            Some(chain) => {
                assert_eq!(chains.len(), 1, "{} chain diagram", h.model.id);
                assert_eq!(chains[0].matches("<line").count(), chain.links.len());
                assert!(
                    card.contains(&escape(&chain.refutation)),
                    "{} refutation",
                    h.model.id
                );
            }
            None => assert!(chains.is_empty(), "{} is not a chain", h.model.id),
        }
        if i < PLOTTED_HYPOTHESES {
            // A per-sample figure (none yet for the kinds that score or cluster samples:
            // subtypes, co-expression modules, pathway scores) and the volcano of the primary
            // analysis, all with data.
            let expected = if matches!(
                h.kind(),
                Some(Kind::Subtypes | Kind::Modules | Kind::PathwayScores)
            ) {
                1
            } else {
                2
            };
            assert!(
                plots.len() >= expected,
                "{} has {} figures",
                h.model.id,
                plots.len()
            );
            for svg in &plots {
                assert!(
                    svg.contains("<circle") || svg.contains("<path"),
                    "{} figure without marks",
                    h.model.id
                );
                assert!(
                    !svg.contains("no data"),
                    "{} figure is a placeholder",
                    h.model.id
                );
            }
        } else {
            assert!(plots.is_empty(), "{} is beyond the plotted top", h.model.id);
        }
    }
}

#[test]
fn markup_checker_rejects_what_the_report_must_not_contain() {
    assert!(check_markup("<p>a &amp; b</p>", false).is_ok());
    assert!(check_markup("<p>a & b</p>", false).is_err());
    assert!(check_markup("<p><b>x</p></b>", false).is_err());
    assert!(check_markup("<p title=\"<x>\">x</p>", false).is_err());
    assert!(check_markup("<p title=x>x</p>", false).is_err());
    assert!(check_markup("<svg><circle r=\"1\"></svg>", true).is_err());
    assert!(check_markup("<meta charset=\"utf-8\"><p>x</p>", false).is_ok());
}

/// Hypotheses cut by `max_hypotheses` keep their contradictions visible: in the run result, the
/// report's contradictions section and the run-wide list written to summary.json.
#[test]
fn contradictions_below_the_cut_are_reported() {
    let study = datasets::demo::load().unwrap();
    let knowledge = Knowledge::embedded().unwrap();
    let run_with = |max_hypotheses: usize| {
        let config = RunConfig {
            permutations: 0,
            max_hypotheses,
            budget: Budget {
                max_analyses: 15,
                ..Default::default()
            },
            ..Default::default()
        };
        let mut planner = OfflinePlanner::default();
        run(&study, &knowledge, &config, None, &mut planner, &mut |_| {}).unwrap()
    };
    let all = run_with(10_000);
    assert!(all.contradicted_beyond_the_cut.is_empty());
    let contradicted: Vec<&agent::hypothesis::Hypothesis> = all
        .hypotheses
        .iter()
        .filter(|h| !h.model.score.contradictions.is_empty())
        .collect();
    let last = contradicted
        .last()
        .expect("the demo run has contradicted hypotheses");
    // Cut just above the last contradicted hypothesis.
    let cut = last.model.rank - 1;
    let result = run_with(cut);
    assert_eq!(result.hypotheses.len(), cut);
    let below: Vec<(usize, &str)> = result
        .contradicted_beyond_the_cut
        .iter()
        .map(|h| (h.rank, h.statement.as_str()))
        .collect();
    let expected: Vec<(usize, &str)> = contradicted
        .iter()
        .filter(|h| h.model.rank > cut)
        .map(|h| (h.model.rank, h.model.statement.as_str()))
        .collect();
    assert_eq!(below, expected);
    let html = report_html(&result, &study);
    let section = &html[html
        .find("<section id=\"contradictions\">")
        .expect("section")..];
    assert!(section.contains(&format!("Below the top {cut}")));
    assert!(section.contains(&escape(&last.model.statement)));
    for c in &last.model.score.contradictions {
        assert!(section.contains(&escape(&c.detail)));
    }
    let listed = agent::output::contradictions(&result);
    assert!(
        listed
            .iter()
            .any(|c| c["beyond_the_cut"] == true && c["statement"] == last.model.statement.as_str()),
        "{listed:?}"
    );
}
