//! Turning the text of one reply into JSON, or saying why it is not.
//!
//! Kept apart from the HTTP client so that every shape of bad reply can be tested without a
//! server. Parsing is a little forgiving about wrapping (code fences, a sentence before or
//! after the object) because hosted models without strict mode add it; the content itself is
//! still checked strictly afterwards.

use serde_json::Value;

use super::refusal::looks_like_refusal;

/// Longest excerpt of a refusal quoted back in an error.
const REASON_CHARS: usize = 200;

/// What one reply turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Content {
    Json(Value),
    Refused { reason: String },
    Malformed { detail: String },
}

/// How the server said the reply ended, reduced to what matters here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    Normal,
    /// Hit the token limit: the JSON is probably truncated.
    CutOff,
    /// A content filter stopped generation.
    Filtered,
}

/// Classifies a reply from its text, the `refusal` field and how it ended.
pub(crate) fn read_reply(text: Option<&str>, refusal: Option<&str>, ending: Ending) -> Content {
    if let Some(refusal) = refusal.map(str::trim).filter(|r| !r.is_empty()) {
        return Content::Refused {
            reason: excerpt(refusal),
        };
    }
    if ending == Ending::Filtered {
        return Content::Refused {
            reason: "the server's content filter stopped the reply".to_string(),
        };
    }
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Content::Refused {
            reason: "the reply was empty".to_string(),
        };
    };
    match parse_json(text) {
        Ok(value) => Content::Json(value),
        Err(_) if looks_like_refusal(text) => Content::Refused {
            reason: excerpt(text),
        },
        Err(detail) if ending == Ending::CutOff => Content::Malformed {
            detail: format!("the reply was cut off at the token limit ({detail})"),
        },
        Err(detail) => Content::Malformed { detail },
    }
}

/// Parses the reply as JSON, accepting a fenced block or an object with prose around it.
fn parse_json(text: &str) -> Result<Value, String> {
    let body = strip_fence(text);
    let strict_error = match serde_json::from_str::<Value>(body) {
        Ok(value) => return Ok(value),
        Err(error) => error.to_string(),
    };
    if let Some(start) = body.find('{') {
        let first = serde_json::Deserializer::from_str(&body[start..])
            .into_iter::<Value>()
            .next();
        if let Some(Ok(value @ Value::Object(_))) = first {
            return Ok(value);
        }
    }
    Err(strict_error)
}

/// The inside of a Markdown code fence (```` ```json ... ``` ````), or the text unchanged.
fn strip_fence(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("```") else {
        return text;
    };
    let body = rest.split_once('\n').map_or("", |(_, body)| body);
    body.trim_end().strip_suffix("```").unwrap_or(body).trim()
}

fn excerpt(text: &str) -> String {
    let mut short: String = text.chars().take(REASON_CHARS).collect();
    if text.chars().count() > REASON_CHARS {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Content {
        read_reply(Some(text), None, Ending::Normal)
    }

    #[test]
    fn plain_fenced_and_wrapped_json_parse() {
        let expected = Content::Json(json!({"gene": "TP53"}));
        assert_eq!(read(r#"{"gene": "TP53"}"#), expected);
        assert_eq!(read("```json\n{\"gene\": \"TP53\"}\n```"), expected);
        assert_eq!(read("```\n{\"gene\": \"TP53\"}\n```\n"), expected);
        assert_eq!(
            read("Here is the answer: {\"gene\": \"TP53\"} Hope it helps."),
            expected
        );
    }

    #[test]
    fn broken_json_is_malformed_with_the_parser_message() {
        let Content::Malformed { detail } = read(r#"{"gene": "TP53""#) else {
            panic!("expected malformed");
        };
        assert!(detail.contains("EOF"), "{detail}");
        assert!(matches!(read("gene: TP53"), Content::Malformed { .. }));
    }

    #[test]
    fn truncated_replies_say_they_were_cut_off() {
        let Content::Malformed { detail } =
            read_reply(Some(r#"{"gene": "TP"#), None, Ending::CutOff)
        else {
            panic!("expected malformed");
        };
        assert!(detail.starts_with("the reply was cut off at the token limit"));
    }

    #[test]
    fn refusals_in_any_form_are_recognised() {
        let refused = |content: Content| matches!(content, Content::Refused { .. });
        assert!(refused(read_reply(
            Some(""),
            Some("I can't help with that."),
            Ending::Normal
        )));
        assert!(refused(read_reply(None, None, Ending::Normal)));
        assert!(refused(read_reply(Some("  \n"), None, Ending::Normal)));
        assert!(refused(read_reply(Some("{}"), None, Ending::Filtered)));
        assert!(refused(read(
            "I'm sorry, but I cannot help with this request."
        )));
    }

    #[test]
    fn json_that_mentions_refusal_words_is_an_answer() {
        assert_eq!(
            read(r#"{"note": "I cannot help noticing TP53"}"#),
            Content::Json(json!({"note": "I cannot help noticing TP53"}))
        );
    }

    #[test]
    fn long_refusals_are_shortened() {
        let long = format!("I'm sorry, {}", "no ".repeat(200));
        let Content::Refused { reason } = read(&long) else {
            panic!("expected refusal");
        };
        assert_eq!(reason.chars().count(), REASON_CHARS + 1);
        assert!(reason.ends_with('…'));
    }
}
