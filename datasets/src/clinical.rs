//! Typing of clinical variables. A clinical sheet arrives as text; the analyses need to know which
//! columns are numbers, groups, ordered stages, survival pairs, or identifiers that must never be
//! tested (a participant barcode is unique per sample and would "explain" everything).

mod ordinal;
mod survival;

pub use ordinal::ordinal_rank;
pub use survival::{SurvivalVariable, TimeUnit};

use crate::error::Result;
use crate::ids::SampleId;
use crate::read::RawTable;
use serde::Serialize;
use std::collections::HashMap;

/// Clinical-sheet entries that mean "no value" in words. They are missing data, not a group:
/// "Cannot be determined" tumours are not a biological category.
const MISSING_WORDS: &[&str] = &[
    "unknown",
    "not reported",
    "not available",
    "not evaluated",
    "not assessed",
    "not applicable",
    "cannot be determined",
    "staging incomplete",
    "indeterminate",
    "[unknown]",
    "[not available]",
    "[not evaluated]",
    "[not applicable]",
    "[discrepancy]",
];

fn is_missing_word(cell: &str) -> bool {
    let c = cell.trim().to_ascii_lowercase();
    MISSING_WORDS.contains(&c.as_str())
}

/// Up to this many distinct text values make a categorical variable; more is free text.
const MAX_CATEGORICAL_LEVELS: usize = 20;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Level {
    pub name: String,
    pub count: usize,
}

/// The values of a variable with named levels; `codes[s]` indexes `levels`.
#[derive(Clone, Debug, PartialEq)]
pub struct Levels {
    pub levels: Vec<Level>,
    pub codes: Vec<Option<u32>>,
}

impl Levels {
    /// Level index of each level name, in the given order, with counts over `cells`.
    fn from_cells(cells: &[Option<String>], order: Vec<String>) -> Self {
        let index: HashMap<&str, u32> = order
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let codes: Vec<Option<u32>> = cells
            .iter()
            .map(|c| c.as_deref().and_then(|c| index.get(c.trim()).copied()))
            .collect();
        let mut counts = vec![0usize; order.len()];
        for &c in codes.iter().flatten() {
            counts[c as usize] += 1;
        }
        let levels = order
            .into_iter()
            .zip(counts)
            .map(|(name, count)| Level { name, count })
            .collect();
        Self { levels, codes }
    }

    pub fn level_name(&self, sample: usize) -> Option<&str> {
        let code = (*self.codes.get(sample)?)?;
        self.levels.get(code as usize).map(|l| l.name.as_str())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum VariableKind {
    Numeric(Vec<f64>),
    /// Two levels.
    Binary(Levels),
    /// Unordered levels, most frequent first.
    Categorical(Levels),
    /// Ordered levels (stage, grade), lowest first.
    Ordinal(Levels),
    /// Sample or participant identifiers, barcodes, file names: never tested.
    Identifier,
    /// Too many distinct text values to be a grouping: never tested.
    FreeText,
    /// One value for every observed sample.
    Constant,
    /// No observed value.
    Empty,
    /// A column consumed by a survival variable (time or event).
    SurvivalPart,
}

impl VariableKind {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Numeric(_) => "numeric",
            Self::Binary(_) => "binary",
            Self::Categorical(_) => "categorical",
            Self::Ordinal(_) => "ordinal",
            Self::Identifier => "identifier",
            Self::FreeText => "free_text",
            Self::Constant => "constant",
            Self::Empty => "empty",
            Self::SurvivalPart => "survival_part",
        }
    }

    /// Whether analyses may use this variable as a grouping or covariate.
    pub fn is_testable(&self) -> bool {
        matches!(
            self,
            Self::Numeric(_) | Self::Binary(_) | Self::Categorical(_) | Self::Ordinal(_)
        )
    }

    pub fn levels(&self) -> Option<&Levels> {
        match self {
            Self::Binary(l) | Self::Categorical(l) | Self::Ordinal(l) => Some(l),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ClinicalVariable {
    pub name: String,
    pub kind: VariableKind,
    pub observed: usize,
    /// The name people read, when the file gives one besides the column name (cBioPortal's
    /// first `#` line: `Overall Survival Status` for `OS_STATUS`).
    pub display_name: Option<String>,
}

/// Tumour or normal tissue, when the study says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tissue {
    Tumor,
    Normal,
}

impl Tissue {
    /// Reads a tissue label such as `Tumor`, `Adjacent_normal`, `Primary Tumor`.
    pub fn from_label(label: &str) -> Option<Self> {
        let l = label.to_ascii_lowercase();
        if ["normal", "healthy", "control", "benign"]
            .iter()
            .any(|w| l.contains(w))
        {
            Some(Self::Normal)
        } else if [
            "tumor",
            "tumour",
            "cancer",
            "primary",
            "metasta",
            "carcinoma",
        ]
        .iter()
        .any(|w| l.contains(w))
        {
            Some(Self::Tumor)
        } else {
            None
        }
    }
}

#[derive(Clone, Debug)]
pub struct ClinicalTable {
    pub file: String,
    pub id_column: String,
    pub samples: Vec<SampleId>,
    pub variables: Vec<ClinicalVariable>,
    pub survival: Vec<SurvivalVariable>,
    /// The column that says tumour or normal, and its reading per sample.
    pub tissue: Option<(String, Vec<Option<Tissue>>)>,
    /// Identifier columns with their raw values, used to match other files' sample IDs.
    pub identifier_values: Vec<(String, Vec<Option<String>>)>,
}

impl ClinicalTable {
    pub fn variable(&self, name: &str) -> Option<&ClinicalVariable> {
        self.variables.iter().find(|v| v.name == name)
    }

    pub fn sample_index(&self) -> HashMap<&str, usize> {
        self.samples
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect()
    }

    /// Time and event of the study's first survival outcome for each of `samples` (NaN/None where
    /// a sample has no follow-up), or `None` when the study has no survival data.
    pub fn survival_for(&self, samples: &[SampleId]) -> Option<(Vec<f64>, Vec<Option<bool>>)> {
        let first = self.survival.first()?;
        self.outcome_for(&first.name, samples)
    }

    /// Time and event of the survival outcome named `outcome` for each of `samples` (NaN/None
    /// where a sample has no follow-up), or `None` when the study has no such outcome.
    pub fn outcome_for(
        &self,
        outcome: &str,
        samples: &[SampleId],
    ) -> Option<(Vec<f64>, Vec<Option<bool>>)> {
        let outcome = self.survival.iter().find(|s| s.name == outcome)?;
        let index = self.sample_index();
        Some(
            samples
                .iter()
                .map(|s| match index.get(s.as_str()) {
                    Some(&i) => (
                        outcome.time.get(i).copied().unwrap_or(f64::NAN),
                        outcome.event.get(i).copied().flatten(),
                    ),
                    None => (f64::NAN, None),
                })
                .unzip(),
        )
    }

    pub fn tissue_of(&self, sample: usize) -> Option<Tissue> {
        self.tissue.as_ref()?.1.get(sample).copied().flatten()
    }

    /// Reads and types a clinical table with samples as rows.
    pub fn from_table(table: &RawTable, id_column: Option<&str>) -> Result<Self> {
        let id_index = match id_column {
            Some(name) => table.column_index(name).ok_or_else(|| {
                crate::error::DatasetError::MissingColumn {
                    path: table.path.clone(),
                    column: name.to_owned(),
                    context: "study.toml sample_id_column",
                }
            })?,
            None => 0,
        };
        let mut columns = Vec::with_capacity(table.n_columns());
        for i in 0..table.n_columns() {
            let mut cells = table.text_column(i)?;
            if i != id_index {
                for cell in cells.iter_mut() {
                    if cell.as_deref().is_some_and(is_missing_word) {
                        *cell = None;
                    }
                }
            }
            columns.push(cells);
        }
        let samples = sample_ids(table, &columns[id_index], id_index)?;
        let mut variables = Vec::new();
        let mut identifier_values = Vec::new();
        // cBioPortal's `#` datatype line: a STRING column of numbers (a grade, a code) is a group.
        let declared = crate::layouts::cbioportal::column_types(table);
        let display_names = crate::layouts::cbioportal::display_names(table);
        for (i, (name, cells)) in table.header.iter().zip(&columns).enumerate() {
            if i == id_index {
                continue;
            }
            let mut kind = infer_kind(name, cells);
            if let VariableKind::Numeric(_) = kind
                && declared.as_ref().and_then(|t| t.get(i)).map(String::as_str) == Some("STRING")
            {
                kind = declared_text_kind(cells);
            }
            if kind == VariableKind::Identifier {
                identifier_values.push((name.clone(), cells.clone()));
            }
            // Levels read as "not assessed" (pNX) are missing: count what the variable holds.
            let observed = match kind.levels() {
                Some(levels) => levels.codes.iter().flatten().count(),
                None => cells.iter().filter(|c| c.is_some()).count(),
            };
            let display_name = display_names
                .as_ref()
                .and_then(|d| d.get(i))
                .filter(|d| !d.is_empty() && *d != name)
                .cloned();
            variables.push(ClinicalVariable {
                name: name.clone(),
                observed,
                kind,
                display_name,
            });
        }
        let survival = survival::detect(&table.header, &columns, &mut variables);
        let tissue = detect_tissue(&variables);
        Ok(Self {
            file: table.name.clone(),
            id_column: table.header.get(id_index).cloned().unwrap_or_default(),
            samples,
            variables,
            survival,
            tissue,
            identifier_values,
        })
    }
}

fn sample_ids(table: &RawTable, cells: &[Option<String>], column: usize) -> Result<Vec<SampleId>> {
    let mut seen = HashMap::with_capacity(cells.len());
    let mut out = Vec::with_capacity(cells.len());
    for (row, cell) in cells.iter().enumerate() {
        let Some(id) = cell else {
            return Err(crate::error::DatasetError::Parse {
                path: table.path.clone(),
                message: format!(
                    "line {}: sample ID in column {:?} is empty",
                    table.line_of(row),
                    table.header.get(column).cloned().unwrap_or_default()
                ),
            });
        };
        if let Some(first) = seen.insert(id.clone(), row) {
            return Err(crate::error::DatasetError::DuplicateId {
                path: table.path.clone(),
                what: "sample",
                id: id.clone(),
                first_line: table.line_of(first),
                second_line: table.line_of(row),
            });
        }
        out.push(SampleId::new(id.trim()));
    }
    Ok(out)
}

fn name_has(name: &str, words: &[&str]) -> bool {
    let lower = name.to_ascii_lowercase();
    words.iter().any(|w| lower.contains(w))
}

fn is_identifier_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    // `patientID`, `sampleId`: camel case marks the suffix as a word of its own.
    lower == "id"
        || lower.ends_with("_id")
        || lower.ends_with(".id")
        || lower.ends_with(" id")
        || name.ends_with("ID")
        || name.ends_with("Id")
        || name_has(
            name,
            &[
                "barcode",
                "uuid",
                "filename",
                "file_name",
                "aliquot",
                "accession",
            ],
        )
}

/// Columns whose numbers are labels, not quantities.
fn is_code_name(name: &str) -> bool {
    name_has(
        name,
        &[
            "batch", "plex", "channel", "subtype", "cluster", "class", "cohort", "center", "site",
        ],
    )
}

/// Distinct observed values, in order of first appearance, with counts.
fn distinct(cells: &[Option<String>]) -> Vec<(String, usize)> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<(String, usize)> = Vec::new();
    for cell in cells.iter().flatten() {
        let v = cell.trim();
        match index.get(v) {
            Some(&i) => out[i].1 += 1,
            None => {
                index.insert(v, out.len());
                out.push((v.to_owned(), 1));
            }
        }
    }
    out
}

/// Level names sorted by count (most frequent first), ties by name.
fn by_frequency(values: &[(String, usize)]) -> Vec<String> {
    let mut v = values.to_vec();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter().map(|(n, _)| n).collect()
}

pub fn infer_kind(name: &str, cells: &[Option<String>]) -> VariableKind {
    let values = distinct(cells);
    let observed: usize = values.iter().map(|(_, c)| c).sum();
    if observed == 0 {
        return VariableKind::Empty;
    }
    if values.len() == 1 {
        return VariableKind::Constant;
    }
    let numbers: Option<Vec<f64>> = values.iter().map(|(v, _)| v.parse::<f64>().ok()).collect();
    if let Some(numbers) = numbers {
        if is_identifier_name(name) && !is_code_name(name) {
            return VariableKind::Identifier;
        }
        if values.len() == 2 {
            let mut order: Vec<(String, f64)> =
                values.iter().map(|(v, _)| v.clone()).zip(numbers).collect();
            order.sort_by(|a, b| a.1.total_cmp(&b.1));
            return VariableKind::Binary(Levels::from_cells(
                cells,
                order.into_iter().map(|(n, _)| n).collect(),
            ));
        }
        if is_code_name(name) && values.len() <= MAX_CATEGORICAL_LEVELS {
            return VariableKind::Categorical(Levels::from_cells(cells, by_frequency(&values)));
        }
        let parsed = cells
            .iter()
            .map(|c| {
                c.as_deref()
                    .and_then(|s| s.trim().parse::<f64>().ok())
                    .unwrap_or(f64::NAN)
            })
            .collect();
        return VariableKind::Numeric(parsed);
    }
    if is_identifier_name(name) {
        return VariableKind::Identifier;
    }
    if let Some(order) = ordinal::ordered_levels(name, &values) {
        return VariableKind::Ordinal(Levels::from_cells(cells, order));
    }
    if values.len() == 2 {
        let mut order: Vec<String> = values.iter().map(|(v, _)| v.clone()).collect();
        order.sort();
        return VariableKind::Binary(Levels::from_cells(cells, order));
    }
    let mostly_unique = values.len() * 10 >= observed * 9 && observed >= 10;
    if mostly_unique || values.len() > MAX_CATEGORICAL_LEVELS {
        if mostly_unique && values.iter().all(|(v, _)| !v.contains(' ')) {
            return VariableKind::Identifier;
        }
        return VariableKind::FreeText;
    }
    VariableKind::Categorical(Levels::from_cells(cells, by_frequency(&values)))
}

/// A column declared as text whose values are numbers: two levels are binary, a few categorical.
fn declared_text_kind(cells: &[Option<String>]) -> VariableKind {
    let values = distinct(cells);
    let levels = Levels::from_cells(cells, by_frequency(&values));
    match values.len() {
        2 => VariableKind::Binary(levels),
        n if n <= MAX_CATEGORICAL_LEVELS => VariableKind::Categorical(levels),
        _ => VariableKind::FreeText,
    }
}

fn detect_tissue(variables: &[ClinicalVariable]) -> Option<(String, Vec<Option<Tissue>>)> {
    variables.iter().find_map(|v| {
        let levels = match &v.kind {
            VariableKind::Binary(l) | VariableKind::Categorical(l) => l,
            _ => return None,
        };
        let tissues: Vec<Option<Tissue>> = levels
            .levels
            .iter()
            .map(|l| Tissue::from_label(&l.name))
            .collect();
        let all_known = tissues.iter().all(Option::is_some);
        let both =
            tissues.contains(&Some(Tissue::Tumor)) && tissues.contains(&Some(Tissue::Normal));
        (all_known && both).then(|| {
            let per_sample = levels
                .codes
                .iter()
                .map(|c| c.and_then(|c| tissues.get(c as usize).copied().flatten()))
                .collect();
            (v.name.clone(), per_sample)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(values: &[&str]) -> Vec<Option<String>> {
        values
            .iter()
            .map(|v| (!v.is_empty()).then(|| v.to_string()))
            .collect()
    }

    #[test]
    fn numeric_binary_and_codes() {
        assert_eq!(
            infer_kind("Age", &cells(&["64", "70", "", "55.5"])).label(),
            "numeric"
        );
        assert_eq!(
            infer_kind("LVSI", &cells(&["0", "1", "1", ""])).label(),
            "binary"
        );
        let batch = infer_kind("TMT_batch", &cells(&["1", "2", "3", "2"]));
        assert_eq!(batch.label(), "categorical");
        assert_eq!(infer_kind("x", &cells(&["", ""])), VariableKind::Empty);
        assert_eq!(infer_kind("x", &cells(&["a", "a"])), VariableKind::Constant);
    }

    #[test]
    fn identifiers_are_not_tested() {
        assert_eq!(
            infer_kind(
                "Proteomics_Participant_ID",
                &cells(&["C3L-1", "C3L-1", "C3L-2"])
            ),
            VariableKind::Identifier
        );
        assert_eq!(
            infer_kind("patientID", &cells(&["P1", "P2", "P3"])),
            VariableKind::Identifier
        );
        let many: Vec<String> = (0..30).map(|i| format!("file{i}.bam")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(infer_kind("WXS", &cells(&many)), VariableKind::Identifier);
    }

    #[test]
    fn stages_are_ordinal_in_order() {
        let kind = infer_kind(
            "FIGO_stage",
            &cells(&["IIIA", "IA", "IB", "II", "IVB", "IA", "IIIC1"]),
        );
        let VariableKind::Ordinal(levels) = kind else {
            panic!("expected ordinal, got {kind:?}")
        };
        let names: Vec<&str> = levels.levels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["IA", "IB", "II", "IIIA", "IIIC1", "IVB"]);
        assert_eq!(levels.levels[0].count, 2);
        let grade = infer_kind(
            "Grade",
            &cells(&["FIGO grade 2", "FIGO grade 1", "FIGO grade 3"]),
        );
        assert_eq!(grade.label(), "ordinal");
    }

    #[test]
    fn categorical_levels_by_frequency() {
        let kind = infer_kind(
            "Histologic_type",
            &cells(&["Serous", "Endometrioid", "Endometrioid", "Clear cell"]),
        );
        let VariableKind::Categorical(levels) = kind else {
            panic!()
        };
        assert_eq!(levels.levels[0].name, "Endometrioid");
        assert_eq!(levels.level_name(0), Some("Serous"));
    }

    #[test]
    fn words_for_missing_are_missing() {
        assert!(is_missing_word("Cannot be determined"));
        assert!(is_missing_word(" [Not Available] "));
        assert!(!is_missing_word("Negative"));
    }

    #[test]
    fn tissue_labels() {
        assert_eq!(Tissue::from_label("Adjacent_normal"), Some(Tissue::Normal));
        assert_eq!(Tissue::from_label("Tumor"), Some(Tissue::Tumor));
        assert_eq!(Tissue::from_label("Low"), None);
    }
}
