//! `hypomics run` end to end on the bundled demo: outputs, evidence chains, calibration, and a run
//! killed with SIGKILL that resumes with nothing lost or duplicated.

mod common;

use common::{hypomics, run_ok};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

fn finding_ids(out: &Path) -> HashSet<String> {
    std::fs::read_to_string(out.join("findings.tsv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect()
}

#[test]
fn demo_run_writes_ranked_hypotheses_with_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let text = run_ok(&[
        "run",
        "--demo",
        "--out",
        out.to_str().unwrap(),
        "--max-analyses",
        "14",
        "--permutations",
        "1",
    ]);
    assert!(text.contains("Top hypotheses"), "{text}");
    assert!(
        text.contains("calibration: 1 label-shuffled runs"),
        "{text}"
    );
    let parsed: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("hypotheses.json")).unwrap())
            .unwrap();
    let hypotheses = parsed["hypotheses"].as_array().unwrap();
    assert!(!hypotheses.is_empty());
    let ids = finding_ids(&out);
    // Ranked breadth first: the best of every question by score, then the rest by score, so
    // scores fall in at most two runs.
    let mut last_score = f64::INFINITY;
    let mut runs = 1;
    for (i, h) in hypotheses.iter().enumerate() {
        assert_eq!(h["rank"], i + 1);
        let score = h["score"]["total"].as_f64().unwrap();
        if score > last_score {
            runs += 1;
        }
        assert!(runs <= 2, "ranked by score within each pass");
        last_score = score;
        let evidence = h["evidence"].as_array().unwrap();
        assert!(!evidence.is_empty());
        for e in evidence {
            let id = e["finding"].as_str().unwrap();
            assert!(
                ids.contains(id),
                "evidence {id} must be a row of findings.tsv"
            );
        }
        let status = h["replication"]["status"].as_str().unwrap();
        assert!(["replicated", "not_replicated", "not_tested"].contains(&status));
    }
    let summary = &parsed["summary"];
    assert_eq!(
        summary["analyses"].as_u64().unwrap() + summary["failed_directions"].as_u64().unwrap(),
        14
    );
    assert_eq!(summary["calibration"]["permutations"], 1);
    assert!(summary["calibration"]["null_hypotheses"][0].is_u64());
    // Every q is at least its p (BH never makes evidence stronger).
    for line in std::fs::read_to_string(out.join("findings.tsv"))
        .unwrap()
        .lines()
        .skip(1)
    {
        let f: Vec<&str> = line.split('\t').collect();
        let (p, q): (f64, f64) = (f[13].parse().unwrap(), f[14].parse().unwrap());
        assert!(q + 1e-15 >= p, "{line}");
    }
}

#[test]
fn existing_run_needs_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args = [
        "run",
        "--demo",
        "--out",
        out.to_str().unwrap(),
        "--max-analyses",
        "2",
        "--permutations",
        "0",
    ];
    run_ok(&args);
    let again = hypomics().args(args).output().unwrap();
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("--resume"), "{err}");
}

#[test]
fn sigkilled_run_resumes_with_nothing_lost_or_duplicated() {
    let tmp = tempfile::tempdir().unwrap();
    let budget = "24";
    let reference = tmp.path().join("reference");
    run_ok(&[
        "run",
        "--demo",
        "--out",
        reference.to_str().unwrap(),
        "--max-analyses",
        budget,
        "--permutations",
        "0",
    ]);

    let out = tmp.path().join("killed");
    let journal = out.join("journal.jsonl");
    let mut child = hypomics()
        .args([
            "run",
            "--demo",
            "--out",
            out.to_str().unwrap(),
            "--max-analyses",
            budget,
            "--permutations",
            "0",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let lines = std::fs::read_to_string(&journal)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= 4 {
            break;
        }
        assert!(Instant::now() < deadline, "journal never grew");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run must still be going when it is killed"
    );
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let before = std::fs::read_to_string(&journal).unwrap();
    let steps_before = before
        .lines()
        .filter(|l| l.starts_with("{\"step\":"))
        .count();
    assert!(steps_before < 24, "killed mid-run");
    assert!(!out.join("hypotheses.json").exists());

    let text = run_ok(&[
        "run",
        "--demo",
        "--out",
        out.to_str().unwrap(),
        "--max-analyses",
        budget,
        "--permutations",
        "0",
        "--resume",
    ]);
    assert!(text.contains("Top hypotheses"), "{text}");
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let steps = summary["summary"]["analyses"].as_u64().unwrap()
        + summary["summary"]["failed_directions"].as_u64().unwrap();
    assert_eq!(steps, 24, "every budgeted step ran once");
    let after = std::fs::read_to_string(&journal).unwrap();
    // One line per step: nothing duplicated, and the earlier steps kept as they were.
    let steps = after
        .lines()
        .filter(|l| l.starts_with("{\"step\":"))
        .count();
    assert_eq!(steps, 24);
    let complete_before: Vec<&str> = before.lines().filter(|l| l.ends_with('}')).collect();
    for (a, b) in complete_before.iter().zip(after.lines()) {
        assert_eq!(a, &b);
    }
    assert_eq!(
        std::fs::read_to_string(out.join("findings.tsv")).unwrap(),
        std::fs::read_to_string(reference.join("findings.tsv")).unwrap(),
        "the resumed run must equal an uninterrupted one"
    );
    // Hypotheses too (the summary differs only in wall time).
    let hypotheses = |dir: &Path| -> Value {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("hypotheses.json")).unwrap())
                .unwrap();
        v["hypotheses"].clone()
    };
    assert_eq!(hypotheses(&out), hypotheses(&reference));
}

#[test]
fn calibrate_reports_the_null_counts() {
    let text = run_ok(&[
        "calibrate",
        "--demo",
        "--permutations",
        "2",
        "--max-analyses",
        "8",
        "--json",
    ]);
    let c: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(c["permutations"], 2);
    assert_eq!(c["null_hypotheses"].as_array().unwrap().len(), 2);
    assert_eq!(c["null_replicated"].as_array().unwrap().len(), 2);
    let real = c["real_hypotheses"].as_u64().unwrap();
    let replicated = c["real_replicated"].as_u64().unwrap();
    assert!(replicated <= real);
    if real > 0 {
        let nulls: Vec<u64> = c["null_hypotheses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let expected = (nulls.iter().sum::<u64>() as f64 / 2.0 / real as f64).min(1.0);
        assert!((c["false_hypothesis_rate"].as_f64().unwrap() - expected).abs() < 1e-12);
    }
}
