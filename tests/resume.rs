//! Resume after SIGKILL at many points of a run on a real cohort (TCGA ACC mini: survival,
//! enrichment with NaN intervals, subtypes, cis, adjusted follow-ups, calibration), a torn last
//! journal line, and the refusal to resume over changed data or settings.

mod common;

use common::{hypomics, run_ok, shared_data};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Run settings shared by the reference and the interrupted runs. The time budget is far out of
/// reach so that only the analysis budget ends exploration, whatever the machine's load.
fn run_args(study: &Path, out: &Path) -> Vec<String> {
    [
        "run",
        study.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "3",
        "--max-analyses",
        // Every clinical variable's first screen comes before follow-ups; 45 reach enrichment.
        "45",
        "--max-seconds",
        "100000",
        "--permutations",
        "2",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn run_owned(args: &[String]) -> String {
    run_ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn journal_lines(out: &Path) -> usize {
    std::fs::read(out.join("journal.jsonl"))
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

/// Whether the journal records the real exploration as finished (what follows is prose and
/// calibration).
fn exploration_finished(out: &Path) -> bool {
    std::fs::read_to_string(out.join("journal.jsonl")).is_ok_and(|j| {
        j.lines()
            .any(|l| l.contains("\"explored\":{") && l.contains("\"phase\":\"explore\""))
    })
}

fn spawn(args: &[String]) -> Child {
    hypomics()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hypomics")
}

/// The journal's entries with the wall-time fields removed: what a resumed run must reproduce.
/// The journal's entries without their times. Shuffled calibration runs go side by side and
/// each is journaled as it finishes, so their order among themselves follows timing: they are
/// put in permutation order where they stand (each must still appear exactly once).
fn journal_without_times(out: &Path) -> Vec<Value> {
    let mut entries: Vec<Value> = std::fs::read_to_string(out.join("journal.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            strip(&mut v, &["seconds"]);
            v
        })
        .collect();
    let at: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].get("permutation").is_some())
        .collect();
    let mut permutations: Vec<Value> = at.iter().map(|&i| entries[i].clone()).collect();
    permutations.sort_by_key(|v| v["permutation"]["permutation"].as_u64());
    for (i, v) in at.into_iter().zip(permutations) {
        entries[i] = v;
    }
    entries
}

fn strip(v: &mut Value, keys: &[&str]) {
    match v {
        Value::Object(map) => {
            for k in keys {
                map.remove(*k);
            }
            for child in map.values_mut() {
                strip(child, keys);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| strip(c, keys)),
        _ => {}
    }
}

/// Everything the run recorded in its graph store, ids included, without timestamps and the
/// run's label (which names the output folder).
fn graph_dump(store: &Path) -> Value {
    let graph = graph::ResearchGraph::open_read_only(store).expect("open store");
    let mut v = graph.export_json(&graph.select_all()).expect("export");
    strip(&mut v, &["created_at", "updated_at", "started_at"]);
    let runs: Vec<Value> = graph
        .runs()
        .map(|r| serde_json::json!({"id": r.id, "notes": r.notes}))
        .collect();
    serde_json::json!({"graph": v, "runs": runs})
}

fn hypotheses(out: &Path) -> Value {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("hypotheses.json")).unwrap())
            .unwrap();
    v["hypotheses"].clone()
}

fn assert_same_run(out: &Path, reference: &Path) {
    assert_eq!(
        std::fs::read_to_string(out.join("findings.tsv")).unwrap(),
        std::fs::read_to_string(reference.join("findings.tsv")).unwrap(),
        "findings.tsv of the resumed run"
    );
    assert_eq!(hypotheses(out), hypotheses(reference), "hypotheses.json");
    assert!(
        graph_dump(&out.join("hypomics.db")) == graph_dump(&reference.join("hypomics.db")),
        "the graph store of the resumed run equals the uninterrupted run's"
    );
    assert_eq!(
        journal_without_times(out),
        journal_without_times(reference),
        "the journal: every step once, in order"
    );
}

#[test]
fn sigkilled_at_many_points_of_a_real_cohort_run_resumes_to_the_same_results() {
    let Some(acc) = shared_data("tcga-acc-mini") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("reference");
    run_ok(
        &run_args(&acc, &reference)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );

    // The cohort exercises what a resume must carry: survival, enrichment (whose rows have no
    // interval: NaN), finished calibration runs, and their journal entries. A shuffled run's
    // steps are not journaled (only its counts, once it finishes).
    let journal = std::fs::read_to_string(reference.join("journal.jsonl")).unwrap();
    for needle in [
        "\"type\":\"survival\"",
        "\"type\":\"adjusted_survival\"",
        "\"type\":\"enrichment\"",
        "\"ci_low\":\"NaN\"",
        "\"permutation\":{",
        "\"explored\":{",
    ] {
        assert!(journal.contains(needle), "reference journal lacks {needle}");
    }
    let total = journal_lines(&reference);

    // One output folder, killed again and again: each process is killed once the journal has
    // grown by a few lines past where it started (a kill point chosen by progress, at varying
    // delays after the line lands), until a process finishes. Once the exploration is journaled
    // as finished, calibration writes one line per shuffled run, so kills there are timed instead:
    // a delay after the start that doubles with each such kill, so some process finishes.
    let out = tmp.path().join("killed");
    let mut args = run_args(&acc, &out);
    let mut kills = Vec::new();
    let mut calibration_kills = 0u32;
    let delays = [0u64, 3, 11, 1, 29, 6];
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let start = journal_lines(&out);
        let stride = 2 + kills.len() % 5;
        let in_calibration = exploration_finished(&out);
        let timed_kill = Duration::from_millis(250 << calibration_kills.min(8));
        let spawned = Instant::now();
        let mut child = spawn(&args);
        let finished = loop {
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                use std::io::Read;
                child.stderr.take().unwrap().read_to_string(&mut err).ok();
                assert!(status.success(), "a resumed run failed:\n{err}");
                break true;
            }
            if in_calibration && spawned.elapsed() >= timed_kill {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                calibration_kills += 1;
                kills.push(journal_lines(&out));
                break false;
            }
            if !in_calibration && journal_lines(&out) >= start + stride {
                std::thread::sleep(Duration::from_millis(delays[kills.len() % delays.len()]));
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills.push(journal_lines(&out));
                break false;
            }
            assert!(
                Instant::now() < deadline,
                "the killed runs made no progress"
            );
            std::thread::sleep(Duration::from_millis(2));
        };
        if finished {
            break;
        }
        if !args.iter().any(|a| a == "--resume") {
            args.push("--resume".into());
        }
    }
    eprintln!("killed at journal lines {kills:?} of {total}");
    assert!(
        kills.len() >= 8,
        "killed at journal lines {kills:?} of {total}"
    );
    assert!(
        calibration_kills >= 1,
        "kills reach calibration: {kills:?} of {total}"
    );
    assert_same_run(&out, &reference);

    // Resuming a finished run changes nothing: every entry replays, nothing is recorded twice.
    run_owned(&args);
    assert_same_run(&out, &reference);
}

/// A small finished demo run to damage.
fn demo_run(out: &Path) -> Vec<String> {
    let args: Vec<String> = [
        "run",
        "--demo",
        "--out",
        out.to_str().unwrap(),
        "--max-analyses",
        "10",
        "--max-seconds",
        "100000",
        "--permutations",
        "1",
    ]
    .map(str::to_owned)
    .to_vec();
    run_owned(&args);
    args
}

#[test]
fn a_torn_last_line_is_cut_off_and_the_step_redone() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("reference");
    demo_run(&reference);
    let out = tmp.path().join("torn");
    let mut args = demo_run(&out);
    // Tear the journal in the middle of its sixth step, as a kill during that write would.
    let path = out.join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let keep: String = lines[..6].concat();
    let torn = &lines[6][..lines[6].len() / 2];
    std::fs::write(&path, format!("{keep}{torn}")).unwrap();

    args.push("--resume".into());
    run_owned(&args);
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(
        after.starts_with(&keep),
        "complete lines are never rewritten"
    );
    assert!(
        !after.contains(&format!("{torn}{{")),
        "the torn fragment was cut off, not continued"
    );
    assert_same_run(&out, &reference);
}

/// A study folder of our own (a synthetic study), so it can be changed.
fn synthetic_study(dir: &Path) -> PathBuf {
    let study = dir.join("study");
    run_ok(&["synth", "--out", study.to_str().unwrap(), "--seed", "5"]);
    study
}

fn resume_error(args: &[String]) -> String {
    let out = hypomics().args(args).output().unwrap();
    assert!(!out.status.success(), "the resume must be refused");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_resume_over_changed_data_or_settings_is_refused_naming_the_difference() {
    let tmp = tempfile::tempdir().unwrap();
    let study = synthetic_study(tmp.path());
    let out = tmp.path().join("out");
    let args = |max_analyses: &str| -> Vec<String> {
        [
            "run",
            study.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--max-analyses",
            max_analyses,
            "--permutations",
            "0",
            "--resume",
        ]
        .map(str::to_owned)
        .to_vec()
    };
    run_owned(&args("4"));
    let journal = std::fs::read(out.join("journal.jsonl")).unwrap();

    let err = resume_error(&args("3"));
    assert!(
        err.contains("setting budget.max_analyses: 4 when the run began, 3 now"),
        "{err}"
    );
    assert!(err.contains("start a fresh run"), "{err}");

    // Change one value of one input file; the study still loads.
    let clinical = std::fs::read_dir(&study)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("clinical")
        })
        .expect("a clinical table");
    let name = clinical.file_name().unwrap().to_str().unwrap().to_owned();
    let text = std::fs::read_to_string(&clinical).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.swap(1, 2);
    std::fs::write(&clinical, lines.join("\n") + "\n").unwrap();
    let err = resume_error(&args("4"));
    assert!(
        err.contains(&format!("file {name}: content changed")),
        "{err}"
    );
    assert!(!err.contains("setting "), "only the file differs: {err}");
    assert_eq!(
        std::fs::read(out.join("journal.jsonl")).unwrap(),
        journal,
        "a refused resume leaves the journal as it was"
    );
}

#[test]
fn the_time_budget_counts_time_spent_before_the_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut args: Vec<String> = [
        "run",
        "--demo",
        "--out",
        out.to_str().unwrap(),
        "--max-analyses",
        "8",
        "--max-seconds",
        "50",
        "--permutations",
        "0",
    ]
    .map(str::to_owned)
    .to_vec();
    run_owned(&args);
    // As if the process that ran the first three steps had been slow and then killed: its
    // third step ended 60 s into a 50 s budget.
    let path = out.join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<Value> = text
        .lines()
        .take(4)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines[3]["step"]["seconds"].is_number(), "{}", lines[3]);
    lines[3]["step"]["seconds"] = serde_json::json!(60.0);
    let kept: String = lines.iter().map(|v| format!("{v}\n")).collect();
    std::fs::write(&path, kept).unwrap();

    args.push("--resume".into());
    run_owned(&args);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let s = &summary["summary"];
    assert_eq!(s["stop_reason"], "time budget of 50 s reached", "{s}");
    assert_eq!(
        s["analyses"].as_u64().unwrap() + s["failed_directions"].as_u64().unwrap(),
        3,
        "no step after the budget ran out"
    );
}
