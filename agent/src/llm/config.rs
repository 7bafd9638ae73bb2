//! Where the model lives and how patiently to talk to it, read from the environment.
//!
//! Reading goes through a lookup function so tests can supply variables without touching the
//! process environment (which is `unsafe` to mutate in edition 2024 and shared across threads).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use thiserror::Error;

/// Base URL of an OpenAI-compatible API, e.g. `http://127.0.0.1:8080/v1`. Unset means no LLM.
pub const ENV_BASE_URL: &str = "HYPOMICS_LLM_BASE_URL";
/// Model name sent with each request (local servers usually accept any string).
pub const ENV_MODEL: &str = "HYPOMICS_LLM_MODEL";
/// Bearer token; optional because local servers usually need none.
pub const ENV_API_KEY: &str = "HYPOMICS_LLM_API_KEY";
/// Per-request timeout in seconds; decimals allowed.
pub const ENV_TIMEOUT_SECS: &str = "HYPOMICS_LLM_TIMEOUT_SECS";
/// Retries after the first attempt.
pub const ENV_MAX_RETRIES: &str = "HYPOMICS_LLM_MAX_RETRIES";
/// First backoff delay in milliseconds; it doubles with every retry.
pub const ENV_BACKOFF_MS: &str = "HYPOMICS_LLM_BACKOFF_MS";
/// Total tokens (prompt + completion) a run may spend.
pub const ENV_TOKEN_BUDGET: &str = "HYPOMICS_LLM_TOKEN_BUDGET";

/// Model name used when `HYPOMICS_LLM_MODEL` is unset; llama.cpp ignores the name entirely.
pub const DEFAULT_MODEL: &str = "default";
/// Generous because CPU-only servers generate a few tokens per second.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
const DEFAULT_MAX_RETRIES: u32 = 3;
const DEFAULT_BACKOFF_BASE: Duration = Duration::from_millis(500);
/// No single wait grows beyond this, however many retries are configured.
const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(30);

/// A configuration value that cannot be used; the message names the variable and what it wants.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LlmConfigError {
    #[error("{var} = {value:?} is not an http:// or https:// URL (e.g. http://127.0.0.1:8080/v1)")]
    InvalidUrl { var: &'static str, value: String },
    #[error("{var} = {value:?} is not {expected}")]
    InvalidNumber {
        var: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{var} contains characters that cannot be sent in an HTTP header")]
    InvalidApiKey { var: &'static str },
}

/// How to reach the model and how hard to try.
#[derive(Clone)]
pub struct LlmConfig {
    base_url: String,
    api_key: Option<String>,
    /// Model name sent with each request.
    pub model: String,
    /// Limit for one HTTP request, enforced client-side with `tokio::time::timeout`.
    pub timeout: Duration,
    /// Retries after the first attempt (so `max_retries + 1` attempts at most).
    pub max_retries: u32,
    /// Delay before the first transport retry; doubles each retry, up to `backoff_max`.
    pub backoff_base: Duration,
    /// Cap on a single backoff delay.
    pub backoff_max: Duration,
    /// Tokens a client built from this config may spend; `None` is unlimited.
    pub token_budget: Option<u64>,
    /// Seed of the jitter sequence; fixed in tests, time-derived otherwise so that several
    /// clients retrying together do not stay in lockstep.
    pub jitter_seed: u64,
}

impl LlmConfig {
    /// A configuration with defaults for everything but the endpoint.
    pub fn new(base_url: &str) -> Result<Self, LlmConfigError> {
        Ok(Self {
            base_url: parse_base_url(ENV_BASE_URL, base_url)?,
            api_key: None,
            model: DEFAULT_MODEL.to_string(),
            timeout: DEFAULT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            backoff_base: DEFAULT_BACKOFF_BASE,
            backoff_max: DEFAULT_BACKOFF_MAX,
            token_budget: None,
            jitter_seed: time_seed(),
        })
    }

    /// Reads the `HYPOMICS_LLM_*` variables. `Ok(None)` when no base URL is set, meaning "run
    /// offline"; an error when a variable is set but unusable, so a typo is not silently ignored.
    pub fn from_env() -> Result<Option<Self>, LlmConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`LlmConfig::from_env`] with variables from `lookup` (empty values count as unset).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, LlmConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
        };
        let Some(base_url) = get(ENV_BASE_URL) else {
            return Ok(None);
        };
        let mut config = Self::new(&base_url)?;
        if let Some(model) = get(ENV_MODEL) {
            config.model = model;
        }
        if let Some(key) = get(ENV_API_KEY) {
            config = config.with_api_key(&key)?;
        }
        if let Some(value) = get(ENV_TIMEOUT_SECS) {
            config.timeout = parse_seconds(ENV_TIMEOUT_SECS, &value)?;
        }
        if let Some(value) = get(ENV_MAX_RETRIES) {
            config.max_retries =
                parse_number(ENV_MAX_RETRIES, &value, "a whole number of retries")?;
        }
        if let Some(value) = get(ENV_BACKOFF_MS) {
            let millis = parse_number(ENV_BACKOFF_MS, &value, "a whole number of milliseconds")?;
            config.backoff_base = Duration::from_millis(millis);
        }
        if let Some(value) = get(ENV_TOKEN_BUDGET) {
            config.token_budget = Some(parse_number(
                ENV_TOKEN_BUDGET,
                &value,
                "a whole number of tokens",
            )?);
        }
        Ok(Some(config))
    }

    /// Sets the bearer token. Rejects characters an HTTP header cannot carry, because the HTTP
    /// layer would otherwise panic while building the request.
    pub fn with_api_key(mut self, key: &str) -> Result<Self, LlmConfigError> {
        if key.bytes().any(|b| !(0x20..0x7f).contains(&b)) {
            return Err(LlmConfigError::InvalidApiKey { var: ENV_API_KEY });
        }
        self.api_key = Some(key.to_string());
        Ok(self)
    }

    /// The endpoint's base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether a bearer token is configured (the token itself is never exposed or printed).
    pub fn has_api_key(&self) -> bool {
        self.api_key.is_some()
    }

    pub(crate) fn api_key(&self) -> Option<&str> {
        self.api_key.as_deref()
    }
}

/// Hand-written so the API key never reaches a log line.
impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_max", &self.backoff_max)
            .field("token_budget", &self.token_budget)
            .field("jitter_seed", &self.jitter_seed)
            .finish()
    }
}

fn parse_base_url(var: &'static str, value: &str) -> Result<String, LlmConfigError> {
    let trimmed = value.trim().trim_end_matches('/');
    let host = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"));
    match host {
        Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace) => {
            Ok(trimmed.to_string())
        }
        _ => Err(LlmConfigError::InvalidUrl {
            var,
            value: value.to_string(),
        }),
    }
}

fn parse_number<N: std::str::FromStr>(
    var: &'static str,
    value: &str,
    expected: &'static str,
) -> Result<N, LlmConfigError> {
    value.parse().map_err(|_| LlmConfigError::InvalidNumber {
        var,
        value: value.to_string(),
        expected,
    })
}

fn parse_seconds(var: &'static str, value: &str) -> Result<Duration, LlmConfigError> {
    let expected = "a positive number of seconds";
    let seconds: f64 = parse_number(var, value, expected)?;
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|duration| !duration.is_zero())
        .ok_or(LlmConfigError::InvalidNumber {
            var,
            value: value.to_string(),
            expected,
        })
}

fn time_seed() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos() as u64)
        .unwrap_or(0x9e37_79b9_7f4a_7c15)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn no_base_url_means_no_llm() {
        assert!(LlmConfig::from_lookup(lookup(&[])).unwrap().is_none());
        let blank = lookup(&[(ENV_BASE_URL, "  "), (ENV_MODEL, "x")]);
        assert!(LlmConfig::from_lookup(blank).unwrap().is_none());
    }

    #[test]
    fn defaults_apply_when_only_the_url_is_set() {
        let config = LlmConfig::from_lookup(lookup(&[(ENV_BASE_URL, "http://127.0.0.1:8080/v1/")]))
            .unwrap()
            .unwrap();
        assert_eq!(config.base_url(), "http://127.0.0.1:8080/v1");
        assert_eq!(config.model, DEFAULT_MODEL);
        assert!(!config.has_api_key());
        assert_eq!(config.timeout, DEFAULT_TIMEOUT);
        assert_eq!(config.max_retries, DEFAULT_MAX_RETRIES);
        assert_eq!(config.backoff_base, DEFAULT_BACKOFF_BASE);
        assert_eq!(config.token_budget, None);
    }

    #[test]
    fn every_variable_is_read() {
        let config = LlmConfig::from_lookup(lookup(&[
            (ENV_BASE_URL, "https://api.example.org/v1"),
            (ENV_MODEL, "qwen2.5:7b"),
            (ENV_API_KEY, "sk-test"),
            (ENV_TIMEOUT_SECS, "2.5"),
            (ENV_MAX_RETRIES, "0"),
            (ENV_BACKOFF_MS, "10"),
            (ENV_TOKEN_BUDGET, "5000"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(config.model, "qwen2.5:7b");
        assert_eq!(config.api_key(), Some("sk-test"));
        assert_eq!(config.timeout, Duration::from_millis(2500));
        assert_eq!(config.max_retries, 0);
        assert_eq!(config.backoff_base, Duration::from_millis(10));
        assert_eq!(config.token_budget, Some(5000));
    }

    #[test]
    fn bad_values_are_errors_that_name_the_variable() {
        let cases = [
            (ENV_BASE_URL, "127.0.0.1:8080"),
            (ENV_TIMEOUT_SECS, "soon"),
            (ENV_TIMEOUT_SECS, "0"),
            (ENV_TIMEOUT_SECS, "-3"),
            (ENV_MAX_RETRIES, "-1"),
            (ENV_BACKOFF_MS, "1.5"),
            (ENV_TOKEN_BUDGET, "lots"),
        ];
        for (var, value) in cases {
            let mut vars = vec![(ENV_BASE_URL, "http://127.0.0.1:1/v1")];
            vars.retain(|(name, _)| *name != var);
            vars.push((var, value));
            let err = LlmConfig::from_lookup(lookup(&vars)).unwrap_err();
            assert!(err.to_string().contains(var), "{var}={value}: {err}");
        }
    }

    #[test]
    fn api_keys_that_cannot_be_a_header_are_rejected() {
        let vars = [
            (ENV_BASE_URL, "http://127.0.0.1:1/v1"),
            (ENV_API_KEY, "a\nb"),
        ];
        assert_eq!(
            LlmConfig::from_lookup(lookup(&vars)).unwrap_err(),
            LlmConfigError::InvalidApiKey { var: ENV_API_KEY }
        );
    }

    #[test]
    fn debug_output_hides_the_api_key() {
        let config = LlmConfig::new("http://127.0.0.1:1/v1")
            .unwrap()
            .with_api_key("sk-secret-value")
            .unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("sk-secret-value"));
        assert!(printed.contains("<redacted>"));
    }
}
