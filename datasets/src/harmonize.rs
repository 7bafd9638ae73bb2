//! Matching the sample IDs used in each file to the study's samples (the clinical table's rows).
//! Files from one study rarely agree: CPTAC's MAF names `C3L-00006_T` where the matrices say `S001`,
//! TCGA's matrices use aliquot barcodes (`TCGA-OR-A5J1-01A-11R-A29S-07`) for patients
//! (`TCGA-OR-A5J1`). Rules are tried from the most to the least certain, and every layer reports
//! how many of its samples each rule matched.

use crate::clinical::{ClinicalTable, Tissue};
use crate::ids::SampleId;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How a file's sample ID was matched to a study sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchRule {
    /// The ID is a clinical sample ID.
    Exact,
    /// The ID is listed in the study's sample map.
    SampleMap,
    /// The ID equals a value of a clinical identifier column (e.g. a participant ID).
    IdentifierColumn,
    /// The ID starts with a sample or identifier value followed by a separator (`TCGA-OR-A5J1-01A…`,
    /// `C3L-00006_T`); a tumour/normal suffix picks between a participant's samples.
    Prefix,
}

/// One row of a sample map: in file (assay) `assay`, column `colname` is sample `primary`.
#[derive(Clone, Debug)]
pub struct SampleMapEntry {
    pub assay: String,
    pub colname: String,
    pub primary: String,
}

/// Per-layer report of matching.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MatchReport {
    pub ids_in_file: usize,
    pub matched: usize,
    pub by_rule: BTreeMap<MatchRule, usize>,
    /// A few IDs that matched nothing (all of them are counted in `ids_in_file - matched`).
    pub unmatched_examples: Vec<String>,
    /// IDs that matched a sample already taken by another column of the same file; the first wins.
    pub duplicates: usize,
}

pub struct SampleResolver<'a> {
    samples: &'a [SampleId],
    exact: HashMap<&'a str, usize>,
    /// Identifier-column value -> samples carrying it (a participant can have tumour and normal).
    identifiers: HashMap<&'a str, Vec<usize>>,
    tissue: Vec<Option<Tissue>>,
    map: HashMap<(String, String), String>,
    map_any: HashMap<String, String>,
}

impl<'a> SampleResolver<'a> {
    pub fn new(clinical: &'a ClinicalTable, sample_map: &[SampleMapEntry]) -> Self {
        let exact = clinical.sample_index();
        let mut identifiers: HashMap<&str, Vec<usize>> = HashMap::new();
        for (_, values) in &clinical.identifier_values {
            for (i, v) in values.iter().enumerate() {
                if let Some(v) = v {
                    let entry = identifiers.entry(v.as_str()).or_default();
                    if !entry.contains(&i) {
                        entry.push(i);
                    }
                }
            }
        }
        let tissue = (0..clinical.samples.len())
            .map(|i| clinical.tissue_of(i))
            .collect();
        let mut map = HashMap::new();
        let mut map_any = HashMap::new();
        for e in sample_map {
            map.insert((e.assay.clone(), e.colname.clone()), e.primary.clone());
            map_any.insert(e.colname.clone(), e.primary.clone());
        }
        Self {
            samples: &clinical.samples,
            exact,
            identifiers,
            tissue,
            map,
            map_any,
        }
    }

    /// Finds the study sample (index into the clinical samples) for an ID used in file `assay`.
    pub fn resolve(&self, id: &str, assay: &str) -> Option<(usize, MatchRule)> {
        let id = id.trim();
        if let Some(&i) = self.exact.get(id) {
            return Some((i, MatchRule::Exact));
        }
        let mapped = self
            .map
            .get(&(assay.to_owned(), id.to_owned()))
            .or_else(|| self.map_any.get(id));
        if let Some(primary) = mapped
            && let Some(i) = self.by_key(primary, None)
        {
            return Some((i, MatchRule::SampleMap));
        }
        if let Some(i) = self.identifier(id, None) {
            return Some((i, MatchRule::IdentifierColumn));
        }
        self.by_prefix(id).map(|i| (i, MatchRule::Prefix))
    }

    fn by_key(&self, key: &str, hint: Option<Tissue>) -> Option<usize> {
        self.exact
            .get(key)
            .copied()
            .or_else(|| self.identifier(key, hint))
    }

    /// A participant ID shared by several samples resolves with a tissue hint, or to the one tumour.
    fn identifier(&self, key: &str, hint: Option<Tissue>) -> Option<usize> {
        let candidates = self.identifiers.get(key)?;
        if let [only] = candidates.as_slice() {
            return Some(*only);
        }
        let wanted = hint.unwrap_or(Tissue::Tumor);
        let mut matching = candidates
            .iter()
            .filter(|&&i| self.tissue.get(i).copied().flatten() == Some(wanted));
        match (matching.next(), matching.next()) {
            (Some(&i), None) => Some(i),
            _ => None,
        }
    }

    /// The longest key that the ID starts with, followed by a separator.
    fn by_prefix(&self, id: &str) -> Option<usize> {
        let separators = ['-', '_', '.', ' '];
        let mut cut = id.len();
        while let Some(pos) = id[..cut].rfind(separators) {
            let (key, rest) = id.split_at(pos);
            let hint = tissue_hint(&rest[1..]);
            if let Some(i) = self.by_key(key, hint) {
                // A suffix that says "normal" must not land on a tumour sample, and vice versa.
                let tissue = self.tissue.get(i).copied().flatten();
                if hint.is_none() || tissue.is_none() || tissue == hint {
                    return Some(i);
                }
            }
            cut = pos;
        }
        None
    }

    pub fn sample(&self, index: usize) -> Option<&SampleId> {
        self.samples.get(index)
    }
}

/// Reads a tumour/normal hint from what follows a participant ID: `T`/`N`, `Tumor`, or a TCGA
/// sample-type code (`01A` tumour, `11A` normal).
fn tissue_hint(suffix: &str) -> Option<Tissue> {
    let first = suffix
        .split(['-', '_', '.', ' '])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match first.as_str() {
        "t" | "tumor" | "tumour" | "tp" => return Some(Tissue::Tumor),
        "n" | "normal" | "nt" | "nb" => return Some(Tissue::Normal),
        _ => {}
    }
    let code: String = first.chars().take(2).collect();
    match code.parse::<u32>() {
        Ok(1..=9) if first.len() <= 3 => Some(Tissue::Tumor),
        Ok(10..=19) if first.len() <= 3 => Some(Tissue::Normal),
        _ => None,
    }
}

/// Maps a file's sample IDs to study samples. Returns, per ID, the matched study sample index;
/// the second of two IDs matching the same sample is dropped (counted in `duplicates`).
pub fn match_ids(
    resolver: &SampleResolver<'_>,
    ids: &[String],
    assay: &str,
) -> (Vec<Option<usize>>, MatchReport) {
    let mut report = MatchReport {
        ids_in_file: ids.len(),
        ..MatchReport::default()
    };
    let mut taken = vec![false; resolver.samples.len()];
    let matches = ids
        .iter()
        .map(|id| match resolver.resolve(id, assay) {
            Some((i, _)) if taken[i] => {
                report.duplicates += 1;
                None
            }
            Some((i, rule)) => {
                taken[i] = true;
                report.matched += 1;
                *report.by_rule.entry(rule).or_default() += 1;
                Some(i)
            }
            None => {
                if report.unmatched_examples.len() < 5 {
                    report.unmatched_examples.push(id.clone());
                }
                None
            }
        })
        .collect();
    (matches, report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clinical::{ClinicalVariable, Levels, VariableKind};

    fn clinical() -> ClinicalTable {
        let samples: Vec<SampleId> = ["S001", "S002", "S003"].map(SampleId::from).to_vec();
        let participant = vec![
            Some("C3L-00006".to_owned()),
            Some("C3L-00007".to_owned()),
            Some("C3L-00006".to_owned()),
        ];
        ClinicalTable {
            file: "clinical.txt".into(),
            id_column: "idx".into(),
            samples,
            variables: vec![ClinicalVariable {
                name: "Tumor_Normal".into(),
                kind: VariableKind::Binary(Levels {
                    levels: vec![],
                    codes: vec![],
                }),
                observed: 3,
                display_name: None,
            }],
            survival: vec![],
            tissue: Some((
                "Tumor_Normal".into(),
                vec![
                    Some(Tissue::Tumor),
                    Some(Tissue::Tumor),
                    Some(Tissue::Normal),
                ],
            )),
            identifier_values: vec![("Participant".into(), participant)],
        }
    }

    #[test]
    fn rules_in_order() {
        let c = clinical();
        let map = vec![SampleMapEntry {
            assay: "rna".into(),
            colname: "X-1".into(),
            primary: "S002".into(),
        }];
        let r = SampleResolver::new(&c, &map);
        assert_eq!(r.resolve("S001", "any"), Some((0, MatchRule::Exact)));
        assert_eq!(r.resolve("X-1", "rna"), Some((1, MatchRule::SampleMap)));
        assert_eq!(
            r.resolve("C3L-00007", "x"),
            Some((1, MatchRule::IdentifierColumn))
        );
        // A participant with tumour and normal: the suffix decides.
        assert_eq!(
            r.resolve("C3L-00006_T", "maf"),
            Some((0, MatchRule::Prefix))
        );
        assert_eq!(
            r.resolve("C3L-00006_N", "maf"),
            Some((2, MatchRule::Prefix))
        );
        assert_eq!(r.resolve("C3L-99999_T", "maf"), None);
    }

    #[test]
    fn tcga_barcodes_match_by_prefix() {
        let mut c = clinical();
        c.samples = ["TCGA-OR-A5J1", "TCGA-OR-A5J2", "S3"]
            .map(SampleId::from)
            .to_vec();
        c.tissue = None;
        let r = SampleResolver::new(&c, &[]);
        assert_eq!(
            r.resolve("TCGA-OR-A5J1-01A-11R-A29S-07", "rna"),
            Some((0, MatchRule::Prefix))
        );
        let ids = vec![
            "TCGA-OR-A5J2-01A-11R-A29S-07".to_owned(),
            "TCGA-OR-A5J2-01A-21R-A29S-07".to_owned(),
            "nobody".to_owned(),
        ];
        let (m, report) = match_ids(&r, &ids, "rna");
        assert_eq!(m, [Some(1), None, None]);
        assert_eq!((report.matched, report.duplicates), (1, 1));
        assert_eq!(report.unmatched_examples, ["nobody"]);
    }

    #[test]
    fn tissue_hints() {
        assert_eq!(tissue_hint("01A-11R"), Some(Tissue::Tumor));
        assert_eq!(tissue_hint("11A"), Some(Tissue::Normal));
        assert_eq!(tissue_hint("T"), Some(Tissue::Tumor));
        assert_eq!(tissue_hint("A29S"), None);
    }
}
