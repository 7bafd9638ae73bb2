//! What the caller asks for and what it gets back.

use serde_json::Value;

use super::budget::TokenUsage;

/// The longest schema name OpenAI-compatible servers accept.
const MAX_SCHEMA_NAME: usize = 64;

/// One question whose answer must be a JSON object matching `schema`.
#[derive(Debug, Clone, PartialEq)]
pub struct StructuredRequest {
    /// Name of the schema sent in `response_format` (letters, digits, `_`, `-`; at most 64).
    pub schema_name: String,
    /// A JSON Schema for the reply. Strict servers want every object to list all its properties
    /// in `required` and to set `"additionalProperties": false`.
    pub schema: Value,
    /// Role and rules for the model; the schema is appended to it when sent.
    pub system: String,
    /// The question itself, with the facts the model may use.
    pub user: String,
    /// Cap on completion tokens per attempt.
    pub max_tokens: Option<u32>,
    /// Sampling temperature; `None` leaves the server default.
    pub temperature: Option<f32>,
    /// Sampling seed, for servers that honour one (llama.cpp, vLLM do).
    pub seed: Option<i64>,
}

impl StructuredRequest {
    /// A request with the server's default sampling; characters a schema name may not contain
    /// become `_` so that any caller-chosen name is accepted.
    pub fn new(
        schema_name: &str,
        schema: Value,
        system: impl Into<String>,
        user: impl Into<String>,
    ) -> Self {
        Self {
            schema_name: sanitize_schema_name(schema_name),
            schema,
            system: system.into(),
            user: user.into(),
            max_tokens: None,
            temperature: None,
            seed: None,
        }
    }

    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    pub fn with_temperature(mut self, temperature: f32) -> Self {
        self.temperature = Some(temperature);
        self
    }

    pub fn with_seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The system prompt as sent: the caller's text plus the schema, so that servers which
    /// ignore `response_format` still learn what shape to reply in.
    pub(crate) fn system_prompt(&self) -> String {
        format!(
            "{}\n\nReply with a single JSON object and nothing else. It must match this JSON \
             Schema:\n{}",
            self.system.trim_end(),
            self.schema
        )
    }
}

fn sanitize_schema_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_SCHEMA_NAME)
        .collect();
    if cleaned.is_empty() {
        "reply".to_string()
    } else {
        cleaned
    }
}

/// A validated reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply<T> {
    pub value: T,
    /// Tokens spent by all attempts of this call, failed ones included.
    pub usage: TokenUsage,
    /// How many requests it took (1 when the first reply was good).
    pub attempts: u32,
    /// The accepted reply text as the model wrote it, for the run log.
    pub raw: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_names_are_made_acceptable() {
        let request = StructuredRequest::new("next step: pick!", json!({}), "s", "u");
        assert_eq!(request.schema_name, "next_step__pick_");
        assert_eq!(
            StructuredRequest::new("", json!({}), "s", "u").schema_name,
            "reply"
        );
        let long = "a".repeat(100);
        assert_eq!(
            StructuredRequest::new(&long, json!({}), "s", "u")
                .schema_name
                .len(),
            MAX_SCHEMA_NAME
        );
    }

    #[test]
    fn system_prompt_carries_the_schema() {
        let schema = json!({"type": "object", "properties": {"gene": {"type": "string"}}});
        let request = StructuredRequest::new("g", schema, "You are careful.\n", "Which gene?");
        let prompt = request.system_prompt();
        assert!(prompt.starts_with("You are careful.\n\nReply with a single JSON object"));
        assert!(prompt.contains(r#""gene":{"type":"string"}"#));
    }

    #[test]
    fn builders_set_sampling() {
        let request = StructuredRequest::new("g", json!({}), "s", "u")
            .with_max_tokens(64)
            .with_temperature(0.0)
            .with_seed(3);
        assert_eq!(request.max_tokens, Some(64));
        assert_eq!(request.temperature, Some(0.0));
        assert_eq!(request.seed, Some(3));
    }
}
