//! The hypothesis page's "Data behind this hypothesis" over real HTTP: plots re-read from the
//! study a run analysed (the bundled demo by name, a study folder from the run's notes), with
//! the numbers in them checked against the study's values, and a note instead of plots, still
//! status 200, when the study is gone or its files changed.

mod common;

use common::{fixture, get, ok_json, only_run, start};
use datasets::Study;
use graph::{HypothesisId, NodeId, ResearchGraph, RunId};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The hypotheses of a run as the API lists them: (id, kind).
async fn kinds(addr: std::net::SocketAddr, run: i64) -> Vec<(i64, String)> {
    let list = ok_json(addr, &format!("/api/runs/{run}/hypotheses")).await;
    list["hypotheses"]
        .as_array()
        .unwrap_or_else(|| panic!("no hypotheses array in {list}"))
        .iter()
        .map(|h| {
            (
                h["id"].as_i64().expect("hypothesis id"),
                h["kind"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn first_of(kinds: &[(i64, String)], wanted: &str) -> Option<i64> {
    kinds.iter().find(|(_, k)| k == wanted).map(|(id, _)| *id)
}

/// The page's data section.
fn data_section(body: &str) -> &str {
    let start = body
        .find("<section id=\"data\"><h2>Data behind this hypothesis</h2>")
        .unwrap_or_else(|| panic!("no data section in {body}"));
    let len = body[start..]
        .find("</section>")
        .expect("data section closed");
    &body[start..start + len]
}

fn svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed svg") + start + "</svg>".len();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

/// The text elements of an SVG, in order, unescaped.
fn texts(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        let open_end = rest[start..].find('>').expect("text tag") + start + 1;
        let close = rest[open_end..].find("</text>").expect("closed text") + open_end;
        out.push(
            rest[open_end..close]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&"),
        );
        rest = &rest[close..];
    }
    out
}

/// The text right after `label` (a box plot writes each group's `n=` under its label).
fn after<'a>(texts: &'a [String], label: &str) -> &'a str {
    let i = texts
        .iter()
        .position(|t| t == label)
        .unwrap_or_else(|| panic!("no label {label:?} in {texts:?}"));
    texts.get(i + 1).map_or("", String::as_str)
}

/// What the store recorded about a hypothesis's primary (first supporting) finding.
struct Primary {
    question: Value,
    layers: Vec<String>,
    samples: Vec<datasets::SampleId>,
    feature: String,
    /// Every supporting finding's (question, variable, feature, samples), primary first.
    all: Vec<(Value, String, String, Vec<datasets::SampleId>)>,
}

fn primary(store: &Path, id: i64) -> Primary {
    let graph = ResearchGraph::open_read_only(store).expect("store");
    let hid: HypothesisId = graph.hypothesis_id(NodeId::new(id)).expect("hypothesis");
    let chain = graph.evidence_chain(hid).expect("chain");
    let all: Vec<_> = chain
        .links
        .iter()
        .filter(|l| l.stance == graph::model::Stance::Supports)
        .map(|l| {
            let a = graph.analysis(l.analysis.id).expect("analysis");
            let f = graph.finding(l.finding.id).expect("finding");
            (
                a.params["question"].clone(),
                f.variable.clone(),
                f.feature.as_str().to_owned(),
                a.sample_set.clone(),
            )
        })
        .collect();
    let link = chain
        .links
        .iter()
        .find(|l| l.stance == graph::model::Stance::Supports)
        .expect("a supporting finding");
    let a = graph.analysis(link.analysis.id).expect("analysis");
    let f = graph.finding(link.finding.id).expect("finding");
    Primary {
        question: a.params["question"].clone(),
        layers: a.input_layers.clone(),
        samples: a.sample_set.clone(),
        feature: f.feature.as_str().to_owned(),
        all,
    }
}

/// A feature's values in a layer, by sample (absent samples are missing).
fn values(study: &Study, layer: &str, feature: &str) -> HashMap<String, f64> {
    let l = study.layer_named(layer).expect("layer");
    let j = l.matrix.feature_index(feature).expect("feature");
    l.matrix
        .samples()
        .iter()
        .zip(l.matrix.feature(j))
        .map(|(s, v)| (s.as_str().to_owned(), *v))
        .collect()
}

fn finite(map: &HashMap<String, f64>, s: &datasets::SampleId) -> Option<f64> {
    map.get(s.as_str()).copied().filter(|v| v.is_finite())
}

fn demo() -> &'static Study {
    static DEMO: OnceLock<Study> = OnceLock::new();
    DEMO.get_or_init(|| datasets::demo::load().expect("demo"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutation_hypothesis_shows_a_box_plot_with_the_studys_group_sizes() {
    let fx = fixture();
    let addr = start(&fx.store).await;
    let run = only_run(addr).await;
    let kinds = kinds(addr, run).await;
    let id = first_of(&kinds, "mutation_impact")
        .unwrap_or_else(|| panic!("no mutation hypothesis in the demo run: {kinds:?}"));
    let reply = get(addr, &format!("/hypotheses/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let section = data_section(&reply.body);
    let plots = svgs(section);
    assert_eq!(plots.len(), 1, "one box plot: {section}");
    // The volcano stays, after the data section (a mechanism chain's diagram is not a plot).
    assert!(reply.body.contains("<h2>Primary analysis</h2>"));
    let plots_on_page = svgs(&reply.body)
        .into_iter()
        .filter(|svg| !svg.starts_with("<svg class=\"chain\""))
        .count();
    assert_eq!(plots_on_page, 2);

    let p = primary(&fx.store, id);
    assert_eq!(p.question["type"], "mutation_impact");
    let gene = p.question["gene"].as_str().expect("gene");
    let layer = p.question["layer"].as_str().expect("layer");
    let study = demo();
    let feature = values(study, layer, &p.feature);
    let status = values(study, &p.layers[0], gene);
    let (mut mutated, mut wild_type) = (0, 0);
    for s in &p.samples {
        match (finite(&feature, s), finite(&status, s)) {
            (Some(_), Some(m)) if m > 0.0 => mutated += 1,
            (Some(_), Some(0.0)) => wild_type += 1,
            _ => {}
        }
    }
    assert!(mutated > 0 && wild_type > 0);
    let t = texts(plots[0]);
    assert!(
        t[0].starts_with(&format!("{} {layer} by {gene} mutation", p.feature)),
        "{t:?}"
    );
    assert_eq!(
        after(&t, &format!("{gene} mutated")),
        format!("n={mutated}")
    );
    assert_eq!(
        after(&t, &format!("{gene} wild-type")),
        format!("n={wild_type}")
    );
    assert!(
        t.iter()
            .any(|x| x.starts_with(&format!("{} discovery samples", p.samples.len()))),
        "{t:?}"
    );
}

/// Takes cis questions whenever the run offers them (the steps where the planner chooses freely
/// among everything open), else what the offline planner would: cis hypotheses need cis analyses,
/// which a short offline run spends on first screens of the clinical variables instead.
struct PreferCis(agent::planner::OfflinePlanner);

impl agent::planner::Planner for PreferCis {
    fn choose(
        &mut self,
        open: &[agent::question::PlannedDirection],
        context: &agent::planner::PlanContext<'_>,
    ) -> agent::planner::Choice {
        match open
            .iter()
            .position(|d| d.question.kind() == agent::kinds::Kind::Cis)
        {
            Some(i) => agent::planner::Choice {
                index: Some(i),
                ..Default::default()
            },
            None => agent::planner::Planner::choose(&mut self.0, open, context),
        }
    }

    fn update(&mut self, kind: agent::kinds::Kind, success: bool) {
        agent::planner::Planner::update(&mut self.0, kind, success);
    }

    fn report(&self) -> Value {
        serde_json::json!({"planner": "prefer-cis"})
    }
}

/// A demo run recorded with [`PreferCis`] (shared by the cis tests of this binary).
struct CisFixture {
    _dir: tempfile::TempDir,
    store: PathBuf,
}

fn cis_fixture() -> &'static CisFixture {
    static FIXTURE: OnceLock<CisFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("hypomics.db");
        let mut planner = PreferCis(agent::planner::OfflinePlanner::default());
        common::record_run_with(demo(), &store, dir.path().join("out"), 1, 8, &mut planner);
        CisFixture { _dir: dir, store }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cis_hypothesis_shows_one_scatter_per_step_with_the_studys_pairs() {
    let fx = cis_fixture();
    let addr = start(&fx.store).await;
    let run = only_run(addr).await;
    let kinds = kinds(addr, run).await;
    let id = first_of(&kinds, "cis")
        .unwrap_or_else(|| panic!("no cis hypothesis in the demo run: {kinds:?}"));
    let reply = get(addr, &format!("/hypotheses/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let plots = svgs(data_section(&reply.body));
    let p = primary(&fx.store, id);
    let cis: Vec<_> = p.all.iter().filter(|e| e.0["type"] == "cis").collect();
    assert!(!cis.is_empty());
    assert_eq!(plots.len(), cis.len(), "one scatter per cis step");
    let study = demo();
    for ((question, variable, feature, samples), svg) in cis.into_iter().zip(plots) {
        let source = question["source"].as_str().expect("source");
        let target = question["target"].as_str().expect("target");
        let source_feature = variable
            .strip_prefix(&format!("{source} "))
            .expect("cis variable names its source feature");
        let x = values(study, source, source_feature);
        let y = values(study, target, feature);
        let pairs = samples
            .iter()
            .filter(|s| finite(&x, s).is_some() && finite(&y, s).is_some())
            .count();
        let t = texts(svg);
        assert_eq!(t[0], format!("{source_feature}: {source} vs {target}"));
        assert!(
            t.iter()
                .any(|line| line.contains(&format!("; n={pairs}, y = "))),
            "n={pairs} with a fitted line expected in {t:?}"
        );
        assert!(t.contains(&format!("{source_feature} ({source})")), "{t:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_loaded_once_and_kept() {
    let fx = fixture();
    let state = web::AppState::open(&fx.store).expect("state");
    let run = {
        let graph = state.read().expect("graph");
        graph.runs().next().expect("a run").id
    };
    let first = state
        .study_for_run(run)
        .await
        .expect("the demo is found by name");
    assert_eq!(first.name, fx.study_name);
    let again = state.study_for_run(run).await.expect("kept");
    assert!(
        Arc::ptr_eq(&first, &again),
        "second lookup must reuse the load"
    );
    assert_eq!(state.studies_kept(), 1);
    assert!(state.study_for_run(RunId::new(9_999)).await.is_none());
}

/// Opening a run's page starts loading its study, so the hypothesis page that follows finds the
/// data ready.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_page_warms_the_study_for_its_hypotheses() {
    let fx = fixture();
    let server = web::Server::bind(web::ServerConfig {
        store: fx.store.clone(),
        addr: "127.0.0.1:0".parse().expect("addr"),
        workspace: None,
        access: Default::default(),
        limits: Default::default(),
    })
    .await
    .expect("bind");
    let state = server.state().clone();
    let addr = server.local_addr();
    tokio::spawn(server.run());
    assert_eq!(state.studies_kept(), 0);
    let run = only_run(addr).await;
    let page = get(addr, &format!("/runs/{run}")).await;
    assert_eq!(page.status, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while state.studies_kept() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the study was never loaded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A synthetic study written to a folder and a run on it recorded in a store: the folder path
/// comes back through the run's notes, and its survival data gives a Kaplan-Meier plot.
struct SynthRun {
    dir: tempfile::TempDir,
    study_dir: PathBuf,
    store: PathBuf,
}

fn synth_run() -> SynthRun {
    let dir = tempfile::tempdir().expect("tempdir");
    let study_dir = dir.path().join("study");
    datasets::synth::write_synthetic_study(&study_dir, &datasets::synth::SynthConfig::default())
        .expect("synthetic study");
    let study = Study::load(&study_dir).expect("load synthetic study");
    let store = dir.path().join("hypomics.db");
    common::record_run(&study, &store, dir.path().join("out"), 1, 8);
    SynthRun {
        dir,
        study_dir,
        store,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn study_folder_run_shows_km_and_a_note_once_the_folder_changes_or_goes() {
    let synth = tokio::task::spawn_blocking(synth_run)
        .await
        .expect("synth run");
    let study = Study::load(&synth.study_dir).expect("study");

    // The run's notes name the folder, which is how the server finds it.
    {
        let graph = ResearchGraph::open_read_only(&synth.store).expect("store");
        let run = graph.runs().next().expect("run");
        let recorded = run.notes.as_deref().and_then(agent::record::study_folder);
        assert_eq!(
            recorded,
            Some(synth.study_dir.canonicalize().expect("canonical"))
        );
    }

    let addr = start(&synth.store).await;
    let run = only_run(addr).await;
    let kinds = kinds(addr, run).await;
    let id = first_of(&kinds, "survival")
        .unwrap_or_else(|| panic!("no survival hypothesis in the synthetic run: {kinds:?}"));
    let reply = get(addr, &format!("/hypotheses/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let plots = svgs(data_section(&reply.body));
    assert_eq!(plots.len(), 1);
    let t = texts(plots[0]);
    let p = primary(&synth.store, id);
    assert_eq!(p.question["type"], "survival");
    let layer = p.question["layer"].as_str().expect("layer");
    assert!(
        t[0].starts_with(&format!(
            "{} {layer}, split at the median (log-rank p=",
            p.feature
        )),
        "{t:?}"
    );
    // The two curves hold every sample with a value and follow-up, and its events.
    let feature = values(&study, layer, &p.feature);
    let (time, event) = study
        .clinical
        .survival_for(&p.samples)
        .expect("survival data");
    let mut expected = (0, 0);
    for (s, (t, e)) in p.samples.iter().zip(time.iter().zip(&event)) {
        if let Some(e) = e
            && finite(&feature, s).is_some()
            && t.is_finite()
            && *t >= 0.0
        {
            expected.0 += 1;
            expected.1 += usize::from(*e);
        }
    }
    let mut drawn = (0, 0);
    for legend in t.iter().filter(|x| x.contains(": n=")) {
        let (_, rest) = legend.split_once(": n=").expect("legend");
        let (n, rest) = rest.split_once(", ").expect("legend n");
        let events = rest.strip_suffix(" events").expect("legend events");
        drawn.0 += n.parse::<usize>().expect("n");
        drawn.1 += events.parse::<usize>().expect("events");
    }
    assert_eq!(drawn, expected, "legends {t:?}");
    assert!(expected.0 > 0);

    // The study's files change: a fresh server (no kept copy) shows a note instead.
    let clinical = synth.study_dir.join("clinical.tsv");
    let text = std::fs::read_to_string(&clinical).expect("clinical");
    // One sample a year older: the table still loads, its hash moves.
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut fields: Vec<String> = lines[1].split('\t').map(str::to_owned).collect();
    assert_eq!(lines[0].split('\t').nth(1), Some("age"));
    fields[1] = (fields[1].parse::<u32>().expect("age") + 1).to_string();
    lines[1] = fields.join("\t");
    let text = lines.join("\n") + "\n";
    std::fs::write(&clinical, text).expect("edit clinical");
    let addr = start(&synth.store).await;
    let reply = get(addr, &format!("/hypotheses/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let section = data_section(&reply.body);
    assert!(svgs(section).is_empty(), "{section}");
    assert!(
        section.contains("files changed since the run (clinical.tsv)"),
        "{section}"
    );

    // The folder goes: the page still answers, with a note naming the folder.
    let moved = synth.dir.path().join("elsewhere");
    std::fs::rename(&synth.study_dir, &moved).expect("move study");
    let addr = start(&synth.store).await;
    let reply = get(addr, &format!("/hypotheses/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let section = data_section(&reply.body);
    assert!(svgs(section).is_empty(), "{section}");
    assert!(
        section.contains("No plots of the data: the study folder")
            && section.contains("could not be read"),
        "{section}"
    );
    // The volcano from the store is still there.
    assert!(reply.body.contains("<h2>Primary analysis</h2><figure><svg"));
}
