//! Excel workbooks (`.xlsx`, `.xls`, `.ods`): the first sheet with data becomes a tab-separated
//! table, so it is read, checked and typed exactly like a text table. Clinical sheets are the
//! usual case; a workbook with several filled sheets says which one was used.

use crate::error::{DatasetError, Result};
use calamine::{Data, Reader, open_workbook_auto_from_rs};
use std::io::Cursor;
use std::path::Path;

pub const WORKBOOK_EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods"];

pub fn is_workbook(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    WORKBOOK_EXTENSIONS
        .iter()
        .any(|ext| lower.ends_with(&format!(".{ext}")))
}

/// A sheet converted to tab-separated text, with a note on which sheet it was.
pub struct Sheet {
    pub text: Vec<u8>,
    pub note: String,
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.replace(['\t', '\n', '\r'], " ").trim().to_owned(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Error(_) => String::new(),
        other => other.to_string(),
    }
}

/// Reads the first sheet that has cells into tab-separated text.
pub fn first_sheet(path: &Path, bytes: Vec<u8>) -> Result<Sheet> {
    let error = |message: String| DatasetError::Parse {
        path: path.to_owned(),
        message,
    };
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        error(format!(
            "not a readable workbook ({e}); save it again as .xlsx or export the sheet as CSV"
        ))
    })?;
    let names = workbook.sheet_names();
    let mut filled = Vec::new();
    let mut chosen = None;
    for name in &names {
        let range = workbook
            .worksheet_range(name)
            .map_err(|e| error(format!("sheet {name:?} cannot be read: {e}")))?;
        if range.is_empty() {
            continue;
        }
        filled.push(name.clone());
        if chosen.is_none() {
            chosen = Some((name.clone(), range));
        }
    }
    let Some((name, range)) = chosen else {
        return Err(DatasetError::EmptyFile {
            path: path.to_owned(),
        });
    };
    let mut text = Vec::new();
    for row in range.rows() {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        // Rows a sheet formats but leaves empty are not data.
        if cells.iter().all(String::is_empty) {
            continue;
        }
        text.extend_from_slice(cells.join("\t").as_bytes());
        text.push(b'\n');
    }
    let note = if filled.len() > 1 {
        format!(
            "workbook sheet {name:?} read as the table; other sheets with data ({}) were not used",
            filled[1..].join(", ")
        )
    } else {
        format!("workbook sheet {name:?} read as the table")
    };
    Ok(Sheet { text, note })
}
