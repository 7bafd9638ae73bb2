//! Loading behaviour on small hand-made studies: orientation, formats, encodings, sample mapping,
//! study.toml overrides.

use datasets::{LayerKind, Study};
use std::io::Write;

fn write(dir: &std::path::Path, name: &str, content: &[u8]) {
    std::fs::write(dir.join(name), content).unwrap();
}

fn gzip(content: &str) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(content.as_bytes()).unwrap();
    enc.finish().unwrap()
}

const CLINICAL: &str = "patient\tstage\ttype\tos_days\tos_event\n\
P1\tStage I\tTumor\t100\t1\nP2\tStage III\tTumor\t300\t0\nP3\tStage II\tNormal\t\t\nP4\tStage I\tTumor\t50\t1\n";

#[test]
fn samples_as_rows_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "clinical.tsv", CLINICAL.as_bytes());
    write(
        dir.path(),
        "proteome.csv",
        b"sample,TP53,PTEN\nP2,1,2\nP1,3,4\nP9,5,6\n",
    );
    let study = Study::load(dir.path()).unwrap();
    let layer = study.layer(LayerKind::Proteome).unwrap();
    assert_eq!(
        layer.orientation,
        datasets::manifest::Orientation::SamplesAsRows
    );
    // Samples come in clinical order, unmatched P9 is dropped and reported.
    let samples: Vec<&str> = layer.matrix.samples().iter().map(|s| s.as_str()).collect();
    assert_eq!(samples, ["P1", "P2"]);
    assert_eq!(layer.matrix.feature(0), &[3.0, 1.0]);
    assert_eq!(layer.matching.matched, 2);
    assert_eq!(layer.matching.unmatched_examples, ["P9"]);
    assert!(study.warnings.iter().any(|w| w.contains("P9")));
}

#[test]
fn gzip_cp1252_and_barcode_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    let mut clinical = CLINICAL.as_bytes().to_vec();
    // A Windows-1252 en dash in a free-text cell, as Excel writes it.
    clinical.extend_from_slice(b"P5\tStage IV\tTumor \x96 relapse\t10\t1\n");
    write(dir.path(), "clinical.txt", &clinical);
    let rna = "gene\tP1-01A-11R\tP2-01A-11R\tP4-01A-11R\nTP53\t10\t2000\t300\nPTEN\t5\t6000\t700\n";
    write(dir.path(), "rna_counts.tsv.gz", &gzip(rna));
    let study = Study::load(dir.path()).unwrap();
    assert!(study.warnings.iter().any(|w| w.contains("Windows-1252")));
    let rna = study.layer(LayerKind::Rna).unwrap();
    assert!(rna.processing.log2_transformed);
    assert_eq!(rna.matching.matched, 3);
    assert_eq!(rna.matrix.value(0, 0), (11.0f64).log2());
    let levels = study.clinical.variable("type").unwrap();
    assert!(
        levels
            .kind
            .levels()
            .unwrap()
            .levels
            .iter()
            .any(|l| l.name == "Tumor \u{2013} relapse")
    );
    assert_eq!(study.clinical.survival[0].n_events(), 3);
}

#[test]
fn maf_calls_map_through_participant_ids() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "clinical.tsv",
        b"idx\tParticipant_ID\tTumor_Normal\nS1\tC3L-1\tTumor\nS2\tC3L-2\tTumor\nS3\tC3L-1\tAdjacent_normal\nS4\tC3L-3\tTumor\n",
    );
    let maf = "#version 2.4\nHugo_Symbol\tVariant_Classification\tTumor_Sample_Barcode\textra\n\
PTEN\tMissense_Mutation\tC3L-1_T\tx\nPTEN\tSilent\tC3L-2_T\n\
TP53\tNonsense_Mutation\tC3L-2_T\tx\nKRAS\tSilent\tC3L-3_T\tx\n";
    write(dir.path(), "somatic.maf", maf.as_bytes());
    let study = Study::load(dir.path()).unwrap();
    let mutation = study.layer(LayerKind::Mutation).unwrap();
    let samples: Vec<&str> = mutation
        .matrix
        .samples()
        .iter()
        .map(|s| s.as_str())
        .collect();
    // C3L-1_T is the tumour S1, not the normal S3; C3L-3 had only a silent call but was sequenced.
    assert_eq!(samples, ["S1", "S2", "S4"]);
    let genes: Vec<&str> = mutation
        .matrix
        .features()
        .iter()
        .map(|f| f.as_str())
        .collect();
    assert_eq!(genes, ["PTEN", "TP53"]);
    assert_eq!(mutation.matrix.feature(0), &[1.0, 0.0, 0.0]);
    assert_eq!(mutation.matrix.feature(1), &[0.0, 1.0, 0.0]);
}

#[test]
fn study_toml_overrides_inference() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pheno.tsv", CLINICAL.as_bytes());
    write(
        dir.path(),
        "measurements.tsv",
        b"id\tP1\tP2\tP3\nA\t1\t2\t3\nB\t4\tNA\tNA\n",
    );
    write(dir.path(), "old.tsv", b"broken");
    write(
        dir.path(),
        "study.toml",
        br#"
name = "override test"
clinical = "pheno.tsv"
ignore = ["old.tsv"]
min_observed_fraction = 0.9
[[layer]]
file = "measurements.tsv"
kind = "proteome"
name = "my proteins"
"#,
    );
    let study = Study::load(dir.path()).unwrap();
    assert_eq!(study.name, "override test");
    let layer = study.layer_named("my proteins").unwrap();
    assert_eq!(layer.kind, LayerKind::Proteome);
    assert_eq!(layer.processing.features_dropped_sparse, 1);
}

#[test]
fn parquet_tables_load() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "clinical.tsv", CLINICAL.as_bytes());
    let mut frame = df!(
        "gene" => ["TP53", "PTEN"],
        "P1" => [1.0, 2.0],
        "P2" => [3.0, 4.0],
        "P4" => [Some(5.0), None],
    )
    .unwrap();
    let file = std::fs::File::create(dir.path().join("proteome.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut frame).unwrap();
    let study = Study::load(dir.path()).unwrap();
    let layer = study.layer(LayerKind::Proteome).unwrap();
    assert_eq!(layer.matrix.n_samples(), 3);
    assert_eq!(layer.matrix.feature(1)[..2], [2.0, 4.0]);
    assert!(layer.matrix.feature(1)[2].is_nan());
}

#[test]
fn demo_study_loads_from_the_binary() {
    let study = datasets::demo::load().unwrap();
    let proteome = study.layer(LayerKind::Proteome).unwrap();
    assert_eq!(proteome.matrix.n_samples(), 153);
    assert_eq!(
        study.tissue_counts(proteome.matrix.samples()),
        Some((104, 49))
    );
    assert!(study.layers.len() >= 8);
}
