//! Query-string parameters, parsed by hand rather than by serde so a bad value gets a 400 that
//! names the parameter and says what was expected, and an unknown parameter (a typo that would
//! silently widen the answer) is refused instead of ignored.

use crate::error::ApiError;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use graph::{NodeId, ResearchGraph, RunId};
use std::collections::HashMap;
use std::str::FromStr;

/// The query string of a request, as text until a handler asks for a typed value.
#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(map) = Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadQuery(e.body_text()))?;
        Ok(Self(map))
    }
}

/// The one path parameter of a route (`{run}`, `{id}`), as text; a malformed segment becomes a
/// JSON 400 rather than axum's plain-text rejection.
#[derive(Debug)]
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(segment)| Self(segment))
            .map_err(|e| ApiError::BadPath(e.body_text()))
    }
}

impl Params {
    pub fn new(map: HashMap<String, String>) -> Self {
        Self(map)
    }

    /// Refuses any parameter not in `accepted`.
    pub fn only(&self, accepted: &[&str]) -> Result<(), ApiError> {
        let mut unknown: Vec<&String> = self
            .0
            .keys()
            .filter(|k| !accepted.contains(&k.as_str()))
            .collect();
        unknown.sort();
        match unknown.first() {
            Some(name) => Err(ApiError::UnknownParam {
                name: (*name).clone(),
                accepted: if accepted.is_empty() {
                    "no parameters".into()
                } else {
                    accepted.join(", ")
                },
            }),
            None => Ok(()),
        }
    }

    /// A text parameter; empty means absent (`?layer=` from a blank form field).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// A parameter parsed as `T`; `expected` describes valid values for the error message.
    pub fn parse<T: FromStr>(&self, name: &str, expected: &str) -> Result<Option<T>, ApiError> {
        self.text(name)
            .map(|v| v.parse::<T>().map_err(|_| bad(name, v, expected)))
            .transpose()
    }

    /// A finite number (NaN and infinities would make every comparison false).
    pub fn number(&self, name: &str) -> Result<Option<f64>, ApiError> {
        match self.parse::<f64>(name, "a finite number")? {
            Some(x) if !x.is_finite() => {
                Err(bad(name, self.text(name).unwrap_or(""), "a finite number"))
            }
            other => Ok(other),
        }
    }

    /// `true` or `false`, with a default when absent.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        Ok(self
            .parse::<bool>(name, "true or false")?
            .unwrap_or(default))
    }

    /// The `run` parameter, checked against the store (an unknown run is a 404, not an empty
    /// answer, so a stale link is noticed).
    pub fn run(&self, graph: &ResearchGraph) -> Result<Option<RunId>, ApiError> {
        self.text("run")
            .map(|raw| run_id("run", raw, graph))
            .transpose()
    }
}

pub(crate) fn bad(name: &str, value: &str, expected: &str) -> ApiError {
    ApiError::BadParam {
        name: name.to_owned(),
        value: value.to_owned(),
        expected: expected.to_owned(),
    }
}

/// Parses an id written as a number or with its display prefix (`12` or `n12`, `3` or `run3`).
fn raw_id(name: &str, raw: &str, prefix: &str) -> Result<i64, ApiError> {
    let trimmed = raw.trim();
    let digits = trimmed.strip_prefix(prefix).unwrap_or(trimmed);
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            bad(
                name,
                raw,
                &format!("a positive integer id (e.g. 12 or {prefix}12)"),
            )
        })
}

/// A node id from a path or query parameter.
pub fn node_id(name: &str, raw: &str) -> Result<NodeId, ApiError> {
    raw_id(name, raw, "n").map(NodeId::new)
}

/// A run id that exists in the store.
pub fn run_id(name: &str, raw: &str, graph: &ResearchGraph) -> Result<RunId, ApiError> {
    let id = RunId::new(raw_id(name, raw, "run")?);
    match graph.run(id) {
        Some(_) => Ok(id),
        None => Err(ApiError::NotFound {
            what: "run",
            id: id.to_string(),
        }),
    }
}

/// A positive integer id from a path segment (jobs, schedules), or a 400 naming what was expected.
pub fn positive_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::BadParam {
            name: "id".into(),
            value: raw.into(),
            expected: format!("a {what} id (positive integer)"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn bad_numbers_name_the_parameter() {
        let p = params(&[("max_q", "abc"), ("limit", "NaN")]);
        let e = p
            .number("max_q")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("`max_q`") && e.contains("abc"), "{e}");
        assert!(p.number("limit").is_err(), "NaN must be refused");
    }

    #[test]
    fn unknown_parameters_are_refused_and_blank_ones_are_absent() {
        let p = params(&[("layr", "rna"), ("layer", " ")]);
        let e = p
            .only(&["layer"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("`layr`") && e.contains("layer"), "{e}");
        assert_eq!(p.text("layer"), None);
    }

    #[test]
    fn ids_accept_their_display_prefix() {
        assert_eq!(node_id("id", "n12").ok(), Some(NodeId::new(12)));
        assert_eq!(node_id("id", "12").ok(), Some(NodeId::new(12)));
        assert!(node_id("id", "x12").is_err());
        assert!(node_id("id", "0").is_err());
    }
}
