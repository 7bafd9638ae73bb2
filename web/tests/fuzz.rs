//! Property tests standing in for fuzzing (cargo-fuzz needs nightly Rust; these run on stable in
//! every `cargo test`): the table reader and the batch manifest parser, fed random bytes and
//! near-valid input (tables with odd separators, quotes, missing cells, gzip; manifests built from
//! valid lines with values swapped for strange ones), must answer with a value or an error,
//! never a panic. The case count bounds their time in CI (`PROPTEST_CASES` overrides it).

use datasets::read::{CellKind, read_table};
use datasets::source::SourceFile;
use proptest::prelude::*;
use std::io::Write;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 500,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Reads `bytes` as a table file both ways and walks every column of what it returns.
fn read_everything(bytes: &[u8]) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("table.tsv");
    std::fs::write(&path, bytes).expect("write");
    let file = SourceFile::on_disk(&path);
    for kind in [
        CellKind::Text,
        CellKind::NUMERIC,
        CellKind::Numeric { label_columns: 2 },
    ] {
        let Ok(table) = read_table(&file, |_| kind) else {
            continue;
        };
        let _ = table.row_labels("sample");
        for column in 0..table.n_columns() {
            let _ = table.text_column(column);
            let _ = table.numeric_column(column);
        }
        for row in 0..table.n_rows() {
            let _ = table.line_of(row);
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// A cell: numbers (odd ones too), missing markers, text with quotes and separators, non-ASCII.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>().prop_map(|x| x.to_string()),
        (-1000i64..1000).prop_map(|x| x.to_string()),
        Just(String::new()),
        Just("NA".to_owned()),
        Just("NaN".to_owned()),
        Just("-inf".to_owned()),
        Just("1e999".to_owned()),
        Just("\"quoted\ttab\"".to_owned()),
        Just("\"unterminated".to_owned()),
        Just("TCGA-AB-1234-01A".to_owned()),
        Just("ünïcödé".to_owned()),
        "[ -~]{0,12}",
    ]
}

/// A table-like text: a header and rows of varying width, joined by one separator.
fn table_text() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec!['\t', ',', ';', ' ']),
        prop::collection::vec(prop::collection::vec(cell(), 0..7), 0..12),
        prop::sample::select(vec!["\n", "\r\n", "\r"]),
        any::<bool>(),
    )
        .prop_map(|(separator, rows, newline, bom)| {
            let mut text = String::new();
            if bom {
                text.push('\u{feff}');
            }
            for row in rows {
                text.push_str(&row.join(&separator.to_string()));
                text.push_str(newline);
            }
            text.into_bytes()
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_table_reader_never_panics_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        read_everything(&bytes);
    }

    #[test]
    fn the_table_reader_never_panics_on_table_like_text(text in table_text(), zipped in any::<bool>()) {
        let bytes = if zipped { gzip(&text) } else { text };
        read_everything(&bytes);
    }

    #[test]
    fn the_table_reader_never_panics_on_damaged_gzip(text in table_text(), cut in 0usize..64, flip in any::<u8>()) {
        let mut bytes = gzip(&text);
        let at = cut.min(bytes.len().saturating_sub(1));
        if let Some(b) = bytes.get_mut(at + 10) {
            *b ^= flip;
        }
        bytes.truncate(bytes.len().saturating_sub(cut));
        read_everything(&bytes);
    }
}

/// Lines a manifest may hold, each with a slot `{}` for a value.
const MANIFEST_LINES: &[&str] = &[
    "[batch]",
    "workspace = {}",
    "store = {}",
    "parallel = {}",
    "webhook = {}",
    "[[study]]",
    "name = {}",
    "path = {}",
    "demo = {}",
    "planner = {}",
    "max_analyses = {}",
    "permutations = {}",
    "seed = {}",
    "force = {}",
    "schedule = {{ cron = {}, timezone = {} }}",
    "schedule = {}",
    "{}",
];

/// A TOML value, valid or strange.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"a\"".to_owned()),
        Just("\"data/a\"".to_owned()),
        Just("\"../../etc\"".to_owned()),
        Just("\"/abs/path\"".to_owned()),
        Just("\"offline\"".to_owned()),
        Just("\"llm\"".to_owned()),
        Just("\"0 6 * * 1-5\"".to_owned()),
        Just("\"61 25 * * *\"".to_owned()),
        Just("\"Europe/Berlin\"".to_owned()),
        Just("\"Mars/Olympus\"".to_owned()),
        Just("\"http://127.0.0.1:9/hook\"".to_owned()),
        Just("true".to_owned()),
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("1e308".to_owned()),
        Just("[1, \"x\"]".to_owned()),
        Just("{ a = 1 }".to_owned()),
        Just("\"\"".to_owned()),
        Just("\"\\u0000\"".to_owned()),
        (0u32..10_000).prop_map(|n| n.to_string()),
        "\"[ -~&&[^\"\\\\]]{0,16}\"",
    ]
}

fn manifest_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(MANIFEST_LINES),
            toml_value(),
            toml_value(),
        ),
        0..16,
    )
    .prop_map(|lines| {
        lines
            .into_iter()
            .map(|(line, a, b)| line.replacen("{}", &a, 1).replacen("{}", &b, 1))
            .map(|line| line.replace("{{", "{").replace("}}", "}"))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_manifest_parser_never_panics_on_random_text(text in "\\PC{0,300}") {
        let dir = tempfile::tempdir().expect("dir");
        let _ = web::batch::Manifest::parse(&dir.path().join("batch.toml"), &text);
    }

    #[test]
    fn the_manifest_parser_never_panics_on_near_valid_manifests(text in manifest_text()) {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("data/a")).expect("folder");
        if let Err(e) = web::batch::Manifest::parse(&dir.path().join("batch.toml"), &text) {
            // Errors name the manifest.
            prop_assert!(e.to_string().contains("batch.toml"), "{e}");
        }
    }
}
