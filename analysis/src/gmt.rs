//! Parsing gene sets from GMT text (MSigDB, Enrichr, WikiPathways exports).
//!
//! A GMT line is `name <TAB> description <TAB> gene <TAB> gene ...`. The caller reads the file;
//! parsing works on a `&str` so it is testable and I/O-free. Blank lines and `#` comments are
//! skipped, empty gene fields (trailing tabs) are ignored, and a gene listed twice in one set is
//! kept once. Set names must be unique because results are reported by name.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One named gene set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneSet {
    pub name: String,
    pub description: String,
    /// Gene symbols in file order, without duplicates.
    pub genes: Vec<String>,
}

/// Why GMT text could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GmtError {
    #[error("line {line}: expected a name and a description separated by a tab")]
    MissingDescription { line: usize },
    #[error("line {line}: empty gene set name")]
    EmptyName { line: usize },
    #[error("line {line}: gene set {name} already defined")]
    DuplicateSet { line: usize, name: String },
}

/// Parses all gene sets in `text`.
pub fn parse_gmt(text: &str) -> Result<Vec<GeneSet>, GmtError> {
    let mut sets = Vec::new();
    let mut names = HashSet::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split('\t');
        let name = fields.next().unwrap_or_default().trim();
        let Some(description) = fields.next() else {
            return Err(GmtError::MissingDescription { line: line_no });
        };
        if name.is_empty() {
            return Err(GmtError::EmptyName { line: line_no });
        }
        if !names.insert(name.to_owned()) {
            return Err(GmtError::DuplicateSet {
                line: line_no,
                name: name.to_owned(),
            });
        }
        let mut seen = HashSet::new();
        let genes = fields
            .map(str::trim)
            .filter(|g| !g.is_empty() && seen.insert(*g))
            .map(str::to_owned)
            .collect();
        sets.push(GeneSet {
            name: name.to_owned(),
            description: description.trim().to_owned(),
            genes,
        });
    }
    Ok(sets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sets() {
        let text = "# comment\nHALLMARK_A\thttp://x\tTP53\tMDM2\t\tTP53\n\nSET_B\tna\r\nSET_C\tdesc\tEGFR\n";
        let sets = parse_gmt(text).unwrap();
        assert_eq!(sets.len(), 3);
        assert_eq!(sets[0].genes, vec!["TP53", "MDM2"]);
        assert_eq!(sets[0].description, "http://x");
        assert!(sets[1].genes.is_empty());
        assert_eq!(sets[2].genes, vec!["EGFR"]);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            parse_gmt("A\tx\tG\nB_NO_TAB\n"),
            Err(GmtError::MissingDescription { line: 2 })
        );
        assert!(matches!(
            parse_gmt("A\tx\nA\ty\n"),
            Err(GmtError::DuplicateSet { line: 2, .. })
        ));
        assert_eq!(
            parse_gmt("\tdesc\tG\n"),
            Err(GmtError::EmptyName { line: 1 })
        );
    }
}
