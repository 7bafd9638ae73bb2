//! Splitting a wide table: samples as rows, a few clinical columns, then a long block of feature
//! columns (probe IDs, gene symbols), as GEO-derived tables and Bioconductor exports often come.
//! The block is the longest run of numeric, many-valued columns named like features; everything
//! else is clinical.

use super::ids::{IdStyle, style_of};
use super::is_clinical_name;
use crate::error::Result;
use crate::read::RawTable;

/// A feature block shorter than this is left in the clinical table.
const MIN_BLOCK: usize = 20;

/// How a wide table splits, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WidePlan {
    /// Columns (by index, after the ID column) that stay clinical.
    pub clinical: Vec<usize>,
    /// Columns that form the feature block.
    pub features: std::ops::Range<usize>,
    pub reason: String,
}

/// A column name that could be a feature: a probe, Ensembl or miRNA ID, or a gene-symbol-like
/// token (`TP53`, `C1orf112`, `HLA-A`), and not a clinical word (`ER`, `AGE`).
fn feature_like_name(name: &str) -> bool {
    if is_clinical_name(name) {
        return false;
    }
    if !matches!(style_of(name), IdStyle::Other) {
        return true;
    }
    let mut chars = name.chars();
    name.len() <= 20
        && chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

fn numeric_many_valued(cells: &[Option<String>]) -> bool {
    let mut distinct = std::collections::HashSet::new();
    for cell in cells.iter().flatten() {
        let Ok(v) = cell.trim().parse::<f64>() else {
            return false;
        };
        if distinct.len() <= 5 {
            distinct.insert(v.to_bits());
        }
    }
    distinct.len() > 5
}

/// The split of a samples-as-rows table, or `None` when it has no feature block.
pub fn plan(table: &RawTable) -> Result<Option<WidePlan>> {
    let n = table.n_columns();
    if n < MIN_BLOCK + 1 {
        return Ok(None);
    }
    let mut feature_like = vec![false; n];
    for (c, flag) in feature_like.iter_mut().enumerate().skip(1) {
        if feature_like_name(&table.header[c]) {
            *flag = numeric_many_valued(&table.text_column(c)?);
        }
    }
    let mut best = 0..0;
    let mut start = None;
    // A `false` after the last column closes a run that reaches the end.
    let flags = feature_like.iter().copied().chain(std::iter::once(false));
    for (c, flag) in flags.enumerate().skip(1) {
        match (flag, start) {
            (true, None) => start = Some(c),
            (false, Some(s)) => {
                if c - s > best.len() {
                    best = s..c;
                }
                start = None;
            }
            _ => {}
        }
    }
    if best.len() < MIN_BLOCK {
        return Ok(None);
    }
    let clinical: Vec<usize> = (1..n).filter(|c| !best.contains(c)).collect();
    let names = |cols: &mut dyn Iterator<Item = usize>| -> String {
        let v: Vec<&str> = cols.map(|c| table.header[c].as_str()).collect();
        match v.as_slice() {
            [] => "none".to_owned(),
            [a] => (*a).to_owned(),
            many if many.len() <= 8 => many.join(", "),
            many => format!("{}, ... {}", many[..6].join(", "), many[many.len() - 1]),
        }
    };
    let reason = format!(
        "a wide table (samples as rows): columns {}..{} ({} numeric columns named like features: {}) \
         form a layer; the other {} columns ({}) are clinical",
        best.start + 1,
        best.end,
        best.len(),
        names(&mut best.clone()),
        clinical.len(),
        names(&mut clinical.iter().copied()),
    );
    Ok(Some(WidePlan {
        clinical,
        features: best,
        reason,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_names() {
        assert!(feature_like_name("1007_s_at"));
        assert!(feature_like_name("TP53"));
        assert!(feature_like_name("HLA-A"));
        assert!(!feature_like_name("t.tdm"));
        assert!(!feature_like_name("ER"));
        assert!(!feature_like_name("CIBERSORT_B _cells"));
        assert!(!feature_like_name("age"));
    }
}
