//! What a lab adds to a study is explored: a copy of the bundled demo gets clinical columns under
//! names no list in hypomics knows (a two-level grouping that tracks histology and so shifts many
//! proteins, a numeric score tracking immune infiltration, a second survival outcome), and a run
//! with the default budget must give each of them a first screen, and list whatever it did not
//! explore with the reason.

mod common;

use common::run_ok;
use serde_json::Value;
use std::path::Path;

fn copy_demo_with_lab_columns(dir: &Path) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/demo/ucec");
    std::fs::create_dir_all(dir).unwrap();
    for entry in std::fs::read_dir(&demo).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    let clinical = std::fs::read_to_string(demo.join("clinical.txt")).unwrap();
    let mut lines = clinical.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (histology, immune) = (column("Histologic_type"), column("Purity_Immune"));
    let mut out = format!(
        "{}\tqv_arm\tkx_index\twv_days\twv_status\n",
        header.join("\t")
    );
    for (i, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split('\t').collect();
        let arm = match cells[histology] {
            "Endometrioid" => "zeta",
            "NA" => "NA",
            _ => "eta",
        };
        let index = match cells[immune].parse::<f64>() {
            Ok(v) => format!("{:.3}", 7.0 * v + 0.01 * (i % 7) as f64),
            Err(_) => "NA".to_owned(),
        };
        // A deterministic follow-up time and an event in about a third of the samples.
        let days = 90 + (i * 37) % 1500;
        let status = u8::from(i % 3 == 0);
        out.push_str(&format!("{line}\t{arm}\t{index}\t{days}\t{status}\n"));
    }
    std::fs::write(dir.join("clinical.txt"), out).unwrap();
}

#[test]
fn every_lab_added_variable_gets_a_first_screen_within_the_default_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let study = tmp.path().join("study");
    copy_demo_with_lab_columns(&study);
    let out = tmp.path().join("out");
    let text = run_ok(&[
        "run",
        study.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--permutations",
        "0",
    ]);
    assert!(text.contains("first screens:"), "{text}");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let coverage = &summary["summary"]["coverage"];
    let not_explored = coverage["not_explored"].as_array().unwrap();
    for added in ["qv_arm", "kx_index", "wv"] {
        assert!(
            !not_explored
                .iter()
                .any(|n| n["subject"]["name"].as_str().unwrap().starts_with(added)),
            "{added} was not explored: {not_explored:?}"
        );
    }
    let needed = coverage["first_screens_needed"].as_u64().unwrap();
    let done = coverage["first_screens_done"].as_u64().unwrap();
    let budget = coverage["max_analyses"].as_u64().unwrap();
    assert!(
        budget >= needed,
        "the default budget grows to fit the screens"
    );
    // Only subjects whose screen failed (too few samples per level in the discovery half) may be
    // left, and each says why.
    for n in not_explored {
        assert!(!n["reason"].as_str().unwrap().is_empty());
    }
    assert!(done + 3 >= needed, "{done} of {needed} screened");
    // The analyses of the run include a screen of each added variable and the added outcome.
    let findings = std::fs::read_to_string(out.join("findings.tsv")).unwrap();
    for variable in ["qv_arm", "kx_index", "wv"] {
        assert!(
            findings.lines().any(|l| l.contains(variable)),
            "no test of {variable} in findings.tsv"
        );
    }
}
