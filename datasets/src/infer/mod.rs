//! Roles and kinds from content, for files whose names say nothing. A clinical table is one whose
//! rows are samples and whose columns are mostly text or few-valued; a numeric block of many
//! features is a layer; a table that is both (samples as rows, clinical columns then hundreds of
//! probe columns) is split. Every decision returns the reason `inspect` shows.

pub mod ids;
pub mod kind;
pub mod transposed;
pub mod wide;

use crate::read::{Peek, is_missing_token};

/// How a table looks from its first rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// An ID column, optionally some annotation columns (`Entrez_Gene_Id`, a gene symbol), then
    /// only numeric columns.
    Numeric { label_columns: usize },
    /// Some text columns after the first: a clinical sheet, or a wide table to split.
    Mixed,
}

fn is_number(cell: &str) -> bool {
    is_missing_token(cell) || cell.trim().parse::<f64>().is_ok()
}

/// Whether every previewed cell of column `c` is a number or missing.
fn numeric_column(peek: &Peek<'_>, c: usize) -> bool {
    peek.rows
        .iter()
        .all(|r| r.get(c).is_none_or(|cell| is_number(cell)))
}

/// The table's shape from its preview. Leading annotation columns (`Entrez_Gene_Id`, `Gene
/// Symbol`: named so) are labels, not samples.
pub fn shape_of(peek: &Peek<'_>) -> Shape {
    let n = peek.header.len();
    let mut labels = 1;
    while labels < n.min(5) && ids::is_annotation_column(&peek.header[labels]) {
        labels += 1;
    }
    let data_numeric = (labels..n).all(|c| numeric_column(peek, c));
    if data_numeric && labels < n {
        Shape::Numeric {
            label_columns: labels,
        }
    } else {
        Shape::Mixed
    }
}

/// Column names that are clinical variables, not features.
pub fn is_clinical_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("t.") || lower.starts_with("e.") {
        return true;
    }
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    const WORDS: &[&str] = &[
        "age",
        "sex",
        "gender",
        "stage",
        "grade",
        "er",
        "pr",
        "pgr",
        "her2",
        "size",
        "node",
        "nodes",
        "time",
        "status",
        "event",
        "survival",
        "os",
        "dfs",
        "pfs",
        "dss",
        "rfs",
        "dmfs",
        "relapse",
        "recurrence",
        "treatment",
        "therapy",
        "batch",
        "subtype",
        "bmi",
        "race",
        "ethnicity",
        "smoking",
        "tumor",
        "tumour",
        "normal",
        "histology",
        "vital",
        "days",
        "months",
        "years",
        "death",
        "patient",
        "sample",
        "id",
        "cohort",
        "series",
        "group",
    ];
    words.iter().any(|w| WORDS.contains(w))
}

/// A numeric table that may be wide: a clinical-named column among its first columns, then many
/// more columns (`age`, `er`, `t.tdm`, `e.tdm`, then 76 probe columns).
pub fn may_be_wide(peek: &Peek<'_>) -> bool {
    peek.header.len() > 21
        && peek.header[1..]
            .iter()
            .take(30)
            .any(|h| is_clinical_name(h))
}

/// A numeric table that is really a clinical sheet (pData with only coded columns: `age`,
/// `grade`, `er`, `t.rfs`, `e.rfs`): most of its columns have clinical names.
pub fn numeric_table_is_clinical(peek: &Peek<'_>) -> bool {
    let data = &peek.header[1..];
    !data.is_empty()
        && data.len() < 60
        && data.iter().filter(|h| is_clinical_name(h)).count() * 2 >= data.len()
}

/// A clinical table stored transposed: one row per variable (`age`, `stage`, `t.rfs` in the first
/// column), one column per sample, as some lab exports and GEO-derived sheets come. Most of the
/// first column's labels are clinical names while most column names are not.
pub fn is_transposed_clinical(peek: &Peek<'_>) -> bool {
    let labels: Vec<&str> = peek
        .rows
        .iter()
        .filter_map(|r| r.first())
        .map(String::as_str)
        .collect();
    let clinical_rows = labels.iter().filter(|l| is_clinical_name(l)).count();
    let columns = peek.header.get(1..).unwrap_or_default();
    let clinical_columns = columns.iter().filter(|h| is_clinical_name(h)).count();
    clinical_rows >= 2
        && clinical_rows * 2 >= labels.len()
        && columns.len() >= 2
        && clinical_columns * 4 < columns.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peek<'a>(header: &'a [String], rows: &[&[&str]]) -> Peek<'a> {
        Peek {
            header,
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect(),
            comments: &[],
        }
    }

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn annotation_columns_are_labels() {
        let h = header(&["Hugo_Symbol", "Entrez_Gene_Id", "S1", "S2"]);
        assert_eq!(
            shape_of(&peek(&h, &[&["TP53", "7157", "1", "-1"]])),
            Shape::Numeric { label_columns: 2 }
        );
        let h = header(&["ID_REF", "Gene Symbol", "S1", "S2"]);
        assert_eq!(
            shape_of(&peek(&h, &[&["1007_s_at", "DDR1", "7.1", "6.5"]])),
            Shape::Numeric { label_columns: 2 }
        );
        let h = header(&["id", "S1", "S2"]);
        assert_eq!(
            shape_of(&peek(&h, &[&["A", "1", "NA"]])),
            Shape::Numeric { label_columns: 1 }
        );
    }

    #[test]
    fn text_columns_make_a_mixed_table() {
        let h = header(&["sample", "stage", "age"]);
        assert_eq!(
            shape_of(&peek(&h, &[&["P1", "Stage II", "55"]])),
            Shape::Mixed
        );
        let h = header(&["sample", "age", "er", "t.rfs", "e.rfs"]);
        let p = peek(&h, &[&["P1", "55", "1", "1200", "0"]]);
        assert!(matches!(shape_of(&p), Shape::Numeric { .. }));
        assert!(numeric_table_is_clinical(&p));
    }
}
