//! The LLM planner: an OpenAI-compatible model chooses among the directions the offline rules rank
//! highest, and rewrites hypothesis statements as prose. The model never supplies a number: its
//! prose is rejected (and re-asked) unless every number in it matches a value of the findings the
//! hypothesis cites, names only entities the evidence names and states only the directions the
//! findings have (`llm/claims.rs`). The planner sees the run's strong findings (genes, effects,
//! directions) and may propose a mechanism chain to test next; its rationale and proposal are
//! checked the same way against the findings it was shown. Any failure — unreachable server, timeouts, rate limits, refusals, malformed
//! replies, an exhausted token budget — falls back to the offline planner for that step.

use crate::hypothesis::Hypothesis;
use crate::ledger::Ledger;
use crate::llm::{
    Claims, Fact, LlmClient, LlmConfig, StructuredRequest, check_numbers, numbers_in,
};
use crate::planner::{Choice, OfflinePlanner, PlanContext, Planner};
use crate::question::{Kind, PlannedDirection};
use serde::Deserialize;
use serde_json::json;

/// Directions offered to the model: the offline planner's best few, so every option is sensible.
const CANDIDATES: usize = 6;

/// Strong findings shown to the model: the strongest few, one per gene and layer.
const FINDINGS_SHOWN: usize = 12;

#[derive(Debug, Default, serde::Serialize)]
struct LlmStats {
    choices_by_model: u32,
    fallbacks: u32,
    statements_written: u32,
    statements_kept_as_template: u32,
    /// Mechanism chains the model proposed to test next (checked against the findings shown).
    chains_proposed: Vec<String>,
    last_errors: Vec<String>,
}

pub struct LlmPlanner {
    offline: OfflinePlanner,
    client: LlmClient,
    runtime: tokio::runtime::Runtime,
    stats: LlmStats,
    /// Set after a persistent error (budget spent, request rejected): later calls would fail the
    /// same way, so the planner stops asking and the offline rules decide.
    disabled: Option<String>,
}

#[derive(Deserialize)]
struct DirectionReply {
    choice: String,
    rationale: String,
    /// A mechanism chain worth testing next, in words (optional).
    #[serde(default)]
    next_chain: String,
}

#[derive(Deserialize)]
struct StatementReply {
    statement: String,
}

impl LlmPlanner {
    pub fn new(config: LlmConfig) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self {
            offline: OfflinePlanner::default(),
            client: LlmClient::new(config),
            runtime,
            stats: LlmStats::default(),
            disabled: None,
        })
    }

    fn note_error(&mut self, e: &crate::llm::LlmError) -> String {
        let text = e.to_string();
        if e.is_persistent() {
            self.disabled = Some(text.clone());
        }
        if self.stats.last_errors.len() < 10 {
            self.stats.last_errors.push(text.clone());
        }
        text
    }
}

fn profile_text(context: &PlanContext<'_>) -> String {
    let p = context.profile;
    let mut t = format!(
        "Study {}: {} tumours, {} normals. Layers: {}. Recurrent mutations: {}. Clinical groupings: {}. Survival: {}.\n",
        p.study,
        p.tumors,
        p.normals,
        p.layers
            .iter()
            .map(|l| format!("{} ({} features)", l.name, l.features))
            .collect::<Vec<_>>()
            .join(", "),
        p.mutations
            .iter()
            .map(|m| format!("{} ({} carriers)", m.gene, m.carriers))
            .collect::<Vec<_>>()
            .join(", "),
        p.groupings
            .iter()
            .map(|g| g.variable.clone())
            .collect::<Vec<_>>()
            .join(", "),
        p.survival.as_deref().unwrap_or("none")
    );
    let done = context.ledger.analyses();
    if !done.is_empty() {
        t.push_str("Recent analyses (strong findings at q <= 0.05):\n");
        for (i, a) in done.iter().enumerate().rev().take(6) {
            t.push_str(&format!(
                "- {}: {} strong of {} tests\n",
                a.direction.question.describe(),
                context.ledger.strong_rows(i, crate::ledger::Q_STRONG).len(),
                a.rows.len()
            ));
        }
    }
    t
}

/// The run's strong findings as the model reads them (one line each, with gene, layer, contrast,
/// direction and numbers), and the facts its prose about them may state.
pub fn strong_findings(ledger: &Ledger) -> (String, Vec<Fact>) {
    let mut rows: Vec<(usize, usize)> = Vec::new();
    for (i, a) in ledger.analyses().iter().enumerate() {
        if a.direction.question.kind() == Kind::Enrichment {
            continue;
        }
        rows.extend(
            ledger
                .strong_rows(i, crate::ledger::Q_STRONG)
                .into_iter()
                .map(|r| (i, r)),
        );
    }
    let row = |&(i, r): &(usize, usize)| &ledger.analyses()[i].rows[r];
    rows.sort_by(|x, y| row(x).p.total_cmp(&row(y).p));
    let mut seen = std::collections::HashSet::new();
    rows.retain(|x| {
        let r = row(x);
        !r.gene.is_empty() && seen.insert((r.gene.clone(), r.layer.clone()))
    });
    rows.truncate(FINDINGS_SHOWN);
    let mut text = String::new();
    let mut facts = Vec::new();
    for (i, r) in &rows {
        let f = &ledger.analyses()[*i].rows[*r];
        text.push_str(&format!(
            "- {} {} {} ({}): {}\n",
            f.gene,
            f.layer,
            if f.effect > 0.0 { "up" } else { "down" },
            f.contrast,
            crate::hypothesis::row_summary(f, ledger.q(*i, *r))
        ));
        facts.push(Fact::new(&f.gene, f.effect, &f.contrast));
    }
    (text, facts)
}

/// What the planner's rationale may name and state: the prompt's names and the findings' facts.
fn prompt_claims(prompt: &str, facts: Vec<Fact>) -> Claims {
    let mut claims = Claims::new();
    claims.allow_text(prompt);
    for f in facts {
        claims.fact(f);
    }
    claims
}

/// What a hypothesis's prose may name and state: its template, its evidence and chain, and the
/// direction of every cited finding.
pub fn statement_claims(h: &Hypothesis, ledger: &Ledger) -> Claims {
    let mut claims = Claims::new();
    claims.allow_text(&h.model.statement);
    if let Some(t) = &h.model.template_statement {
        claims.allow_text(t);
    }
    for e in &h.model.evidence {
        claims.allow_text(&e.summary);
        let Some(i) = ledger.index_of(e.step) else {
            continue;
        };
        if let Some(row) = ledger.analyses()[i].rows.get(e.row)
            && !row.gene.is_empty()
        {
            claims.fact(Fact::new(&row.gene, row.effect, &row.contrast));
        }
    }
    if let Some(chain) = &h.model.chain {
        for l in &chain.links {
            claims.allow_text(&l.discovery.summary);
        }
    }
    claims
}

/// Every value a hypothesis's evidence carries, on every scale its prose may use.
pub fn allowed_numbers(h: &Hypothesis, ledger: &Ledger) -> Vec<f64> {
    let mut out = vec![0.05, 95.0];
    for e in &h.model.evidence {
        let Some(i) = ledger.index_of(e.step) else {
            continue;
        };
        let Some(row) = ledger.analyses()[i].rows.get(e.row) else {
            continue;
        };
        let q = ledger.q(i, e.row);
        for x in [
            row.effect,
            row.ci_low,
            row.ci_high,
            row.std_effect,
            row.statistic,
            row.p,
            q,
            row.n as f64,
        ] {
            if x.is_finite() {
                out.extend([x, x.exp(), x.exp2()]);
            }
        }
    }
    // A chain's pre-specified checks (equivalence tests) and their margin.
    if let Some(chain) = &h.model.chain {
        out.push(crate::chain::check::MARGIN_SD);
        for l in &chain.links {
            let d = &l.discovery;
            for x in [d.effect, d.ci_low, d.ci_high, d.p, d.n as f64]
                .into_iter()
                .chain(d.q)
            {
                if x.is_finite() {
                    out.push(x);
                }
            }
        }
    }
    out
}

impl Planner for LlmPlanner {
    fn choose(&mut self, open: &[PlannedDirection], context: &PlanContext<'_>) -> Choice {
        let Some(offline_pick) = self.offline.choose(open) else {
            return Choice::default();
        };
        if let Some(why) = &self.disabled {
            self.stats.fallbacks += 1;
            return Choice {
                index: Some(offline_pick),
                rationale: None,
                fallback: Some(format!("LLM planner stopped ({why}); offline rule chose")),
            };
        }
        let mut ranked: Vec<(usize, f64)> = open
            .iter()
            .enumerate()
            .map(|(i, d)| (i, self.offline.value(d)))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(CANDIDATES);
        let ids: Vec<String> = ranked
            .iter()
            .map(|(i, _)| format!("D{}", open[*i].id))
            .collect();
        let mut user = profile_text(context);
        let (findings, facts) = strong_findings(context.ledger);
        if !findings.is_empty() {
            user.push_str("Strong findings so far (gene, layer, direction, contrast, numbers):\n");
            user.push_str(&findings);
        }
        user.push_str("Candidate next analyses:\n");
        for ((i, value), id) in ranked.iter().zip(&ids) {
            user.push_str(&format!(
                "{id}: {} (prior value {value:.2}; {})\n",
                open[*i].question.describe(),
                open[*i].rationale
            ));
        }
        user.push_str(
            "Choose the one that is most informative next. Optionally propose, in next_chain, one \
             mechanism chain across layers or genes to test next (e.g. a protein change, its RNA, \
             a complex partner), naming only genes and directions from the findings above.",
        );
        let schema = json!({
            "type": "object",
            "properties": {
                "choice": {"type": "string", "enum": ids},
                "rationale": {"type": "string", "maxLength": 400},
                "next_chain": {"type": "string", "maxLength": 300}
            },
            "required": ["choice", "rationale"],
            "additionalProperties": false
        });
        let request = StructuredRequest::new(
            "next_direction",
            schema,
            "You plan an exploratory analysis of a cancer multiomics study. Pick the next analysis \
             that best builds on what has been found, favouring well-powered, clinically relevant \
             questions and follow-ups of strong findings.",
            &user,
        )
        .with_max_tokens(200)
        .with_temperature(0.0);
        let valid = ids.clone();
        let mut allowed = numbers_in(&user);
        allowed.push(crate::ledger::Q_STRONG);
        let claims = prompt_claims(&user, facts);
        let reply =
            self.runtime.block_on(
                self.client
                    .structured::<DirectionReply>(&request, move |r| {
                        if !valid.contains(&r.choice) {
                            return Err(format!("choice must be one of {valid:?}"));
                        }
                        let prose = format!("{}\n{}", r.rationale, r.next_chain);
                        check_numbers(&prose, &allowed).map_err(|bad| {
                            format!(
                                "these numbers are not in the findings or candidates: {}",
                                bad.join(", ")
                            )
                        })?;
                        claims.check(&prose).map_err(|bad| bad.join("; "))
                    }),
            );
        match reply {
            Ok(r) => {
                let pos = ids
                    .iter()
                    .position(|id| id == &r.value.choice)
                    .map(|k| ranked[k].0);
                self.stats.choices_by_model += 1;
                let chain = r.value.next_chain.trim().to_owned();
                let rationale = if chain.is_empty() {
                    r.value.rationale
                } else {
                    if self.stats.chains_proposed.len() < 20 {
                        self.stats.chains_proposed.push(chain.clone());
                    }
                    format!("{} Chain to test next: {chain}", r.value.rationale)
                };
                Choice {
                    index: pos.or(Some(offline_pick)),
                    rationale: Some(rationale),
                    fallback: None,
                }
            }
            Err(e) => {
                self.stats.fallbacks += 1;
                let why = self.note_error(&e);
                Choice {
                    index: Some(offline_pick),
                    rationale: None,
                    fallback: Some(format!(
                        "LLM planner unavailable for this step ({why}); offline rule chose"
                    )),
                }
            }
        }
    }

    fn update(&mut self, kind: Kind, success: bool) {
        self.offline.update(kind, success);
    }

    fn report(&self) -> serde_json::Value {
        json!({
            "planner": "llm",
            "model": self.client.config().model,
            "tokens_spent": self.client.budget().spent(),
            "stats": self.stats,
            "arms": self.offline.arms(),
        })
    }

    /// Calibration replays this run's choices by kind (`ReplayKinds`) instead of asking the model
    /// again on every shuffled copy.
    fn calibration_planner(&self, chosen: &[Kind]) -> crate::planner::CalibrationPlanner {
        crate::planner::CalibrationPlanner {
            planner: Box::new(crate::planner::ReplayKinds::new(chosen.to_vec())),
            description: format!(
                "the LLM planner's choices replayed by kind of question ({} steps; the offline rules pick within each kind, no model calls)",
                chosen.len()
            ),
        }
    }

    fn write_statement(&mut self, h: &Hypothesis, ledger: &Ledger) -> Option<String> {
        if self.disabled.is_some() {
            self.stats.statements_kept_as_template += 1;
            return None;
        }
        let allowed = allowed_numbers(h, ledger);
        let claims = statement_claims(h, ledger);
        let mut user = format!("Hypothesis (template): {}\nEvidence:\n", h.model.statement);
        for e in &h.model.evidence {
            user.push_str(&format!("- {} [{}]: {}\n", e.finding, e.role, e.summary));
        }
        if let Some(chain) = &h.model.chain {
            user.push_str(&format!("Mechanism chain. {}\n", chain.prediction));
            for l in &chain.links {
                user.push_str(&format!("- link: {}\n", l.discovery.summary));
            }
        }
        user.push_str("Write it as one or two clear sentences for a biologist, citing numbers only from the evidence.");
        let schema = json!({
            "type": "object",
            "properties": {"statement": {"type": "string", "minLength": 20, "maxLength": 700}},
            "required": ["statement"],
            "additionalProperties": false
        });
        let request = StructuredRequest::new(
            "hypothesis_statement",
            schema,
            "You write precise scientific hypotheses. Never invent numbers: every number you write \
             must appear in the evidence given.",
            &user,
        )
        .with_max_tokens(300)
        .with_temperature(0.0);
        let reply =
            self.runtime.block_on(
                self.client
                    .structured::<StatementReply>(&request, move |r| {
                        check_numbers(&r.statement, &allowed).map_err(|bad| {
                            format!("these numbers are not in the evidence: {}", bad.join(", "))
                        })?;
                        claims.check(&r.statement).map_err(|bad| bad.join("; "))
                    }),
            );
        match reply {
            Ok(r) => {
                self.stats.statements_written += 1;
                Some(r.value.statement.trim().to_owned())
            }
            Err(e) => {
                self.stats.statements_kept_as_template += 1;
                self.note_error(&e);
                None
            }
        }
    }
}
