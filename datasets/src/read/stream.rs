//! Numeric tables streamed from their stored bytes straight into one contiguous block of `f64`.
//!
//! Omics layers are most of a study's bytes (CPTAC's phosphosite table inflates to 51 MB of
//! text). Inflating a whole file, decoding it, handing it to a general table parser and copying
//! its columns out held three or four copies of every layer at once. Here gzip is inflated a
//! buffer at a time, each line is split and parsed as it arrives, and values go straight into the
//! row-major block that becomes the layer's matrix: a file's text and its matrix never coexist
//! beyond one buffer. Shape problems are reported with their line, as [`super::delimited::scan`]
//! does for text tables.

use super::MAX_INFLATED_BYTES;
use super::delimited::Layout;
use super::is_missing_token;
use crate::error::{DatasetError, Result};
use rayon::prelude::*;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Read buffer: large enough that inflating and line splitting run in long stretches.
const BUFFER_BYTES: usize = 1 << 18;

/// The body of a numeric table: its label columns as text and its data cells as one row-major
/// block (`values[row * width + column]`), NaN for missing.
#[derive(Debug, Clone, Default)]
pub struct DenseBlock {
    /// One vector per label column (the row IDs first), `None` for a missing cell.
    pub labels: Vec<Vec<Option<String>>>,
    pub values: Vec<f64>,
    /// Data columns per row.
    pub width: usize,
    /// Notes for the user, such as labels decoded as Windows-1252.
    pub notes: Vec<String>,
}

impl DenseBlock {
    pub fn n_rows(&self) -> usize {
        self.labels.first().map_or(0, Vec::len)
    }
}

/// Inflated lines of a stored file (gzip detected by its magic bytes), capped at
/// [`MAX_INFLATED_BYTES`] so that a small gzip bomb cannot make the reader allocate without end.
pub struct Lines<'a> {
    reader: Box<dyn BufRead + Send + 'a>,
    path: &'a Path,
    read: u64,
    /// The 0-based index of the next line.
    pub next_index: usize,
}

impl<'a> Lines<'a> {
    pub fn open(path: &'a Path, raw: &'a [u8]) -> Self {
        let reader: Box<dyn BufRead + Send + 'a> = if raw.starts_with(&GZIP_MAGIC) {
            Box::new(BufReader::with_capacity(
                BUFFER_BYTES,
                flate2::read::MultiGzDecoder::new(raw).take(MAX_INFLATED_BYTES + 1),
            ))
        } else {
            Box::new(raw)
        };
        Self {
            reader,
            path,
            read: 0,
            next_index: 0,
        }
    }

    /// Reads the next line into `line` (cleared first, without its `\n` or `\r\n`); false at the
    /// end of the file.
    pub fn next_line(&mut self, line: &mut Vec<u8>) -> Result<bool> {
        line.clear();
        let n = self
            .reader
            .read_until(b'\n', line)
            .map_err(|e| DatasetError::Parse {
                path: self.path.to_owned(),
                message: format!(
                    "gzip data is corrupt or truncated ({e}); download the file again"
                ),
            })?;
        if n == 0 {
            return Ok(false);
        }
        self.read += n as u64;
        if self.read > MAX_INFLATED_BYTES {
            return Err(DatasetError::Parse {
                path: self.path.to_owned(),
                message: format!(
                    "gzip data inflates to more than {MAX_INFLATED_BYTES} bytes; refusing it as a \
                     likely decompression bomb"
                ),
            });
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        self.next_index += 1;
        Ok(true)
    }
}

/// The first lines of a file, inflated: comment lines, the header and up to `rows` data rows,
/// ending at a line boundary. Enough to decide how to parse the rest without inflating it.
pub fn prefix(path: &Path, raw: &[u8], rows: usize) -> Result<Vec<u8>> {
    let mut lines = Lines::open(path, raw);
    let mut out = Vec::new();
    let mut line = Vec::new();
    let mut header_seen = false;
    let mut data = 0;
    while data < rows && lines.next_line(&mut line)? {
        let blank = line.iter().all(u8::is_ascii_whitespace);
        if header_seen && !blank {
            data += 1;
        } else if !header_seen && !blank && !line.starts_with(b"#") {
            header_seen = true;
        }
        out.extend_from_slice(&line);
        out.push(b'\n');
    }
    Ok(out)
}

/// The uncompressed size of a gzip file from its trailer (exact below 4 GiB for one member), or
/// the stored size; only a hint for how much to reserve.
pub fn inflated_size_hint(raw: &[u8]) -> usize {
    if raw.starts_with(&GZIP_MAGIC) && raw.len() >= 18 {
        let mut isize = [0u8; 4];
        isize.copy_from_slice(&raw[raw.len() - 4..]);
        (u32::from_le_bytes(isize) as usize).max(raw.len())
    } else {
        raw.len()
    }
}

/// Splits one line into field ranges; double quotes are honoured only when the line has any,
/// so the common unquoted line is split by `memchr` alone.
fn split_fields(line: &[u8], sep: u8, out: &mut Vec<(usize, usize)>) {
    split_fields_upto(line, sep, usize::MAX, out);
}

/// [`split_fields`] keeping only the first `limit` ranges, and returning how many fields the line
/// has: a MAF's three wanted columns come early among its hundred or more.
fn split_fields_upto(line: &[u8], sep: u8, limit: usize, out: &mut Vec<(usize, usize)>) -> usize {
    out.clear();
    let mut start = 0;
    if memchr::memchr(b'"', line).is_none() {
        let mut separators = memchr::memchr_iter(sep, line);
        for at in separators.by_ref() {
            out.push((start, at));
            start = at + 1;
            if out.len() == limit {
                return limit + separators.count() + 1;
            }
        }
    } else {
        let mut in_quotes = false;
        for (at, &b) in line.iter().enumerate() {
            if b == b'"' {
                in_quotes = !in_quotes;
            } else if b == sep && !in_quotes {
                out.push((start, at));
                start = at + 1;
            }
        }
    }
    out.push((start, line.len()));
    let fields = out.len();
    out.truncate(limit);
    fields
}

/// A field without surrounding whitespace and double quotes.
fn unquote(field: &[u8]) -> &[u8] {
    let field = field.trim_ascii();
    field
        .strip_prefix(b"\"")
        .and_then(|f| f.strip_suffix(b"\""))
        .unwrap_or(field)
}

/// A label cell as text: UTF-8, or else Windows-1252 (what spreadsheet exports on Windows use).
fn label_text(field: &[u8], line: usize, notes: &mut Vec<String>) -> Option<String> {
    let field = unquote(field);
    let text = match std::str::from_utf8(field) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            if notes.is_empty() {
                notes.push(format!(
                    "not valid UTF-8 (first at line {line}); labels decoded as Windows-1252"
                ));
            }
            encoding_rs::WINDOWS_1252.decode(field).0.into_owned()
        }
    };
    (!is_missing_token(&text)).then_some(text)
}

/// One data cell: a number, NaN for the missing-value tokens, `None` for anything else. Plain
/// numbers (nearly every cell) are parsed straight from the bytes, correctly rounded like
/// `str::parse` (which still reads anything else, so no form it accepts is lost).
fn cell_value(field: &[u8]) -> Option<f64> {
    if let Ok(v) = fast_float2::parse::<f64, _>(field) {
        return Some(v);
    }
    let text = std::str::from_utf8(field).ok()?;
    if let Ok(v) = text.parse::<f64>() {
        return Some(v);
    }
    let text = unquote(text.as_bytes());
    let text = std::str::from_utf8(text).ok()?;
    if is_missing_token(text) {
        return Some(f64::NAN);
    }
    text.parse::<f64>().ok()
}

/// Text per parse task: large enough to outweigh scheduling, small enough that a batch of tasks
/// (inflated text and parsed cells) stays a few MB.
const CHUNK_BYTES: usize = 1 << 20;

/// Consecutive non-empty data lines, parsed as one task.
struct Chunk {
    /// The 1-based line number of the first line.
    first_line: usize,
    text: Vec<u8>,
    /// Where each line ends in `text`.
    ends: Vec<usize>,
}

/// What every chunk of one table is parsed against.
struct ChunkContext<'a> {
    path: &'a Path,
    layout: &'a Layout,
    labels_n: usize,
}

/// One chunk's label cells and row-major values.
struct ParsedChunk {
    labels: Vec<Vec<Option<String>>>,
    values: Vec<f64>,
    notes: Vec<String>,
}

/// Parses a numeric table whose layout (header, separator, comment lines) was found from its
/// first lines: `label_columns` leading columns as text, every other cell a number. Every data
/// line must have as many fields as the header; a bad cell or line is an error naming it (the
/// first in the file).
///
/// Inflating is one stream and stays on this thread; the text is cut into chunks of whole lines,
/// and each batch of chunks is parsed on all threads, then appended in order. Loading a study
/// reads its largest table while smaller ones wait for memory (`crate::budget`), so without this
/// the largest table's parse ran on one core while the other idled.
pub fn parse_numeric(
    path: &Path,
    raw: &[u8],
    layout: &Layout,
    label_columns: usize,
) -> Result<DenseBlock> {
    let expected = layout.header.len();
    let labels_n = label_columns.clamp(1, expected);
    let width = expected - labels_n;
    let mut lines = Lines::open(path, raw);
    let mut line = Vec::new();
    for _ in 0..=layout.comment_lines {
        lines.next_line(&mut line)?;
    }
    let mut block = DenseBlock {
        labels: vec![Vec::new(); labels_n],
        values: Vec::new(),
        width,
        notes: Vec::new(),
    };
    let context = ChunkContext {
        path,
        layout,
        labels_n,
    };
    let batch_len = 2 * rayon::current_num_threads().max(1);
    let mut trailing_blank: Option<usize> = None;
    let mut reserved = false;
    let mut finished = false;
    while !finished {
        let mut batch: Vec<Chunk> = Vec::with_capacity(batch_len);
        // An error found while reading; chunks before it may hold an earlier one.
        let mut stopped: Option<DatasetError> = None;
        'read: while batch.len() < batch_len {
            let mut chunk = Chunk {
                first_line: 0,
                text: Vec::with_capacity(CHUNK_BYTES + CHUNK_BYTES / 8),
                ends: Vec::new(),
            };
            while chunk.text.len() < CHUNK_BYTES {
                match lines.next_line(&mut line) {
                    Ok(true) => {}
                    Ok(false) => {
                        finished = true;
                        break;
                    }
                    Err(e) => {
                        stopped = Some(e);
                        break;
                    }
                }
                let number = lines.next_index;
                if line.is_empty() {
                    trailing_blank.get_or_insert(number);
                    continue;
                }
                if let Some(blank) = trailing_blank {
                    stopped = Some(DatasetError::RaggedRow {
                        path: path.to_owned(),
                        line: blank,
                        found: 0,
                        expected,
                    });
                    break;
                }
                if !reserved {
                    // Reserve once from the first line's length and the inflated size, so the
                    // block is not regrown (and briefly held twice) while the file streams in.
                    reserved = true;
                    let rows = inflated_size_hint(raw) / (line.len() + 1) + 16;
                    let cap = rows.saturating_mul(width).min(inflated_size_hint(raw) / 2);
                    block.values.reserve(cap);
                    for l in &mut block.labels {
                        l.reserve(rows);
                    }
                }
                if chunk.ends.is_empty() {
                    chunk.first_line = number;
                }
                chunk.text.extend_from_slice(&line);
                chunk.ends.push(chunk.text.len());
            }
            if !chunk.ends.is_empty() {
                batch.push(chunk);
            }
            if finished || stopped.is_some() {
                break 'read;
            }
        }
        let parsed: Vec<Result<ParsedChunk>> = if batch.len() > 1 {
            batch.par_iter().map(|c| parse_chunk(c, &context)).collect()
        } else {
            batch.iter().map(|c| parse_chunk(c, &context)).collect()
        };
        drop(batch);
        for chunk in parsed {
            let chunk = chunk?;
            for (all, part) in block.labels.iter_mut().zip(chunk.labels) {
                all.extend(part);
            }
            block.values.extend_from_slice(&chunk.values);
            if block.notes.is_empty() {
                block.notes = chunk.notes;
            }
        }
        if let Some(e) = stopped {
            return Err(e);
        }
    }
    if block.n_rows() == 0 {
        return Err(DatasetError::HeaderOnly {
            path: path.to_owned(),
        });
    }
    if block.values.capacity() > block.values.len() + block.values.len() / 32 {
        block.values.shrink_to_fit();
    }
    Ok(block)
}

/// Splits and parses one chunk's lines; the first bad line or cell is the error.
fn parse_chunk(chunk: &Chunk, context: &ChunkContext<'_>) -> Result<ParsedChunk> {
    let ChunkContext {
        path,
        layout,
        labels_n,
    } = *context;
    let expected = layout.header.len();
    let rows = chunk.ends.len();
    let mut out = ParsedChunk {
        labels: (0..labels_n).map(|_| Vec::with_capacity(rows)).collect(),
        values: Vec::with_capacity(rows * (expected - labels_n)),
        notes: Vec::new(),
    };
    let mut fields = Vec::with_capacity(expected);
    let mut start = 0;
    for (i, &end) in chunk.ends.iter().enumerate() {
        let line = &chunk.text[start..end];
        start = end;
        let number = chunk.first_line + i;
        split_fields(line, layout.separator, &mut fields);
        if fields.len() != expected {
            return Err(DatasetError::RaggedRow {
                path: path.to_owned(),
                line: number,
                found: fields.len(),
                expected,
            });
        }
        for (c, &(from, to)) in fields.iter().enumerate().take(labels_n) {
            let text = label_text(&line[from..to], number, &mut out.notes);
            out.labels[c].push(text);
        }
        for (c, &(from, to)) in fields.iter().enumerate().skip(labels_n) {
            let field = &line[from..to];
            match cell_value(field) {
                Some(v) => out.values.push(v),
                None => {
                    return Err(DatasetError::NotNumeric {
                        path: path.to_owned(),
                        line: number,
                        column: layout.header[c].clone(),
                        value: String::from_utf8_lossy(unquote(field)).into_owned(),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Reads only the columns `keep` (by position) of a text table, as text: for MAF calls, where
/// three of often more than a hundred columns matter. Rows may be short (MAFs drop trailing empty
/// fields; the missing cells are `None`) but not longer than the header.
pub fn parse_text_columns(
    path: &Path,
    raw: &[u8],
    layout: &Layout,
    keep: &[usize],
) -> Result<DenseBlock> {
    let expected = layout.header.len();
    let wanted = keep.iter().map(|&c| c + 1).max().unwrap_or(0);
    let mut lines = Lines::open(path, raw);
    let mut line = Vec::new();
    for _ in 0..=layout.comment_lines {
        lines.next_line(&mut line)?;
    }
    let mut block = DenseBlock {
        labels: vec![Vec::new(); keep.len()],
        ..DenseBlock::default()
    };
    let mut fields = Vec::with_capacity(expected);
    let mut trailing_blank: Option<usize> = None;
    while lines.next_line(&mut line)? {
        let number = lines.next_index;
        if line.is_empty() {
            trailing_blank.get_or_insert(number);
            continue;
        }
        if let Some(blank) = trailing_blank {
            return Err(DatasetError::RaggedRow {
                path: path.to_owned(),
                line: blank,
                found: 0,
                expected,
            });
        }
        let found = split_fields_upto(&line, layout.separator, wanted, &mut fields);
        if found > expected {
            return Err(DatasetError::RaggedRow {
                path: path.to_owned(),
                line: number,
                found,
                expected,
            });
        }
        if found == 1 && expected > 1 {
            return Err(DatasetError::RaggedRow {
                path: path.to_owned(),
                line: number,
                found: 1,
                expected,
            });
        }
        for (out, &c) in block.labels.iter_mut().zip(keep) {
            let cell = fields
                .get(c)
                .and_then(|&(start, end)| label_text(&line[start..end], number, &mut block.notes));
            out.push(cell);
        }
    }
    if block.n_rows() == 0 {
        return Err(DatasetError::HeaderOnly {
            path: path.to_owned(),
        });
    }
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::delimited::scan;

    fn parse(text: &str) -> Result<DenseBlock> {
        let path = Path::new("t.tsv");
        let layout = scan(path, text.as_bytes())?;
        parse_numeric(path, text.as_bytes(), &layout, 1)
    }

    #[test]
    fn values_are_row_major_with_missing_as_nan() {
        let block = parse("#c\nid\tS1\tS2\r\nA\t1.5\tNA\r\nB\t\t-2e3\n\n").unwrap();
        assert_eq!(block.width, 2);
        assert_eq!(
            block.labels[0],
            [Some("A".to_owned()), Some("B".to_owned())]
        );
        assert_eq!(block.values[0], 1.5);
        assert!(block.values[1].is_nan() && block.values[2].is_nan());
        assert_eq!(block.values[3], -2000.0);
    }

    #[test]
    fn quoted_csv_and_missing_corner_cell() {
        let block = parse("\"S1\",\"S2\"\n\"A, b\",1,\"2\"\n").unwrap();
        assert_eq!(block.labels[0], [Some("A, b".to_owned())]);
        assert_eq!(block.values, [1.0, 2.0]);
    }

    #[test]
    fn bad_cells_and_lines_are_located() {
        match parse("id\tS1\tS2\nA\t1\t2\nB\t3\tabc\n").unwrap_err() {
            DatasetError::NotNumeric {
                line,
                column,
                value,
                ..
            } => assert_eq!((line, column.as_str(), value.as_str()), (3, "S2", "abc")),
            e => panic!("unexpected {e}"),
        }
        assert!(matches!(
            parse("id\tS1\tS2\nA\t1\t2\nB\t3\n").unwrap_err(),
            DatasetError::RaggedRow {
                line: 3,
                found: 2,
                expected: 3,
                ..
            }
        ));
        assert!(matches!(
            parse("id\tS1\nA\t1\n\nB\t2\n").unwrap_err(),
            DatasetError::RaggedRow { line: 3, .. }
        ));
    }

    #[test]
    fn gzip_streams_and_truncated_gzip_is_an_error() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let text = "id\tS1\tS2\nA\t0.1\t0.2\nB\t0.3\t1e-300\n";
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(text.as_bytes()).unwrap();
        let gz = enc.finish().unwrap();
        let path = Path::new("t.tsv.gz");
        let head = prefix(path, &gz, 40).unwrap();
        let layout = scan(path, &head).unwrap();
        let block = parse_numeric(path, &gz, &layout, 1).unwrap();
        assert_eq!(block.values, [0.1, 0.2, 0.3, 1e-300]);
        let cut = &gz[..gz.len() - 12];
        assert!(parse_numeric(path, cut, &layout, 1).is_err());
    }

    /// A table of several batches of chunks: every value lands in file order, and the first bad
    /// cell or stray blank line is reported at its own line number.
    #[test]
    fn tables_of_many_chunks_keep_order_and_line_numbers() {
        let rows = 8 * CHUNK_BYTES / 60;
        let mut text = String::from("id\tS1\tS2\tS3\n");
        for r in 0..rows {
            text.push_str(&format!("g{r}\t{r}.25\t-{r}e-3\t{}\n", r % 7));
        }
        let block = parse(&text).unwrap();
        assert_eq!(block.n_rows(), rows);
        for r in [0, 1, rows / 2, rows - 1] {
            assert_eq!(
                block.labels[0][r].as_deref(),
                Some(format!("g{r}").as_str())
            );
            assert_eq!(block.values[3 * r], r as f64 + 0.25);
            assert_eq!(block.values[3 * r + 1], -(r as f64) * 1e-3);
            assert_eq!(block.values[3 * r + 2], (r % 7) as f64);
        }
        // Line numbers count the header: data row r is on line r + 2.
        let late = rows - 10;
        let bad = text.replacen(&format!("g{late}\t{late}.25"), &format!("g{late}\tx"), 1);
        match parse(&bad).unwrap_err() {
            DatasetError::NotNumeric { line, value, .. } => {
                assert_eq!((line, value.as_str()), (late + 2, "x"))
            }
            e => panic!("unexpected {e}"),
        }
        let blank = text.replacen(&format!("\ng{late}\t"), &format!("\n\ng{late}\t"), 1);
        assert!(matches!(
            parse(&blank).unwrap_err(),
            DatasetError::RaggedRow { line, .. } if line == late + 2
        ));
    }

    #[test]
    fn prefix_stops_after_the_rows_asked_for() {
        let text = "#a\nid\tS1\nA\t1\nB\t2\nC\t3\n";
        let head = prefix(Path::new("t"), text.as_bytes(), 2).unwrap();
        assert_eq!(head, b"#a\nid\tS1\nA\t1\nB\t2\n");
    }
}
