//! Access to a language model over any OpenAI-compatible chat endpoint.
//!
//! The planner asks the model for *structured* replies: every call names a JSON Schema, the
//! server is asked to constrain its output to it (`response_format` = `json_schema`, strict),
//! and the reply is parsed, checked against the schema, deserialized into the caller's type and
//! put through the caller's own validation. Small local models follow a schema reliably under a
//! grammar but do not do native tool calls, so "tools" are expressed as schema'd JSON and
//! dispatched in Rust.
//!
//! Everything that can go wrong with a model is expected to go wrong, so [`LlmClient`] retries:
//! transport trouble (connection refused, HTTP 429 and 5xx, timeouts) after an exponential
//! backoff with jitter, and bad content (malformed JSON, schema or validation failures,
//! refusals) by re-asking at once with the reason attached. When retries run out the caller gets
//! a typed [`LlmError`] and falls back to the offline planner for that step. A shared
//! [`TokenBudget`] stops calls once the run has spent what it may. [`check_numbers`] guards
//! model-written prose against numbers the analyses never produced.
//!
//! This module depends on no other agent module: it is a generic layer the planner calls.
//!
//! # Pointing hypomics at a model
//!
//! The LLM planner is used only when `HYPOMICS_LLM_BASE_URL` is set; otherwise hypomics runs
//! the offline planner. The variables ([`LlmConfig::from_env`]):
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `HYPOMICS_LLM_BASE_URL` | base URL of an OpenAI-compatible API, ending in `/v1` | unset: no LLM |
//! | `HYPOMICS_LLM_MODEL` | model name sent with each request | `default` |
//! | `HYPOMICS_LLM_API_KEY` | bearer token; local servers usually need none | none |
//! | `HYPOMICS_LLM_TIMEOUT_SECS` | per-request timeout, seconds (decimals allowed) | `120` |
//! | `HYPOMICS_LLM_MAX_RETRIES` | retries after the first attempt | `3` |
//! | `HYPOMICS_LLM_BACKOFF_MS` | first backoff delay; doubles per retry, with jitter | `500` |
//! | `HYPOMICS_LLM_TOKEN_BUDGET` | total tokens a run may spend | unlimited |
//!
//! Examples:
//!
//! ```text
//! # llama.cpp server (llama-server -m model.gguf --port 8080 --jinja)
//! HYPOMICS_LLM_BASE_URL=http://127.0.0.1:8080/v1
//!
//! # vLLM (vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000)
//! HYPOMICS_LLM_BASE_URL=http://127.0.0.1:8000/v1
//! HYPOMICS_LLM_MODEL=Qwen/Qwen2.5-7B-Instruct
//!
//! # Ollama (ollama serve; ollama pull qwen2.5:7b)
//! HYPOMICS_LLM_BASE_URL=http://127.0.0.1:11434/v1
//! HYPOMICS_LLM_MODEL=qwen2.5:7b
//!
//! # a hosted API
//! HYPOMICS_LLM_BASE_URL=https://api.openai.com/v1
//! HYPOMICS_LLM_MODEL=gpt-4o-mini
//! HYPOMICS_LLM_API_KEY=sk-...
//! HYPOMICS_LLM_TOKEN_BUDGET=200000
//! ```
//!
//! Any server works if it implements `POST {base}/chat/completions` and honours
//! `response_format` with a JSON Schema (llama.cpp and vLLM enforce it with a grammar; Ollama
//! supports it from 0.5). The schema is also written into the system prompt, so a server that
//! ignores `response_format` still gets told what to produce, and the reply is validated here
//! either way. Bigger models give better hypotheses; the 135M model used in tests only proves
//! the protocol. CPU-only servers can be slow: raise `HYPOMICS_LLM_TIMEOUT_SECS` rather than
//! letting requests time out and retry. `https://` endpoints need a TLS backend in the HTTP
//! client (async-openai's `rustls` feature), which the workspace leaves off for loopback-only
//! builds. The usual `HTTP_PROXY` / `NO_PROXY` variables apply to requests.

mod backoff;
mod budget;
mod claims;
mod client;
mod config;
mod error;
mod extract;
mod numbers;
mod refusal;
mod request;
mod schema;

pub use budget::{TokenBudget, TokenUsage};
pub use claims::{Claims, Fact};
pub use client::LlmClient;
pub use config::{
    ENV_API_KEY, ENV_BACKOFF_MS, ENV_BASE_URL, ENV_MAX_RETRIES, ENV_MODEL, ENV_TIMEOUT_SECS,
    ENV_TOKEN_BUDGET, LlmConfig, LlmConfigError,
};
pub use error::LlmError;
pub use numbers::{check_numbers, numbers_in};
pub use request::{Reply, StructuredRequest};
pub use schema::validate_against_schema;
