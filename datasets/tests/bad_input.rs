//! Bad input must give an error naming the file (and line or column where one applies) and what
//! to do — never a panic. One test per kind of damage a real folder can have.

use datasets::{DatasetError, Study};
use std::path::Path;

const CLINICAL: &str = "sample\tage\tgroup\nS1\t50\ta\nS2\t60\tb\nS3\t70\ta\nS4\t55\tb\n";
const PROTEOME: &str = "gene\tS1\tS2\tS3\tS4\nTP53\t1\t2\t3\t4\nPTEN\t0.5\tNA\t1.5\t2\n";

fn study(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Study, DatasetError>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    let result = Study::load(dir.path());
    (dir, result)
}

fn error_of(files: &[(&str, &str)]) -> String {
    let (_dir, result) = study(files);
    match result {
        Ok(_) => panic!("expected an error for {files:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn good_study_loads() {
    let (_dir, result) = study(&[("clinical.tsv", CLINICAL), ("proteome.tsv", PROTEOME)]);
    let study = result.unwrap();
    let proteome = study.layer(datasets::LayerKind::Proteome).unwrap();
    assert_eq!(proteome.matrix.n_features(), 2);
    assert_eq!(proteome.matrix.n_samples(), 4);
}

/// An editor's extra newlines after the last row are not rows (they once read as one empty row
/// and failed the row count).
#[test]
fn trailing_blank_lines_are_not_rows() {
    let clinical = format!("{CLINICAL}\n\r\n");
    let proteome = format!("{PROTEOME}\n\n");
    let (_dir, result) = study(&[("clinical.tsv", &clinical), ("proteome.tsv", &proteome)]);
    let study = result.unwrap();
    assert_eq!(study.clinical.samples.len(), 4);
    let proteome = study.layer(datasets::LayerKind::Proteome).unwrap();
    assert_eq!(proteome.matrix.n_features(), 2);
}

#[test]
fn empty_file() {
    let msg = error_of(&[("clinical.tsv", CLINICAL), ("proteome.tsv", "")]);
    assert!(
        msg.contains("proteome.tsv") && msg.contains("empty"),
        "{msg}"
    );
}

#[test]
fn header_only() {
    let msg = error_of(&[
        ("clinical.tsv", CLINICAL),
        ("proteome.tsv", "gene\tS1\tS2\n"),
    ]);
    assert!(
        msg.contains("proteome.tsv") && msg.contains("only a header"),
        "{msg}"
    );
}

#[test]
fn duplicate_feature_ids() {
    let msg = error_of(&[
        ("clinical.tsv", CLINICAL),
        (
            "proteome.tsv",
            "gene\tS1\tS2\nTP53\t1\t2\nPTEN\t1\t2\nTP53\t3\t4\n",
        ),
    ]);
    assert!(
        msg.contains("proteome.tsv") && msg.contains("lines 2 and 4") && msg.contains("TP53"),
        "{msg}"
    );
}

#[test]
fn duplicate_sample_columns() {
    let msg = error_of(&[
        ("clinical.tsv", CLINICAL),
        ("proteome.tsv", "gene\tS1\tS1\nTP53\t1\t2\n"),
    ]);
    assert!(
        msg.contains("proteome.tsv") && msg.contains("\"S1\"") && msg.contains("more than once"),
        "{msg}"
    );
}

#[test]
fn duplicate_clinical_samples() {
    let msg = error_of(&[
        ("clinical.tsv", "sample\tage\nS1\t50\nS1\t60\n"),
        ("proteome.tsv", PROTEOME),
    ]);
    assert!(
        msg.contains("clinical.tsv") && msg.contains("lines 2 and 3"),
        "{msg}"
    );
}

#[test]
fn ragged_rows() {
    let short = error_of(&[
        ("clinical.tsv", CLINICAL),
        (
            "proteome.tsv",
            "gene\tS1\tS2\tS3\nTP53\t1\t2\t3\nPTEN\t1\t2\n",
        ),
    ]);
    assert!(
        short.contains("proteome.tsv, line 3") && short.contains("3 fields where the header has 4"),
        "{short}"
    );
    let long = error_of(&[
        ("clinical.tsv", CLINICAL),
        (
            "proteome.tsv",
            "gene\tS1\tS2\nTP53\t1\t2\nPTEN\t1\t2\t3\t4\n",
        ),
    ]);
    assert!(
        long.contains("line 3") && long.contains("5 fields"),
        "{long}"
    );
}

#[test]
fn non_numeric_value_in_numeric_layer() {
    let msg = error_of(&[
        ("clinical.tsv", CLINICAL),
        ("proteome.tsv", "gene\tS1\tS2\nTP53\t1\t2\nPTEN\t1\thigh\n"),
    ]);
    assert!(
        msg.contains("proteome.tsv, line 3, column \"S2\"")
            && msg.contains("\"high\" is not a number"),
        "{msg}"
    );
}

#[test]
fn layer_sharing_no_samples() {
    let msg = error_of(&[
        ("clinical.tsv", CLINICAL),
        ("proteome.tsv", "gene\tX1\tX2\nTP53\t1\t2\n"),
    ]);
    assert!(
        msg.contains("proteome.tsv") && msg.contains("clinical.tsv") && msg.contains("sample map"),
        "{msg}"
    );
}

#[test]
fn folder_without_tables() {
    let msg = error_of(&[("notes.md", "# nothing here")]);
    assert!(msg.contains("no tables found"), "{msg}");
    let missing = Study::load(Path::new("/nonexistent/study"))
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("/nonexistent/study") && missing.contains("not a folder"),
        "{missing}"
    );
}

#[test]
fn no_clinical_table() {
    let msg = error_of(&[("proteome.tsv", PROTEOME)]);
    assert!(
        msg.contains("no clinical table") && msg.contains("study.toml"),
        "{msg}"
    );
}

#[test]
fn corrupt_gzip() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clinical.tsv"), CLINICAL).unwrap();
    std::fs::write(
        dir.path().join("proteome.tsv.gz"),
        [0x1f, 0x8b, 8, 0, 1, 2, 3],
    )
    .unwrap();
    let msg = Study::load(dir.path()).unwrap_err().to_string();
    assert!(
        msg.contains("proteome.tsv.gz") && msg.contains("gzip"),
        "{msg}"
    );
}

#[test]
fn bad_study_toml() {
    let msg = error_of(&[
        ("clinical.tsv", CLINICAL),
        ("proteome.tsv", PROTEOME),
        (
            "study.toml",
            "[[layer]]\nfile = \"proteome.tsv\"\nkind = \"proteinz\"\n",
        ),
    ]);
    assert!(
        msg.contains("study.toml") && msg.contains("unknown kind"),
        "{msg}"
    );
}
