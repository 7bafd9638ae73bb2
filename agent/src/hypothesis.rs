//! Step 5: assembling hypotheses from chains of supported findings. A hypothesis starts from one
//! strong primary finding and collects the follow-up evidence that speaks to it: the same change in
//! RNA or not (mechanism), whether it survives adjustment (robustness), the pathway it belongs to.
//! Statements are built only from numbers in the ledger.

use crate::ledger::{Ledger, Q_STRONG, TestRow};
use crate::question::{Question, QuestionKind};
use serde::{Deserialize, Serialize};

/// Primary findings taken per analysis: the strongest few, each about a different gene.
const PER_ANALYSIS: usize = 3;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// `F<step>.<row>`: the finding's id in findings.tsv and the graph.
    pub finding: String,
    pub step: usize,
    pub row: usize,
    /// primary, mechanism, adjusted, pathway, cis.
    pub role: String,
    /// What this piece of evidence says, in words with its numbers.
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    pub subject: String,
    pub relation: String,
    pub object: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Hypothesis {
    pub id: String,
    pub rank: usize,
    pub kind: QuestionKind,
    pub statement: String,
    /// `template` (built from the findings) or `llm` (prose whose numbers were checked).
    #[serde(default = "template_source")]
    pub statement_source: String,
    /// The template statement, kept when an LLM rewrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_statement: Option<String>,
    pub entities: Vec<String>,
    pub relations: Vec<Relation>,
    pub evidence: Vec<Evidence>,
    pub score: crate::score::ScoreBreakdown,
    pub replication: crate::validate::Replication,
    /// Re-test on an external cohort (`--validate-with`), when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_replication: Option<crate::validate::Replication>,
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

fn template_source() -> String {
    "template".into()
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

fn row_summary(row: &TestRow, q: f64) -> String {
    let (name, value) = match row.test.as_str() {
        "spearman" | "spearman_trend" => ("rho", fmt_effect(row.effect)),
        "cox_wald" => ("HR", fmt_effect(row.effect.exp())),
        "hypergeometric" => ("fold", fmt_effect(row.effect.exp2())),
        "chi_square" => ("Cramer's V", fmt_effect(row.effect)),
        _ => ("difference", fmt_effect(row.effect)),
    };
    format!(
        "{} {} ({}): {name} {value} [{}, {}], p={}, q={}, n={}",
        row.layer,
        row.feature,
        row.contrast,
        fmt_effect(if row.test == "cox_wald" {
            row.ci_low.exp()
        } else {
            row.ci_low
        }),
        fmt_effect(if row.test == "cox_wald" {
            row.ci_high.exp()
        } else {
            row.ci_high
        }),
        fmt_p(row.p),
        fmt_p(q),
        row.n
    )
}

fn evidence(ledger: &Ledger, index: usize, row: usize, role: &str) -> Option<Evidence> {
    let a = ledger.analyses().get(index)?;
    let r = a.rows.get(row)?;
    Some(Evidence {
        finding: finding_id(a.step, row),
        step: a.step,
        row,
        role: role.to_owned(),
        summary: row_summary(r, ledger.q(index, row)),
    })
}

fn higher_lower(effect: f64) -> &'static str {
    if effect > 0.0 { "higher" } else { "lower" }
}

/// Finds a row in follow-up analyses of a given kind that match a predicate.
fn find_follow_up(
    ledger: &Ledger,
    kind: QuestionKind,
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

/// Builds the candidate hypotheses of a run (unscored, unvalidated).
pub fn assemble(ledger: &Ledger) -> Vec<Hypothesis> {
    let mut out = Vec::new();
    for (index, a) in ledger.analyses().iter().enumerate() {
        let q = &a.direction.question;
        if q.kind().is_follow_up() || matches!(q, Question::Cis { .. }) {
            continue;
        }
        let mut genes_used = std::collections::HashSet::new();
        for row_index in ledger.strong_rows(index, Q_STRONG) {
            if genes_used.len() >= PER_ANALYSIS {
                break;
            }
            let row = &a.rows[row_index];
            if !genes_used.insert(row.gene.clone()) {
                continue;
            }
            if let Some(h) = from_primary(ledger, index, row_index) {
                out.push(h);
            }
        }
    }
    out.extend(cis_cascades(ledger));
    out
}

fn from_primary(ledger: &Ledger, index: usize, row_index: usize) -> Option<Hypothesis> {
    let a = ledger.analyses().get(index)?;
    let row = a.rows.get(row_index)?;
    let q = ledger.q(index, row_index);
    let mut ev = vec![evidence(ledger, index, row_index, "primary")?];
    let mut relations = Vec::new();
    let mut entities = Vec::new();
    let feature_entity = format!(
        "{}:{}",
        a.layers.last().cloned().unwrap_or_default(),
        row.feature
    );
    let stats = format!("difference {}, q={}", fmt_effect(row.effect), fmt_p(q));
    let mut statement = match &a.direction.question {
        Question::MutationImpact { gene, layer } => {
            entities.push(format!("mutation:{gene}"));
            relations.push(Relation {
                subject: format!("mutation:{gene}"),
                relation: if row.effect < 0.0 {
                    "lower_in".into()
                } else {
                    "higher_in".into()
                },
                object: feature_entity.clone(),
            });
            let loss = if &row.gene == gene && row.effect < 0.0 {
                " (consistent with loss of function)"
            } else {
                ""
            };
            let mut s = format!(
                "{gene}-mutated tumours have {} {} {layer} than wild-type tumours ({stats}){loss}",
                higher_lower(row.effect),
                row.feature
            );
            // Mechanism: the same gene's RNA in mutated vs wild-type.
            if let Some((i, r)) = find_follow_up(
                ledger,
                QuestionKind::MutationMechanism,
                |fq| matches!(fq, Question::MutationMechanism { gene: g, .. } if g == gene),
                |fr| fr.gene == row.gene,
            ) {
                let fr = &ledger.analyses()[i].rows[r];
                let same = fr.p < 0.05 && fr.effect.signum() == row.effect.signum();
                ev.extend(evidence(ledger, i, r, "mechanism"));
                s.push_str(&if same {
                    format!(
                        "; its RNA changes the same way (difference {}, p={}), suggesting a transcriptional effect",
                        fmt_effect(fr.effect),
                        fmt_p(fr.p)
                    )
                } else {
                    format!(
                        "; its RNA does not (difference {}, p={}), suggesting regulation beyond transcription",
                        fmt_effect(fr.effect),
                        fmt_p(fr.p)
                    )
                });
            }
            s
        }
        Question::ClinicalGroups { variable, layer }
        | Question::ClinicalNumeric { variable, layer } => {
            entities.push(format!("clinical:{variable}"));
            relations.push(Relation {
                subject: format!("clinical:{variable}"),
                relation: "associated_with".into(),
                object: feature_entity.clone(),
            });
            if row.test.starts_with("spearman") {
                format!(
                    "{} {layer} {} with {variable} ({}: rho {}, q={})",
                    row.feature,
                    if row.effect > 0.0 { "rises" } else { "falls" },
                    row.contrast,
                    fmt_effect(row.effect),
                    fmt_p(q)
                )
            } else {
                let (a_level, b_level) = row
                    .contrast
                    .split_once(" vs ")
                    .unwrap_or((&row.contrast, "others"));
                // Numeric codes read badly alone ("1 tumours"): name the variable with them.
                let group = |level: &str| {
                    if level.parse::<f64>().is_ok() {
                        format!("tumours with {variable} = {level}")
                    } else if level == "rest" || level == "others" {
                        "other tumours".to_owned()
                    } else {
                        format!("{level} tumours ({variable})")
                    }
                };
                format!(
                    "{} have {} {} {layer} than {} ({stats})",
                    group(a_level),
                    higher_lower(row.effect),
                    row.feature,
                    group(b_level).replace(&format!(" ({variable})"), "")
                )
            }
        }
        Question::TumorVsNormal { layer } => {
            entities.push("sample_group:tumour".into());
            relations.push(Relation {
                subject: "sample_group:tumour".into(),
                relation: if row.effect > 0.0 {
                    "higher_in".into()
                } else {
                    "lower_in".into()
                },
                object: feature_entity.clone(),
            });
            format!(
                "{} {layer} is {} in tumours than in normal tissue ({stats})",
                row.feature,
                higher_lower(row.effect)
            )
        }
        Question::Survival { layer } => {
            entities.push("clinical:overall_survival".into());
            relations.push(Relation {
                subject: feature_entity.clone(),
                relation: "prognostic_for".into(),
                object: "clinical:overall_survival".into(),
            });
            let mut s = format!(
                "higher {} {layer} predicts {} survival (HR per unit {} [{}, {}], q={})",
                row.feature,
                if row.effect > 0.0 {
                    "shorter"
                } else {
                    "longer"
                },
                fmt_effect(row.effect.exp()),
                fmt_effect(row.ci_low.exp()),
                fmt_effect(row.ci_high.exp()),
                fmt_p(q)
            );
            if let Some((i, r)) = find_follow_up(
                ledger,
                QuestionKind::AdjustedSurvival,
                |fq| matches!(fq, Question::AdjustedSurvival { layer: l, .. } if l == layer),
                |fr| fr.feature == row.feature,
            ) {
                let fr = &ledger.analyses()[i].rows[r];
                ev.extend(evidence(ledger, i, r, "adjusted"));
                let holds = fr.p < 0.05 && fr.effect.signum() == row.effect.signum();
                s.push_str(&format!(
                    "; {} after adjustment ({}: HR {}, p={})",
                    if holds {
                        "it holds"
                    } else {
                        "it does not hold"
                    },
                    fr.contrast,
                    fmt_effect(fr.effect.exp()),
                    fmt_p(fr.p)
                ));
            }
            s
        }
        Question::Subtypes { layer } => {
            entities.push(format!("sample_group:{layer} clusters"));
            entities.push(format!("clinical:{}", row.variable));
            relations.push(Relation {
                subject: format!("sample_group:{layer} clusters"),
                relation: "associated_with".into(),
                object: format!("clinical:{}", row.variable),
            });
            format!(
                "unsupervised {layer} subtypes track {} (Cramer's V {}, q={})",
                row.variable,
                fmt_effect(row.effect),
                fmt_p(q)
            )
        }
        _ => return None,
    };
    if row.gene.is_empty() {
        entities.push(feature_entity.clone());
    } else {
        entities.push(format!("gene:{}", row.gene));
        entities.push(feature_entity.clone());
    }
    // Robustness to purity and batch.
    if let Some((i, r)) = find_follow_up(
        ledger,
        QuestionKind::AdjustedGroups,
        |fq| match (fq, &a.direction.question) {
            (
                Question::AdjustedGroups {
                    variable, layer, ..
                },
                Question::MutationImpact { gene, layer: l },
            ) => variable == &format!("{gene} mutation") && layer == l,
            (
                Question::AdjustedGroups {
                    variable, layer, ..
                },
                Question::ClinicalGroups {
                    variable: v,
                    layer: l,
                },
            ) => variable == v && layer == l,
            _ => false,
        },
        |fr| {
            fr.feature == row.feature
                && fr
                    .contrast
                    .starts_with(&format!("{} adjusted for", row.contrast))
        },
    ) {
        let fr = &ledger.analyses()[i].rows[r];
        ev.extend(evidence(ledger, i, r, "adjusted"));
        let holds = fr.p < 0.05 && fr.effect.signum() == row.effect.signum();
        statement.push_str(&format!(
            "; the difference {} ({}: {}, p={})",
            if holds {
                "holds after adjustment"
            } else {
                "does not survive adjustment"
            },
            fr.contrast
                .rsplit_once(" adjusted for ")
                .map_or("adjusted", |(_, c)| c),
            fmt_effect(fr.effect),
            fmt_p(fr.p)
        ));
    }
    // Pathway context from the enrichment of this analysis's changed features.
    if let Some((i, r)) = best_pathway(ledger, a.step, &row.gene, row.effect) {
        let fr = &ledger.analyses()[i].rows[r];
        ev.extend(evidence(ledger, i, r, "pathway"));
        entities.push(format!("pathway:{}", fr.feature));
        relations.push(Relation {
            subject: format!("gene:{}", row.gene),
            relation: "member_of".into(),
            object: format!("pathway:{}", fr.feature),
        });
        statement.push_str(&format!(
            "; it belongs to {}, enriched among the {} features ({}-fold, q={})",
            fr.feature,
            if fr.contrast == "up" {
                "increased"
            } else {
                "decreased"
            },
            fmt_effect(fr.effect.exp2()),
            fmt_p(ledger.q(i, r))
        ));
    }
    Some(Hypothesis {
        id: String::new(),
        rank: 0,
        kind: a.direction.question.kind(),
        statement: capitalise(&statement) + ".",
        statement_source: template_source(),
        template_statement: None,
        entities,
        relations,
        evidence: ev,
        score: Default::default(),
        replication: Default::default(),
        external_replication: None,
        validation: ValidationKey {
            question: a.direction.question.clone(),
            feature: row.feature.clone(),
            contrast: row.contrast.clone(),
            effect_sign: row.effect.signum(),
        },
    })
}

/// The strongest enriched set (q below threshold) from the enrichment of `step` that contains the
/// gene, in the direction of the effect.
fn best_pathway(ledger: &Ledger, step: usize, gene: &str, effect: f64) -> Option<(usize, usize)> {
    let want = if effect > 0.0 { "up" } else { "down" };
    let mut best: Option<(usize, usize, f64)> = None;
    for (i, a) in ledger.analyses().iter().enumerate() {
        let Question::Enrichment { source_step, .. } = &a.direction.question else {
            continue;
        };
        if *source_step != step {
            continue;
        }
        for (r, row) in a.rows.iter().enumerate() {
            let q = ledger.q(i, r);
            if row.contrast == want
                && q <= Q_STRONG
                && row.gene.split(',').any(|g| g == gene)
                && best.is_none_or(|(_, _, bp)| row.p < bp)
            {
                best = Some((i, r, row.p));
            }
        }
    }
    best.map(|(i, r, _)| (i, r))
}

/// (analysis index, row index) in the ledger.
type RowRef = (usize, usize);

/// Genes whose copy number moves their RNA and their RNA moves their protein, both strongly.
fn cis_cascades(ledger: &Ledger) -> Vec<Hypothesis> {
    use std::collections::HashMap;
    let mut by_pair: HashMap<(String, String), HashMap<String, (usize, usize)>> = HashMap::new();
    for (i, a) in ledger.analyses().iter().enumerate() {
        if let Question::Cis { source, target } = &a.direction.question {
            let strong = ledger.strong_rows(i, Q_STRONG);
            let entry = by_pair.entry((source.clone(), target.clone())).or_default();
            for r in strong {
                if a.rows[r].effect > 0.0 {
                    entry.insert(a.rows[r].gene.clone(), (i, r));
                }
            }
        }
    }
    let mut out = Vec::new();
    let pairs: Vec<(String, String)> = by_pair.keys().cloned().collect();
    for (s1, t1) in &pairs {
        for (s2, t2) in &pairs {
            if t1 != s2 || s1 == t2 {
                continue;
            }
            let (Some(first), Some(second)) = (
                by_pair.get(&(s1.clone(), t1.clone())),
                by_pair.get(&(s2.clone(), t2.clone())),
            ) else {
                continue;
            };
            let mut genes: Vec<(&String, RowRef, RowRef)> = first
                .iter()
                .filter_map(|(g, a)| second.get(g).map(|b| (g, *a, *b)))
                .collect();
            genes.sort_by(|x, y| {
                let px =
                    ledger.analyses()[x.1.0].rows[x.1.1].p + ledger.analyses()[x.2.0].rows[x.2.1].p;
                let py =
                    ledger.analyses()[y.1.0].rows[y.1.1].p + ledger.analyses()[y.2.0].rows[y.2.1].p;
                px.total_cmp(&py)
            });
            for (gene, (i1, r1), (i2, r2)) in genes.into_iter().take(PER_ANALYSIS) {
                let a = &ledger.analyses()[i1].rows[r1];
                let b = &ledger.analyses()[i2].rows[r2];
                let statement = format!(
                    "Copy number of {gene} drives its own {t1} (rho {}, q={}) and its {t1} drives its {t2} (rho {}, q={}): a dosage effect that reaches the {t2}.",
                    fmt_effect(a.effect),
                    fmt_p(ledger.q(i1, r1)),
                    fmt_effect(b.effect),
                    fmt_p(ledger.q(i2, r2))
                );
                out.push(Hypothesis {
                    id: String::new(),
                    rank: 0,
                    kind: QuestionKind::Cis,
                    statement,
                    statement_source: template_source(),
                    template_statement: None,
                    entities: vec![
                        format!("gene:{gene}"),
                        format!("{s1}:{gene}"),
                        format!("{t1}:{gene}"),
                        format!("{t2}:{gene}"),
                    ],
                    relations: vec![
                        Relation {
                            subject: format!("{s1}:{gene}"),
                            relation: "cis_regulates".into(),
                            object: format!("{t1}:{gene}"),
                        },
                        Relation {
                            subject: format!("{t1}:{gene}"),
                            relation: "cis_regulates".into(),
                            object: format!("{t2}:{gene}"),
                        },
                    ],
                    evidence: [
                        evidence(ledger, i1, r1, "cis"),
                        evidence(ledger, i2, r2, "cis"),
                    ]
                    .into_iter()
                    .flatten()
                    .collect(),
                    score: Default::default(),
                    replication: Default::default(),
                    external_replication: None,
                    validation: ValidationKey {
                        question: ledger.analyses()[i2].direction.question.clone(),
                        feature: b.feature.clone(),
                        contrast: b.contrast.clone(),
                        effect_sign: 1.0,
                    },
                });
            }
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
