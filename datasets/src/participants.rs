//! Which samples come from the same person. A proteogenomic cohort often holds a participant's
//! tumour and its matched normal (CPTAC), or technical replicates (`C3N-01825_replication`); they
//! are not independent, so they must fall in the same half of a discovery/validation split, and
//! they are what paired designs pair.
//!
//! The participant of a sample is read from the clinical table, in this order:
//! 1. an identifier column named like a participant (participant, patient, subject, donor,
//!    individual, case), or any identifier column whose values repeat across samples;
//! 2. TCGA-style sample barcodes (`TCGA-OR-A5J1-01A`: the participant is the first three fields);
//! 3. otherwise each sample is its own participant.
//!
//! A value that is another sample's value plus a `_suffix`, `-suffix` or `.suffix`
//! (`C3N-01825_replication`) belongs to that participant.

use crate::SampleId;
use crate::clinical::ClinicalTable;
use std::collections::{HashMap, HashSet};

/// The participant of every clinical sample, in clinical-table order.
#[derive(Clone, Debug, PartialEq)]
pub struct Participants {
    of_sample: Vec<String>,
    /// Where the participants were read from, for `inspect` and the run summary.
    pub source: ParticipantSource,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParticipantSource {
    Column(String),
    TcgaBarcode,
    /// No participant information: every sample stands alone.
    SampleIds,
}

impl Participants {
    pub fn of(clinical: &ClinicalTable) -> Self {
        if let Some((name, values)) = participant_column(clinical) {
            let of_sample = clinical
                .samples
                .iter()
                .zip(values)
                .map(|(s, v)| v.clone().unwrap_or_else(|| s.as_str().to_owned()))
                .collect();
            return Self {
                of_sample: merge_suffixed(of_sample),
                source: ParticipantSource::Column(name.clone()),
            };
        }
        if !clinical.samples.is_empty()
            && clinical
                .samples
                .iter()
                .all(|s| tcga_participant(s.as_str()).is_some())
        {
            return Self {
                of_sample: clinical
                    .samples
                    .iter()
                    .map(|s| {
                        tcga_participant(s.as_str())
                            .unwrap_or(s.as_str())
                            .to_owned()
                    })
                    .collect(),
                source: ParticipantSource::TcgaBarcode,
            };
        }
        Self {
            of_sample: clinical
                .samples
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            source: ParticipantSource::SampleIds,
        }
    }

    /// Participant of the sample at clinical index `i`.
    pub fn of_index(&self, i: usize) -> Option<&str> {
        self.of_sample.get(i).map(String::as_str)
    }

    /// Samples grouped by participant, in order of first appearance; each group in clinical order.
    pub fn groups<'a>(&self, samples: &'a [SampleId]) -> Vec<Vec<&'a SampleId>> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut groups: Vec<Vec<&SampleId>> = Vec::new();
        for (s, p) in samples.iter().zip(&self.of_sample) {
            let next = groups.len();
            let g = *index.entry(p.as_str()).or_insert(next);
            if g == groups.len() {
                groups.push(Vec::new());
            }
            groups[g].push(s);
        }
        groups
    }

    /// How many participants contribute more than one sample.
    pub fn with_several_samples(&self) -> usize {
        let mut count: HashMap<&str, usize> = HashMap::new();
        for p in &self.of_sample {
            *count.entry(p.as_str()).or_default() += 1;
        }
        count.values().filter(|&&c| c > 1).count()
    }
}

fn is_participant_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "participant",
        "patient",
        "subject",
        "donor",
        "individual",
        "case_id",
        "case id",
        "caseid",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// A named participant column first; else an identifier column whose values repeat.
fn participant_column(clinical: &ClinicalTable) -> Option<&(String, Vec<Option<String>>)> {
    let usable = |(_, values): &&(String, Vec<Option<String>>)| values.iter().any(Option::is_some);
    clinical
        .identifier_values
        .iter()
        .filter(usable)
        .find(|(name, _)| is_participant_name(name))
        .or_else(|| {
            clinical
                .identifier_values
                .iter()
                .filter(usable)
                .find(|(_, values)| {
                    let mut seen = HashSet::new();
                    values.iter().flatten().any(|v| !seen.insert(v.as_str()))
                })
        })
}

/// `TCGA-OR-A5J1-01A-11R-A29S-07` -> `TCGA-OR-A5J1`.
fn tcga_participant(sample: &str) -> Option<&str> {
    if !sample.starts_with("TCGA-") {
        return None;
    }
    let mut dashes = sample.match_indices('-').map(|(i, _)| i);
    let third = dashes.nth(2);
    match third {
        Some(end) => Some(&sample[..end]),
        None if sample.split('-').count() == 3 => Some(sample),
        None => None,
    }
}

/// Values that are another value plus a separator and suffix join that value's participant.
fn merge_suffixed(values: Vec<String>) -> Vec<String> {
    let known: HashSet<String> = values.iter().cloned().collect();
    values
        .into_iter()
        .map(|v| {
            let base = v
                .rfind(['_', '-', '.'])
                .map(|cut| &v[..cut])
                .filter(|base| !base.is_empty() && known.contains(*base));
            match base {
                Some(b) => b.to_owned(),
                None => v,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(samples: &[&str], identifiers: Vec<(&str, Vec<Option<&str>>)>) -> ClinicalTable {
        ClinicalTable {
            file: "clinical.tsv".into(),
            id_column: "id".into(),
            samples: samples.iter().map(|s| SampleId::new(*s)).collect(),
            variables: Vec::new(),
            survival: Vec::new(),
            tissue: None,
            identifier_values: identifiers
                .into_iter()
                .map(|(n, v)| {
                    (
                        n.to_owned(),
                        v.into_iter().map(|x| x.map(str::to_owned)).collect(),
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn tumour_normal_and_replicates_share_a_participant() {
        let t = table(
            &["S001", "S002", "S103", "S104", "S105"],
            vec![
                (
                    "Aliquot",
                    vec![Some("A1"), Some("A2"), Some("A3"), Some("A4"), Some("A5")],
                ),
                (
                    "Proteomics_Participant_ID",
                    vec![
                        Some("C3L-00006"),
                        Some("C3L-00008"),
                        Some("C3N-01825"),
                        Some("C3N-01825_replication"),
                        Some("C3L-00006"),
                    ],
                ),
            ],
        );
        let p = Participants::of(&t);
        assert_eq!(
            p.source,
            ParticipantSource::Column("Proteomics_Participant_ID".into())
        );
        assert_eq!(p.of_index(0), p.of_index(4));
        assert_eq!(p.of_index(2), p.of_index(3));
        assert_ne!(p.of_index(0), p.of_index(1));
        assert_eq!(p.with_several_samples(), 2);
        let groups = p.groups(&t.samples);
        assert_eq!(groups.len(), 3);
        assert_eq!(
            groups[0].iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            ["S001", "S105"]
        );
    }

    #[test]
    fn an_unnamed_identifier_column_counts_only_when_its_values_repeat() {
        let unique = table(&["a", "b"], vec![("barcode", vec![Some("x"), Some("y")])]);
        assert_eq!(
            Participants::of(&unique).source,
            ParticipantSource::SampleIds
        );
        let repeated = table(
            &["a", "b", "c"],
            vec![("barcode", vec![Some("x"), Some("x"), Some("y")])],
        );
        let p = Participants::of(&repeated);
        assert_eq!(p.source, ParticipantSource::Column("barcode".into()));
        assert_eq!(p.of_index(0), p.of_index(1));
    }

    #[test]
    fn tcga_barcodes_name_their_participant() {
        let t = table(
            &["TCGA-OR-A5J1-01A", "TCGA-OR-A5J1-11A", "TCGA-OR-A5J2-01A"],
            vec![],
        );
        let p = Participants::of(&t);
        assert_eq!(p.source, ParticipantSource::TcgaBarcode);
        assert_eq!(p.of_index(0), Some("TCGA-OR-A5J1"));
        assert_eq!(p.of_index(1), Some("TCGA-OR-A5J1"));
        assert_eq!(p.of_index(2), Some("TCGA-OR-A5J2"));
        assert_eq!(tcga_participant("TCGA-OR-A5J1"), Some("TCGA-OR-A5J1"));
        assert_eq!(tcga_participant("S001"), None);
    }
}
