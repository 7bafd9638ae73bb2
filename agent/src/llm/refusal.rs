//! Recognising a model that declines instead of answering.
//!
//! Consulted only for replies that are not JSON: a JSON reply that happens to contain "I cannot"
//! in a string field is an answer, not a refusal. The phrases are the stock openings of
//! instruction-tuned models; a refusal is retried once with a nudge and then reported as
//! `Refused`, so a miss here only changes the error kind from `Malformed`.

/// Openings that mean the whole reply is a refusal.
const OPENINGS: &[&str] = &[
    "i'm sorry",
    "i am sorry",
    "sorry,",
    "sorry but",
    "i apologize",
    "i apologise",
    "as an ai",
    "unfortunately, i",
    "i can't",
    "i cannot",
    "i can not",
    "i won't",
    "i will not",
    "i'm unable",
    "i am unable",
    "i'm not able",
    "i am not able",
];

/// Phrases that mean a refusal wherever they appear near the start.
const PHRASES: &[&str] = &[
    "can't help",
    "cannot help",
    "can't assist",
    "cannot assist",
    "unable to help",
    "unable to assist",
    "not able to help",
    "can't comply",
    "cannot comply",
    "can't provide",
    "cannot provide",
];

/// How far into the reply to look for a refusal phrase; refusals say so up front.
const LOOKAHEAD_CHARS: usize = 300;

/// Whether a non-JSON reply is the model declining.
pub(crate) fn looks_like_refusal(reply: &str) -> bool {
    let head: String = reply
        .trim_start()
        .chars()
        .take(LOOKAHEAD_CHARS)
        .map(|c| match c {
            '\u{2019}' | '\u{2018}' => '\'',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    OPENINGS.iter().any(|opening| head.starts_with(opening))
        || PHRASES.iter().any(|phrase| head.contains(phrase))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_refusals_are_recognised() {
        for reply in [
            "I'm sorry, but I can't help with that.",
            "I\u{2019}m sorry, I cannot do this.",
            "As an AI language model, I must decline.",
            "  I cannot provide medical hypotheses.",
            "Unfortunately, I am not able to analyse patient data.",
            "This request is sensitive and I can't assist with it.",
        ] {
            assert!(looks_like_refusal(reply), "{reply}");
        }
    }

    #[test]
    fn ordinary_text_is_not_a_refusal() {
        for reply in [
            "Here is the JSON you asked for: {",
            "```json\n{\"gene\": \"TP53\"}\n```",
            "The cohort cannot be split by grade because grade is missing.",
            "",
        ] {
            assert!(!looks_like_refusal(reply), "{reply}");
        }
    }

    #[test]
    fn phrases_far_into_a_long_reply_do_not_count() {
        let reply = format!("{} and so I cannot help noticing", "word ".repeat(100));
        assert!(!looks_like_refusal(&reply));
    }
}
