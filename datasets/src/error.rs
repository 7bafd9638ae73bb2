//! Errors from loading a study. Every variant names the file (and line or column where one
//! applies) and says what to do, because the person reading it is looking at a folder of files
//! from a collaborator, not at our code.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a folder; give the folder that holds the study's tables")]
    NotAFolder { path: PathBuf },
    #[error(
        "{path}: no tables found (looked for .tsv, .csv, .txt, .cct, .cbt, .maf, .parquet, optionally .gz); \
         put the study's data files in this folder or list them in study.toml"
    )]
    NoTables { path: PathBuf },
    #[error("{path}: the file is empty; export the table again or remove the file")]
    EmptyFile { path: PathBuf },
    #[error("{path}: only a header line, no data rows; export the table again or remove the file")]
    HeaderOnly { path: PathBuf },
    #[error(
        "{path}, line {line}: {found} fields where the header has {expected}; \
         the row is ragged (a missing or extra separator); fix that line"
    )]
    RaggedRow {
        path: PathBuf,
        line: usize,
        found: usize,
        expected: usize,
    },
    #[error(
        "{path}: column name {name:?} appears more than once in the header \
         (columns {first} and {second}); sample and feature IDs must be unique"
    )]
    DuplicateColumn {
        path: PathBuf,
        name: String,
        first: usize,
        second: usize,
    },
    #[error(
        "{path}, lines {first_line} and {second_line}: {what} ID {id:?} appears twice; \
         IDs must be unique: merge or rename the rows"
    )]
    DuplicateId {
        path: PathBuf,
        what: &'static str,
        id: String,
        first_line: usize,
        second_line: usize,
    },
    #[error(
        "{path}, line {line}, column {column:?}: {value:?} is not a number, but this layer is numeric; \
         use NA or an empty cell for missing values, or set the layer's kind in study.toml"
    )]
    NotNumeric {
        path: PathBuf,
        line: usize,
        column: String,
        value: String,
    },
    #[error(
        "{path}: none of its {n_columns} column names and {n_rows} row names match a sample of the \
         clinical table {clinical}; check the sample IDs, add a sample map (study.toml [samples] map = \"FILE\"), \
         or skip the file in study.toml"
    )]
    NoSharedSamples {
        path: PathBuf,
        clinical: String,
        n_columns: usize,
        n_rows: usize,
    },
    #[error("{path}: required column {column:?} is missing ({context})")]
    MissingColumn {
        path: PathBuf,
        column: String,
        context: &'static str,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: invalid study.toml: {message}")]
    Manifest { path: PathBuf, message: String },
}

pub type Result<T, E = DatasetError> = std::result::Result<T, E>;
