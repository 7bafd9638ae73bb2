//! `hypomics batch` as a library: strict manifests whose errors name the key and line, a batch
//! that registers, schedules, queues and runs its studies, skips a study whose files did not
//! change, reports what changed after a planted effect is removed, and keeps going past a study
//! that does not load.

mod batch_support;

use batch_support::write_study;
use graph::control::{ControlStore, JobState, JobTrigger};
use std::path::Path;
use std::sync::Arc;
use web::batch::progress::ProgressMode;
use web::batch::{BatchOptions, Manifest, ManifestError, run_batch};
use web::jobs::SystemClock;

fn parse(dir: &Path, text: &str) -> Result<Manifest, ManifestError> {
    let file = dir.join("batch.toml");
    std::fs::write(&file, text).expect("write manifest");
    Manifest::load(&file)
}

fn error(dir: &Path, text: &str) -> String {
    parse(dir, text)
        .expect_err("an invalid manifest")
        .to_string()
}

#[test]
fn manifest_errors_name_the_key_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("data/a")).expect("study dir");

    let e = error(
        dir.path(),
        "[batch]\nworkspace = \"ws\"\nparalel = 2\n\n[[study]]\nname = \"a\"\npath = \"data/a\"\n",
    );
    assert!(e.contains("batch.toml:3:"), "{e}");
    assert!(e.contains("unknown field `paralel`"), "{e}");

    let e = error(
        dir.path(),
        "[batch]\n\n[[study]]\nname = \"a\"\npath = \"data/a\"\nmax_analysis = 4\n",
    );
    assert!(e.contains("batch.toml:6:"), "{e}");
    assert!(e.contains("unknown field `max_analysis`"), "{e}");

    let e = error(
        dir.path(),
        "[batch]\n[[study]]\nname = \"a\"\npath = \"data/missing\"\n",
    );
    assert!(e.contains("batch.toml:4:"), "{e}");
    assert!(e.contains("data/missing does not exist"), "{e}");

    let e = error(dir.path(), "[batch]\n[[study]]\nname = \"a\"\n");
    assert!(
        e.contains("needs `path = \"FOLDER\"` or `demo = true`"),
        "{e}"
    );

    let e = error(
        dir.path(),
        "[batch]\n[[study]]\nname = \"a\"\npath = \"data/a\"\ndemo = true\n",
    );
    assert!(e.contains("both `path` and `demo = true`"), "{e}");

    let e = error(
        dir.path(),
        "[batch]\n[[study]]\nname = \"a\"\npath = \"data/a\"\nschedule = { cron = \"0 24 * * *\", timezone = \"UTC\" }\n",
    );
    assert!(e.contains("batch.toml:5:"), "{e}");
    assert!(e.contains("hour field `24`"), "{e}");

    let e = error(
        dir.path(),
        "[batch]\n[[study]]\nname = \"a\"\npath = \"data/a\"\nschedule = { cron = \"0 6 * * *\", zone = \"UTC\" }\n",
    );
    assert!(e.contains("batch.toml:5:"), "{e}");
    assert!(e.contains("zone"), "{e}");

    let e = error(
        dir.path(),
        "[batch]\nparallel = 0\n[[study]]\nname = \"a\"\ndemo = true\n",
    );
    assert!(e.contains("batch.toml:2:"), "{e}");
    assert!(e.contains("`parallel` must be between 1 and"), "{e}");

    let e = error(
        dir.path(),
        "[batch]\n[[study]]\nname = \"a\"\ndemo = true\nmax_analyses = 0\n",
    );
    assert!(e.contains("max_analyses must be between"), "{e}");

    let e = error(
        dir.path(),
        "[batch]\n[[study]]\nname = \"a\"\ndemo = true\n[[study]]\nname = \"a\"\npath = \"data/a\"\n",
    );
    assert!(e.contains("batch.toml:6:"), "{e}");
    assert!(e.contains("listed twice (first on line"), "{e}");

    let e = error(dir.path(), "[batch]\nworkspace = \"ws\"\n");
    assert!(e.contains("lists no studies"), "{e}");

    let e = error(dir.path(), "[batch\n");
    assert!(e.contains("batch.toml:1:"), "{e}");

    let ok = parse(
        dir.path(),
        "[batch]\nworkspace = \"ws\"\nparallel = 3\nwebhook = \"http://127.0.0.1:9/hook\"\n\
         [[study]]\nname = \"a\"\npath = \"data/a\"\nplanner = \"offline\"\nmax_analyses = 5\nforce = true\n\
         schedule = { cron = \"0 6 * * 1-5\", timezone = \"Europe/Berlin\" }\n\
         [[study]]\nname = \"b\"\ndemo = true\n",
    )
    .expect("valid manifest");
    let root = dir.path().canonicalize().expect("canonical");
    assert_eq!(ok.parallel, 3);
    assert!(ok.workspace.ends_with("ws"));
    assert_eq!(ok.store, ok.workspace.join("hypomics.db"));
    assert_eq!(
        ok.studies[0].path.as_deref(),
        Some(root.join("data/a").as_path())
    );
    assert_eq!(ok.studies[0].spec.max_analyses, 5);
    assert!(ok.studies[0].force);
    assert_eq!(ok.studies[0].line, 5);
    assert_eq!(
        ok.studies[0].schedule.as_ref().map(|s| s.timezone.as_str()),
        Some("Europe/Berlin")
    );
    assert!(ok.studies[1].path.is_none());
    assert_eq!(
        ok.studies[1].spec.max_analyses,
        web::jobs::JobSpec::default().max_analyses
    );
}

fn quiet() -> BatchOptions {
    BatchOptions {
        progress: ProgressMode::Quiet,
        ..Default::default()
    }
}

fn manifest_text(cron: &str) -> String {
    format!(
        "[batch]\nworkspace = \"ws\"\nparallel = 1\n\n[[study]]\nname = \"synthetic\"\npath = \"study\"\n\
         max_analyses = 30\npermutations = 0\nschedule = {{ cron = \"{cron}\", timezone = \"Europe/Berlin\" }}\n"
    )
}

/// The batch study with its planted PTEN -> proteome module at `effect` SD: strong enough (2 SD)
/// that a 30-analysis run, which first screens every clinical variable and mutation, claims it
/// under the run-wide error control; 0 removes it.
fn pten_config(effect: f64) -> datasets::synth::SynthConfig {
    let mut config = batch_support::synth_config(42);
    for module in &mut config.mutation_modules {
        if module.gene == "PTEN" {
            module.effect = effect;
        }
    }
    config
}

#[test]
fn a_batch_reruns_only_changed_studies_and_reports_what_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = dir.path().join("study");
    write_study(&study, &pten_config(-2.0));
    let manifest = parse(dir.path(), &manifest_text("0 6 * * 1")).expect("manifest");

    let first = run_batch(&manifest, &quiet(), Arc::new(SystemClock)).expect("batch");
    assert_eq!(first.failed(), 0, "{}", first.table());
    let row = &first.rows[0];
    assert_eq!(row.outcome, "ran", "{}", first.table());
    assert!(
        row.diff.is_none(),
        "a first run has nothing to compare with"
    );
    let hypotheses = row.hypotheses.expect("hypothesis count");
    assert!(hypotheses > 0, "{}", first.table());
    let first_run = row.run.expect("run");

    let control = ControlStore::open(&manifest.store).expect("store");
    let schedules = control.schedules().expect("schedules");
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].cron, "0 6 * * 1");
    assert_eq!(schedules[0].spec["max_analyses"], 30);
    let job = control.job(row.job).expect("job");
    assert_eq!(job.trigger, JobTrigger::Batch);
    drop(control);

    // Nothing changed: the job ends as unchanged without running, and the schedule edit in the
    // manifest moves the one schedule instead of adding a second.
    let manifest = parse(dir.path(), &manifest_text("30 7 * * 1-5")).expect("manifest");
    let second = run_batch(&manifest, &quiet(), Arc::new(SystemClock)).expect("batch");
    assert_eq!(second.rows[0].outcome, "unchanged", "{}", second.table());
    assert!(second.rows[0].run.is_none());
    assert!(second.table().contains("unchanged"));
    let control = ControlStore::open(&manifest.store).expect("store");
    let schedules = control.schedules().expect("schedules");
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].cron, "30 7 * * 1-5");
    drop(control);

    // Remove the planted PTEN -> proteome effect: the study's files change, the batch reruns it,
    // and the hypotheses about PTEN's proteome targets are reported lost.
    write_study(&study, &pten_config(0.0));
    let third = run_batch(&manifest, &quiet(), Arc::new(SystemClock)).expect("batch");
    let row = &third.rows[0];
    assert_eq!(row.outcome, "ran", "{}", third.table());
    let diff = row.diff.as_ref().expect("a diff against the first run");
    assert_eq!(
        diff.against, first_run,
        "compared with the last run that ran"
    );
    assert!(diff.lost > 0, "{}", third.table());

    let graph = graph::ResearchGraph::open_read_only(&manifest.store).expect("graph");
    let full = graph
        .diff_runs(first_run, row.run.expect("run"))
        .expect("diff");
    assert_eq!(full.lost.len(), diff.lost);
    assert_eq!(full.new.len(), diff.new);
    assert!(
        full.lost.iter().any(|h| h.statement.contains("PTEN")),
        "lost: {:?}",
        full.lost.iter().map(|h| &h.statement).collect::<Vec<_>>()
    );
    let table = third.table();
    assert!(table.contains("lost"), "{table}");
    assert!(
        table.contains("scheduled: synthetic: `30 7 * * 1-5` (Europe/Berlin)"),
        "{table}"
    );
}

/// A webhook call as received: the JSON body, its raw bytes and the signature header.
struct Call {
    json: serde_json::Value,
    body: Vec<u8>,
    signature: Option<String>,
}

/// An HTTP receiver on loopback: each request's body and signature, sent on the channel.
fn webhook_receiver() -> (String, std::sync::mpsc::Receiver<Call>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            let mut signature = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case(web::jobs::webhook::SIGNATURE_HEADER)
                {
                    signature = Some(value.trim().to_owned());
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            if let Ok(json) = serde_json::from_slice(&body) {
                let _ = tx.send(Call {
                    json,
                    body,
                    signature,
                });
            }
        }
    });
    (url, rx)
}

#[test]
fn a_study_that_does_not_load_fails_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_study(&dir.path().join("good"), &batch_support::synth_config(5));
    let bad = dir.path().join("bad");
    std::fs::create_dir_all(&bad).expect("bad dir");
    std::fs::write(bad.join("notes.txt"), "not a table\n").expect("write");
    let (hook, received) = webhook_receiver();
    let manifest = parse(
        dir.path(),
        &format!("[batch]\nparallel = 2\nwebhook = \"{hook}\"\n\n[[study]]\nname = \"good\"\npath = \"good\"\nmax_analyses = 2\npermutations = 0\n\n\
         [[study]]\nname = \"bad\"\npath = \"bad\"\nmax_analyses = 2\n"),
    )
    .expect("manifest");
    assert!(manifest.workspace.ends_with("hypomics-batch"));
    // A webhook needs the secret its calls are signed with.
    let unsigned = run_batch(&manifest, &quiet(), Arc::new(SystemClock))
        .expect_err("a webhook without a secret")
        .to_string();
    assert!(unsigned.contains("webhook secret"), "{unsigned}");
    let secret = "batch-webhook-secret-0123";
    let options = BatchOptions {
        webhook_secret: Some(secret.into()),
        ..quiet()
    };
    let report = run_batch(&manifest, &options, Arc::new(SystemClock)).expect("batch");
    assert_eq!(report.failed(), 1, "{}", report.table());
    assert_eq!(report.rows[0].outcome, "ran");
    assert_eq!(report.rows[1].state, JobState::Failed);
    assert_eq!(report.rows[1].outcome, "failed");
    let table = report.table();
    assert!(table.contains("(bad) failed: loading study bad"), "{table}");
    // The manifest's webhook hears about both jobs, each call signed over its exact body.
    let mut notes: Vec<serde_json::Value> = (0..2)
        .map(|_| {
            let call = received
                .recv_timeout(std::time::Duration::from_secs(30))
                .expect("webhook call");
            assert_eq!(
                call.signature.as_deref(),
                Some(web::jobs::webhook::signature(secret, &call.body).as_str())
            );
            call.json
        })
        .collect();
    notes.sort_by_key(|n| n["study"].as_str().map(str::to_owned));
    assert_eq!(notes[0]["event"], "job.finished");
    assert_eq!(notes[0]["study"], "bad");
    assert_eq!(notes[0]["state"], "failed");
    assert_eq!(notes[1]["study"], "good");
    assert_eq!(notes[1]["outcome"], "ran");
}
