//! Finding survival outcomes among clinical columns: a time and an event, either as one pair
//! (`os_days` + `os_event`) or TCGA-style as `vital_status` with `days_to_death` for the dead
//! and `days_to_last_followup` for the living. The common spellings are all read: `os_days` +
//! `os_event`, `OS_MONTHS` + `OS_STATUS` (cBioPortal, `1:DECEASED`), `rfs.time` + `rfs.status`,
//! `t.tdm` + `e.tdm` (Bioconductor breast cancer sets), with the time unit taken from the name.

use super::{ClinicalVariable, VariableKind};
use serde::Serialize;

/// The unit of a survival time, read from its column name (`_days`, `_MONTHS`, `_years`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    Days,
    Months,
    Years,
}

impl TimeUnit {
    /// The unit a column name states, if any (`days_to_death`, `OS_MONTHS`, `time_yrs`).
    pub fn from_column_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let has = |options: &[&str]| words.iter().any(|w| options.contains(w));
        if has(&["days", "day", "d"]) {
            Some(Self::Days)
        } else if has(&["months", "month", "mo", "mos"]) {
            Some(Self::Months)
        } else if has(&["years", "year", "yrs", "yr", "y"]) {
            Some(Self::Years)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Days => "days",
            Self::Months => "months",
            Self::Years => "years",
        }
    }
}

#[derive(Clone, Debug)]
pub struct SurvivalVariable {
    pub name: String,
    pub time_columns: Vec<String>,
    pub event_column: String,
    /// The unit of `time` when the column name states it.
    pub unit: Option<TimeUnit>,
    /// Which naming convention paired the columns (shown by `inspect`).
    pub convention: &'static str,
    /// Time to event or censoring; NaN when unknown.
    pub time: Vec<f64>,
    /// `Some(true)` for an event (death), `Some(false)` for censored.
    pub event: Vec<Option<bool>>,
}

impl SurvivalVariable {
    pub fn n_usable(&self) -> usize {
        self.time
            .iter()
            .zip(&self.event)
            .filter(|(t, e)| t.is_finite() && e.is_some())
            .count()
    }

    pub fn n_events(&self) -> usize {
        self.time
            .iter()
            .zip(&self.event)
            .filter(|(t, e)| t.is_finite() && **e == Some(true))
            .count()
    }
}

fn event_value(cell: &str) -> Option<bool> {
    let l = cell.trim().to_ascii_lowercase();
    match l.as_str() {
        "1" | "1.0" | "dead" | "deceased" | "died" | "yes" | "true" | "event" => Some(true),
        "0" | "0.0" | "alive" | "living" | "no" | "false" | "censored" => Some(false),
        _ if l.starts_with("1:") => Some(true),
        _ if l.starts_with("0:") => Some(false),
        _ => None,
    }
}

fn numbers(cells: &[Option<String>]) -> Vec<f64> {
    cells
        .iter()
        .map(|c| {
            c.as_deref()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(f64::NAN)
        })
        .collect()
}

fn events(cells: &[Option<String>]) -> Option<Vec<Option<bool>>> {
    let parsed: Vec<Option<bool>> = cells
        .iter()
        .map(|c| c.as_deref().and_then(event_value))
        .collect();
    // Every observed cell must read as an event flag.
    let observed = cells.iter().filter(|c| c.is_some()).count();
    let read = parsed.iter().filter(|e| e.is_some()).count();
    (observed > 0 && read == observed).then_some(parsed)
}

/// For a column that may be a survival time, its outcome name, the event column names that
/// would pair with it, and the convention's description.
fn pair_candidates(name: &str) -> Option<(String, Vec<String>, &'static str)> {
    let lower = name.to_ascii_lowercase();
    if let Some(outcome) = lower.strip_prefix("t.").filter(|o| !o.is_empty()) {
        return Some((
            outcome.to_owned(),
            vec![format!("e.{outcome}")],
            "t.X time with e.X event",
        ));
    }
    let (prefix, convention) = [
        ("_days", "X_days time with X_event / X_status"),
        ("_time", "X_time with X_event / X_status"),
        ("_months", "X_MONTHS with X_STATUS (cBioPortal)"),
        (".time", "X.time with X.status / X.event"),
        ("_years", "X_years with X_event / X_status"),
    ]
    .iter()
    .find_map(|(suffix, c)| lower.strip_suffix(suffix).map(|p| (p, *c)))?;
    if prefix.is_empty() {
        return None;
    }
    let events = ["_event", "_status", ".event", ".status", "_censor"]
        .iter()
        .map(|s| format!("{prefix}{s}"))
        .collect();
    Some((prefix.to_owned(), events, convention))
}

fn find(header: &[String], names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
}

/// Detects survival variables, marks their columns as [`VariableKind::SurvivalPart`], returns them.
pub fn detect(
    header: &[String],
    columns: &[Vec<Option<String>>],
    variables: &mut [ClinicalVariable],
) -> Vec<SurvivalVariable> {
    let mut found = Vec::new();
    // TCGA: vital_status + days_to_death + days_to_last_followup.
    if let (Some(ev), Some(death)) = (
        find(header, &["vital_status"]),
        find(header, &["days_to_death"]),
    ) && let Some(event) = events(&columns[ev])
    {
        let death_t = numbers(&columns[death]);
        let follow = find(
            header,
            &[
                "days_to_last_followup",
                "days_to_last_follow_up",
                "days_to_last_known_alive",
            ],
        );
        let follow_t = follow.map(|f| numbers(&columns[f]));
        let time = event
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let d = death_t[i];
                let f = follow_t.as_ref().map_or(f64::NAN, |f| f[i]);
                match e {
                    Some(true) if d.is_finite() => d,
                    Some(false) if f.is_finite() => f,
                    _ if d.is_finite() => d,
                    _ => f,
                }
            })
            .collect();
        let mut time_columns = vec![header[death].clone()];
        time_columns.extend(follow.map(|f| header[f].clone()));
        found.push(SurvivalVariable {
            name: "overall_survival".into(),
            time_columns,
            event_column: header[ev].clone(),
            unit: Some(TimeUnit::Days),
            convention: "vital_status with days_to_death / days_to_last_followup",
            time,
            event,
        });
    }
    // Generic pairs: PREFIX_time/_days/_months with PREFIX_event/_status (os, pfs, dfs, dss),
    // and the prefix form t.PREFIX with e.PREFIX.
    for (ti, name) in header.iter().enumerate() {
        let Some((prefix, event_names, convention)) = pair_candidates(name) else {
            continue;
        };
        let event_refs: Vec<&str> = event_names.iter().map(String::as_str).collect();
        let Some(ei) = find(header, &event_refs) else {
            continue;
        };
        let Some(event) = events(&columns[ei]) else {
            continue;
        };
        if found
            .iter()
            .any(|s: &SurvivalVariable| s.event_column == header[ei])
        {
            continue;
        }
        found.push(SurvivalVariable {
            name: prefix,
            time_columns: vec![name.clone()],
            event_column: header[ei].clone(),
            unit: TimeUnit::from_column_name(name),
            convention,
            time: numbers(&columns[ti]),
            event,
        });
    }
    for s in &found {
        for v in variables.iter_mut() {
            if s.time_columns.contains(&v.name) || s.event_column == v.name {
                v.kind = VariableKind::SurvivalPart;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(v: &[&str]) -> Vec<Option<String>> {
        v.iter()
            .map(|s| (!s.is_empty()).then(|| s.to_string()))
            .collect()
    }

    #[test]
    fn tcga_style_pair() {
        let header: Vec<String> = ["vital_status", "days_to_death", "days_to_last_followup"]
            .map(String::from)
            .to_vec();
        let columns = vec![
            col(&["1", "0", "0"]),
            col(&["100", "", ""]),
            col(&["", "400", ""]),
        ];
        let mut vars = Vec::new();
        let s = detect(&header, &columns, &mut vars);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].time[..2], [100.0, 400.0]);
        assert!(s[0].time[2].is_nan());
        assert_eq!(s[0].n_events(), 1);
        assert_eq!(s[0].n_usable(), 2);
    }

    #[test]
    fn generic_pair() {
        let header: Vec<String> = ["os_days", "os_event"].map(String::from).to_vec();
        let columns = vec![col(&["10", "20"]), col(&["dead", "alive"])];
        let mut vars = vec![];
        let s = detect(&header, &columns, &mut vars);
        assert_eq!(s[0].name, "os");
        assert_eq!(s[0].event, [Some(true), Some(false)]);
        assert_eq!(s[0].unit, Some(TimeUnit::Days));
    }

    #[test]
    fn common_conventions_pair_with_units() {
        /// Column names, one row of values, expected outcome name and unit.
        type Case<'a> = (&'a [&'a str], &'a [&'a str], &'a str, Option<TimeUnit>);
        let cases: [Case<'_>; 4] = [
            (&["t.tdm", "e.tdm"], &["1200", "0"], "tdm", None),
            (
                &["OS_MONTHS", "OS_STATUS"],
                &["13.5", "1:DECEASED"],
                "os",
                Some(TimeUnit::Months),
            ),
            (&["rfs.time", "rfs.status"], &["30", "1"], "rfs", None),
            (
                &["DFS_MONTHS", "DFS_STATUS"],
                &["40", "0:DiseaseFree"],
                "dfs",
                Some(TimeUnit::Months),
            ),
        ];
        for (names, values, outcome, unit) in cases {
            let header: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            let columns = vec![col(&[values[0]]), col(&[values[1]])];
            let mut vars = vec![];
            let s = detect(&header, &columns, &mut vars);
            assert_eq!(s.len(), 1, "{names:?}");
            assert_eq!(s[0].name, outcome);
            assert_eq!(s[0].unit, unit, "{names:?}");
            assert!(s[0].time[0].is_finite() && s[0].event[0].is_some());
        }
        assert_eq!(
            TimeUnit::from_column_name("days_to_death"),
            Some(TimeUnit::Days)
        );
        assert_eq!(
            TimeUnit::from_column_name("time_yrs"),
            Some(TimeUnit::Years)
        );
    }
}
