//! A parsed table: its header, its cells (a polars `DataFrame`), and enough bookkeeping to name the
//! exact line of any bad cell. Which cells are numbers is decided from the header alone (a clinical
//! sheet is text, an omics layer is numeric), so numeric layers take polars' fast float parser and
//! only fall back to text when they need to point at a bad cell.

use super::decode::{decode_text, decompress};
use super::delimited::{self, Layout};
use super::{MISSING_TOKENS, is_missing_token};
use crate::error::{DatasetError, Result};
use crate::source::SourceFile;
use polars::prelude::*;
use std::io::Cursor;
use std::path::PathBuf;

const PARQUET_MAGIC: &[u8] = b"PAR1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    Delimited { separator: u8 },
    Parquet,
}

/// How to parse the cells after the first column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    Text,
    /// The first `label_columns` columns are labels (an ID, and e.g. `Entrez_Gene_Id` or a gene
    /// symbol beside a probe ID); every column after them is a number.
    Numeric {
        label_columns: usize,
    },
}

impl CellKind {
    /// A numeric table with one label column, the usual omics export.
    pub const NUMERIC: Self = Self::Numeric { label_columns: 1 };

    fn label_columns(self) -> usize {
        match self {
            Self::Text => 1,
            Self::Numeric { label_columns } => label_columns.max(1),
        }
    }
}

/// What the reader shows before deciding how to parse the body: the header and the first rows,
/// split into cells, so roles can be decided from content as well as from names.
pub struct Peek<'a> {
    pub header: &'a [String],
    pub rows: Vec<Vec<String>>,
    /// Lines before the header that start with `#` (cBioPortal's display names and types).
    pub comments: &'a [String],
}

/// Rows shown in a [`Peek`]: enough to tell a clinical sheet from a numeric block.
const PEEK_ROWS: usize = 40;

#[derive(Debug)]
pub struct RawTable {
    pub path: PathBuf,
    pub name: String,
    pub format: TableFormat,
    /// Column names, the first being the row-label column (possibly named "").
    pub header: Vec<String>,
    /// Notes for the user, such as an assumed text encoding.
    pub notes: Vec<String>,
    /// SHA-256 of the file as stored (before decompression).
    pub sha256: String,
    pub size_bytes: usize,
    /// Leading columns read as labels; data columns follow them.
    pub label_columns: usize,
    /// `#` lines before the header, without the `#`.
    pub comments: Vec<String>,
    frame: DataFrame,
    first_data_line: usize,
}

/// Reads a table; `cells` decides from the header and first rows whether the body is numeric.
pub fn read_table(
    file: &SourceFile,
    cells: impl FnOnce(&Peek<'_>) -> CellKind,
) -> Result<RawTable> {
    let raw = file.read()?;
    let (sha256, size_bytes) = file.provenance(&raw);
    let path = file.path.clone();
    let bytes = decompress(&path, raw)?;
    if bytes.starts_with(PARQUET_MAGIC) {
        let frame = ParquetReader::new(Cursor::new(bytes.into_owned()))
            .finish()
            .map_err(|e| polars_error(&file.path, e))?;
        let header: Vec<String> = frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        if frame.width() == 0 {
            return Err(DatasetError::EmptyFile { path });
        }
        if frame.height() == 0 {
            return Err(DatasetError::HeaderOnly { path });
        }
        return Ok(RawTable {
            path,
            name: file.name.clone(),
            format: TableFormat::Parquet,
            header,
            notes: Vec::new(),
            sha256,
            size_bytes,
            label_columns: 1,
            comments: Vec::new(),
            frame,
            first_data_line: 1,
        });
    }
    let decoded = decode_text(bytes);
    let layout = delimited::scan(&path, &decoded.bytes)?;
    let kind = cells(&Peek {
        header: &layout.header,
        rows: delimited::first_rows(&decoded.bytes, &layout, PEEK_ROWS),
        comments: &layout.comments,
    });
    let label_columns = kind.label_columns().min(layout.header.len());
    if kind != CellKind::Text
        && let Some(error) = layout.short_row_error(&path)
    {
        return Err(error);
    }
    let frame = match parse_delimited(&decoded.bytes, &layout, kind) {
        Ok(frame) => frame,
        Err(numeric_error) if kind != CellKind::Text => {
            // Find the offending cell by reading as text; it yields a precise NotNumeric error.
            let text = parse_delimited(&decoded.bytes, &layout, CellKind::Text)
                .map_err(|e| polars_error(&path, e))?;
            let table = RawTable {
                path: path.clone(),
                name: file.name.clone(),
                format: TableFormat::Delimited {
                    separator: layout.separator,
                },
                header: layout.header.clone(),
                notes: Vec::new(),
                sha256: sha256.clone(),
                size_bytes,
                label_columns,
                comments: Vec::new(),
                frame: text,
                first_data_line: layout.comment_lines + 2,
            };
            for column in label_columns..table.header.len() {
                table.numeric_column(column)?;
            }
            return Err(polars_error(&path, numeric_error));
        }
        Err(e) => return Err(polars_error(&path, e)),
    };
    if frame.height() != layout.data_rows {
        return Err(DatasetError::Parse {
            path,
            message: format!(
                "{} data lines but {} rows parsed; a quoted field probably spans lines",
                layout.data_rows,
                frame.height()
            ),
        });
    }
    Ok(RawTable {
        path,
        name: file.name.clone(),
        format: TableFormat::Delimited {
            separator: layout.separator,
        },
        header: layout.header,
        notes: decoded.encoding_note.into_iter().collect(),
        sha256,
        size_bytes,
        label_columns,
        comments: layout.comments,
        frame,
        first_data_line: layout.comment_lines + 2,
    })
}

fn polars_error(path: &std::path::Path, e: PolarsError) -> DatasetError {
    DatasetError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn parse_delimited(text: &[u8], layout: &Layout, kind: CellKind) -> PolarsResult<DataFrame> {
    let body_type = match kind {
        CellKind::Text => DataType::String,
        CellKind::Numeric { .. } => DataType::Float64,
    };
    let labels = kind.label_columns();
    let schema: Schema = layout
        .header
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let dtype = if i < labels {
                DataType::String
            } else {
                body_type.clone()
            };
            Field::new(name.as_str().into(), dtype)
        })
        .collect();
    let null_values: Vec<PlSmallStr> = MISSING_TOKENS.iter().map(|&t| t.into()).collect();
    // The header line is skipped too: column names come from our own scan of it.
    let skip = layout.comment_lines + 1;
    CsvReadOptions::default()
        .with_has_header(false)
        .with_skip_rows(skip)
        .with_schema(Some(Arc::new(schema)))
        .map_parse_options(|p| {
            p.with_separator(layout.separator)
                .with_quote_char(Some(b'"'))
                .with_null_values(Some(NullValues::AllColumns(null_values.clone())))
                .with_missing_is_null(true)
        })
        .into_reader_with_file_handle(Cursor::new(without_trailing_blank_lines(text)))
        .finish()
}

/// Blank lines after the last row are common (an editor's extra newline) and the shape scan
/// ignores them; the parser would read each as an empty row, so they are cut off first.
fn without_trailing_blank_lines(text: &[u8]) -> &[u8] {
    let end = text
        .iter()
        .rposition(|b| !matches!(b, b'\n' | b'\r'))
        .map_or(0, |i| i + 1);
    &text[..end]
}

impl RawTable {
    pub fn n_rows(&self) -> usize {
        self.frame.height()
    }

    pub fn n_columns(&self) -> usize {
        self.header.len()
    }

    /// The 1-based line of the file holding data row `row` (for Parquet, the 1-based row).
    pub fn line_of(&self, row: usize) -> usize {
        self.first_data_line + row
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    fn column(&self, index: usize) -> Result<&Column> {
        self.frame
            .select_at_idx(index)
            .ok_or_else(|| DatasetError::Parse {
                path: self.path.clone(),
                message: format!("column {} does not exist", index + 1),
            })
    }

    /// Cells of a column as text; missing cells are `None`.
    pub fn text_column(&self, index: usize) -> Result<Vec<Option<String>>> {
        let column = self.column(index)?;
        if let Ok(ca) = column.str() {
            return Ok(ca
                .iter()
                .map(|v| v.filter(|s| !is_missing_token(s)).map(str::to_owned))
                .collect());
        }
        let as_text = column
            .cast(&DataType::String)
            .map_err(|e| polars_error(&self.path, e))?;
        let ca = as_text.str().map_err(|e| polars_error(&self.path, e))?;
        Ok(ca.iter().map(|v| v.map(str::to_owned)).collect())
    }

    /// Cells of a column as numbers, NaN for missing. A text cell that is not a number is an error
    /// naming its line and column.
    pub fn numeric_column(&self, index: usize) -> Result<Vec<f64>> {
        let column = self.column(index)?;
        if let Ok(ca) = column.str() {
            let mut out = Vec::with_capacity(ca.len());
            for (row, cell) in ca.iter().enumerate() {
                match cell {
                    None => out.push(f64::NAN),
                    Some(s) if is_missing_token(s) => out.push(f64::NAN),
                    Some(s) => match s.trim().parse::<f64>() {
                        Ok(v) => out.push(v),
                        Err(_) => {
                            return Err(DatasetError::NotNumeric {
                                path: self.path.clone(),
                                line: self.line_of(row),
                                column: self.header.get(index).cloned().unwrap_or_default(),
                                value: s.to_owned(),
                            });
                        }
                    },
                }
            }
            return Ok(out);
        }
        let cast = column
            .cast(&DataType::Float64)
            .map_err(|e| polars_error(&self.path, e))?;
        let ca = cast.f64().map_err(|e| polars_error(&self.path, e))?;
        Ok(ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }

    /// A table of some of this one's columns (the first given becomes the row-label column), for
    /// splitting a wide table into its clinical part and its feature block. Columns are shared,
    /// not copied.
    pub fn subset(&self, columns: &[usize]) -> Result<RawTable> {
        let picked = columns
            .iter()
            .map(|&c| self.column(c).cloned())
            .collect::<Result<Vec<Column>>>()?;
        let frame =
            DataFrame::new(self.frame.height(), picked).map_err(|e| polars_error(&self.path, e))?;
        Ok(RawTable {
            path: self.path.clone(),
            name: self.name.clone(),
            format: self.format,
            header: columns
                .iter()
                .map(|&c| self.header.get(c).cloned().unwrap_or_default())
                .collect(),
            notes: Vec::new(),
            sha256: self.sha256.clone(),
            size_bytes: self.size_bytes,
            label_columns: 1,
            comments: self.comments.clone(),
            frame,
            first_data_line: self.first_data_line,
        })
    }

    /// The first column as row labels. Empty labels and duplicates are errors naming the lines.
    pub fn row_labels(&self, what: &'static str) -> Result<Vec<String>> {
        let labels = self.text_column(0)?;
        let mut seen = std::collections::HashMap::with_capacity(labels.len());
        let mut out = Vec::with_capacity(labels.len());
        for (row, label) in labels.into_iter().enumerate() {
            let Some(label) = label else {
                return Err(DatasetError::Parse {
                    path: self.path.clone(),
                    message: format!(
                        "line {}: the {what} ID in the first column is empty; every row needs an ID",
                        self.line_of(row)
                    ),
                });
            };
            if let Some(first) = seen.insert(label.clone(), row) {
                return Err(DatasetError::DuplicateId {
                    path: self.path.clone(),
                    what,
                    id: label,
                    first_line: self.line_of(first),
                    second_line: self.line_of(row),
                });
            }
            out.push(label);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn table(content: &str, kind: CellKind) -> Result<RawTable> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.tsv");
        std::fs::File::create(&path)
            .unwrap()
            .write_all(content.as_bytes())
            .unwrap();
        read_table(&SourceFile::on_disk(&path), |_| kind)
    }

    #[test]
    fn numeric_table_with_missing_tokens() {
        let t = table("idx\tS1\tS2\nA\t1.5\tNA\nB\t.\t-2e3\n", CellKind::NUMERIC).unwrap();
        assert_eq!(t.row_labels("feature").unwrap(), ["A", "B"]);
        let s1 = t.numeric_column(1).unwrap();
        assert_eq!(s1[0], 1.5);
        assert!(s1[1].is_nan());
        assert_eq!(t.numeric_column(2).unwrap()[1], -2000.0);
    }

    #[test]
    fn non_numeric_cell_is_located() {
        match table("idx\tS1\tS2\nA\t1\t2\nB\t3\tabc\n", CellKind::NUMERIC).unwrap_err() {
            DatasetError::NotNumeric {
                line,
                column,
                value,
                ..
            } => {
                assert_eq!((line, column.as_str(), value.as_str()), (3, "S2", "abc"))
            }
            e => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn duplicate_row_ids_name_both_lines() {
        let t = table("idx\tS1\nA\t1\nB\t2\nA\t3\n", CellKind::NUMERIC).unwrap();
        match t.row_labels("feature").unwrap_err() {
            DatasetError::DuplicateId {
                first_line,
                second_line,
                ..
            } => assert_eq!((first_line, second_line), (2, 4)),
            e => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn text_table_keeps_strings() {
        let t = table("id,stage,age\nP1,stage ii,55\nP2,NA,\n", CellKind::Text).unwrap();
        assert_eq!(
            t.text_column(1).unwrap(),
            [Some("stage ii".to_owned()), None]
        );
        assert!(t.numeric_column(2).unwrap()[1].is_nan());
    }
}
