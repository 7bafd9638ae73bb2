//! Finding survival outcomes among clinical columns: a time and an event, either as one pair
//! (`os_days` + `os_event`) or TCGA-style as `vital_status` with `days_to_death` for the dead
//! and `days_to_last_followup` for the living.

use super::{ClinicalVariable, VariableKind};

#[derive(Clone, Debug)]
pub struct SurvivalVariable {
    pub name: String,
    pub time_columns: Vec<String>,
    pub event_column: String,
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
            time,
            event,
        });
    }
    // Generic pairs: PREFIX_time/_days/_months with PREFIX_event/_status (os, pfs, dfs, dss).
    for (ti, name) in header.iter().enumerate() {
        let lower = name.to_ascii_lowercase();
        let Some(prefix) = ["_days", "_time", "_months", ".time", "_years"]
            .iter()
            .find_map(|s| lower.strip_suffix(s))
        else {
            continue;
        };
        let event_names: Vec<String> = ["_event", "_status", ".event", ".status", "_censor"]
            .iter()
            .map(|s| format!("{prefix}{s}"))
            .collect();
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
            name: prefix.to_owned(),
            time_columns: vec![name.clone()],
            event_column: header[ei].clone(),
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
    }
}
