//! The numbers guard: model-written prose may only cite numbers the analyses produced.
//!
//! A language model asked to explain a result will happily write "p = 0.004" or "in 63% of
//! tumours" when neither number exists. Hypothesis prose is therefore checked against the
//! values it is allowed to cite (statistics, counts, thresholds) and rejected, then re-asked,
//! when it cites anything else.
//!
//! Rules, chosen so that honest rounding passes and invention does not:
//! - A number matches an allowed value if the value rounds to it at the precision written:
//!   "0.03" matches 0.0312 (two decimals), "p = 2e-8" matches 1.96e-8 (one significant digit),
//!   "0.030" does not match 0.0312 (three decimals claim more than the value supports).
//! - Scientific notation is read in its usual forms: `1.2e-5`, `1.2E-05`, `1.2×10^-5`,
//!   `1.2 x 10⁻⁵`, `10^-8`.
//! - A percentage matches either form of the value: "45%" matches 0.45 or 45.
//! - An unsigned number matches by magnitude, since prose carries the sign in words ("fell by
//!   1.2" for a log fold change of -1.2); a number written with a minus sign must match a
//!   negative value.
//! - Digits glued to letters belong to a name and are not checked: TP53, CD8A, H3K27ac, IL-6,
//!   COVID-19, 3'UTR, and quantities with a glued unit (5kb, 24h). "2.5x" and "3-fold" are
//!   checked.
//! - A bare integer after a label word is a name, not a measurement: "FIGO grade 2", "stages 2
//!   and 3", "cluster 4", "chromosome 17", "Figure 2", "March 2021". Roman numerals (IIIA)
//!   contain no digits and are never checked.
//! - Versions and section numbers (1.2.3) and ISO dates (2024-05-01) are not checked; a bare
//!   year is, so pass it in `allowed` if prose may cite it, as with thresholds such as 0.05.

mod scan;

use scan::{Token, Written, tokens};

/// Words after which a bare integer names something rather than measures it.
const LABELS: &[&str] = &[
    "grade",
    "grades",
    "stage",
    "stages",
    "cluster",
    "clusters",
    "group",
    "groups",
    "type",
    "types",
    "subtype",
    "subtypes",
    "class",
    "classes",
    "chromosome",
    "chromosomes",
    "chr",
    "phase",
    "phases",
    "cohort",
    "cohorts",
    "arm",
    "arms",
    "tier",
    "tiers",
    "level",
    "levels",
    "figure",
    "figures",
    "fig",
    "table",
    "tables",
    "module",
    "modules",
    "component",
    "components",
    "pc",
    "factor",
    "factors",
    "exon",
    "exons",
    "intron",
    "introns",
    "codon",
    "codons",
    "batch",
    "batches",
    "replicate",
    "replicates",
    "patient",
    "sample",
    "donor",
    "day",
    "week",
    "month",
    "visit",
    "timepoint",
    "step",
    "hypothesis",
    "direction",
    "section",
    "model",
    "version",
    "round",
    "iteration",
    "layer",
    "figo",
    "ajcc",
    "isup",
    "edition",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];

/// Words that continue a list of labels: "grades 2 and 3", "stage 1 to 3".
const CONNECTORS: &[&str] = &["and", "or", "to", "vs", "versus", "through"];

/// Punctuation that continues a list of labels: "grade 2-3", "Fig. 2", "stage 1/2".
const LABEL_MARKS: &[char] = &['.', '-', '\u{2013}', '\u{2014}', '/', '&'];

/// Checks that every number in `text` matches one of `allowed` at the precision written.
///
/// Returns the offending numbers as written, in order of appearance, each once, so the caller
/// can tell the model exactly what to remove. Non-finite allowed values are ignored.
pub fn check_numbers(text: &str, allowed: &[f64]) -> Result<(), Vec<String>> {
    let mut offending: Vec<String> = Vec::new();
    for number in claimed_numbers(text) {
        let known = allowed.iter().any(|&value| matches(&number, value));
        if !known && !offending.contains(&number.text) {
            offending.push(number.text);
        }
    }
    if offending.is_empty() {
        Ok(())
    } else {
        Err(offending)
    }
}

/// The values of the numbers `text` claims (as [`check_numbers`] reads them): what prose about
/// a prompt may cite when the prompt itself is the evidence (the planner's findings list).
pub fn numbers_in(text: &str) -> Vec<f64> {
    claimed_numbers(text).into_iter().map(|n| n.value).collect()
}

/// The numbers in `text` that make a claim: everything but names, labels, list markers and
/// confidence levels.
fn claimed_numbers(text: &str) -> Vec<Written> {
    let tokens = tokens(text);
    let mut claimed = Vec::new();
    let mut after_label = false;
    let mut line_start = true;
    for (index, token) in tokens.iter().enumerate() {
        let at_line_start = line_start;
        line_start = match token {
            Token::Mark('\n') => true,
            Token::Mark(c) if c.is_whitespace() || (at_line_start && *c == '(') => at_line_start,
            _ => false,
        };
        match token {
            Token::Word(word) => {
                let word = word.to_lowercase();
                if !CONNECTORS.contains(&word.as_str()) {
                    after_label = LABELS.contains(&word.as_str());
                }
            }
            Token::Number(number) if number.bare_integer && after_label => {}
            Token::Number(number)
                if number.bare_integer && at_line_start && is_list_marker(&tokens[index + 1..]) => {
            }
            Token::Number(number)
                if number.percent && names_confidence_level(&tokens[index + 1..]) => {}
            Token::Number(number) => {
                after_label = false;
                claimed.push(number.clone());
            }
            Token::Opaque => after_label = false,
            Token::Mark(c) => {
                if !(c.is_whitespace() || LABEL_MARKS.contains(c)) {
                    after_label = false;
                }
            }
        }
    }
    claimed
}

/// "1." or "1)" opening a line is an enumerated list item, not a quantity.
fn is_list_marker(rest: &[Token]) -> bool {
    matches!(rest, [Token::Mark('.' | ')'), Token::Mark(c), ..] if c.is_whitespace())
}

/// "95% CI" and "95% confidence interval" state a convention, not a result.
fn names_confidence_level(rest: &[Token]) -> bool {
    let next_word = rest
        .iter()
        .find(|token| !matches!(token, Token::Mark(c) if c.is_whitespace()));
    matches!(next_word, Some(Token::Word(word)) if word.eq_ignore_ascii_case("ci") || word.eq_ignore_ascii_case("confidence"))
}

/// Whether `allowed` rounds to the written number at its written precision.
fn matches(number: &Written, allowed: f64) -> bool {
    if !allowed.is_finite() || !number.value.is_finite() || !number.ulp.is_finite() {
        return false;
    }
    let target = if number.negative {
        allowed
    } else {
        allowed.abs()
    };
    let within = |written: f64, ulp: f64| {
        // Half a unit in the last place, plus float noise so 0.035 can round either way.
        let tolerance =
            0.5 * ulp * (1.0 + 1e-9) + 4.0 * f64::EPSILON * written.abs().max(target.abs());
        (target - written).abs() <= tolerance
    };
    within(number.value, number.ulp)
        || (number.percent && within(number.value / 100.0, number.ulp / 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str, allowed: &[f64]) {
        assert_eq!(check_numbers(text, allowed), Ok(()), "{text}");
    }

    fn bad(text: &str, allowed: &[f64], expected: &[&str]) {
        assert_eq!(
            check_numbers(text, allowed),
            Err(expected.iter().map(|s| s.to_string()).collect()),
            "{text}"
        );
    }

    #[test]
    fn rounding_at_the_written_precision_matches() {
        ok("p = 0.03", &[0.0312]);
        ok("p = 0.031", &[0.0312]);
        ok("r = 0.5", &[0.46]);
        ok("n = 42", &[42.0]);
        ok("about 42 samples", &[42.3]);
        bad("about 42 samples", &[42.6], &["42"]);
        bad("p = 0.030", &[0.0312], &["0.030"]);
        bad("p = 0.04", &[0.0312], &["0.04"]);
        bad("r = 0.5", &[0.56], &["0.5"]);
    }

    #[test]
    fn halfway_values_may_round_either_way() {
        ok("0.04", &[0.035]);
        ok("0.03", &[0.035]);
        ok("2", &[2.5]);
    }

    #[test]
    fn scientific_notation_matches_at_its_significant_digits() {
        ok("p = 2e-8", &[1.96e-8]);
        ok("p = 1.2e-5", &[1.24e-5]);
        bad("p = 1.2e-5", &[1.3e-5], &["1.2e-5"]);
        ok("p = 1.2×10^-5", &[1.2e-5]);
        ok("p = 1.2 × 10^-5", &[1.16e-5]);
        ok("p = 3.4 x 10⁻¹²", &[3.41e-12]);
        ok("q < 10^-8", &[1.1e-8]);
        bad("p = 2e-9", &[1.96e-8], &["2e-9"]);
        ok("FDR = 0.0000196", &[1.96e-5]);
        ok("p = 1.96E-08", &[1.96e-8]);
    }

    #[test]
    fn percentages_match_fractions_or_percents() {
        ok("in 45% of tumours", &[0.45]);
        ok("in 45% of tumours", &[45.0]);
        ok("12.5 % of samples", &[0.125]);
        ok("3.1% of samples", &[0.0312]);
        ok("63 percent", &[0.631]);
        bad("in 63% of tumours", &[0.45], &["63%"]);
    }

    #[test]
    fn signs_are_checked_only_when_written() {
        ok("log2FC = -1.2", &[-1.2]);
        ok("expression fell by 1.2 log2 units", &[-1.2]);
        ok("r = −0.45", &[-0.45]);
        bad("log2FC = -1.2", &[1.2], &["-1.2"]);
        ok("range 0.2-0.4", &[0.2, 0.4]);
        bad("range 0.2–0.5", &[0.2, 0.4], &["0.5"]);
    }

    #[test]
    fn names_with_digits_are_not_checked() {
        ok(
            "TP53 and CD8A loss with H3K27ac gain raises IL-6 and miR-21 in CD8+ cells",
            &[],
        );
        ok(
            "COVID-19, HLA-A*02:01, the 3'UTR, R^2 and PC1 on chr17",
            &[],
        );
        ok("a 5kb window over 24h", &[]);
        bad("TP53 mutation in 12 of 40 tumours", &[12.0], &["40"]);
    }

    #[test]
    fn labels_are_names_but_claims_after_them_are_checked() {
        ok("FIGO grade 2 tumours", &[]);
        ok("stage IIIA disease", &[]);
        ok("grades 2 and 3, stages 1-3, cluster 4 vs 5", &[]);
        ok("see Fig. 2 and Table 1 on chromosome 17", &[]);
        ok("samples collected in March 2021", &[]);
        bad("grade 2 tumours had 45 samples", &[], &["45"]);
        bad("grade 2.5", &[], &["2.5"]);
        bad("stage 3, 45% survived", &[], &["45%"]);
    }

    #[test]
    fn list_markers_and_confidence_levels_are_not_claims() {
        ok("1. TP53 loss\n2) MYC gain\n  (3) EGFR", &[]);
        ok("log2FC = 1.8 (95% CI 1.2-2.3)", &[1.8, 1.2, 2.3]);
        ok("a 90 % confidence interval", &[]);
        bad("in 95% of tumours", &[], &["95%"]);
        bad("TP53 loss in 12. Then", &[], &["12"]);
        bad("values 1. 2. 3.", &[2.0, 3.0], &["1"]);
    }

    #[test]
    fn dates_and_versions_are_not_checked_but_bare_years_are() {
        ok("released 2024-05-01 as version 1.2.3", &[]);
        bad("a 2021 study", &[], &["2021"]);
        ok("a 2021 study", &[2021.0]);
    }

    #[test]
    fn quantities_with_fold_suffixes_are_checked() {
        bad("a 2.5x rise and a 4-fold drop", &[2.5], &["4"]);
        ok("a 2.5x rise and a 4-fold drop", &[2.5, 4.0]);
    }

    #[test]
    fn thousands_separators_and_leading_dots() {
        ok("1,024 samples", &[1024.0]);
        ok("12,345 reads", &[12345.0]);
        ok("alpha = .05", &[0.05]);
    }

    #[test]
    fn offending_numbers_are_listed_once_in_order() {
        bad(
            "p = 0.004 and 0.9, again p = 0.004, n = 12",
            &[12.0],
            &["0.004", "0.9"],
        );
    }

    #[test]
    fn empty_and_numberless_text_passes() {
        ok("", &[]);
        ok("TP53 loss associates with higher proliferation.", &[]);
    }

    #[test]
    fn non_finite_allowed_values_match_nothing() {
        bad("p = 0.5", &[f64::NAN, f64::INFINITY], &["0.5"]);
        bad("huge 1e400", &[f64::INFINITY], &["1e400"]);
    }

    #[test]
    fn a_realistic_hypothesis_sentence() {
        let text = "Tumours with TP53 mutations (n = 37, 41%) show higher MKI67 \
                    expression (log2FC = 1.8, p = 3.2×10^-6, FDR = 0.0004) than \
                    wild-type tumours in FIGO grade 3 disease.";
        let allowed = [37.0, 0.4111, 1.8213, 3.18e-6, 4.3e-4];
        ok(text, &allowed);
        let invented = text.replace("1.8", "2.4");
        bad(&invented, &allowed, &["2.4"]);
    }
}
