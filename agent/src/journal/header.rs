//! The journal header of a run, and what a resume compares against it. Replaying a journal is
//! only sound with the configuration and the data the run began with: a smaller analysis budget
//! would silently drop journaled steps, and changed data would mix old and new results.

use super::entry::{FORMAT, Header, InputHash};
use crate::run::RunConfig;
use datasets::Study;
use serde_json::Value;
use std::collections::BTreeMap;

impl Header {
    /// The header of a run of `config` on `study` as loaded now.
    pub fn new(study: &Study, config: &RunConfig) -> Self {
        let mut inputs: Vec<InputHash> = study
            .files
            .iter()
            .map(|f| InputHash {
                file: f.name.clone(),
                sha256: f.sha256.clone(),
            })
            .collect();
        inputs.sort_by(|a, b| a.file.cmp(&b.file));
        Self {
            format: FORMAT,
            study: study.name.clone(),
            software_version: env!("CARGO_PKG_VERSION").to_owned(),
            config: serde_json::to_value(config).unwrap_or(Value::Null),
            inputs,
        }
    }

    /// How the run that wrote this header differs from `now`, one line per difference (empty:
    /// the run may be resumed). The software version is not compared: replay itself stops at
    /// the first step a changed program would not take.
    pub fn differences(&self, now: &Header) -> Vec<String> {
        let mut out = Vec::new();
        if self.study != now.study {
            out.push(format!(
                "study: {:?} when the run began, {:?} now",
                self.study, now.study
            ));
        }
        let (then, current) = (leaves(&self.config), leaves(&now.config));
        for key in then
            .keys()
            .chain(current.keys().filter(|k| !then.contains_key(*k)))
        {
            let (a, b) = (then.get(key), current.get(key));
            if a != b {
                let show = |v: Option<&&Value>| v.map_or("(absent)".to_owned(), |v| v.to_string());
                out.push(format!(
                    "setting {key}: {} when the run began, {} now",
                    show(a),
                    show(b)
                ));
            }
        }
        let files = |h: &Header| -> BTreeMap<String, Option<String>> {
            h.inputs
                .iter()
                .map(|i| (i.file.clone(), i.sha256.clone()))
                .collect()
        };
        let (then, current) = (files(self), files(now));
        for (file, sha) in &then {
            match current.get(file) {
                None => out.push(format!(
                    "file {file}: read when the run began, no longer in the study"
                )),
                Some(now_sha) if now_sha != sha => out.push(format!(
                    "file {file}: content changed (SHA-256 {} when the run began, {} now)",
                    short(sha),
                    short(now_sha)
                )),
                Some(_) => {}
            }
        }
        for file in current.keys().filter(|f| !then.contains_key(*f)) {
            out.push(format!("file {file}: new in the study since the run began"));
        }
        out
    }
}

fn short(sha: &Option<String>) -> String {
    match sha {
        Some(s) => s.chars().take(12).collect(),
        None => "(not read)".into(),
    }
}

/// A JSON value as `path -> leaf` (`budget.max_analyses -> 24`), so differences name the setting.
fn leaves(value: &Value) -> BTreeMap<String, &Value> {
    fn walk<'a>(prefix: String, v: &'a Value, out: &mut BTreeMap<String, &'a Value>) {
        match v {
            Value::Object(map) if !map.is_empty() => {
                for (k, child) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(path, child, out);
                }
            }
            _ => {
                out.insert(prefix, v);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(String::new(), value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(config: &RunConfig, files: &[(&str, Option<&str>)]) -> Header {
        Header {
            format: FORMAT,
            study: "s".into(),
            software_version: "0".into(),
            config: serde_json::to_value(config).unwrap(),
            inputs: files
                .iter()
                .map(|(f, s)| InputHash {
                    file: (*f).into(),
                    sha256: s.map(str::to_owned),
                })
                .collect(),
        }
    }

    #[test]
    fn equal_runs_have_no_differences() {
        let h = header(&RunConfig::default(), &[("a.tsv", Some("aa"))]);
        assert!(h.differences(&h.clone()).is_empty());
    }

    #[test]
    fn each_difference_is_named() {
        let then = header(
            &RunConfig::default(),
            &[("a.tsv", Some("aa")), ("b.tsv", Some("bb"))],
        );
        let mut config = RunConfig::default();
        config.budget.max_analyses = 7;
        config.seed = 9;
        let now = header(&config, &[("a.tsv", Some("ab")), ("c.tsv", None)]);
        let d = now.differences(&then).join("\n");
        let d2 = then.differences(&now);
        assert_eq!(d2.len(), 5, "{d2:?}");
        let text = d2.join("\n");
        for needle in [
            "setting budget.max_analyses: 40 when the run began, 7 now",
            "setting seed: 1 when the run began, 9 now",
            "file a.tsv: content changed (SHA-256 aa when the run began, ab now)",
            "file b.tsv: read when the run began, no longer in the study",
            "file c.tsv: new in the study",
        ] {
            assert!(text.contains(needle), "{needle} in\n{text}");
        }
        assert!(
            d.contains("setting seed: 9 when the run began, 1 now"),
            "{d}"
        );
    }
}
