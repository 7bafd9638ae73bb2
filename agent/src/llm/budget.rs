//! Token accounting shared by every call a run makes.
//!
//! A run may make hundreds of calls from several tasks; the budget is one atomic counter behind
//! an `Arc` so clones share it and no lock is held across an await. It is checked before a call
//! starts (a call in flight is allowed to finish), so a run may overshoot by at most one call.

use std::ops::AddAssign;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Rough size of a token in characters of English text, used only when a server reports no
/// usage; close enough to keep a budget meaningful.
const CHARS_PER_TOKEN: usize = 4;

/// Tokens spent by one call (summed over its attempts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// True when any part was estimated from text length because the server omitted `usage`.
    pub estimated: bool,
}

impl TokenUsage {
    pub fn total(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }

    /// Usage guessed from text length, for servers that do not report it.
    pub fn estimate(prompt: &str, completion: &str) -> Self {
        Self {
            prompt_tokens: estimate_tokens(prompt),
            completion_tokens: estimate_tokens(completion),
            estimated: true,
        }
    }
}

impl AddAssign for TokenUsage {
    fn add_assign(&mut self, other: Self) {
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.estimated |= other.estimated;
    }
}

/// Estimated token count of a text: one token per four characters, rounded up.
pub(crate) fn estimate_tokens(text: &str) -> u64 {
    text.chars().count().div_ceil(CHARS_PER_TOKEN) as u64
}

/// A token allowance shared by clones; `unlimited` only counts.
#[derive(Debug, Clone)]
pub struct TokenBudget {
    limit: Option<u64>,
    spent: Arc<AtomicU64>,
}

impl TokenBudget {
    pub fn new(limit: u64) -> Self {
        Self {
            limit: Some(limit),
            spent: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn unlimited() -> Self {
        Self {
            limit: None,
            spent: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn limit(&self) -> Option<u64> {
        self.limit
    }

    /// Tokens spent so far by every holder of this budget.
    pub fn spent(&self) -> u64 {
        self.spent.load(Ordering::Relaxed)
    }

    /// Tokens left; `None` when unlimited.
    pub fn remaining(&self) -> Option<u64> {
        self.limit.map(|limit| limit.saturating_sub(self.spent()))
    }

    pub fn is_exhausted(&self) -> bool {
        self.remaining() == Some(0)
    }

    /// Records tokens a call used.
    pub fn charge(&self, usage: TokenUsage) {
        self.spent.fetch_add(usage.total(), Ordering::Relaxed);
    }
}

impl Default for TokenBudget {
    fn default() -> Self {
        Self::unlimited()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_counter() {
        let budget = TokenBudget::new(100);
        let other = budget.clone();
        other.charge(TokenUsage {
            prompt_tokens: 60,
            completion_tokens: 30,
            estimated: false,
        });
        assert_eq!(budget.spent(), 90);
        assert_eq!(budget.remaining(), Some(10));
        assert!(!budget.is_exhausted());
        budget.charge(TokenUsage {
            prompt_tokens: 20,
            completion_tokens: 0,
            estimated: false,
        });
        assert_eq!(other.remaining(), Some(0));
        assert!(other.is_exhausted());
    }

    #[test]
    fn unlimited_counts_but_never_runs_out() {
        let budget = TokenBudget::unlimited();
        budget.charge(TokenUsage {
            prompt_tokens: u32::MAX as u64,
            completion_tokens: 1,
            estimated: false,
        });
        assert_eq!(budget.spent(), u32::MAX as u64 + 1);
        assert_eq!(budget.remaining(), None);
        assert!(!budget.is_exhausted());
    }

    #[test]
    fn estimates_round_up_and_count_characters_not_bytes() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
        assert_eq!(estimate_tokens("µµµµ"), 1);
        let usage = TokenUsage::estimate("12345678", "x");
        assert_eq!((usage.prompt_tokens, usage.completion_tokens), (2, 1));
        assert!(usage.estimated);
    }

    #[test]
    fn adding_usage_keeps_the_estimated_flag() {
        let mut total = TokenUsage {
            prompt_tokens: 5,
            completion_tokens: 1,
            estimated: false,
        };
        total += TokenUsage::estimate("abcd", "abcd");
        assert_eq!(total.total(), 8);
        assert!(total.estimated);
    }
}
