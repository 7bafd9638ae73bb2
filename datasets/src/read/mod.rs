//! Reading one table file into a [`RawTable`]: decompression, text decoding, validation of the
//! shape (with line numbers for anything wrong), then parsing with polars.

mod decode;
mod delimited;
mod stream;
mod table;

pub use decode::{DecodedText, MAX_INFLATED_BYTES, decode_text, decompress, decompress_capped};
pub use delimited::check_unique_header;
pub use stream::DenseBlock;
pub use table::{CellKind, Peek, RawTable, TableFormat, read_table, read_table_lazy};

/// Cell values read as missing in every text table. Real studies use all of these.
pub const MISSING_TOKENS: &[&str] = &[
    "", "NA", "NaN", "nan", "NAN", ".", "N/A", "n/a", "#N/A", "null", "NULL", "None", "na",
];

pub fn is_missing_token(cell: &str) -> bool {
    MISSING_TOKENS.contains(&cell.trim())
}
