//! The LLM client against a scripted misbehaving server on loopback: it must retry what can be
//! retried, say precisely why it gave up, count every token, and succeed as soon as a later
//! attempt is good.

mod llm_support;

use std::time::{Duration, Instant};

use agent::llm::{LlmClient, LlmConfig, LlmError, StructuredRequest, TokenBudget, check_numbers};
use llm_support::{FaultServer, Step};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Direction {
    Up,
    Down,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Finding {
    gene: String,
    direction: Direction,
    summary: String,
}

const GOOD: &str = r#"{"gene": "MKI67", "direction": "up", "summary": "MKI67 is higher in TP53-mutant tumours (p = 0.003)."}"#;
/// Numbers the analyses produced; the summary may cite only these.
const ALLOWED: [f64; 2] = [0.0031, 42.0];

fn request() -> StructuredRequest {
    StructuredRequest::new(
        "finding",
        json!({
            "type": "object",
            "properties": {
                "gene": {"type": "string"},
                "direction": {"type": "string", "enum": ["up", "down"]},
                "summary": {"type": "string"}
            },
            "required": ["gene", "direction", "summary"],
            "additionalProperties": false
        }),
        "You summarise one statistical finding.",
        "MKI67 is higher in TP53-mutant tumours, p = 0.0031, n = 42.",
    )
}

/// The planner's check: the summary may only cite numbers the analysis produced.
fn cites_only_known_numbers(finding: &Finding) -> Result<(), String> {
    check_numbers(&finding.summary, &ALLOWED).map_err(|numbers| {
        format!(
            "the summary cites numbers that are not in the results: {}",
            numbers.join(", ")
        )
    })
}

fn config(server: &FaultServer) -> LlmConfig {
    let mut config = LlmConfig::new(&server.base_url).unwrap();
    config.timeout = Duration::from_secs(5);
    config.max_retries = 3;
    config.backoff_base = Duration::from_millis(20);
    config.backoff_max = Duration::from_millis(200);
    config.jitter_seed = 1;
    config
}

async fn ask(client: &LlmClient) -> Result<agent::llm::Reply<Finding>, LlmError> {
    client
        .structured(&request(), cites_only_known_numbers)
        .await
}

/// Text of the last message of a recorded request (the correction, on a re-ask).
fn last_message(body: &serde_json::Value) -> String {
    let messages = body["messages"].as_array().unwrap();
    messages.last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_normal_reply_is_parsed_and_its_tokens_counted() {
    let server = FaultServer::start(vec![Step::reply(GOOD)]).await;
    let client = LlmClient::new(config(&server));
    let reply = ask(&client).await.unwrap();
    assert_eq!(reply.value.gene, "MKI67");
    assert_eq!(reply.value.direction, Direction::Up);
    assert_eq!(reply.attempts, 1);
    assert_eq!(reply.raw, GOOD);
    assert_eq!(
        (reply.usage.prompt_tokens, reply.usage.completion_tokens),
        (10, 5)
    );
    assert!(!reply.usage.estimated);
    assert_eq!(client.budget().spent(), 15);

    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    let format = &sent[0]["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["name"], "finding");
    assert_eq!(format["json_schema"]["strict"], true);
    assert_eq!(format["json_schema"]["schema"], request().schema);
    let system = sent[0]["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains(r#""enum":["up","down"]"#), "{system}");
}

#[tokio::test]
async fn malformed_json_is_re_asked_with_the_parse_error() {
    let server = FaultServer::start(vec![
        Step::reply(r#"{"gene": "MKI67", "direction": "up""#),
        Step::reply(GOOD),
    ])
    .await;
    let client = LlmClient::new(config(&server));
    let reply = ask(&client).await.unwrap();
    assert_eq!(reply.attempts, 2);
    assert_eq!(reply.usage.total(), 30);
    assert_eq!(client.budget().spent(), 30);

    let sent = server.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["messages"].as_array().unwrap().len(), 2);
    let second = sent[1]["messages"].as_array().unwrap();
    assert_eq!(second.len(), 4);
    assert_eq!(second[2]["role"], "assistant");
    assert_eq!(
        second[2]["content"],
        r#"{"gene": "MKI67", "direction": "up""#
    );
    assert!(last_message(&sent[1]).contains("not valid JSON"));
}

#[tokio::test]
async fn a_schema_violation_is_re_asked_with_where_it_failed() {
    let server = FaultServer::start(vec![
        Step::reply(r#"{"gene": "MKI67", "direction": "sideways", "summary": "x"}"#),
        Step::reply(GOOD),
    ])
    .await;
    let client = LlmClient::new(config(&server));
    let reply = ask(&client).await.unwrap();
    assert_eq!(reply.attempts, 2);
    let correction = last_message(&server.requests()[1]);
    assert!(
        correction.contains(r#"at /direction: "sideways" is not one of ["up","down"]"#),
        "{correction}"
    );
}

#[tokio::test]
async fn an_invented_number_fails_validation_and_the_fix_is_accepted() {
    let invented = r#"{"gene": "MKI67", "direction": "up", "summary": "MKI67 rises in 63% of tumours (p = 0.003)."}"#;
    let server = FaultServer::start(vec![Step::reply(invented), Step::reply(GOOD)]).await;
    let client = LlmClient::new(config(&server));
    let reply = ask(&client).await.unwrap();
    assert_eq!(reply.attempts, 2);
    assert!(reply.value.summary.contains("0.003"));
    let correction = last_message(&server.requests()[1]);
    assert!(
        correction.contains("the summary cites numbers that are not in the results: 63%"),
        "{correction}"
    );
}

#[tokio::test]
async fn rate_limiting_is_waited_out_then_the_reply_is_used() {
    let server = FaultServer::start(vec![
        Step::Status(429, "slow down".into()),
        Step::Status(429, "slow down".into()),
        Step::reply(GOOD),
    ])
    .await;
    let mut config = config(&server);
    config.backoff_base = Duration::from_millis(100);
    let client = LlmClient::new(config);
    let started = Instant::now();
    let reply = ask(&client).await.unwrap();
    assert_eq!(reply.attempts, 3);
    assert_eq!(server.requests().len(), 3);
    // Backoff with equal jitter waits at least half of 100 ms, then half of 200 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
    // The same request is resent: no correction for a transport failure.
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r["messages"].as_array().unwrap().len() == 2)
    );
    assert_eq!(reply.usage.total(), 15);
}

#[tokio::test]
async fn persistent_rate_limiting_gives_rate_limited_after_all_retries() {
    let server = FaultServer::start(vec![Step::Status(429, "quota exceeded".into()); 4]).await;
    let client = LlmClient::new(config(&server));
    let error = ask(&client).await.unwrap_err();
    assert_eq!(
        error,
        LlmError::RateLimited {
            message: "quota exceeded".into()
        }
    );
    assert_eq!(server.requests().len(), 4);
    assert_eq!(client.budget().spent(), 0);
}

#[tokio::test]
async fn a_server_that_stalls_times_out_on_every_attempt() {
    let server = FaultServer::start(vec![Step::Stall(Duration::from_secs(30)); 2]).await;
    let mut config = config(&server);
    config.timeout = Duration::from_millis(300);
    config.max_retries = 1;
    let client = LlmClient::new(config);
    let started = Instant::now();
    let error = ask(&client).await.unwrap_err();
    assert_eq!(
        error,
        LlmError::Timeout {
            after: Duration::from_millis(300)
        }
    );
    assert_eq!(server.requests().len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_timeout_is_retried_and_a_later_reply_used() {
    let server = FaultServer::start(vec![
        Step::Stall(Duration::from_secs(30)),
        Step::reply(GOOD),
    ])
    .await;
    let mut config = config(&server);
    config.timeout = Duration::from_millis(1500);
    let client = LlmClient::new(config);
    let reply = ask(&client).await.unwrap();
    assert_eq!(reply.attempts, 2);
    assert_eq!(reply.value.gene, "MKI67");
}

#[tokio::test]
async fn a_refusal_is_re_asked_and_a_later_answer_used() {
    let server = FaultServer::start(vec![
        Step::Refusal("I can't help with medical data.".into()),
        Step::reply(GOOD),
    ])
    .await;
    let client = LlmClient::new(config(&server));
    let reply = ask(&client).await.unwrap();
    assert_eq!(reply.attempts, 2);
    let sent = server.requests();
    assert_eq!(
        sent[1]["messages"][2]["content"],
        "I can't help with medical data."
    );
    assert!(last_message(&sent[1]).contains("You declined to answer"));
    assert_eq!(client.budget().spent(), 13 + 15);
}

#[tokio::test]
async fn persistent_refusals_in_words_or_silence_give_refused() {
    let server = FaultServer::start(vec![
        Step::reply("I'm sorry, but I cannot help with that request."),
        Step::reply(""),
    ])
    .await;
    let mut config = config(&server);
    config.max_retries = 1;
    let client = LlmClient::new(config);
    let error = ask(&client).await.unwrap_err();
    assert_eq!(
        error,
        LlmError::Refused {
            reason: "the reply was empty".into()
        }
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn persistent_garbage_gives_malformed_with_the_last_reply() {
    let server = FaultServer::start(vec![
        Step::reply("gene: MKI67"),
        Step::reply("{oops"),
        Step::reply("still not json"),
    ])
    .await;
    let mut config = config(&server);
    config.max_retries = 2;
    let client = LlmClient::new(config);
    match ask(&client).await.unwrap_err() {
        LlmError::Malformed { last_reply, .. } => assert_eq!(last_reply, "still not json"),
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 3);
    assert_eq!(client.budget().spent(), 45);
}

#[tokio::test]
async fn persistent_validation_failures_give_invalid_with_the_reason() {
    let wrong_type = r#"{"gene": "MKI67", "direction": "up", "summary": 7}"#;
    let server = FaultServer::start(vec![Step::reply(wrong_type); 2]).await;
    let mut config = config(&server);
    config.max_retries = 1;
    let client = LlmClient::new(config);
    assert_eq!(
        ask(&client).await.unwrap_err(),
        LlmError::Invalid {
            reason: "at /summary: expected string, found number".into()
        }
    );
}

#[tokio::test]
async fn an_exhausted_budget_stops_calls_before_they_are_sent() {
    let server = FaultServer::start(vec![Step::reply(GOOD), Step::reply(GOOD)]).await;
    let budget = TokenBudget::new(12);
    let client = LlmClient::new(config(&server)).with_budget(budget.clone());
    // The first call starts within budget and may finish past it.
    assert!(ask(&client).await.is_ok());
    assert_eq!(budget.spent(), 15);
    assert_eq!(
        ask(&client).await.unwrap_err(),
        LlmError::BudgetExhausted {
            spent: 15,
            limit: 12
        }
    );
    // A second client sharing the budget is stopped too.
    let other = LlmClient::new(config(&server)).with_budget(budget);
    assert!(matches!(
        ask(&other).await,
        Err(LlmError::BudgetExhausted { .. })
    ));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_budget_also_stops_retries() {
    let server = FaultServer::start(vec![Step::reply("not json"), Step::reply(GOOD)]).await;
    let mut config = config(&server);
    config.token_budget = Some(15);
    let client = LlmClient::new(config);
    assert_eq!(
        ask(&client).await.unwrap_err(),
        LlmError::BudgetExhausted {
            spent: 15,
            limit: 15
        }
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried() {
    let server = FaultServer::start(vec![
        Step::Status(503, "loading model".into()),
        Step::Status(500, "oops".into()),
        Step::reply(GOOD),
    ])
    .await;
    let client = LlmClient::new(config(&server));
    assert_eq!(ask(&client).await.unwrap().attempts, 3);
}

#[tokio::test]
async fn persistent_server_errors_give_unreachable() {
    let server = FaultServer::start(vec![Step::Status(503, "loading model".into()); 2]).await;
    let mut config = config(&server);
    config.max_retries = 1;
    let client = LlmClient::new(config);
    assert_eq!(
        ask(&client).await.unwrap_err(),
        LlmError::Unreachable {
            reason: "HTTP 503: loading model".into()
        }
    );
}

#[tokio::test]
async fn a_rejected_request_is_not_retried() {
    let server = FaultServer::start(vec![
        Step::Status(400, "response_format is not supported".into()),
        Step::reply(GOOD),
    ])
    .await;
    let client = LlmClient::new(config(&server));
    let error = ask(&client).await.unwrap_err();
    assert_eq!(
        error,
        LlmError::Rejected {
            status: Some(400),
            message: "response_format is not supported".into()
        }
    );
    assert!(error.is_persistent());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_closed_port_is_unreachable_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut config = LlmConfig::new(&format!("http://127.0.0.1:{port}/v1")).unwrap();
    config.max_retries = 2;
    config.backoff_base = Duration::from_millis(10);
    let client = LlmClient::new(config);
    match ask(&client).await.unwrap_err() {
        LlmError::Unreachable { reason } => {
            assert!(reason.to_lowercase().contains("connect"), "{reason}")
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_body_that_is_not_a_chat_completion_is_malformed_and_points_at_the_url() {
    let server = FaultServer::start(vec![Step::Raw("<html>Not Found</html>".into()); 2]).await;
    let mut config = config(&server);
    config.max_retries = 1;
    let client = LlmClient::new(config);
    match ask(&client).await.unwrap_err() {
        LlmError::Malformed { last_reply, detail } => {
            assert_eq!(last_reply, "<html>Not Found</html>");
            assert!(detail.contains("base URL ends in /v1"), "{detail}");
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn usage_is_estimated_when_the_server_omits_it() {
    let server = FaultServer::start(vec![Step::Reply {
        content: GOOD.into(),
        usage: None,
    }])
    .await;
    let client = LlmClient::new(config(&server));
    let reply = ask(&client).await.unwrap();
    assert!(reply.usage.estimated);
    assert_eq!(
        reply.usage.completion_tokens,
        GOOD.chars().count().div_ceil(4) as u64
    );
    assert!(reply.usage.prompt_tokens > 20, "{:?}", reply.usage);
    assert_eq!(client.budget().spent(), reply.usage.total());
}

#[tokio::test]
async fn concurrent_calls_share_one_client_and_budget() {
    let server = FaultServer::start(vec![Step::reply(GOOD); 4]).await;
    let client = std::sync::Arc::new(LlmClient::new(config(&server)));
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let client = std::sync::Arc::clone(&client);
            tokio::spawn(async move { ask(&client).await.map(|r| r.usage.total()) })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap(), Ok(15));
    }
    assert_eq!(client.budget().spent(), 60);
}
