//! How a hypothesis is built, and the pieces its statement is built from: evidence entries citing
//! ledger rows, numbers formatted for prose, and the [`Draft`] a kind fills in. Assembly is in
//! `assemble.rs`, each kind's wording in its module under `kinds/`. Statements are built only
//! from numbers in the ledger. What a hypothesis is, once scored, is the graph's model
//! ([`graph::Hypothesis`]); the agent adds only the question validation re-asks.

use crate::kinds::{Kind, Question};
use crate::ledger::{Ledger, TestRow};
use graph::{EvidenceRole, Mention, Relation, StatementSource, TestKind};
use serde::{Deserialize, Serialize};

/// A finding a hypothesis cites: the graph's citation type, so hypotheses.json, the report and
/// the store cite findings alike.
pub use graph::Evidence;

/// A hypothesis is built in stages, each a type: a [`Candidate`] assembled from the ledger, a
/// [`Validated`] candidate with its re-test on held-out samples, and a scored, ranked
/// [`Hypothesis`]. No stage holds placeholder values for a later one's results.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub kind: Kind,
    pub statement: String,
    pub entities: Vec<Mention>,
    pub relations: Vec<Relation>,
    pub evidence: Vec<Evidence>,
    /// The question to re-ask on held-out samples, and the feature/contrast to look up.
    pub validation: ValidationKey,
    /// The mechanism chain the hypothesis states, when it links findings across entities or
    /// layers (`chain/`).
    pub chain: Option<crate::chain::ChainDraft>,
}

/// A candidate with its re-test on the held-out samples (a chain's: every link's).
#[derive(Clone, Debug, PartialEq)]
pub struct Validated {
    pub candidate: Candidate,
    pub replication: graph::Replication,
    /// The candidate's chain with each link re-tested.
    pub chain: Option<graph::MechanismChain>,
}

/// A validated, scored hypothesis as the run keeps it: the graph's model (what hypotheses.json,
/// the report and the store show) and the question to re-ask on held-out samples, which only
/// the agent can read (an external cohort re-asks it). Flattened, so hypotheses.json keeps its
/// fields at the top level as before the model moved to the graph.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Hypothesis {
    #[serde(flatten)]
    pub model: graph::Hypothesis,
    /// The question to re-ask on held-out samples, and the feature/contrast to look up.
    pub validation: ValidationKey,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValidationKey {
    pub question: Question,
    pub feature: String,
    pub contrast: String,
    pub effect_sign: f64,
}

impl Hypothesis {
    /// The last stage: a validated candidate with its score, not yet ranked (`id` and `rank` are
    /// given when the run's hypotheses are ordered).
    pub fn scored(validated: Validated, score: graph::ScoreBreakdown) -> Self {
        let Validated {
            candidate,
            replication,
            chain,
        } = validated;
        Self {
            model: graph::Hypothesis {
                id: String::new(),
                rank: 0,
                kind: candidate.kind.name(),
                statement: candidate.statement,
                statement_source: StatementSource::Template,
                template_statement: None,
                entities: candidate.entities,
                relations: candidate.relations,
                evidence: candidate.evidence,
                score,
                replication,
                external_replication: None,
                chain,
            },
            validation: candidate.validation,
        }
    }

    /// The kind of question it answers, read from the name the model keeps (`None` only for a
    /// hypotheses.json naming a kind this build does not know).
    pub fn kind(&self) -> Option<Kind> {
        Kind::from_name(&self.model.kind)
    }
}

pub fn finding_id(step: usize, row: usize) -> String {
    format!("F{step}.{row}")
}

/// Significant digits for prose: 0.0123 -> "0.012", 3.4e-9 -> "3.4e-9".
pub fn fmt_p(p: f64) -> String {
    if p == 0.0 {
        "<1e-300".into()
    } else if p < 1e-3 {
        let s = format!("{p:.1e}");
        s.replace("e-0", "e-")
    } else {
        let decimals = (1 - p.log10().floor() as i32).max(1) as usize;
        format!("{p:.decimals$}")
    }
}

pub fn fmt_effect(x: f64) -> String {
    format!("{x:.2}")
}

/// One ledger row in words with its numbers, as evidence summaries show it.
pub fn row_summary(row: &TestRow, q: f64) -> String {
    let (name, value) = match row.test {
        TestKind::Spearman | TestKind::SpearmanTrend => ("rho", fmt_effect(row.effect)),
        TestKind::CoxWald | TestKind::CoxFirth => ("HR", fmt_effect(row.effect.exp())),
        TestKind::Hypergeometric => ("fold", fmt_effect(row.effect.exp2())),
        TestKind::Gsea => ("NES", fmt_effect(row.effect)),
        TestKind::Camera => ("mean z shift", fmt_effect(row.effect)),
        TestKind::ChiSquare => ("Cramer's V", fmt_effect(row.effect)),
        TestKind::WelchT
        | TestKind::MannWhitney
        | TestKind::ModeratedT
        | TestKind::PairedT
        | TestKind::OlsT => ("difference", fmt_effect(row.effect)),
    };
    format!(
        "{} {} ({}): {name} {value} [{}, {}], p={}, q={}, n={}",
        row.layer,
        row.feature,
        row.contrast,
        fmt_effect(if row.test.is_cox() {
            row.ci_low.exp()
        } else {
            row.ci_low
        }),
        fmt_effect(if row.test.is_cox() {
            row.ci_high.exp()
        } else {
            row.ci_high
        }),
        fmt_p(row.p),
        fmt_p(q),
        row.n
    )
}

/// The evidence entry citing row `row` of the analysis at `index`.
pub fn evidence(ledger: &Ledger, index: usize, row: usize, role: EvidenceRole) -> Option<Evidence> {
    let a = ledger.analyses().get(index)?;
    let r = a.rows.get(row)?;
    Some(Evidence {
        finding: finding_id(a.step, row),
        step: a.step,
        row,
        role,
        summary: row_summary(r, ledger.q(index, row)),
    })
}

/// "higher" or "lower", by the sign of an effect.
pub fn higher_lower(effect: f64) -> &'static str {
    if effect > 0.0 { "higher" } else { "lower" }
}

/// Finds a row in follow-up analyses of a given kind that match a predicate.
pub fn find_follow_up(
    ledger: &Ledger,
    kind: Kind,
    matches_question: impl Fn(&Question) -> bool,
    matches_row: impl Fn(&TestRow) -> bool,
) -> Option<(usize, usize)> {
    ledger.analyses().iter().enumerate().find_map(|(i, a)| {
        if a.direction.question.kind() != kind || !matches_question(&a.direction.question) {
            return None;
        }
        a.rows.iter().position(&matches_row).map(|r| (i, r))
    })
}

/// A hypothesis being grown from one strong primary finding: what its kind adds (entities,
/// relations, follow-up evidence) before the shared clauses are appended.
pub struct Draft<'a> {
    pub ledger: &'a Ledger,
    /// The primary finding's analysis (index in the ledger) and row.
    pub index: usize,
    pub analysis: &'a crate::ledger::AnalysisRecord,
    pub row: &'a TestRow,
    /// Its session-wide q-value.
    pub q: f64,
    /// The primary feature as the analysis's layer measures it.
    pub feature: Mention,
    /// `difference X, q=Y`: the numbers a group-difference statement quotes.
    pub stats: String,
    pub entities: Vec<Mention>,
    pub relations: Vec<Relation>,
    /// The primary evidence first, then what the kind adds.
    pub evidence: Vec<Evidence>,
    /// The question validation re-asks, when it is not the analysis's own (a module kind fixes
    /// the module found on the discovery half, so the held-out half tests that same module).
    pub validation_question: Option<crate::kinds::Question>,
}

/// Upper-cases the first letter of a statement.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
