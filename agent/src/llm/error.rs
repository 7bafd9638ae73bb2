//! Why a structured call gave up, in terms the planner can act on.
//!
//! Every variant means "use the offline planner for this step"; they differ so that the run log
//! can say what went wrong and so that the planner can stop asking after `BudgetExhausted` or a
//! `Rejected` request instead of failing the same way at every step.

use std::time::Duration;

use thiserror::Error;

/// A structured call that did not produce a valid reply, after any retries it was allowed.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum LlmError {
    /// Connection failures or server errors (5xx) on every attempt.
    #[error("language model endpoint unreachable: {reason}")]
    Unreachable { reason: String },
    /// Every attempt ran past the configured timeout.
    #[error("language model did not answer within {after:?}")]
    Timeout { after: Duration },
    /// The endpoint kept answering HTTP 429.
    #[error("language model endpoint is rate limiting requests: {message}")]
    RateLimited { message: String },
    /// The last reply was not JSON (or not a chat completion at all).
    #[error("language model reply was not valid JSON ({detail})")]
    Malformed { last_reply: String, detail: String },
    /// The model declined, replied with nothing, or a content filter stopped it.
    #[error("language model declined to answer: {reason}")]
    Refused { reason: String },
    /// The reply was JSON but broke the schema, the expected type or the caller's validation.
    #[error("language model reply failed validation: {reason}")]
    Invalid { reason: String },
    /// The shared token budget was spent before this call could start.
    #[error("token budget exhausted: {spent} of {limit} tokens used")]
    BudgetExhausted { spent: u64, limit: u64 },
    /// The endpoint refused the request itself (HTTP 4xx other than 429: bad model name, missing
    /// key, unsupported `response_format`); retrying the same request cannot help.
    #[error("language model endpoint rejected the request (HTTP {}): {message}", status.map_or_else(|| "n/a".to_string(), |s| s.to_string()))]
    Rejected {
        status: Option<u16>,
        message: String,
    },
}

impl LlmError {
    /// Whether later calls are pointless too: the budget is gone or the endpoint refuses this
    /// kind of request. Other errors may clear up by the next step.
    pub fn is_persistent(&self) -> bool {
        matches!(
            self,
            LlmError::BudgetExhausted { .. } | LlmError::Rejected { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_happened() {
        let err = LlmError::Rejected {
            status: Some(401),
            message: "invalid api key".into(),
        };
        assert_eq!(
            err.to_string(),
            "language model endpoint rejected the request (HTTP 401): invalid api key"
        );
        let err = LlmError::BudgetExhausted {
            spent: 120,
            limit: 100,
        };
        assert_eq!(
            err.to_string(),
            "token budget exhausted: 120 of 100 tokens used"
        );
    }

    #[test]
    fn only_budget_and_rejection_are_persistent() {
        assert!(LlmError::BudgetExhausted { spent: 1, limit: 1 }.is_persistent());
        assert!(
            LlmError::Rejected {
                status: None,
                message: String::new()
            }
            .is_persistent()
        );
        assert!(
            !LlmError::Timeout {
                after: Duration::from_secs(1)
            }
            .is_persistent()
        );
        assert!(
            !LlmError::Invalid {
                reason: String::new()
            }
            .is_persistent()
        );
    }
}
