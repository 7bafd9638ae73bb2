//! Which of two levels is the reference a reader measures the other against, so a contrast reads
//! from the side a reader expects ("MSI-H tumours have lower MLH1 than MSS tumours"). Generic
//! conventions only, no per-variable lists: a level that reads as normal, wild-type, negative,
//! absent, stable, low or early is the reference against one that does not; between two numeric
//! codes the smaller; otherwise the larger group (the usual background).

/// Words of a level that mark it as the baseline.
const REFERENCE_WORDS: &[&str] = &[
    "normal",
    "wt",
    "wildtype",
    "wild",
    "negative",
    "neg",
    "no",
    "none",
    "absent",
    "not",
    "without",
    "intact",
    "retained",
    "stable",
    "mss",
    "low",
    "lo",
    "control",
    "healthy",
    "benign",
    "early",
    "i",
    "ia",
    "ib",
    "g1",
    "0",
    "false",
    "unmutated",
    "nonmutated",
    "non",
    "alive",
    "living",
    "censored",
    "female",
];

/// Words of a level that mark it as the state of interest (they win over a baseline word in the
/// same level: "loss of nuclear expression" against "intact nuclear expression").
const INTEREST_WORDS: &[&str] = &[
    "positive",
    "pos",
    "yes",
    "present",
    "mutant",
    "mutated",
    "mut",
    "high",
    "hi",
    "loss",
    "lost",
    "deficient",
    "deleted",
    "amplified",
    "gain",
    "tumor",
    "tumour",
    "cancer",
    "malignant",
    "metastatic",
    "advanced",
    "late",
    "dead",
    "deceased",
    "true",
    "msi",
    "msi-h",
    "hypermutated",
];

fn words(level: &str) -> Vec<String> {
    level
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// +1 for a level that reads as a baseline, -1 for one that reads as a state of interest, 0 when
/// it says neither.
fn baseline_score(level: &str) -> i32 {
    let lower = level.trim().to_ascii_lowercase();
    let ws = words(&lower);
    let has = |list: &[&str]| {
        list.iter()
            .any(|w| ws.iter().any(|x| x == w) || lower == *w)
    };
    // "MSI-H" splits into "msi", "h"; "non-MSI" reads as a baseline through "non".
    if ws
        .first()
        .is_some_and(|w| w == "non" || w == "not" || w == "no")
    {
        return 1;
    }
    if has(INTEREST_WORDS) {
        -1
    } else if has(REFERENCE_WORDS) {
        1
    } else {
        0
    }
}

/// Orders two levels as (level of interest, reference), given their group sizes.
pub fn interest_then_reference<'a>(
    (a, n_a): (&'a str, usize),
    (b, n_b): (&'a str, usize),
) -> (&'a str, &'a str) {
    let (sa, sb) = (baseline_score(a), baseline_score(b));
    if sa != sb {
        return if sa > sb { (b, a) } else { (a, b) };
    }
    if let (Ok(x), Ok(y)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        return if x < y { (b, a) } else { (a, b) };
    }
    // The larger group is the background; on a tie keep the given order.
    if n_a > n_b { (b, a) } else { (a, b) }
}

#[cfg(test)]
mod tests {
    use super::interest_then_reference as order;

    #[test]
    fn conventional_baselines_are_the_reference() {
        assert_eq!(order(("MSS", 70), ("MSI-H", 25)), ("MSI-H", "MSS"));
        assert_eq!(order(("MSI-H", 25), ("MSS", 70)), ("MSI-H", "MSS"));
        assert_eq!(
            order(("Wild-type", 60), ("Mutant", 40)),
            ("Mutant", "Wild-type")
        );
        assert_eq!(
            order(("Negative", 30), ("Positive", 50)),
            ("Positive", "Negative")
        );
        assert_eq!(order(("Normal", 30), ("Tumor", 90)), ("Tumor", "Normal"));
        assert_eq!(
            order(
                ("Intact nuclear expression", 80),
                ("Loss of nuclear expression", 20)
            ),
            ("Loss of nuclear expression", "Intact nuclear expression")
        );
        assert_eq!(order(("No", 60), ("Yes", 30)), ("Yes", "No"));
        assert_eq!(order(("non-MSI", 60), ("MSI", 30)), ("MSI", "non-MSI"));
    }

    #[test]
    fn numeric_codes_and_sizes_decide_otherwise() {
        assert_eq!(order(("0", 10), ("1", 90)), ("1", "0"));
        assert_eq!(order(("2", 10), ("1", 90)), ("2", "1"));
        // Neither level reads as a baseline: the larger group is the background.
        assert_eq!(
            order(("Endometrioid", 80), ("Serous", 15)),
            ("Serous", "Endometrioid")
        );
        assert_eq!(
            order(("Serous", 15), ("Endometrioid", 80)),
            ("Serous", "Endometrioid")
        );
        assert_eq!(order(("A", 5), ("B", 5)), ("A", "B"));
    }
}
