//! cBioPortal study folders: every `data_*.txt` has a `meta_*.txt` that says what it holds
//! (`genetic_alteration_type`, `datatype`, `data_filename`), clinical data comes as a patient file
//! and a sample file (each with four `#` lines: display names, descriptions, datatypes,
//! priorities) joined on `PATIENT_ID`.

use crate::error::{DatasetError, Result};
use crate::kinds::{FileRole, LayerKind};
use crate::read::RawTable;

/// One `meta_*.txt` file.
#[derive(Clone, Debug)]
pub struct Meta {
    pub file: String,
    pub alteration: String,
    pub datatype: String,
    pub data_filename: Option<String>,
}

pub fn is_meta_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("meta_") && lower.ends_with(".txt")
}

/// Reads `key: value` lines.
pub fn parse_meta(file: &str, text: &str) -> Meta {
    let mut meta = Meta {
        file: file.to_owned(),
        alteration: String::new(),
        datatype: String::new(),
        data_filename: None,
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_owned();
        match key.trim() {
            "genetic_alteration_type" => meta.alteration = value.to_ascii_uppercase(),
            "datatype" => meta.datatype = value.to_ascii_uppercase(),
            "data_filename" => meta.data_filename = Some(value),
            _ => {}
        }
    }
    meta
}

/// What a data file's meta file says it is: a role, and the reason in words. `others` are all
/// metas of the study, so a z-score file is left out when its source profile is loaded too.
pub fn role_from_meta(meta: &Meta, others: &[Meta]) -> (FileRole, String) {
    let what = format!(
        "{} says genetic_alteration_type {}, datatype {}",
        meta.file, meta.alteration, meta.datatype
    );
    let has_non_zscore = |alteration: &str| {
        others
            .iter()
            .any(|m| m.alteration == alteration && m.datatype != "Z-SCORE")
    };
    let role = match (meta.alteration.as_str(), meta.datatype.as_str()) {
        ("CLINICAL", _) => FileRole::Clinical,
        ("MUTATION_EXTENDED", _) | ("MUTATION_UNCALLED", _) => FileRole::MutationCalls,
        ("COPY_NUMBER_ALTERATION", "SEG") => {
            FileRole::Ignored("copy-number segments, not a gene matrix".into())
        }
        ("COPY_NUMBER_ALTERATION", _) => FileRole::Layer(LayerKind::CopyNumber),
        (alteration, "Z-SCORE") if has_non_zscore(alteration) => FileRole::Ignored(format!(
            "z-scores derived from another {alteration} file of the study, which is loaded"
        )),
        ("MRNA_EXPRESSION", _) => FileRole::Layer(LayerKind::Rna),
        ("MICRO_RNA_EXPRESSION", _) => FileRole::Layer(LayerKind::Mirna),
        ("PROTEIN_LEVEL", _) => FileRole::Layer(LayerKind::Proteome),
        ("METHYLATION", _) => FileRole::Layer(LayerKind::Other),
        (alteration, _) => FileRole::Ignored(format!(
            "cBioPortal {} data, not a sample x feature table hypomics analyses",
            alteration.to_ascii_lowercase()
        )),
    };
    (role, what)
}

/// One cBioPortal case list (`case_lists/cases_*.txt`): a named set of samples, such as those
/// sequenced for mutations (`cases_sequenced`), from `key: value` lines with tab-separated
/// `case_list_ids`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseList {
    pub file: String,
    pub stable_id: String,
    pub category: String,
    pub ids: Vec<String>,
}

impl CaseList {
    /// Whether the list names the samples sequenced for mutations: their samples without a call
    /// are wild type, and samples not on it were not sequenced.
    pub fn is_sequenced(&self) -> bool {
        self.category
            .eq_ignore_ascii_case("all_cases_with_mutation_data")
            || self.stable_id.to_ascii_lowercase().ends_with("_sequenced")
            || self
                .file
                .rsplit('/')
                .next()
                .is_some_and(|f| f.eq_ignore_ascii_case("cases_sequenced.txt"))
    }
}

/// A file name a case list may have: `case_lists/cases_*.txt`, or `cases_*.txt` when uploads
/// flattened the folder.
pub fn may_be_case_list(name: &str) -> bool {
    let base = name.strip_prefix("case_lists/").unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    lower.starts_with("cases_") && lower.ends_with(".txt")
}

/// Reads a case list; `None` when the text has no `case_list_ids:` line (then it is not one).
pub fn parse_case_list(file: &str, text: &str) -> Option<CaseList> {
    let mut list = CaseList {
        file: file.to_owned(),
        stable_id: String::new(),
        category: String::new(),
        ids: Vec::new(),
    };
    let mut has_ids = false;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        match key.trim() {
            "stable_id" => list.stable_id = value.trim().to_owned(),
            "case_list_category" => list.category = value.trim().to_owned(),
            "case_list_ids" => {
                has_ids = true;
                list.ids = value
                    .split(['\t', ' '])
                    .map(str::trim)
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            _ => {}
        }
    }
    has_ids.then_some(list)
}

/// The clinical file names of a cBioPortal folder, when it has both a patient and a sample file.
pub fn clinical_pair(names: &[&str]) -> Option<(String, String)> {
    let find = |what: &str| {
        names
            .iter()
            .find(|n| {
                let l = n.to_ascii_lowercase();
                l.starts_with("data_clinical_") && l.contains(what) && !is_meta_file(n)
            })
            .map(|n| (*n).to_owned())
    };
    Some((find("sample")?, find("patient")?))
}

fn column(table: &RawTable, name: &str) -> Result<usize> {
    table
        .header
        .iter()
        .position(|h| h.eq_ignore_ascii_case(name))
        .ok_or_else(|| DatasetError::MissingColumn {
            path: table.path.clone(),
            column: name.to_owned(),
            context: "cBioPortal clinical files are joined on PATIENT_ID",
        })
}

/// Splits a `#` line into its cells, if it has one per column.
fn comment_cells(line: &str, n: usize) -> Option<Vec<String>> {
    let cells: Vec<String> = line.split('\t').map(|c| c.trim().to_owned()).collect();
    (cells.len() == n).then_some(cells)
}

/// Joins the sample file with the patient file on PATIENT_ID: one row per sample, the sample's
/// columns then the patient's. Returns tab-separated text with the `#` lines merged too, and how
/// many samples found no patient row.
pub fn join_clinical(sample: &RawTable, patient: &RawTable) -> Result<(Vec<u8>, usize)> {
    let s_key = column(sample, "PATIENT_ID")?;
    let p_key = column(patient, "PATIENT_ID")?;
    let s_cols: Vec<Vec<Option<String>>> = (0..sample.n_columns())
        .map(|c| sample.text_column(c))
        .collect::<Result<_>>()?;
    let p_pick: Vec<usize> = (0..patient.n_columns()).filter(|&c| c != p_key).collect();
    let p_cols: Vec<Vec<Option<String>>> = p_pick
        .iter()
        .map(|&c| patient.text_column(c))
        .collect::<Result<_>>()?;
    let p_index: std::collections::HashMap<String, usize> = patient
        .text_column(p_key)?
        .into_iter()
        .enumerate()
        .filter_map(|(i, id)| id.map(|id| (id, i)))
        .collect();
    let mut out = String::new();
    // The four `#` lines, merged the same way, so display names and datatypes survive the join.
    for line in 0..4 {
        let s = sample
            .comments
            .get(line)
            .and_then(|l| comment_cells(l, sample.n_columns()));
        let p = patient
            .comments
            .get(line)
            .and_then(|l| comment_cells(l, patient.n_columns()));
        if let (Some(s), Some(p)) = (s, p) {
            out.push('#');
            out.push_str(&s.join("\t"));
            for &c in &p_pick {
                out.push('\t');
                out.push_str(&p[c]);
            }
            out.push('\n');
        }
    }
    out.push_str(&sample.header.join("\t"));
    for &c in &p_pick {
        out.push('\t');
        out.push_str(&patient.header[c]);
    }
    out.push('\n');
    let mut unmatched = 0;
    for row in 0..sample.n_rows() {
        let cells: Vec<&str> = s_cols
            .iter()
            .map(|c| c[row].as_deref().unwrap_or(""))
            .collect();
        out.push_str(&cells.join("\t"));
        let p_row = s_cols[s_key][row]
            .as_deref()
            .and_then(|id| p_index.get(id).copied());
        if p_row.is_none() {
            unmatched += 1;
        }
        for col in &p_cols {
            out.push('\t');
            if let Some(r) = p_row {
                out.push_str(col[r].as_deref().unwrap_or(""));
            }
        }
        out.push('\n');
    }
    Ok((out.into_bytes(), unmatched))
}

/// cBioPortal's datatype line (`STRING`, `NUMBER`, `BOOLEAN` per column), when a table has one.
pub fn column_types(table: &RawTable) -> Option<Vec<String>> {
    table.comments.iter().find_map(|line| {
        let cells = comment_cells(line, table.n_columns())?;
        cells
            .iter()
            .all(|c| matches!(c.as_str(), "STRING" | "NUMBER" | "BOOLEAN"))
            .then_some(cells)
    })
}

/// cBioPortal's display-name line (the first `#` line), when a table has one.
pub fn display_names(table: &RawTable) -> Option<Vec<String>> {
    column_types(table)?;
    table
        .comments
        .first()
        .and_then(|line| comment_cells(line, table.n_columns()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_roles() {
        let cna = parse_meta(
            "meta_cna.txt",
            "cancer_study_identifier: x\ngenetic_alteration_type: COPY_NUMBER_ALTERATION\ndatatype: DISCRETE\ndata_filename: data_cna.txt\n",
        );
        assert_eq!(cna.data_filename.as_deref(), Some("data_cna.txt"));
        let rsem = parse_meta(
            "meta_mrna.txt",
            "genetic_alteration_type: MRNA_EXPRESSION\ndatatype: CONTINUOUS\n",
        );
        let z = parse_meta(
            "meta_mrna_z.txt",
            "genetic_alteration_type: MRNA_EXPRESSION\ndatatype: Z-SCORE\n",
        );
        let all = [cna.clone(), rsem.clone(), z.clone()];
        assert_eq!(
            role_from_meta(&cna, &all).0,
            FileRole::Layer(LayerKind::CopyNumber)
        );
        assert_eq!(
            role_from_meta(&rsem, &all).0,
            FileRole::Layer(LayerKind::Rna)
        );
        assert!(matches!(role_from_meta(&z, &all).0, FileRole::Ignored(_)));
        assert_eq!(
            role_from_meta(&z, std::slice::from_ref(&z)).0,
            FileRole::Layer(LayerKind::Rna)
        );
        let list = parse_case_list(
            "case_lists/cases_sequenced.txt",
            "cancer_study_identifier: x\nstable_id: x_sequenced\ncase_list_name: Samples with \
             mutation data\ncase_list_ids: S-01\tS-02\tS-03\n",
        )
        .unwrap();
        assert_eq!(list.ids, ["S-01", "S-02", "S-03"]);
        assert!(list.is_sequenced());
        assert!(may_be_case_list("case_lists/cases_cna.txt") && may_be_case_list("cases_all.txt"));
        assert!(parse_case_list("cases_x.txt", "id\tvalue\nA\t1\n").is_none());
        assert_eq!(
            clinical_pair(&["data_clinical_patient.txt", "data_clinical_sample.txt"]),
            Some((
                "data_clinical_sample.txt".to_owned(),
                "data_clinical_patient.txt".to_owned()
            ))
        );
    }
}
