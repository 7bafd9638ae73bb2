//! A parsed table: its header, its cells (a polars `DataFrame`), and enough bookkeeping to name the
//! exact line of any bad cell. Which cells are numbers is decided from the header alone (a clinical
//! sheet is text, an omics layer is numeric), so numeric layers take polars' fast float parser and
//! only fall back to text when they need to point at a bad cell.

use super::decode::{decode_text, decompress};
use super::delimited::{self, Layout};
use super::stream::{self, DenseBlock};
use super::{MISSING_TOKENS, is_missing_token};
use crate::error::{DatasetError, Result};
use crate::source::SourceFile;
use polars::prelude::*;
use std::borrow::Cow;
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
    /// Only the named columns, as text (MAF calls need three of their many columns); the
    /// table's header is then those columns, in this order, that the file has.
    TextColumns(&'static [&'static str]),
}

impl CellKind {
    /// A numeric table with one label column, the usual omics export.
    pub const NUMERIC: Self = Self::Numeric { label_columns: 1 };

    fn label_columns(self) -> usize {
        match self {
            Self::Text | Self::TextColumns(_) => 1,
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
    body: Body,
    first_data_line: usize,
}

/// The cells after the header: a polars frame for text tables (and Parquet), or, for numeric
/// tables streamed from their bytes, labels plus one contiguous block of numbers that a layer's
/// matrix can take over without copying.
#[derive(Debug)]
enum Body {
    Frame(DataFrame),
    Dense(DenseBlock),
    /// A numeric table whose layout is known but whose cells are not read yet (see
    /// [`read_table_lazy`]); [`RawTable::load`] streams them in.
    Deferred {
        file: SourceFile,
        layout: Layout,
        /// Bytes its block of numbers will take, estimated from the first lines.
        estimated_bytes: usize,
    },
}

/// The layout found from a table's first lines, when it can be streamed: delimited UTF-8 text
/// (the inflated prefix decoded with no encoding assumed) whose shape scans cleanly. Anything
/// else (Parquet, UTF-16, Windows-1252, a malformed start) is read whole, which reports it.
fn streamable_layout(file: &SourceFile, raw: &[u8]) -> Result<Option<(Layout, Vec<u8>)>> {
    if raw.starts_with(PARQUET_MAGIC) {
        return Ok(None);
    }
    let head = stream::prefix(&file.path, raw, PEEK_ROWS)?;
    if head.starts_with(PARQUET_MAGIC) || head.is_empty() {
        return Ok(None);
    }
    let decoded = decode_text(Cow::Borrowed(&head));
    if decoded.encoding_note.is_some() {
        return Ok(None);
    }
    Ok(delimited::scan(&file.path, &decoded.bytes)
        .ok()
        .map(|layout| (layout, decoded.bytes)))
}

/// Reads a table; `cells` decides from the header and first rows whether the body is numeric.
/// Numeric tables stream from their stored bytes into a dense block; text tables, Parquet and
/// text in another encoding are inflated whole and parsed with polars.
pub fn read_table(
    file: &SourceFile,
    cells: impl FnOnce(&Peek<'_>) -> CellKind,
) -> Result<RawTable> {
    let mut table = read_table_lazy(file, cells)?;
    table.load()?;
    Ok(table)
}

/// [`read_table`], except that a numeric table's cells are left unread until
/// [`RawTable::load`]: a study decides every table's role first and then reads its layers one by
/// one, each becoming a matrix before the next is read, so unfiltered layers are never all held
/// at once.
pub fn read_table_lazy(
    file: &SourceFile,
    cells: impl FnOnce(&Peek<'_>) -> CellKind,
) -> Result<RawTable> {
    let raw = file.read()?;
    let (sha256, size_bytes) = file.provenance(&raw);
    let Some((layout, head)) = streamable_layout(file, &raw)? else {
        return read_whole(file, raw, (sha256, size_bytes), cells);
    };
    let kind = cells(&Peek {
        header: &layout.header,
        rows: delimited::first_rows(&head, &layout, PEEK_ROWS),
        comments: &layout.comments,
    });
    // Rows to expect: the inflated size over the mean length of the first lines.
    let line_bytes = head.len() / (layout.comment_lines + 1 + layout.data_rows).max(1);
    let estimated_rows = stream::inflated_size_hint(&raw) / line_bytes.max(1);
    drop(head);
    let (block, header, label_columns) = match kind {
        CellKind::Text => return read_whole(file, raw, (sha256, size_bytes), |_| kind),
        CellKind::TextColumns(names) => {
            let keep: Vec<usize> = names
                .iter()
                .filter_map(|n| layout.header.iter().position(|h| h == n))
                .collect();
            let block = stream::parse_text_columns(&file.path, &raw, &layout, &keep)?;
            let header = keep.iter().map(|&c| layout.header[c].clone()).collect();
            (block, header, keep.len())
        }
        CellKind::Numeric { .. } => {
            let label_columns = kind.label_columns().min(layout.header.len());
            return Ok(RawTable {
                path: file.path.clone(),
                name: file.name.clone(),
                format: TableFormat::Delimited {
                    separator: layout.separator,
                },
                header: layout.header.clone(),
                notes: Vec::new(),
                sha256,
                size_bytes,
                label_columns,
                comments: layout.comments.clone(),
                first_data_line: layout.comment_lines + 2,
                body: Body::Deferred {
                    file: file.clone(),
                    estimated_bytes: estimated_rows
                        .saturating_mul(layout.header.len() - label_columns)
                        .saturating_mul(8),
                    layout,
                },
            });
        }
    };
    Ok(RawTable {
        path: file.path.clone(),
        name: file.name.clone(),
        format: TableFormat::Delimited {
            separator: layout.separator,
        },
        header,
        notes: block.notes.clone(),
        sha256,
        size_bytes,
        label_columns,
        comments: layout.comments,
        body: Body::Dense(block),
        first_data_line: layout.comment_lines + 2,
    })
}

/// Reads a table by inflating and decoding it whole, then parsing with polars.
fn read_whole(
    file: &SourceFile,
    raw: Cow<'static, [u8]>,
    (sha256, size_bytes): (String, usize),
    cells: impl FnOnce(&Peek<'_>) -> CellKind,
) -> Result<RawTable> {
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
            body: Body::Frame(frame),
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
    if matches!(kind, CellKind::Numeric { .. })
        && let Some(error) = layout.short_row_error(&path)
    {
        return Err(error);
    }
    let frame = match parse_delimited(&decoded.bytes, &layout, kind) {
        Ok(frame) => frame,
        Err(numeric_error) if matches!(kind, CellKind::Numeric { .. }) => {
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
                body: Body::Frame(text),
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
        body: Body::Frame(frame),
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
        CellKind::Text | CellKind::TextColumns(_) => DataType::String,
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
    /// Reads the cells of a table from [`read_table_lazy`]; nothing to do for any other.
    pub fn load(&mut self) -> Result<()> {
        if let Body::Deferred { file, layout, .. } = &self.body {
            let raw = file.read()?;
            let block = stream::parse_numeric(&file.path, &raw, layout, self.label_columns)?;
            self.notes.extend(block.notes.iter().cloned());
            self.body = Body::Dense(block);
        }
        Ok(())
    }

    /// The cells of a streamed table's column, borrowed (text tables from polars have none to
    /// lend; use [`RawTable::text_column`]).
    pub fn label_cells(&self, index: usize) -> Option<&[Option<String>]> {
        match &self.body {
            Body::Dense(block) => block.labels.get(index).map(Vec::as_slice),
            _ => None,
        }
    }

    /// Frees the cells once a layer has been built from them; the header, name and provenance
    /// stay for the study's file records.
    pub fn drop_cells(&mut self) {
        self.body = Body::Dense(DenseBlock::default());
    }

    /// The estimated size of the numbers [`RawTable::load`] will read (0 once read): what a
    /// study orders its layer reads by.
    pub fn pending_bytes(&self) -> usize {
        match &self.body {
            Body::Deferred {
                estimated_bytes, ..
            } => *estimated_bytes,
            _ => 0,
        }
    }

    fn not_loaded(&self) -> DatasetError {
        DatasetError::Parse {
            path: self.path.clone(),
            message: "the table's cells were used before being read".into(),
        }
    }

    /// Rows of data (0 for a table whose cells are not read yet).
    pub fn n_rows(&self) -> usize {
        match &self.body {
            Body::Frame(frame) => frame.height(),
            Body::Dense(block) => block.n_rows(),
            Body::Deferred { .. } => 0,
        }
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

    fn no_column(&self, index: usize) -> DatasetError {
        DatasetError::Parse {
            path: self.path.clone(),
            message: format!("column {} does not exist", index + 1),
        }
    }

    fn column(&self, frame: &DataFrame, index: usize) -> Result<Column> {
        frame
            .select_at_idx(index)
            .cloned()
            .ok_or_else(|| self.no_column(index))
    }

    /// The data cells of a streamed numeric table, row-major (`values[row * width + column]`,
    /// `width` = data columns), handed over without a copy so a layer's matrix can be built in
    /// place. Afterwards the table has its labels but no data cells. `None` for other tables.
    pub fn take_values(&mut self) -> Option<(Vec<f64>, usize)> {
        match &mut self.body {
            Body::Dense(block) => Some((std::mem::take(&mut block.values), block.width)),
            Body::Frame(_) | Body::Deferred { .. } => None,
        }
    }

    /// Cells of a column as text; missing cells are `None`.
    pub fn text_column(&self, index: usize) -> Result<Vec<Option<String>>> {
        let frame = match &self.body {
            Body::Frame(frame) => frame,
            Body::Deferred { .. } => return Err(self.not_loaded()),
            Body::Dense(block) => {
                if let Some(labels) = block.labels.get(index) {
                    return Ok(labels.clone());
                }
                return Ok(self
                    .numeric_column(index)?
                    .into_iter()
                    .map(|v| (!v.is_nan()).then(|| v.to_string()))
                    .collect());
            }
        };
        let column = self.column(frame, index)?;
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

    /// Cells of text as numbers, NaN for missing; a cell that is not a number is an error naming
    /// its line and column.
    fn parse_numbers<'a>(
        &self,
        index: usize,
        cells: impl Iterator<Item = Option<&'a str>>,
    ) -> Result<Vec<f64>> {
        let mut out = Vec::new();
        for (row, cell) in cells.enumerate() {
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
        Ok(out)
    }

    /// Cells of a column as numbers, NaN for missing. A text cell that is not a number is an error
    /// naming its line and column.
    pub fn numeric_column(&self, index: usize) -> Result<Vec<f64>> {
        let frame = match &self.body {
            Body::Frame(frame) => frame,
            Body::Deferred { .. } => return Err(self.not_loaded()),
            Body::Dense(block) => {
                if let Some(labels) = block.labels.get(index) {
                    return self.parse_numbers(index, labels.iter().map(Option::as_deref));
                }
                let column = index - block.labels.len();
                if column >= block.width {
                    return Err(self.no_column(index));
                }
                if block.values.is_empty() && block.width > 0 && block.n_rows() > 0 {
                    return Err(DatasetError::Parse {
                        path: self.path.clone(),
                        message: "the table's values were already handed to a layer".into(),
                    });
                }
                return Ok(block
                    .values
                    .iter()
                    .skip(column)
                    .step_by(block.width)
                    .copied()
                    .collect());
            }
        };
        let column = self.column(frame, index)?;
        if let Ok(ca) = column.str() {
            return self.parse_numbers(index, ca.iter());
        }
        let cast = column
            .cast(&DataType::Float64)
            .map_err(|e| polars_error(&self.path, e))?;
        let ca = cast.f64().map_err(|e| polars_error(&self.path, e))?;
        Ok(ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }

    /// A table of some of this one's columns (the first given becomes the row-label column), for
    /// splitting a wide table into its clinical part and its feature block. A frame's columns are
    /// shared, not copied; a dense block's selected columns are copied.
    pub fn subset(&self, columns: &[usize]) -> Result<RawTable> {
        let body = match &self.body {
            Body::Deferred { .. } => return Err(self.not_loaded()),
            Body::Frame(frame) => {
                let picked = columns
                    .iter()
                    .map(|&c| self.column(frame, c))
                    .collect::<Result<Vec<Column>>>()?;
                Body::Frame(
                    DataFrame::new(frame.height(), picked)
                        .map_err(|e| polars_error(&self.path, e))?,
                )
            }
            Body::Dense(block) => {
                let (label, data) = columns.split_first().ok_or_else(|| self.no_column(0))?;
                let data: Vec<Vec<f64>> = data
                    .iter()
                    .map(|&c| self.numeric_column(c))
                    .collect::<Result<_>>()?;
                let mut values = Vec::with_capacity(block.n_rows() * data.len());
                for row in 0..block.n_rows() {
                    values.extend(data.iter().map(|column| column[row]));
                }
                Body::Dense(DenseBlock {
                    labels: vec![self.text_column(*label)?],
                    values,
                    width: data.len(),
                    notes: Vec::new(),
                })
            }
        };
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
            body,
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

    /// The streaming reader must give the very numbers polars' parser gives: every cell of every
    /// numeric table of the bundled CPTAC demo, compared bit for bit (NaN for missing in both).
    #[test]
    fn streamed_numbers_equal_polars_parse_bit_for_bit() {
        let mut compared = 0;
        for file in crate::demo::files() {
            if !file.name.ends_with(".cct.gz") && !file.name.ends_with(".cbt.gz") {
                continue;
            }
            let streamed = read_table(&file, |_| CellKind::NUMERIC).unwrap();
            let raw = file.read().unwrap();
            let provenance = file.provenance(&raw);
            let whole = read_whole(&file, raw, provenance, |_| CellKind::NUMERIC).unwrap();
            assert!(matches!(streamed.body, Body::Dense(_)), "{}", file.name);
            assert!(matches!(whole.body, Body::Frame(_)), "{}", file.name);
            assert_eq!(streamed.header, whole.header, "{}", file.name);
            assert_eq!(streamed.n_rows(), whole.n_rows(), "{}", file.name);
            assert_eq!(
                streamed.text_column(0).unwrap(),
                whole.text_column(0).unwrap()
            );
            for c in 1..whole.n_columns() {
                let a = streamed.numeric_column(c).unwrap();
                let b = whole.numeric_column(c).unwrap();
                let bits = |v: &[f64]| -> Vec<u64> {
                    v.iter()
                        .map(|x| if x.is_nan() { u64::MAX } else { x.to_bits() })
                        .collect()
                };
                assert_eq!(bits(&a), bits(&b), "{} column {c}", file.name);
                compared += a.len();
            }
        }
        assert!(compared > 1_000_000, "compared {compared} cells");
    }

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
