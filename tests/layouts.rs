//! The study layouts labs share, as committed fixtures (`datasets/fixtures/layouts`, made by
//! `datasets/fixtures/make_layouts.py`), loaded with no study.toml: what `inspect` decides and
//! explains for each, `hypomics run` end to end on each, `hypomics init` round trips, and the
//! errors and warnings for ambiguous folders.

mod common;

use common::{hypomics, layer, run_ok};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("datasets/fixtures/layouts")
        .join(name)
}

fn inspect(dir: &Path) -> Value {
    serde_json::from_str(&run_ok(&["inspect", "--json", dir.to_str().unwrap()])).unwrap()
}

fn variable_kind<'a>(summary: &'a Value, name: &str) -> &'a str {
    summary["clinical_variables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no variable {name}"))["kind"]
        .as_str()
        .unwrap()
}

/// Every explanation of the named file (a wide table has two records: clinical and layer).
fn explained(summary: &Value, file: &str) -> String {
    summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == file)
        .map(|f| f["explain"].to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn role_of<'a>(summary: &'a Value, file: &str) -> &'a Value {
    &summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == file)
        .unwrap_or_else(|| panic!("no file {file}"))["role"]
}

#[test]
fn expressionset_export() {
    let s = inspect(&fixture("expressionset"));
    assert_eq!(s["clinical_file"], "pData.csv");
    assert_eq!(s["samples"], 48);
    let rna = layer(&s, "rna");
    assert_eq!(rna["file"], "exprs_GSE0001.csv.gz");
    assert_eq!(rna["features"], 82);
    assert_eq!(rna["kind_basis"]["source"], "content");
    assert_eq!(rna["kind_basis"]["confidence"], "high");
    assert!(
        rna["kind_basis"]["reason"]
            .as_str()
            .unwrap()
            .contains("Affymetrix"),
        "{rna}"
    );
    assert_eq!(
        rna["kind_basis"]["measurement"],
        "log2 intensities (microarray range)"
    );
    assert_eq!(rna["processing"]["log2_transformed"], false);
    assert_eq!(s["survival"][0]["name"], "rfs");
    assert_eq!(s["survival"][0]["convention"], "t.X time with e.X event");
    assert_eq!(variable_kind(&s, "er"), "binary");
    assert_eq!(role_of(&s, "fData.csv")["role"], "feature_annotation");
    assert!(!s["warnings"].to_string().contains("not recognised"));
}

#[test]
fn wide_table_is_split() {
    let s = inspect(&fixture("wide"));
    assert_eq!(s["clinical_file"], "breast_wide.csv");
    assert_eq!(s["samples"], 60);
    let rna = layer(&s, "rna");
    assert_eq!(rna["features"], 76);
    assert_eq!(rna["orientation"], "samples_as_rows");
    // Only the six clinical columns are clinical variables; no probe became one.
    let names: Vec<&str> = s["clinical_variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["samplename", "age", "er", "grade", "t.tdm", "e.tdm"]
    );
    assert_eq!(s["survival"][0]["name"], "tdm");
    assert_eq!(s["survival"][0]["time_columns"][0], "t.tdm");
    assert_eq!(s["survival"][0]["event_column"], "e.tdm");
    let why = explained(&s, "breast_wide.csv");
    assert!(
        why.contains("a wide table (samples as rows): columns 8..83"),
        "{why}"
    );
    assert!(
        why.contains("the other 6 columns (samplename, age, er, grade, t.tdm, e.tdm) are clinical"),
        "{why}"
    );
}

#[test]
fn cbioportal_study_folder() {
    let s = inspect(&fixture("cbioportal"));
    assert_eq!(s["clinical_file"], "data_clinical_sample.txt");
    assert_eq!(s["samples"], 50);
    // Patient attributes joined onto samples; the `#` datatype line makes GRADE a group.
    assert_eq!(variable_kind(&s, "AGE"), "numeric");
    assert_eq!(variable_kind(&s, "GRADE"), "categorical");
    assert_eq!(variable_kind(&s, "PATIENT_ID"), "identifier");
    let survival: Vec<(&str, &str)> = s["survival"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap(), v["unit"].as_str().unwrap()))
        .collect();
    assert_eq!(survival, [("os", "months"), ("dfs", "months")]);
    assert_eq!(s["survival"][0]["usable"], 50);
    // Discrete CNA with its Entrez column dropped from the numbers.
    let cna = layer(&s, "copy_number");
    assert_eq!(cna["features"], 40);
    assert_eq!(cna["samples"], 50);
    assert_eq!(cna["kind_basis"]["source"], "meta_file");
    assert_eq!(
        cna["kind_basis"]["measurement"],
        "discrete copy-number calls (-2..2)"
    );
    assert!(
        cna["notes"][0]
            .as_str()
            .unwrap()
            .contains("Entrez_Gene_Id are feature annotation")
    );
    let rna = layer(&s, "rna");
    assert_eq!(rna["file"], "data_mrna_seq_v2_rsem.txt");
    assert_eq!(rna["processing"]["log2_transformed"], true);
    // The MAF (named data_mutations.txt, with a Center column of text) is read as calls.
    let mutation = layer(&s, "mutation");
    assert_eq!(mutation["mutation_source"], "maf_calls");
    assert_eq!(mutation["top_mutated"][0][0], "TP53");
    // RPPA rows keep their GENE|antibody IDs.
    let proteome = layer(&s, "proteome");
    assert_eq!(proteome["features"], 12);
    assert_eq!(proteome["samples"], 30);
    // The z-score file is recognised and left out because its source profile is loaded.
    let z = role_of(&s, "data_mrna_seq_v2_rsem_zscores_ref_all_samples.txt");
    assert!(z["detail"].as_str().unwrap().contains("z-scores"), "{z}");
    assert!(
        role_of(&s, "meta_cna.txt")["detail"]
            .as_str()
            .unwrap()
            .contains("describes data_cna.txt")
    );
    let why = explained(&s, "data_clinical_sample.txt");
    assert!(
        why.contains(
            "joined with data_clinical_patient.txt on PATIENT_ID: 50 samples of 50 patients"
        ),
        "{why}"
    );
}

/// The case list's sample IDs, read from the fixture as cBioPortal writes it.
fn case_list_ids(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let ids = text
        .lines()
        .find_map(|l| l.strip_prefix("case_list_ids:"))
        .unwrap();
    ids.split('\t').map(|id| id.trim().to_owned()).collect()
}

#[test]
fn cbioportal_case_list_tells_wild_type_from_not_sequenced() {
    let dir = fixture("cbioportal");
    let sequenced = case_list_ids(&dir.join("case_lists/cases_sequenced.txt"));
    let maf = std::fs::read_to_string(dir.join("data_mutations.txt")).unwrap();
    let with_calls: std::collections::HashSet<&str> = maf
        .lines()
        .skip(2)
        .filter_map(|l| l.split('\t').nth(8))
        .collect();
    let all = case_list_ids(&dir.join("case_lists/cases_all.txt"));
    let wild_type: Vec<&String> = sequenced
        .iter()
        .filter(|id| !with_calls.contains(id.as_str()))
        .collect();
    let not_sequenced: Vec<&String> = all.iter().filter(|id| !sequenced.contains(id)).collect();
    assert!(!wild_type.is_empty() && !not_sequenced.is_empty());

    let study = datasets::Study::load(&dir).unwrap();
    let mutation = study.mutation_layer().unwrap();
    let samples: Vec<&str> = mutation
        .matrix
        .samples()
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(samples.len(), sequenced.len());
    for id in &wild_type {
        let row = mutation.matrix.sample_index(id).unwrap();
        let mutated = (0..mutation.matrix.n_features())
            .filter(|&f| mutation.matrix.value(row, f) != 0.0)
            .count();
        assert_eq!(mutated, 0, "{id} was sequenced without a call: wild type");
    }
    for id in &not_sequenced {
        assert!(
            mutation.matrix.sample_index(id).is_none(),
            "{id} was not sequenced: missing, not wild type"
        );
    }

    let s = inspect(&dir);
    let why = explained(&s, "data_mutations.txt");
    assert!(
        why.contains(&format!(
            "lists {} sequenced samples: {} of them have no call and are wild type",
            sequenced.len(),
            wild_type.len()
        )),
        "{why}"
    );
    assert!(
        role_of(&s, "case_lists/cases_sequenced.txt")["detail"]
            .as_str()
            .unwrap()
            .contains("case list"),
        "{s}"
    );
    // Display names from the `#` lines are shown beside the column names.
    let text = run_ok(&["inspect", dir.to_str().unwrap()]);
    assert!(
        text.contains("OS_MONTHS (Overall Survival (Months))"),
        "{text}"
    );
    let age = s["clinical_variables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "AGE")
        .unwrap();
    assert_eq!(age["display_name"], "Diagnosis Age");
}

#[test]
fn clinical_table_with_samples_as_columns_is_read_transposed() {
    let dir = fixture("transposed");
    let s = inspect(&dir);
    assert_eq!(s["clinical_file"], "covariates.tsv");
    let header = std::fs::read_to_string(dir.join("covariates.tsv")).unwrap();
    let columns = header.lines().next().unwrap().split('\t').count();
    assert_eq!(s["samples"], columns - 1);
    assert_eq!(variable_kind(&s, "age"), "numeric");
    assert_eq!(variable_kind(&s, "er_status"), "binary");
    assert_eq!(s["survival"][0]["name"], "rfs");
    let rna = layer(&s, "rna");
    assert_eq!(rna["file"], "expression.tsv");
    assert_eq!(rna["samples"], columns - 1);
    let why = explained(&s, "covariates.tsv");
    assert!(
        why.contains("variables are rows and samples are columns"),
        "{why}"
    );
    let text = run_ok(&["inspect", dir.to_str().unwrap()]);
    assert!(text.contains("read transposed"), "{text}");
}

#[test]
fn geo_series_matrix() {
    let s = inspect(&fixture("geo"));
    assert_eq!(
        s["clinical_file"],
        "GSE99999_series_matrix.txt.gz (samples)"
    );
    assert_eq!(s["samples"], 44);
    for (name, kind) in [("age", "numeric"), ("er", "binary"), ("title", "free_text")] {
        assert_eq!(variable_kind(&s, name), kind, "{name}");
    }
    assert_eq!(s["survival"][0]["name"], "rfs");
    let rna = layer(&s, "rna");
    assert_eq!(rna["features"], 82);
    assert_eq!(rna["samples"], 44);
    let why = explained(&s, "GSE99999_series_matrix.txt.gz (samples)");
    assert!(
        why.contains("characteristics: age, er, grade, t.rfs, e.rfs"),
        "{why}"
    );
}

#[test]
fn xlsx_clinical_sheet_and_probes_mapped_to_genes() {
    let s = inspect(&fixture("xlsx"));
    assert_eq!(s["clinical_file"], "samples.xlsx");
    assert_eq!(s["samples"], 40);
    assert_eq!(variable_kind(&s, "Stage"), "ordinal");
    assert_eq!(variable_kind(&s, "ER status"), "binary");
    assert_eq!(s["survival"][0]["unit"], "days");
    let rna = layer(&s, "rna");
    assert_eq!(rna["features"], 55);
    assert!(
        rna["kind_basis"]["reason"]
            .as_str()
            .unwrap()
            .contains("Illumina")
    );
    let notes = rna["notes"].to_string();
    assert!(
        notes.contains("54 probes mapped to 40 genes through column `Symbol`"),
        "{notes}"
    );
    let why = explained(&s, "samples.xlsx");
    assert!(
        why.contains("workbook sheet") && why.contains("Samples"),
        "{why}"
    );
}

#[test]
fn every_layout_runs_end_to_end() {
    for name in [
        "expressionset",
        "wide",
        "cbioportal",
        "geo",
        "xlsx",
        "transposed",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        run_ok(&[
            "run",
            fixture(name).to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--max-analyses",
            "5",
            "--permutations",
            "0",
        ]);
        let parsed: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("hypotheses.json")).unwrap())
                .unwrap();
        let summary = &parsed["summary"];
        assert_eq!(
            summary["analyses"].as_u64().unwrap() + summary["failed_directions"].as_u64().unwrap(),
            5,
            "{name}"
        );
        assert!(
            summary["analyses"].as_u64().unwrap() > 0,
            "{name}: {summary}"
        );
        assert!(out.join("report.html").is_file(), "{name}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn init_writes_a_study_toml_that_loads_to_the_same_study() {
    for name in [
        "expressionset",
        "wide",
        "cbioportal",
        "geo",
        "xlsx",
        "transposed",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(name);
        copy_dir(&fixture(name), &dir);
        let before = inspect(&dir);
        let said = run_ok(&["init", dir.to_str().unwrap()]);
        assert!(said.contains("study.toml"), "{said}");
        let toml = std::fs::read_to_string(dir.join("study.toml")).unwrap();
        assert!(toml.starts_with("# study.toml written by `hypomics init`"));
        let after = inspect(&dir);
        assert_eq!(after["clinical_file"], before["clinical_file"], "{name}");
        assert_eq!(after["samples"], before["samples"], "{name}");
        let shape = |s: &Value| -> Vec<(String, String, u64)> {
            s["layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| {
                    (
                        l["name"].as_str().unwrap().to_owned(),
                        l["kind"].as_str().unwrap().to_owned(),
                        l["features"].as_u64().unwrap(),
                    )
                })
                .collect()
        };
        assert_eq!(shape(&after), shape(&before), "{name}:\n{toml}");
        // A second init does not overwrite the user's edits.
        let again = hypomics()
            .args(["init", dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    }
}

#[test]
fn ambiguous_clinical_tables_name_the_settling_line() {
    let tmp = tempfile::tempdir().unwrap();
    let sheet = "sample\tstage\tsex\nP1\tI\tF\nP2\tII\tM\nP3\tIII\tF\n";
    std::fs::write(tmp.path().join("a.tsv"), sheet).unwrap();
    std::fs::write(tmp.path().join("b.tsv"), sheet).unwrap();
    let out = hypomics()
        .args(["inspect", tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("several tables could be the clinical table (a.tsv, b.tsv)")
            && err.contains("clinical = \"a.tsv\""),
        "{err}"
    );
}

#[test]
fn unknown_layer_kind_warns_with_the_settling_line() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("clinical.tsv"),
        "sample\tstage\nP1\tI\nP2\tII\nP3\tIII\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("values.tsv"),
        "feature\tP1\tP2\tP3\nf1\t-0.5\t0.25\t3.5\nf2\t-1.5\t0.5\t-0.75\n",
    )
    .unwrap();
    let s = inspect(tmp.path());
    let warnings = s["warnings"].to_string();
    assert!(
        warnings.contains("values.tsv: layer kind not recognised")
            && warnings.contains("kind = \\\"rna\\\"")
            && warnings.contains("[[layer]] file = \\\"values.tsv\\\""),
        "{warnings}"
    );
}
