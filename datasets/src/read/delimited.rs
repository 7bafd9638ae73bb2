//! Shape checks on delimited text before polars sees it. Polars reports a ragged row without its
//! line number and silently pads short rows; a lab user needs "line 57 has 12 fields, the header
//! has 154", so we walk the lines once (memchr keeps that cheap) and stop at the first problem.

use crate::error::{DatasetError, Result};
use std::path::Path;

/// The layout of a delimited text table, as found by [`scan`].
#[derive(Debug, Clone)]
pub struct Layout {
    pub separator: u8,
    /// Column names, unquoted. When data rows have one more field than the header (the R
    /// `write.table` convention of leaving out the corner cell), an empty first name is added.
    pub header: Vec<String>,
    /// Lines before the header that start with `#` (MAF version lines and the like).
    pub comment_lines: usize,
    /// The first few of those lines, without the `#` (cBioPortal puts display names and
    /// datatypes there).
    pub comments: Vec<String>,
    pub data_rows: usize,
    /// The first data row with fewer fields than the header, as (line, fields). Text tables such
    /// as MAFs often drop trailing empty fields, so only numeric tables treat this as an error.
    pub first_short_row: Option<(usize, usize)>,
}

impl Layout {
    /// The error for a short row, if the table may not have any.
    pub fn short_row_error(&self, path: &Path) -> Option<DatasetError> {
        self.first_short_row
            .map(|(line, found)| DatasetError::RaggedRow {
                path: path.to_owned(),
                line,
                found,
                expected: self.header.len(),
            })
    }
}

/// Picks the separator from the header line: tab if present, else comma, else semicolon.
fn detect_separator(header: &[u8]) -> u8 {
    if memchr::memchr(b'\t', header).is_some() {
        b'\t'
    } else if memchr::memchr(b',', header).is_some() {
        b','
    } else if memchr::memchr(b';', header).is_some() {
        b';'
    } else {
        b'\t'
    }
}

/// Counts fields in one line, honouring double quotes only when the line has any.
fn count_fields(line: &[u8], sep: u8) -> usize {
    if memchr::memchr(b'"', line).is_none() {
        return memchr::memchr_iter(sep, line).count() + 1;
    }
    let mut in_quotes = false;
    let mut fields = 1;
    for &b in line {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == sep && !in_quotes {
            fields += 1;
        }
    }
    fields
}

fn split_header(line: &[u8], sep: u8) -> Vec<String> {
    let text = String::from_utf8_lossy(line);
    text.split(sep as char)
        .map(|f| {
            let f = f.trim();
            f.strip_prefix('"')
                .and_then(|f| f.strip_suffix('"'))
                .unwrap_or(f)
                .to_owned()
        })
        .collect()
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Validates the table shape and returns its layout, or an error naming the line at fault.
pub fn scan(path: &Path, text: &[u8]) -> Result<Layout> {
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(DatasetError::EmptyFile {
            path: path.to_owned(),
        });
    }
    let mut lines = text.split(|&b| b == b'\n').map(strip_cr).enumerate();
    let mut comment_lines = 0;
    let mut comments = Vec::new();
    let (header_index, header_line) = loop {
        match lines.next() {
            Some((_, l)) if l.starts_with(b"#") || l.iter().all(u8::is_ascii_whitespace) => {
                comment_lines += 1;
                if comments.len() < 8 && l.starts_with(b"#") {
                    comments.push(String::from_utf8_lossy(&l[1..]).into_owned());
                }
            }
            Some(found) => break found,
            None => {
                return Err(DatasetError::EmptyFile {
                    path: path.to_owned(),
                });
            }
        }
    };
    let separator = detect_separator(header_line);
    let mut header = split_header(header_line, separator);
    let mut expected = header.len();
    let mut data_rows = 0;
    let mut trailing_blank: Option<usize> = None;
    let mut first_short_row = None;
    for (index, line) in lines {
        if line.is_empty() {
            // Blank lines are fine at the end of a file, not in the middle of a table.
            trailing_blank.get_or_insert(index);
            continue;
        }
        if let Some(blank) = trailing_blank {
            return Err(DatasetError::RaggedRow {
                path: path.to_owned(),
                line: blank + 1,
                found: 0,
                expected,
            });
        }
        let found = count_fields(line, separator);
        if found < expected && found > 1 {
            first_short_row.get_or_insert((index + 1, found));
        } else if found != expected {
            if data_rows == 0 && found == expected + 1 {
                header.insert(0, String::new());
                expected += 1;
            } else {
                return Err(DatasetError::RaggedRow {
                    path: path.to_owned(),
                    line: index + 1,
                    found,
                    expected,
                });
            }
        }
        data_rows += 1;
    }
    if data_rows == 0 {
        return Err(DatasetError::HeaderOnly {
            path: path.to_owned(),
        });
    }
    check_unique_header(path, &header)?;
    debug_assert_eq!(header_index, comment_lines);
    Ok(Layout {
        separator,
        header,
        comment_lines,
        comments,
        data_rows,
        first_short_row,
    })
}

/// The first `n` data rows split into unquoted cells (a preview for deciding roles).
pub fn first_rows(text: &[u8], layout: &Layout, n: usize) -> Vec<Vec<String>> {
    text.split(|&b| b == b'\n')
        .map(strip_cr)
        .skip(layout.comment_lines + 1)
        .filter(|l| !l.is_empty())
        .take(n)
        .map(|l| split_header(l, layout.separator))
        .collect()
}

pub fn check_unique_header(path: &Path, header: &[String]) -> Result<()> {
    let mut seen = std::collections::HashMap::with_capacity(header.len());
    for (i, name) in header.iter().enumerate() {
        if let Some(first) = seen.insert(name.as_str(), i) {
            return Err(DatasetError::DuplicateColumn {
                path: path.to_owned(),
                name: name.clone(),
                first: first + 1,
                second: i + 1,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_str(s: &str) -> Result<Layout> {
        scan(Path::new("t.tsv"), s.as_bytes())
    }

    #[test]
    fn tab_table() {
        let l = scan_str("id\tS1\tS2\nA\t1\t2\nB\tNA\t3\n").unwrap();
        assert_eq!(l.separator, b'\t');
        assert_eq!(l.header, ["id", "S1", "S2"]);
        assert_eq!(l.data_rows, 2);
    }

    #[test]
    fn csv_with_quotes_and_crlf() {
        let l = scan_str("\"\",\"S1\",\"S2\"\r\n\"A, b\",1,2\r\n").unwrap();
        assert_eq!(l.separator, b',');
        assert_eq!(l.header, ["", "S1", "S2"]);
    }

    #[test]
    fn missing_corner_cell() {
        let l = scan_str("S1\tS2\nA\t1\t2\n").unwrap();
        assert_eq!(l.data_rows, 1);
        assert_eq!(l.header, ["", "S1", "S2"]);
    }

    #[test]
    fn comment_lines_are_skipped() {
        let l = scan_str("#version 2.4\nHugo_Symbol\tX\nPTEN\t1\n").unwrap();
        assert_eq!(l.comment_lines, 1);
        assert_eq!(l.header[0], "Hugo_Symbol");
    }

    #[test]
    fn ragged_row_names_its_line() {
        let layout = scan_str("id\tS1\tS2\nA\t1\t2\nB\t3\n").unwrap();
        match layout.short_row_error(Path::new("t.tsv")).unwrap() {
            DatasetError::RaggedRow {
                line,
                found,
                expected,
                ..
            } => assert_eq!((line, found, expected), (3, 2, 3)),
            e => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn blank_line_inside_table_is_ragged() {
        assert!(matches!(
            scan_str("id\tS1\nA\t1\n\nB\t2\n").unwrap_err(),
            DatasetError::RaggedRow { line: 3, .. }
        ));
    }

    #[test]
    fn empty_header_only_and_duplicate() {
        assert!(matches!(
            scan_str("  \n").unwrap_err(),
            DatasetError::EmptyFile { .. }
        ));
        assert!(matches!(
            scan_str("id\tS1\n\n").unwrap_err(),
            DatasetError::HeaderOnly { .. }
        ));
        assert!(matches!(
            scan_str("id\tS1\tS1\nA\t1\t2\n").unwrap_err(),
            DatasetError::DuplicateColumn {
                first: 2,
                second: 3,
                ..
            }
        ));
    }
}
