//! The LLM planner inside the research loop, on the bundled demo study.
//!
//! Against the scripted fault server (always run, fast): unusable direction replies fall back to
//! exactly the offline choice at every step; a valid choice runs the candidate the model named;
//! prose with invented numbers is re-asked and, if it never improves, the template statement is
//! kept, while prose citing the evidence is accepted; rate limiting is waited out; an exhausted
//! token budget makes later steps fall back without calling the server.
//!
//! Against a real model (SmolLM2-135M through llama.cpp, skipped with a message when python3 or
//! the packages are missing): a whole run completes, every step is decided by the model or the
//! fallback, every token the server reported is counted, and any prose kept cites only numbers
//! of its evidence.

mod llm_support;

use std::sync::OnceLock;
use std::time::Duration;

use agent::hypothesis::{Hypothesis, fmt_p};
use agent::knowledge::Knowledge;
use agent::ledger::Ledger;
use agent::llm::{LlmConfig, check_numbers};
use agent::llm_planner::{LlmPlanner, allowed_numbers};
use agent::planner::{Choice, OfflinePlanner, PlanContext, Planner};
use agent::question::{Kind, PlannedDirection};
use agent::run::{Budget, Event, RunConfig, RunResult, run};
use datasets::Study;
use graph::StatementSource;
use llm_support::{FaultServer, Step};
use serde_json::{Value, json};

/// Analyses per run and statements the planner may rewrite.
const ANALYSES: usize = 6;
const PROSE: usize = 3;
/// Prose no evidence supports: a count and a p-value made up out of thin air.
const INVENTED: &str = "This change was seen in 98765 tumours, with p = 0.000123456 overall.";

fn run_config(max_prose: usize) -> RunConfig {
    RunConfig {
        permutations: 0,
        budget: Budget {
            max_analyses: ANALYSES,
            max_seconds: 3600.0,
        },
        max_prose,
        ..Default::default()
    }
}

fn study() -> &'static Study {
    static STUDY: OnceLock<Study> = OnceLock::new();
    STUDY.get_or_init(|| datasets::demo::load().unwrap())
}

fn knowledge() -> &'static Knowledge {
    static KNOWLEDGE: OnceLock<Knowledge> = OnceLock::new();
    KNOWLEDGE.get_or_init(|| Knowledge::embedded().unwrap())
}

/// The same run with the offline planner: what every fallback must reproduce.
fn offline() -> &'static RunResult {
    static OFFLINE: OnceLock<RunResult> = OnceLock::new();
    OFFLINE.get_or_init(|| {
        let mut planner = OfflinePlanner::default();
        let result = run(
            study(),
            knowledge(),
            &run_config(PROSE),
            None,
            &mut planner,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(result.ledger.analyses().len(), ANALYSES);
        assert_eq!(result.summary.failed_directions, 0);
        assert!(
            result.hypotheses.len() >= PROSE,
            "the demo should give at least {PROSE} hypotheses in {ANALYSES} analyses"
        );
        result
    })
}

/// One decision of the planner under test, beside what the offline rule would have chosen.
#[derive(Debug)]
struct Decision {
    step: usize,
    /// Direction ids.
    offline: Option<usize>,
    chosen: Option<usize>,
    fallback: bool,
}

/// Wraps a planner and records every decision next to a shadow offline planner fed the same
/// outcomes, so a test can tell a fallback from a model's choice step by step.
struct Watched<P> {
    inner: P,
    shadow: OfflinePlanner,
    decisions: Vec<Decision>,
}

impl<P: Planner> Planner for Watched<P> {
    fn choose(&mut self, open: &[PlannedDirection], context: &PlanContext<'_>) -> Choice {
        let offline = self.shadow.choose(open).map(|i| open[i].id);
        let choice = self.inner.choose(open, context);
        self.decisions.push(Decision {
            step: context.step,
            offline,
            chosen: choice.index.and_then(|i| open.get(i)).map(|d| d.id),
            fallback: choice.fallback.is_some(),
        });
        choice
    }

    fn update(&mut self, kind: Kind, success: bool) {
        self.shadow.update(kind, success);
        self.inner.update(kind, success);
    }

    fn report(&self) -> Value {
        self.inner.report()
    }

    fn write_statement(&mut self, h: &Hypothesis, ledger: &Ledger) -> Option<String> {
        self.inner.write_statement(h, ledger)
    }
}

struct Outcome {
    result: RunResult,
    decisions: Vec<Decision>,
    /// `PlannerFallback` events: step and reason.
    fallbacks: Vec<(usize, String)>,
}

impl Outcome {
    fn stat(&self, name: &str) -> u64 {
        self.result.summary.planner["stats"][name]
            .as_u64()
            .unwrap_or_else(|| panic!("no stats.{name} in {}", self.result.summary.planner))
    }

    fn tokens_spent(&self) -> u64 {
        self.result.summary.planner["tokens_spent"]
            .as_u64()
            .unwrap()
    }

    fn last_errors(&self) -> Vec<String> {
        self.result.summary.planner["stats"]["last_errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_string())
            .collect()
    }
}

fn run_llm(config: LlmConfig, run_config: &RunConfig) -> Outcome {
    let mut planner = Watched {
        inner: LlmPlanner::new(config).unwrap(),
        shadow: OfflinePlanner::default(),
        decisions: Vec::new(),
    };
    let mut fallbacks = Vec::new();
    let result = run(
        study(),
        knowledge(),
        run_config,
        None,
        &mut planner,
        &mut |event| {
            if let Event::PlannerFallback { step, reason } = event {
                fallbacks.push((step, reason.to_string()));
            }
        },
    )
    .unwrap();
    Outcome {
        result,
        decisions: planner.decisions,
        fallbacks,
    }
}

/// The directions a run analysed, in order.
fn path(result: &RunResult) -> Vec<(usize, String)> {
    result
        .ledger
        .analyses()
        .iter()
        .map(|a| (a.direction.id, a.direction.question.key()))
        .collect()
}

/// A fault server on a runtime of its own: the planner blocks its thread on its own runtime, so
/// the server must keep answering from another.
struct Scripted {
    server: FaultServer,
    _runtime: tokio::runtime::Runtime,
}

fn scripted(handler: impl FnMut(&Value) -> Step + Send + 'static) -> Scripted {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(FaultServer::respond_with(handler));
    Scripted {
        server,
        _runtime: runtime,
    }
}

/// Tiny timeouts and backoff; one retry, so every call makes at most two attempts.
fn fast_config(server: &FaultServer) -> LlmConfig {
    let mut config = LlmConfig::new(&server.base_url).unwrap();
    config.timeout = Duration::from_secs(10);
    config.max_retries = 1;
    config.backoff_base = Duration::from_millis(5);
    config.backoff_max = Duration::from_millis(20);
    config.jitter_seed = 1;
    config
}

fn schema_name(body: &Value) -> &str {
    body["response_format"]["json_schema"]["name"]
        .as_str()
        .unwrap_or_default()
}

const DIRECTION: &str = "next_direction";
const STATEMENT: &str = "hypothesis_statement";

/// The candidate ids a direction request offers, best first.
fn candidates(body: &Value) -> Vec<String> {
    body["response_format"]["json_schema"]["schema"]["properties"]["choice"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_string())
        .collect()
}

fn messages(body: &Value) -> &Vec<Value> {
    body["messages"].as_array().unwrap()
}

/// Whether the request re-asks after a rejected reply (the reply and the reason appended).
fn is_correction(body: &Value) -> bool {
    messages(body).len() > 2
}

fn last_message(body: &Value) -> &str {
    messages(body).last().unwrap()["content"].as_str().unwrap()
}

/// The template statement a prose request is about.
fn template_in(body: &Value) -> String {
    let user = messages(body)[1]["content"].as_str().unwrap();
    let rest = user.strip_prefix("Hypothesis (template): ").unwrap();
    rest[..rest.find("\nEvidence:\n").unwrap()].to_string()
}

fn choice(id: &str, rationale: &str) -> Step {
    Step::reply(&json!({"choice": id, "rationale": rationale}).to_string())
}

fn statement(text: &str) -> Step {
    Step::reply(&json!({ "statement": text }).to_string())
}

fn of_kind(requests: &[Value], name: &str) -> Vec<Value> {
    requests
        .iter()
        .filter(|r| schema_name(r) == name)
        .cloned()
        .collect()
}

/// Prose that cites only the primary finding's sample count, effect size and p-value.
fn prose_from_evidence(h: &Hypothesis, ledger: &Ledger) -> String {
    let primary = &h.model.evidence[0];
    let index = ledger.index_of(primary.step).unwrap();
    let row = &ledger.analyses()[index].rows[primary.row];
    let mut text = format!(
        "Across {} samples the primary finding shows an effect of magnitude {:.2}",
        row.n,
        row.effect.abs()
    );
    if row.p > 0.0 {
        text.push_str(&format!(" (p = {})", fmt_p(row.p)));
    }
    text.push('.');
    text
}

/// The planner's report and the event stream agree on fallbacks, and each step was decided once.
fn assert_accounted(outcome: &Outcome) {
    let steps: Vec<usize> = outcome.decisions.iter().map(|d| d.step).collect();
    let asked = outcome.result.summary.analyses + outcome.result.summary.failed_directions;
    assert_eq!(steps, (0..asked).collect::<Vec<_>>());
    assert_eq!(
        outcome.stat("choices_by_model") + outcome.stat("fallbacks"),
        asked as u64
    );
    let fell_back: Vec<usize> = outcome
        .decisions
        .iter()
        .filter(|d| d.fallback)
        .map(|d| d.step)
        .collect();
    let events: Vec<usize> = outcome.fallbacks.iter().map(|(step, _)| *step).collect();
    assert_eq!(events, fell_back);
    assert_eq!(outcome.stat("fallbacks"), fell_back.len() as u64);
    for d in outcome.decisions.iter().filter(|d| d.fallback) {
        assert_eq!(
            d.chosen, d.offline,
            "a fallback must take the offline choice"
        );
    }
}

#[test]
fn unusable_direction_replies_fall_back_to_the_offline_choice_at_every_step() {
    let mut sent = 0;
    let fake = scripted(move |body| {
        sent += 1;
        match schema_name(body) {
            // Alternately truncated JSON and an id that was never offered.
            DIRECTION if sent % 2 == 1 => Step::reply(r#"{"choice": "D0", "rationale": "#),
            DIRECTION => choice("D999", "not a candidate"),
            _ => Step::reply("not json"),
        }
    });
    let outcome = run_llm(fast_config(&fake.server), &run_config(PROSE));
    let reference = offline();

    assert_eq!(path(&outcome.result), path(reference));
    assert_eq!(outcome.result.summary.analyses, ANALYSES);
    assert_accounted(&outcome);
    assert_eq!(outcome.stat("choices_by_model"), 0);
    assert_eq!(outcome.stat("fallbacks"), ANALYSES as u64);
    assert_eq!(
        outcome
            .fallbacks
            .iter()
            .map(|(s, _)| *s)
            .collect::<Vec<_>>(),
        (0..ANALYSES).collect::<Vec<_>>()
    );
    for (step, reason) in &outcome.fallbacks {
        assert!(
            reason.contains("offline rule chose"),
            "step {step}: {reason}"
        );
        assert!(
            reason.contains("failed validation"),
            "step {step}: {reason}"
        );
    }

    // Every step asked twice (one retry), and the retry carried the reason for rejection.
    let requests = fake.server.requests();
    let directions = of_kind(&requests, DIRECTION);
    assert_eq!(directions.len(), 2 * ANALYSES);
    for pair in directions.chunks(2) {
        assert!(!is_correction(&pair[0]));
        assert!(
            last_message(&pair[1]).contains("not valid JSON"),
            "{}",
            last_message(&pair[1])
        );
    }
    // Statements got garbage too: the template ones stay, identical to the offline run's.
    assert_eq!(of_kind(&requests, STATEMENT).len(), 2 * PROSE);
    assert_eq!(outcome.stat("statements_kept_as_template"), PROSE as u64);
    assert_eq!(outcome.stat("statements_written"), 0);
    let statements = |r: &RunResult| -> Vec<String> {
        r.hypotheses
            .iter()
            .map(|h| h.model.statement.clone())
            .collect()
    };
    assert_eq!(statements(&outcome.result), statements(reference));
    assert!(
        outcome
            .result
            .hypotheses
            .iter()
            .all(|h| h.model.statement_source == StatementSource::Template
                && h.model.template_statement.is_none())
    );
    // Every reply was charged (10 + 5 tokens each), the rejected ones included.
    assert_eq!(outcome.tokens_spent(), 15 * requests.len() as u64);
    assert!(!outcome.last_errors().is_empty());
}

#[test]
fn a_valid_choice_runs_the_candidate_the_model_named() {
    const WHY: &str = "the second candidate, chosen by the script";
    let fake = scripted(|body| match schema_name(body) {
        DIRECTION => {
            let ids = candidates(body);
            choice(ids.get(1).unwrap_or(&ids[0]), WHY)
        }
        // Not retried: the statements stay templates without further requests.
        _ => Step::Status(400, "no prose today".into()),
    });
    let outcome = run_llm(fast_config(&fake.server), &run_config(PROSE));
    let reference = offline();

    assert_accounted(&outcome);
    assert_eq!(outcome.stat("choices_by_model"), ANALYSES as u64);
    assert_eq!(outcome.stat("fallbacks"), 0);
    assert!(outcome.fallbacks.is_empty());

    let requests = fake.server.requests();
    let directions = of_kind(&requests, DIRECTION);
    assert_eq!(directions.len(), ANALYSES);
    // Candidates are ranked as the offline planner ranks them: its pick is listed first.
    let first = candidates(&directions[0]);
    let offline_first = reference.ledger.analyses()[0].direction.id;
    assert_eq!(first[0], format!("D{offline_first}"));
    assert!(first.len() >= 2, "{first:?}");
    // Each step ran the candidate the reply named, with the model's rationale.
    for (request, decision) in directions.iter().zip(&outcome.decisions) {
        let ids = candidates(request);
        let named = ids.get(1).unwrap_or(&ids[0]);
        assert_eq!(format!("D{}", decision.chosen.unwrap()), *named);
        assert!(!decision.fallback);
    }
    let analyses = outcome.result.ledger.analyses();
    assert_eq!(analyses.len(), ANALYSES);
    assert_eq!(format!("D{}", analyses[0].direction.id), first[1]);
    assert_ne!(analyses[0].direction.id, offline_first);
    assert!(analyses.iter().all(|a| a.direction.rationale == WHY));
    assert_ne!(path(&outcome.result), path(reference));

    // Another path, other hypotheses: the first statement request got HTTP 400, which is not
    // retried and, being persistent, stops further prose requests; every top hypothesis kept its
    // template.
    let prose = outcome.result.hypotheses.len().min(PROSE);
    assert!(prose > 0, "the run has hypotheses to write");
    assert_eq!(of_kind(&requests, STATEMENT).len(), 1);
    assert_eq!(outcome.stat("statements_kept_as_template"), prose as u64);
    assert!(
        outcome
            .result
            .hypotheses
            .iter()
            .all(|h| h.model.statement_source == StatementSource::Template)
    );
    assert_eq!(outcome.tokens_spent(), 15 * ANALYSES as u64);
}

/// The first strong finding the prompt lists whose gene is listed once: (gene, layer, direction).
fn listed_finding(prompt: &str) -> Option<(String, String, String)> {
    let lines: Vec<&str> = prompt
        .lines()
        .skip_while(|l| !l.starts_with("Strong findings so far"))
        .skip(1)
        .take_while(|l| l.starts_with("- "))
        .collect();
    let parsed: Vec<(String, String, String)> = lines
        .iter()
        .filter_map(|l| {
            let mut w = l.trim_start_matches("- ").split_whitespace();
            Some((w.next()?.into(), w.next()?.into(), w.next()?.into()))
        })
        .collect();
    parsed
        .iter()
        .find(|(g, _, _)| parsed.iter().filter(|(o, _, _)| o == g).count() == 1)
        .cloned()
}

#[test]
fn the_planner_reads_strong_findings_and_its_rationale_is_checked_against_them() {
    let fake = scripted(|body| match schema_name(body) {
        DIRECTION => {
            let ids = candidates(body);
            let prompt = messages(body)[1]["content"].as_str().unwrap();
            let Some((gene, layer, direction)) = listed_finding(prompt) else {
                return choice(&ids[0], "nothing strong yet, so the best-ranked candidate");
            };
            let (right, wrong) = if direction == "down" {
                ("lower", "higher")
            } else {
                ("higher", "lower")
            };
            if is_correction(body) {
                Step::reply(
                    &json!({
                        "choice": ids[0],
                        "rationale": format!("{gene} {layer} is {right} in this contrast"),
                        "next_chain": format!("{gene} {layer} {right}, then test whether its RNA is unchanged"),
                    })
                    .to_string(),
                )
            } else {
                choice(
                    &ids[0],
                    &format!("{gene} {layer} is {wrong} in this contrast"),
                )
            }
        }
        _ => Step::Status(400, "no prose today".into()),
    });
    let outcome = run_llm(fast_config(&fake.server), &run_config(PROSE));
    assert_accounted(&outcome);
    let requests = fake.server.requests();
    let directions = of_kind(&requests, DIRECTION);
    let prompts: Vec<&str> = directions
        .iter()
        .filter(|r| !is_correction(r))
        .map(|r| messages(r)[1]["content"].as_str().unwrap())
        .collect();
    // Nothing is known before the first analysis; the demo's first analyses find strong
    // findings, which later prompts list with gene, layer, direction and numbers.
    assert!(!prompts[0].contains("Strong findings so far"));
    let with_findings = prompts
        .iter()
        .filter(|p| listed_finding(p).is_some())
        .count();
    assert!(with_findings >= 1, "{prompts:#?}");
    // The reversed direction was rejected with the reason, and re-asked.
    let corrections: Vec<&Value> = directions.iter().filter(|r| is_correction(r)).collect();
    assert_eq!(corrections.len(), with_findings);
    for c in &corrections {
        assert!(last_message(c).contains("opposite"), "{}", last_message(c));
    }
    // The corrected rationale and its proposed chain were accepted and recorded.
    assert_eq!(outcome.stat("fallbacks"), 0);
    let proposed = outcome.result.summary.planner["stats"]["chains_proposed"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(proposed, with_findings);
    let chained = outcome
        .result
        .ledger
        .analyses()
        .iter()
        .filter(|a| a.direction.rationale.contains("Chain to test next:"))
        .count();
    assert_eq!(chained, with_findings);
}

#[test]
fn prose_that_keeps_inventing_numbers_leaves_the_template_statement() {
    let fake = scripted(|body| match schema_name(body) {
        DIRECTION => choice(&candidates(body)[0], "the best-ranked candidate"),
        _ => statement(INVENTED),
    });
    let outcome = run_llm(fast_config(&fake.server), &run_config(PROSE));
    let reference = offline();

    // Taking the first candidate every time is the offline run, step for step.
    assert_eq!(path(&outcome.result), path(reference));
    assert_accounted(&outcome);
    assert_eq!(outcome.stat("choices_by_model"), ANALYSES as u64);
    for (h, offline_h) in outcome.result.hypotheses.iter().zip(&reference.hypotheses) {
        assert!(
            check_numbers(INVENTED, &allowed_numbers(h, &outcome.result.ledger)).is_err(),
            "the invented prose must break the numbers rule for {}",
            h.model.id
        );
        assert_eq!(h.model.statement, offline_h.model.statement);
        assert_eq!(h.model.statement_source, StatementSource::Template);
        assert_eq!(h.model.template_statement, None);
    }
    assert_eq!(outcome.result.hypotheses.len(), reference.hypotheses.len());
    assert_eq!(outcome.stat("statements_kept_as_template"), PROSE as u64);
    assert_eq!(outcome.stat("statements_written"), 0);

    // Each statement was asked for twice; the re-ask named the invented numbers.
    let statements = of_kind(&fake.server.requests(), STATEMENT);
    assert_eq!(statements.len(), 2 * PROSE);
    for pair in statements.chunks(2) {
        assert_eq!(template_in(&pair[0]), template_in(&pair[1]));
        assert!(!is_correction(&pair[0]));
        let feedback = last_message(&pair[1]);
        assert!(feedback.contains("not in the evidence"), "{feedback}");
        assert!(feedback.contains("98765"), "{feedback}");
    }
    assert!(
        outcome
            .last_errors()
            .iter()
            .any(|e| e.contains("not in the evidence")),
        "{:?}",
        outcome.last_errors()
    );
}

#[test]
fn prose_citing_the_evidence_is_accepted_after_an_invented_number_is_rejected() {
    let reference = offline();
    // The prose each top hypothesis should get, built from its own evidence.
    let mut expected = std::collections::HashMap::new();
    for h in reference.hypotheses.iter().take(PROSE) {
        let prose = prose_from_evidence(h, &reference.ledger);
        check_numbers(&prose, &allowed_numbers(h, &reference.ledger))
            .unwrap_or_else(|bad| panic!("test prose {prose:?} cites {bad:?}"));
        expected.insert(h.model.statement.clone(), prose);
    }
    let answers = expected.clone();
    let fake = scripted(move |body| match schema_name(body) {
        DIRECTION => choice(&candidates(body)[0], "the best-ranked candidate"),
        _ if !is_correction(body) => statement(INVENTED),
        _ => match answers.get(&template_in(body)) {
            Some(prose) => statement(prose),
            None => Step::Status(400, "asked about an unexpected hypothesis".into()),
        },
    });
    let outcome = run_llm(fast_config(&fake.server), &run_config(PROSE));

    assert_eq!(path(&outcome.result), path(reference));
    assert_eq!(outcome.result.hypotheses.len(), reference.hypotheses.len());
    for (k, (h, offline_h)) in outcome
        .result
        .hypotheses
        .iter()
        .zip(&reference.hypotheses)
        .enumerate()
    {
        assert_eq!(h.model.id, offline_h.model.id);
        assert_eq!(h.model.evidence, offline_h.model.evidence);
        if k < PROSE {
            assert_eq!(
                h.model.statement_source,
                StatementSource::Llm,
                "{}",
                h.model.id
            );
            assert_eq!(h.model.statement, expected[&offline_h.model.statement]);
            assert_eq!(
                h.model.template_statement.as_deref(),
                Some(offline_h.model.statement.as_str())
            );
            check_numbers(
                &h.model.statement,
                &allowed_numbers(h, &outcome.result.ledger),
            )
            .unwrap_or_else(|bad| panic!("{} cites {bad:?}", h.model.id));
        } else {
            assert_eq!(
                h.model.statement_source,
                StatementSource::Template,
                "{}",
                h.model.id
            );
            assert_eq!(h.model.statement, offline_h.model.statement);
        }
    }
    assert_eq!(outcome.stat("statements_written"), PROSE as u64);
    assert_eq!(outcome.stat("statements_kept_as_template"), 0);

    let statements = of_kind(&fake.server.requests(), STATEMENT);
    assert_eq!(statements.len(), 2 * PROSE);
    for pair in statements.chunks(2) {
        assert!(last_message(&pair[1]).contains("98765"));
    }
}

#[test]
fn rate_limiting_is_waited_out_and_the_model_still_decides() {
    let mut limited = false;
    let fake = scripted(move |body| match schema_name(body) {
        DIRECTION if !limited => {
            limited = true;
            Step::Status(429, "slow down".into())
        }
        DIRECTION => choice(&candidates(body)[0], "the best-ranked candidate"),
        _ => Step::Status(400, "no prose today".into()),
    });
    let outcome = run_llm(fast_config(&fake.server), &run_config(PROSE));

    assert_eq!(path(&outcome.result), path(offline()));
    assert_accounted(&outcome);
    assert_eq!(outcome.stat("choices_by_model"), ANALYSES as u64);
    assert_eq!(outcome.stat("fallbacks"), 0);
    let directions = of_kind(&fake.server.requests(), DIRECTION);
    assert_eq!(directions.len(), ANALYSES + 1);
    // The same request again after the wait, not a correction.
    assert_eq!(directions[0], directions[1]);
    // The 429 cost nothing; each reply cost 15 tokens.
    assert_eq!(outcome.tokens_spent(), 15 * ANALYSES as u64);
}

#[test]
fn an_exhausted_token_budget_falls_back_without_calling_the_server() {
    let fake = scripted(|body| match schema_name(body) {
        DIRECTION => {
            let ids = candidates(body);
            choice(ids.get(1).unwrap_or(&ids[0]), "the second candidate")
        }
        _ => statement("A statement that should never be asked for."),
    });
    let mut config = fast_config(&fake.server);
    // Two replies of 15 tokens spend it all.
    config.token_budget = Some(30);
    let outcome = run_llm(config, &run_config(PROSE));

    assert_eq!(outcome.result.summary.analyses, ANALYSES);
    assert_accounted(&outcome);
    assert_eq!(fake.server.requests().len(), 2);
    assert_eq!(outcome.tokens_spent(), 30);
    assert_eq!(outcome.stat("choices_by_model"), 2);
    assert_eq!(outcome.stat("fallbacks"), (ANALYSES - 2) as u64);
    // The model decided the first two steps (against the offline rule), the rule the rest.
    assert!(outcome.decisions[..2].iter().all(|d| !d.fallback));
    assert_ne!(outcome.decisions[0].chosen, outcome.decisions[0].offline);
    assert_eq!(
        outcome
            .fallbacks
            .iter()
            .map(|(s, _)| *s)
            .collect::<Vec<_>>(),
        (2..ANALYSES).collect::<Vec<_>>()
    );
    for (step, reason) in &outcome.fallbacks {
        assert!(
            reason.contains("token budget exhausted"),
            "step {step}: {reason}"
        );
    }
    assert_eq!(outcome.stat("statements_written"), 0);
    assert_eq!(
        outcome.stat("statements_kept_as_template"),
        outcome.result.hypotheses.len().min(PROSE) as u64
    );
    assert!(
        outcome
            .result
            .hypotheses
            .iter()
            .all(|h| h.model.statement_source == StatementSource::Template)
    );
}

#[cfg(unix)]
#[test]
fn a_real_model_plans_a_run_and_its_prose_cites_only_the_evidence() {
    use llm_support::real_server::{PIP_LINE, Skip, free_port, start_server};
    use std::time::Instant;

    let started = Instant::now();
    let port = free_port();
    let (_guard, log) = match start_server(port, 4096) {
        Ok(server) => server,
        Err(Skip(reason)) => {
            println!(
                "SKIPPED a_real_model_plans_a_run: {reason}. \
                 Install the local model server with: {PIP_LINE}"
            );
            return;
        }
    };
    let startup = started.elapsed();
    // A recording proxy in front of llama.cpp: it sees every usage the server reported.
    let proxy = {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(FaultServer::proxy(&format!("127.0.0.1:{port}")));
        Scripted {
            server,
            _runtime: runtime,
        }
    };
    let mut config = LlmConfig::new(&proxy.server.base_url).unwrap();
    config.model = "smollm2".into();
    config.timeout = Duration::from_secs(120);
    config.max_retries = 1;
    config.backoff_base = Duration::from_millis(200);
    config.jitter_seed = 1;

    let ran = Instant::now();
    let outcome = run_llm(config, &run_config(2));
    let seconds = ran.elapsed();
    let result = &outcome.result;
    let report = &result.summary.planner;

    assert_eq!(result.summary.analyses, ANALYSES, "{report}");
    assert_accounted(&outcome);
    assert_eq!(
        outcome.decisions.len(),
        ANALYSES + result.summary.failed_directions
    );

    // Tokens: the planner's count is exactly what the server reported, over every reply.
    let responses = proxy.server.responses();
    let requests = proxy.server.requests();
    assert_eq!(responses.len(), requests.len());
    let reported: u64 = responses
        .iter()
        .filter(|(status, _)| *status == 200)
        .map(|(_, body)| {
            let usage = &body["usage"];
            usage["prompt_tokens"].as_u64().unwrap() + usage["completion_tokens"].as_u64().unwrap()
        })
        .sum();
    assert!(outcome.tokens_spent() > 0, "{report}");
    assert_eq!(
        outcome.tokens_spent(),
        reported,
        "{report}\nserver log:\n{}",
        log.lock().unwrap()
    );

    // Prose: whatever the model wrote and the planner kept cites only its evidence.
    let prose = 2.min(result.hypotheses.len()) as u64;
    assert_eq!(
        outcome.stat("statements_written") + outcome.stat("statements_kept_as_template"),
        prose
    );
    let written: Vec<&Hypothesis> = result
        .hypotheses
        .iter()
        .filter(|h| h.model.statement_source == StatementSource::Llm)
        .collect();
    assert_eq!(written.len() as u64, outcome.stat("statements_written"));
    for h in &written {
        assert!(
            h.model.rank <= 2,
            "{} was rewritten beyond max_prose",
            h.model.id
        );
        check_numbers(&h.model.statement, &allowed_numbers(h, &result.ledger))
            .unwrap_or_else(|bad| panic!("{}: {:?} cites {bad:?}", h.model.id, h.model.statement));
        let template = h.model.template_statement.as_deref().unwrap_or_default();
        assert!(
            !template.is_empty(),
            "{} lost its template statement",
            h.model.id
        );
    }
    for h in result
        .hypotheses
        .iter()
        .filter(|h| h.model.statement_source != StatementSource::Llm)
    {
        assert_eq!(h.model.statement_source, StatementSource::Template);
        assert!(h.model.template_statement.is_none());
    }

    // Still ranked hypotheses whose evidence points at real findings.
    assert!(!result.hypotheses.is_empty());
    for (k, h) in result.hypotheses.iter().enumerate() {
        assert_eq!(h.model.rank, k + 1);
        assert_eq!(h.model.id, format!("H{}", k + 1));
        assert!(
            !h.model.evidence.is_empty(),
            "{} has no evidence",
            h.model.id
        );
        for e in &h.model.evidence {
            let index = result.ledger.index_of(e.step).unwrap();
            assert!(e.row < result.ledger.analyses()[index].rows.len());
        }
    }
    // Ranked breadth first (the best of every question, then the rest), each pass by score:
    // the scores fall in at most two descending runs.
    let rises = result
        .hypotheses
        .windows(2)
        .filter(|pair| pair[0].model.score.total < pair[1].model.score.total)
        .count();
    assert!(rises <= 1, "ranked by score within each of two passes");

    println!(
        "real model planner: server ready in {startup:.1?}; run of {ANALYSES} analyses in \
         {seconds:.1?} with {} requests, {} tokens; model chose {} step(s), {} fell back; \
         {} statement(s) written, {} kept as template",
        requests.len(),
        outcome.tokens_spent(),
        outcome.stat("choices_by_model"),
        outcome.stat("fallbacks"),
        outcome.stat("statements_written"),
        outcome.stat("statements_kept_as_template"),
    );
    for (step, reason) in &outcome.fallbacks {
        println!("  fallback at step {step}: {reason}");
    }
    for h in &written {
        println!("  {} (llm): {}", h.model.id, h.model.statement);
    }
    println!("  last errors: {:?}", outcome.last_errors());
}
