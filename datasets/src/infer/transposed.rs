//! Turning a transposed clinical table (variables as rows, samples as columns) into the usual
//! one row per sample, so that the clinical reader, survival pairing and every later step see it
//! as any other clinical sheet.

use crate::error::{DatasetError, Result};
use crate::read::RawTable;

/// The table with rows and columns swapped, as tab-separated text: the first header cell
/// (`sample` when the corner is empty), then one column per variable row; one line per sample
/// column. Tabs and newlines inside cells become spaces.
pub fn to_samples_as_rows(table: &RawTable) -> Result<Vec<u8>> {
    let variables = table.text_column(0)?;
    let mut header = vec![match table.header.first().map(|h| h.trim()) {
        Some(h) if !h.is_empty() => h.to_owned(),
        _ => "sample".to_owned(),
    }];
    for (row, name) in variables.iter().enumerate() {
        let Some(name) = name else {
            return Err(DatasetError::Parse {
                path: table.path.clone(),
                message: format!(
                    "line {}: a clinical table with variables as rows needs a variable name in \
                     the first column",
                    table.line_of(row)
                ),
            });
        };
        header.push(clean(name));
    }
    crate::read::check_unique_header(&table.path, &header)?;
    let mut out = header.join("\t");
    out.push('\n');
    for column in 1..table.n_columns() {
        let cells = table.text_column(column)?;
        out.push_str(&clean(&table.header[column]));
        for cell in &cells {
            out.push('\t');
            out.push_str(&cell.as_deref().map(clean).unwrap_or_default());
        }
        out.push('\n');
    }
    Ok(out.into_bytes())
}

fn clean(cell: &str) -> String {
    cell.trim().replace(['\t', '\n', '\r'], " ")
}
