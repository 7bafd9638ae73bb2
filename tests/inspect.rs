//! `hypomics inspect` on the real cohorts as shipped, the bundled demo, and a synthetic study.

mod common;

use common::{hypomics, layer, run_ok, shared_data};
use serde_json::Value;

#[test]
fn cptac_ucec_as_shipped() {
    let Some(dir) = shared_data("cptac-ucec") else {
        return;
    };
    let summary: Value =
        serde_json::from_str(&run_ok(&["inspect", "--json", dir.to_str().unwrap()])).unwrap();
    assert_eq!(summary["samples"], 153);
    let proteome = layer(&summary, "proteome");
    assert_eq!(proteome["processing"]["features_in_file"], 10999);
    assert_eq!(proteome["samples"], 153);
    assert_eq!(proteome["tumor_samples"], 104);
    assert_eq!(proteome["normal_samples"], 49);
    assert_eq!(
        layer(&summary, "phosphosite")["processing"]["features_in_file"],
        73212
    );
    assert_eq!(layer(&summary, "rna")["samples"], 115);
    assert_eq!(layer(&summary, "copy_number")["samples"], 103);
    // MAF barcodes (C3L-00006_T) are mapped onto S-numbers through the participant column.
    let maf = layer(&summary, "mutation");
    assert_eq!(maf["file"], "somatic.maf.gz");
    assert_eq!(maf["matching"]["matched"], 103);
    assert_eq!(maf["matching"]["by_rule"]["prefix"], 103);
    assert_eq!(maf["top_mutated"][0][0], "PTEN");
    // The clinical sheet has cp1252 bytes; it is decoded and said so.
    let warnings = summary["warnings"].to_string();
    assert!(warnings.contains("Windows-1252"), "{warnings}");
    let kinds: Vec<(&str, &str)> = summary["clinical_variables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap(), v["kind"].as_str().unwrap()))
        .collect();
    for expected in [
        ("FIGO_stage", "ordinal"),
        ("Histologic_type", "categorical"),
        ("Proteomics_Participant_ID", "identifier"),
        ("Age", "numeric"),
        ("Proteomics_TMT_batch", "categorical"),
    ] {
        assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
    }
}

#[test]
fn tcga_acc_with_sample_map_and_survival() {
    let Some(dir) = shared_data("tcga-acc-mini") else {
        return;
    };
    let summary: Value =
        serde_json::from_str(&run_ok(&["inspect", "--json", dir.to_str().unwrap()])).unwrap();
    assert_eq!(summary["samples"], 92);
    for (name, features, samples) in [
        ("rna", 198, 79),
        ("copy_number", 198, 90),
        ("proteome", 33, 46),
        ("mirna", 471, 80),
        ("mutation", 97, 90),
    ] {
        let l = layer(&summary, name);
        assert_eq!(l["features"], features, "{name}");
        assert_eq!(l["samples"], samples, "{name}");
        assert_eq!(
            l["matching"]["matched"], l["matching"]["ids_in_file"],
            "{name}"
        );
    }
    assert_eq!(
        layer(&summary, "rna")["processing"]["log2_transformed"],
        true
    );
    assert_eq!(
        layer(&summary, "copy_number")["processing"]["log2_transformed"],
        false
    );
    let survival = &summary["survival"][0];
    assert_eq!(survival["usable"], 92);
    assert_eq!(survival["events"], 34);
}

#[test]
fn demo_needs_no_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = hypomics()
        .current_dir(tmp.path())
        .args(["inspect", "--demo"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("153 samples in clinical.txt (104 tumour, 49 normal)"),
        "{text}"
    );
    assert!(text.contains("most mutated: PTEN"), "{text}");
}

#[test]
fn synthetic_study_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("synth");
    run_ok(&["synth", "--out", dir.to_str().unwrap(), "--seed", "3"]);
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    assert!(!truth["planted"].as_array().unwrap().is_empty());
    let summary: Value =
        serde_json::from_str(&run_ok(&["inspect", "--json", dir.to_str().unwrap()])).unwrap();
    assert_eq!(
        layer(&summary, "rna")["processing"]["log2_transformed"],
        true
    );
    assert_eq!(summary["survival"][0]["name"], "os");
}

#[test]
fn bad_folder_is_a_clear_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("clinical.tsv"), "id\tage\nS1\t3\n").unwrap();
    std::fs::write(tmp.path().join("proteome.tsv"), "gene\tS1\nTP53\tabc\n").unwrap();
    let out = hypomics()
        .args(["inspect", tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("proteome.tsv, line 2, column \"S1\""), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
