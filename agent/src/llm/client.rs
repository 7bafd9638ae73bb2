//! The structured-call loop: ask, check, and retry until the reply is usable or retries run out.
//!
//! Two kinds of retry, because they fail for different reasons:
//! - transport trouble (refused connection, HTTP 429/5xx, timeouts, a body that is not a chat
//!   completion) is retried with the same request after an exponential backoff with jitter,
//!   since the server needs time;
//! - bad content (malformed JSON, schema or validation failures, refusals) is re-asked at once,
//!   with the rejected reply and the reason appended to the conversation, since the model needs
//!   to be told, not waited for.
//!
//! Other HTTP 4xx errors are not retried: the same request would fail the same way.

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::ReqwestService;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequest, CreateChatCompletionResponse, FinishReason, ResponseFormat,
    ResponseFormatJsonSchema,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::backoff::Backoff;
use super::budget::{TokenBudget, TokenUsage};
use super::config::LlmConfig;
use super::error::LlmError;
use super::extract::{Content, Ending, read_reply};
use super::request::{Reply, StructuredRequest};
use super::schema::validate_against_schema;

/// How much of a rejected reply is echoed back to the model when re-asking; enough to show it
/// its mistake without doubling the prompt.
const ECHO_CHARS: usize = 4000;

/// A client for one OpenAI-compatible endpoint, shared by the planner's calls.
#[derive(Debug)]
pub struct LlmClient {
    http: Client<OpenAIConfig>,
    config: LlmConfig,
    budget: TokenBudget,
    backoff: Backoff,
}

/// What went wrong in one attempt, and therefore how to go on.
enum Failure {
    /// Wait, then send the same request again.
    Transport(LlmError),
    /// Tell the model what was wrong and ask again at once.
    Content {
        error: LlmError,
        reply: String,
        feedback: String,
    },
    /// Give up: retrying cannot help.
    Fatal(LlmError),
}

impl Failure {
    fn into_error(self) -> LlmError {
        match self {
            Failure::Transport(error) | Failure::Fatal(error) => error,
            Failure::Content { error, .. } => error,
        }
    }
}

/// The outcome of one request and the tokens it cost.
struct Attempt<T> {
    outcome: Result<(T, String), Failure>,
    usage: TokenUsage,
}

impl LlmClient {
    /// A client with its own budget (`config.token_budget`, unlimited when unset).
    pub fn new(config: LlmConfig) -> Self {
        // Explicit empty org/project ids so that OPENAI_* variables meant for other tools are
        // neither sent to this endpoint nor able to break header construction.
        let openai = OpenAIConfig::new()
            .with_api_base(config.base_url())
            .with_api_key(config.api_key().unwrap_or_default())
            .with_org_id("")
            .with_project_id("");
        let budget = config
            .token_budget
            .map_or_else(TokenBudget::unlimited, TokenBudget::new);
        // A bare HTTP service instead of the default one, whose built-in retry layer would
        // retry 429/5xx/connection errors up to three times inside each of our attempts.
        let http = Client::with_config(openai).with_http_service(ReqwestService::default());
        Self {
            http,
            backoff: Backoff::new(config.backoff_base, config.backoff_max, config.jitter_seed),
            config,
            budget,
        }
    }

    /// Shares `budget` with other clients or with the caller (replacing the configured one).
    pub fn with_budget(mut self, budget: TokenBudget) -> Self {
        self.budget = budget;
        self
    }

    pub fn budget(&self) -> &TokenBudget {
        &self.budget
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// Asks for a JSON reply matching `request.schema`, deserializes it into `T` and runs
    /// `validate` on it, retrying as described in the module docs. Every attempt's tokens are
    /// charged to the budget; a call that finds the budget spent returns
    /// [`LlmError::BudgetExhausted`] without sending anything.
    pub async fn structured<T: DeserializeOwned>(
        &self,
        request: &StructuredRequest,
        validate: impl Fn(&T) -> Result<(), String>,
    ) -> Result<Reply<T>, LlmError> {
        let mut usage = TokenUsage::default();
        let mut correction: Option<(String, String)> = None;
        let mut attempts: u32 = 0;
        loop {
            if self.budget.is_exhausted() {
                return Err(LlmError::BudgetExhausted {
                    spent: self.budget.spent(),
                    limit: self.budget.limit().unwrap_or_default(),
                });
            }
            attempts += 1;
            let messages = conversation(request, correction.as_ref());
            let attempt = self.attempt(request, messages, &validate).await;
            usage += attempt.usage;
            let failure = match attempt.outcome {
                Ok((value, raw)) => {
                    return Ok(Reply {
                        value,
                        usage,
                        attempts,
                        raw,
                    });
                }
                Err(failure) => failure,
            };
            if attempts > self.config.max_retries {
                return Err(failure.into_error());
            }
            match failure {
                Failure::Fatal(error) => return Err(error),
                Failure::Transport(_) => tokio::time::sleep(self.backoff.delay(attempts - 1)).await,
                Failure::Content {
                    reply, feedback, ..
                } => correction = Some((reply, feedback)),
            }
        }
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        request: &StructuredRequest,
        messages: Vec<(Role, String)>,
        validate: &impl Fn(&T) -> Result<(), String>,
    ) -> Attempt<T> {
        let prompt_text: String = messages.iter().map(|(_, text)| text.as_str()).collect();
        let body = self.chat_request(request, messages);
        let response =
            match tokio::time::timeout(self.config.timeout, self.http.chat().create(body)).await {
                Err(_) => {
                    return Attempt {
                        outcome: Err(Failure::Transport(LlmError::Timeout {
                            after: self.config.timeout,
                        })),
                        usage: TokenUsage::default(),
                    };
                }
                Ok(Err(error)) => {
                    return Attempt {
                        outcome: Err(self.classify(error)),
                        usage: TokenUsage::default(),
                    };
                }
                Ok(Ok(response)) => response,
            };
        let (usage, outcome) = judge(response, &prompt_text, request, validate);
        self.budget.charge(usage);
        Attempt { outcome, usage }
    }

    // `seed` is deprecated in OpenAI's API but llama.cpp and vLLM honour it, and reproducible
    // sampling is worth the lint exception.
    #[allow(deprecated)]
    fn chat_request(
        &self,
        request: &StructuredRequest,
        messages: Vec<(Role, String)>,
    ) -> CreateChatCompletionRequest {
        CreateChatCompletionRequest {
            model: self.config.model.clone(),
            messages: messages.into_iter().map(to_message).collect(),
            response_format: Some(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    description: None,
                    name: request.schema_name.clone(),
                    schema: request.schema.clone(),
                    strict: Some(true),
                },
            }),
            max_completion_tokens: request.max_tokens,
            temperature: request.temperature,
            seed: request.seed,
            ..Default::default()
        }
    }

    fn classify(&self, error: OpenAIError) -> Failure {
        match error {
            OpenAIError::Reqwest(error) if error.is_timeout() => {
                Failure::Transport(LlmError::Timeout {
                    after: self.config.timeout,
                })
            }
            OpenAIError::Reqwest(error) => Failure::Transport(LlmError::Unreachable {
                reason: error_chain(&error),
            }),
            OpenAIError::ApiError(response) => {
                let status = response.status_code.as_u16();
                let message = error_message(response.api_error.message);
                match status {
                    429 => Failure::Transport(LlmError::RateLimited { message }),
                    408 => Failure::Transport(LlmError::Timeout {
                        after: self.config.timeout,
                    }),
                    500..=599 => Failure::Transport(LlmError::Unreachable {
                        reason: format!("HTTP {status}: {message}"),
                    }),
                    _ => Failure::Fatal(LlmError::Rejected {
                        status: Some(status),
                        message,
                    }),
                }
            }
            // The body was not a chat completion at all (a proxy's error page, a wrong path):
            // nothing the model can fix, so it is retried like a transport failure.
            OpenAIError::JSONDeserialize(error, body) => Failure::Transport(LlmError::Malformed {
                last_reply: body,
                detail: format!(
                    "the endpoint's answer is not a chat completion ({error}); check that the \
                     base URL ends in /v1"
                ),
            }),
            OpenAIError::InvalidArgument(message) => Failure::Fatal(LlmError::Rejected {
                status: None,
                message,
            }),
            other => Failure::Transport(LlmError::Unreachable {
                reason: other.to_string(),
            }),
        }
    }
}

/// Who says a line of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    System,
    User,
    Assistant,
}

/// The messages for one attempt: the request, plus the last rejected reply and why it was
/// rejected. Only the latest correction is kept so a long run of failures cannot outgrow the
/// context window.
fn conversation(
    request: &StructuredRequest,
    correction: Option<&(String, String)>,
) -> Vec<(Role, String)> {
    let mut messages = vec![
        (Role::System, request.system_prompt()),
        (Role::User, request.user.clone()),
    ];
    if let Some((reply, feedback)) = correction {
        let mut echoed: String = reply.chars().take(ECHO_CHARS).collect();
        if echoed.trim().is_empty() {
            echoed = "(empty reply)".to_string();
        }
        messages.push((Role::Assistant, echoed));
        messages.push((Role::User, feedback.clone()));
    }
    messages
}

fn to_message((role, text): (Role, String)) -> ChatCompletionRequestMessage {
    match role {
        Role::System => ChatCompletionRequestSystemMessage::from(text).into(),
        Role::User => ChatCompletionRequestUserMessage::from(text).into(),
        Role::Assistant => ChatCompletionRequestAssistantMessage::from(text).into(),
    }
}

/// Decides whether a chat completion is a usable reply, and what it cost.
fn judge<T: DeserializeOwned>(
    response: CreateChatCompletionResponse,
    prompt_text: &str,
    request: &StructuredRequest,
    validate: &impl Fn(&T) -> Result<(), String>,
) -> (TokenUsage, Result<(T, String), Failure>) {
    let reported = response.usage.as_ref().map(|usage| TokenUsage {
        prompt_tokens: u64::from(usage.prompt_tokens),
        completion_tokens: u64::from(usage.completion_tokens),
        estimated: false,
    });
    let Some(choice) = response.choices.into_iter().next() else {
        let usage = reported.unwrap_or_else(|| TokenUsage::estimate(prompt_text, ""));
        let error = LlmError::Malformed {
            last_reply: String::new(),
            detail: "the completion had no choices".to_string(),
        };
        return (usage, Err(Failure::Transport(error)));
    };
    let message = choice.message;
    let text = message.content.unwrap_or_default();
    let usage = reported.unwrap_or_else(|| {
        let written = message.refusal.as_deref().unwrap_or_default();
        TokenUsage::estimate(prompt_text, &format!("{text}{written}"))
    });
    let ending = match choice.finish_reason {
        Some(FinishReason::Length) => Ending::CutOff,
        Some(FinishReason::ContentFilter) => Ending::Filtered,
        _ => Ending::Normal,
    };
    let outcome = match read_reply(Some(&text), message.refusal.as_deref(), ending) {
        Content::Json(value) => accept(value, text, request, validate),
        Content::Refused { reason } => Err(Failure::Content {
            reply: message.refusal.unwrap_or_else(|| text.clone()),
            feedback: "You declined to answer. This is routine analysis of de-identified \
                       research data; please answer with the JSON object the schema describes."
                .to_string(),
            error: LlmError::Refused { reason },
        }),
        Content::Malformed { detail } => Err(Failure::Content {
            feedback: format!(
                "Your previous reply was not valid JSON ({detail}). Reply with only a JSON \
                 object that matches the schema, with no other text."
            ),
            reply: text.clone(),
            error: LlmError::Malformed {
                last_reply: text,
                detail,
            },
        }),
    };
    (usage, outcome)
}

/// Schema, type and caller checks on a parsed reply.
fn accept<T: DeserializeOwned>(
    value: Value,
    text: String,
    request: &StructuredRequest,
    validate: &impl Fn(&T) -> Result<(), String>,
) -> Result<(T, String), Failure> {
    let checked = validate_against_schema(&value, &request.schema)
        .and_then(|()| {
            serde_json::from_value::<T>(value)
                .map_err(|error| format!("the reply does not have the expected shape: {error}"))
        })
        .and_then(|typed| validate(&typed).map(|()| typed));
    match checked {
        Ok(typed) => Ok((typed, text)),
        Err(reason) => Err(Failure::Content {
            feedback: format!(
                "Your previous reply was rejected: {reason}. Reply again with a corrected JSON \
                 object that matches the schema."
            ),
            reply: text,
            error: LlmError::Invalid { reason },
        }),
    }
}

/// The message inside an OpenAI-style error body, which async-openai leaves unparsed for 5xx
/// responses; other bodies (an HTML error page) are shortened to stay readable in a log.
fn error_message(raw: String) -> String {
    const MAX_CHARS: usize = 300;
    let parsed = serde_json::from_str::<Value>(&raw).ok().and_then(|body| {
        body.pointer("/error/message")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    parsed.unwrap_or_else(|| raw.chars().take(MAX_CHARS).collect())
}

/// An error with its causes, since reqwest's own message ("error sending request") hides the
/// useful part ("connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request() -> StructuredRequest {
        StructuredRequest::new(
            "pick",
            json!({"type": "object", "properties": {"gene": {"type": "string"}}, "required": ["gene"], "additionalProperties": false}),
            "system",
            "user",
        )
    }

    fn completion(
        content: Option<&str>,
        usage: Option<(u32, u32)>,
    ) -> CreateChatCompletionResponse {
        let usage = usage.map(
            |(p, c)| json!({"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}),
        );
        serde_json::from_value(json!({
            "id": "x", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": usage,
        }))
        .unwrap()
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Pick {
        gene: String,
    }

    fn no_check(_: &Pick) -> Result<(), String> {
        Ok(())
    }

    #[test]
    fn a_good_reply_is_accepted_with_reported_usage() {
        let (usage, outcome) = judge(
            completion(Some(r#"{"gene":"MYC"}"#), Some((10, 5))),
            "p",
            &request(),
            &no_check,
        );
        assert_eq!(usage.total(), 15);
        assert!(!usage.estimated);
        let (value, raw) = outcome.ok().unwrap();
        assert_eq!(value, Pick { gene: "MYC".into() });
        assert_eq!(raw, r#"{"gene":"MYC"}"#);
    }

    #[test]
    fn missing_usage_is_estimated_from_text() {
        let (usage, _) = judge::<Pick>(
            completion(Some(r#"{"gene":"MYC"}"#), None),
            "12345678",
            &request(),
            &no_check,
        );
        assert_eq!(usage.prompt_tokens, 2);
        assert_eq!(usage.completion_tokens, 4);
        assert!(usage.estimated);
    }

    #[test]
    fn schema_type_and_caller_failures_become_invalid_with_feedback() {
        let check = |text: &str, validate: &dyn Fn(&Pick) -> Result<(), String>| match judge(
            completion(Some(text), None),
            "",
            &request(),
            &validate,
        )
        .1
        {
            Err(Failure::Content {
                error: LlmError::Invalid { reason },
                feedback,
                ..
            }) => {
                assert!(feedback.contains(&reason));
                reason
            }
            _ => panic!("expected an invalid reply for {text}"),
        };
        assert!(check(r#"{"gene": 5}"#, &no_check).contains("expected string"));
        assert!(check(r#"{"gene": "A", "x": 1}"#, &no_check).contains("unexpected property"));
        let picky = |p: &Pick| {
            if p.gene == "MYC" {
                Ok(())
            } else {
                Err(format!("{} is not in the study", p.gene))
            }
        };
        assert_eq!(
            check(r#"{"gene": "FOO"}"#, &picky),
            "FOO is not in the study"
        );
    }

    #[test]
    fn error_bodies_yield_their_message() {
        let body = r#"{"error":{"message":"loading model","type":"unavailable_error"}}"#;
        assert_eq!(error_message(body.to_string()), "loading model");
        assert_eq!(error_message("Bad Gateway".to_string()), "Bad Gateway");
        assert_eq!(error_message("x".repeat(1000)).len(), 300);
    }

    #[test]
    fn conversation_carries_only_the_latest_correction() {
        let plain = conversation(&request(), None);
        assert_eq!(
            plain.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
            vec![Role::System, Role::User]
        );
        let fixed = conversation(&request(), Some(&("".to_string(), "fix it".to_string())));
        assert_eq!(fixed.len(), 4);
        assert_eq!(fixed[2], (Role::Assistant, "(empty reply)".to_string()));
        assert_eq!(fixed[3], (Role::User, "fix it".to_string()));
    }

    #[test]
    fn the_request_asks_for_a_strict_json_schema() {
        let client = LlmClient::new(LlmConfig::new("http://127.0.0.1:9/v1").unwrap());
        let body = client.chat_request(
            &request().with_max_tokens(32),
            conversation(&request(), None),
        );
        let sent = serde_json::to_value(&body).unwrap();
        assert_eq!(sent["response_format"]["type"], "json_schema");
        assert_eq!(sent["response_format"]["json_schema"]["strict"], true);
        assert_eq!(sent["response_format"]["json_schema"]["name"], "pick");
        assert_eq!(sent["max_completion_tokens"], 32);
        assert_eq!(sent["model"], "default");
        assert_eq!(sent["messages"][0]["role"], "system");
    }
}
