//! The claims guard: model-written prose may only name entities the cited findings (or the
//! text it was given) name, and may only state the directions those findings have.
//!
//! The numbers guard (`numbers/`) stops invented values; this one stops invented genes ("PMS2
//! drives ..." when no finding mentions PMS2) and reversed effects ("MLH1 is higher in MSI-H"
//! when the finding says lower). Rules, simple enough to state and to test:
//! - A name-like token (upper-case letters and digits, at least two characters, such as
//!   `MLH1`, `TP53`, `MSI-H`) must occur in the allowed texts (the template statement, the
//!   evidence summaries, the planner's prompt) or among the facts' entities.
//! - The prose is cut into clauses (at `. ; :` and at "while", "but", "whereas"). A clause that
//!   names exactly one fact entity and uses direction words of one kind only (higher, increased,
//!   ... or lower, reduced, loss, ...) claims that direction for the entity. It must match a
//!   fact about the entity, read from the side of the group the clause names: naming the
//!   contrast's reference group (and not the other) flips the finding's sign.
//! - Clauses naming several entities, or none, or both kinds of direction words, are not judged.

use std::collections::HashSet;

/// Words that name an upward direction.
const UP: &[&str] = &[
    "higher",
    "increased",
    "increase",
    "increases",
    "elevated",
    "raised",
    "up",
    "upregulated",
    "greater",
    "more",
    "gain",
    "gained",
    "rises",
    "rise",
    "rising",
];
/// Words that name a downward direction.
const DOWN: &[&str] = &[
    "lower",
    "decreased",
    "decrease",
    "decreases",
    "reduced",
    "reduction",
    "down",
    "downregulated",
    "less",
    "loss",
    "lost",
    "drop",
    "drops",
    "dropped",
    "falls",
    "fall",
    "fell",
    "depleted",
];
/// Clause-separating words: a contrast starts a new claim.
const BREAKS: &[&str] = &["while", "but", "whereas", "although", "though"];
/// Abbreviations every scientific text uses.
const COMMON: &[&str] = &[
    "RNA", "DNA", "MRNA", "CI", "HR", "SD", "FDR", "TOST", "OS", "PFS", "DFS", "CNV", "CNA", "ID",
];

/// One finding's direction for an entity, with the contrast it was measured in.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    /// The gene or feature (as prose names it: `MLH1`).
    pub entity: String,
    /// Sign of the effect: group A minus group B, a correlation, a log hazard ratio.
    pub sign: f64,
    /// The contrast's levels (`MSI-H`, `MSS`) when the finding compares two groups.
    pub group_a: Option<String>,
    pub group_b: Option<String>,
}

impl Fact {
    /// A fact from a finding's gene, effect and contrast (`A vs B`).
    pub fn new(entity: &str, effect: f64, contrast: &str) -> Self {
        let (a, b) = contrast.split_once(" vs ").map_or((None, None), |(a, b)| {
            let b = b.split(" adjusted for ").next().unwrap_or(b);
            (Some(a.trim().to_owned()), Some(b.trim().to_owned()))
        });
        Self {
            entity: entity.to_owned(),
            sign: effect.signum(),
            group_a: a,
            group_b: b,
        }
    }
}

/// The entities and directions prose may state.
#[derive(Clone, Debug, Default)]
pub struct Claims {
    names: HashSet<String>,
    facts: Vec<Fact>,
}

/// Name-like tokens: upper-case letters, digits and inner hyphens, with at least two upper-case
/// letters, or one and a digit (`MLH1`, `MSI-H`, `TP53`, `CD8A`).
fn names(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .map(|t| t.trim_matches('-'))
        .filter(|t| {
            let upper = t.chars().filter(char::is_ascii_uppercase).count();
            let digits = t.chars().filter(char::is_ascii_digit).count();
            let lower = t.chars().filter(char::is_ascii_lowercase).count();
            lower == 0
                && t.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && (upper >= 2 || (upper >= 1 && digits >= 1))
        })
        .map(str::to_owned)
        .collect()
}

fn words(clause: &str) -> Vec<String> {
    clause
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Cuts prose into clauses at sentence punctuation and contrast words.
fn clauses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in text.split(['.', ';', ':', '\n']) {
        let mut current: Vec<&str> = Vec::new();
        for w in part.split_whitespace() {
            let bare = w
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            if BREAKS.contains(&bare.as_str()) && !current.is_empty() {
                out.push(current.join(" "));
                current.clear();
            }
            current.push(w);
        }
        if !current.is_empty() {
            out.push(current.join(" "));
        }
    }
    out
}

impl Claims {
    pub fn new() -> Self {
        Self::default()
    }

    /// Allows every name the text uses (a template statement, evidence, a prompt).
    pub fn allow_text(&mut self, text: &str) -> &mut Self {
        self.names.extend(names(text));
        self
    }

    pub fn fact(&mut self, fact: Fact) -> &mut Self {
        self.names.extend(names(&fact.entity));
        self.facts.push(fact);
        self
    }

    /// Checks prose; the errors say what to change, one per problem.
    pub fn check(&self, text: &str) -> Result<(), Vec<String>> {
        let mut errors: Vec<String> = Vec::new();
        for name in names(text) {
            if !self.names.contains(&name) && !COMMON.contains(&name.as_str()) {
                let e = format!("{name} is not named by the evidence");
                if !errors.contains(&e) {
                    errors.push(e);
                }
            }
        }
        for clause in clauses(text) {
            if let Some(e) = self.direction_error(&clause) {
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn direction_error(&self, clause: &str) -> Option<String> {
        let ws = words(clause);
        let entities: Vec<&str> = {
            let mut seen: Vec<&str> = Vec::new();
            for f in &self.facts {
                if ws.iter().any(|w| w == &f.entity) && !seen.contains(&f.entity.as_str()) {
                    seen.push(&f.entity);
                }
            }
            seen
        };
        let [entity] = entities.as_slice() else {
            return None;
        };
        let lower: Vec<String> = ws.iter().map(|w| w.to_lowercase()).collect();
        let up = lower.iter().any(|w| UP.contains(&w.as_str()));
        let down = lower.iter().any(|w| DOWN.contains(&w.as_str()));
        let claimed = match (up, down) {
            (true, false) => 1.0,
            (false, true) => -1.0,
            _ => return None,
        };
        let facts: Vec<&Fact> = self.facts.iter().filter(|f| f.entity == *entity).collect();
        let names_group = |g: &Option<String>| {
            g.as_ref()
                .is_some_and(|g| !g.is_empty() && clause.contains(g.as_str()))
        };
        let holds = facts.iter().any(|f| {
            let flip = names_group(&f.group_b) && !names_group(&f.group_a);
            let sign = if flip { -f.sign } else { f.sign };
            sign == claimed
        });
        (!holds).then(|| {
            format!(
                "\"{}\" states {entity} {} but the evidence says the opposite",
                clause.trim(),
                if claimed > 0.0 { "up" } else { "down" }
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mlh1() -> Claims {
        let mut c = Claims::new();
        c.allow_text("MSI-H tumours have lower MLH1 proteome than MSS tumours")
            .fact(Fact::new("MLH1", -1.1, "MSI-H vs MSS"))
            .fact(Fact::new("PMS2", -0.8, "MSI-H vs MSS"));
        c
    }

    #[test]
    fn directions_must_match_the_finding_from_the_side_named() {
        let c = mlh1();
        assert!(c.check("MSI-H tumours have lower MLH1 protein.").is_ok());
        assert!(c.check("MSS tumours have higher MLH1 protein.").is_ok());
        assert!(
            c.check("MLH1 loss in MSI-H tumours comes with reduced PMS2 protein")
                .is_ok(),
            "two entities in one clause are not judged"
        );
        let bad = c
            .check("MSI-H tumours have higher MLH1 protein.")
            .unwrap_err();
        assert!(bad[0].contains("MLH1 up"), "{bad:?}");
        assert!(
            c.check("PMS2 rises in MSS while MLH1 falls in MSI-H")
                .is_ok()
        );
        assert!(c.check("PMS2 rises in MSI-H; MLH1 falls").is_err());
    }

    #[test]
    fn names_must_come_from_the_evidence() {
        let c = mlh1();
        assert!(
            c.check("MLH1 protein and its RNA (CI, HR) in MSI-H.")
                .is_ok()
        );
        let bad = c.check("MLH1 and EPCAM are lower in MSI-H").unwrap_err();
        assert_eq!(bad, vec!["EPCAM is not named by the evidence".to_owned()]);
        assert!(c.check("Lower mismatch repair in MSI-H").is_ok());
    }
}
