//! Run-to-run comparison and the graph explorer end to end: two real agent runs of the demo
//! study (different seeds and budgets, so their hypotheses differ) recorded in one store, then
//! the diff endpoint, the compare page and the explorer page over real HTTP.

mod common;

use common::{Reply, get, ok_json, start};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

struct TwoRuns {
    _dir: tempfile::TempDir,
    store: PathBuf,
}

/// Records one agent run of the demo study into `store`.
fn record(store: &std::path::Path, out: PathBuf, seed: u64, max_analyses: usize) {
    let study = datasets::demo::load().expect("demo study");
    common::record_run(&study, store, out, seed, max_analyses);
}

/// Two runs of the demo in one store: a small one, then a larger one on the same split, so some
/// hypotheses are found again and some are new.
fn two_runs() -> &'static TwoRuns {
    static FIXTURE: OnceLock<TwoRuns> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = dir.path().join("hypomics.db");
        record(&store, dir.path().join("first"), 1, 6);
        record(&store, dir.path().join("second"), 2, 10);
        TwoRuns { _dir: dir, store }
    })
}

/// The ids of the two runs, older first.
async fn runs(addr: SocketAddr) -> (i64, i64) {
    let body = ok_json(addr, "/api/runs").await;
    let ids: Vec<i64> = body["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids.len(), 2, "{body}");
    (ids[0], ids[1])
}

async fn hypothesis_ids(addr: SocketAddr, run: i64) -> Vec<i64> {
    let body = ok_json(addr, &format!("/api/runs/{run}/hypotheses")).await;
    body["hypotheses"]
        .as_array()
        .expect("hypotheses")
        .iter()
        .map(|h| h["id"].as_i64().expect("id"))
        .collect()
}

fn entries<'a>(diff: &'a Value, category: &str) -> &'a Vec<Value> {
    diff[category]
        .as_array()
        .unwrap_or_else(|| panic!("{category} missing: {diff}"))
}

/// How often each id appears on one side (`from_id` or `to_id`) of the given categories.
fn counts(diff: &Value, categories: &[&str], side: &str) -> BTreeMap<i64, usize> {
    let mut out = BTreeMap::new();
    for c in categories {
        for e in entries(diff, c) {
            if let Some(id) = e[side].as_i64() {
                *out.entry(id).or_default() += 1;
            }
        }
    }
    out
}

async fn html(addr: SocketAddr, path: &str) -> String {
    let reply = get(addr, path).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    assert!(
        reply.content_type.starts_with("text/html"),
        "{path}: content type {}",
        reply.content_type
    );
    reply.body
}

#[tokio::test]
async fn diff_accounts_for_every_hypothesis_of_both_runs_once() {
    let f = two_runs();
    let addr = start(&f.store).await;
    let (first, second) = runs(addr).await;
    let diff = ok_json(addr, &format!("/api/runs/{second}/diff")).await;
    assert_eq!(
        diff["from"].as_i64(),
        Some(first),
        "default is the previous run"
    );
    assert_eq!(diff["to"].as_i64(), Some(second));
    let explicit = ok_json(
        addr,
        &format!("/api/runs/run{second}/diff?against=run{first}"),
    )
    .await;
    assert_eq!(explicit, diff, "explicit `against` gives the same answer");

    let before = hypothesis_ids(addr, first).await;
    let after = hypothesis_ids(addr, second).await;
    assert!(!before.is_empty() && !after.is_empty());
    let to_counts = counts(
        &diff,
        &["new", "strengthened", "weakened", "unchanged"],
        "to_id",
    );
    let from_counts = counts(
        &diff,
        &["lost", "strengthened", "weakened", "unchanged"],
        "from_id",
    );
    let once = |ids: &[i64]| {
        ids.iter()
            .map(|id| (*id, 1))
            .collect::<BTreeMap<i64, usize>>()
    };
    assert_eq!(to_counts, once(&after), "every hypothesis of `to` once");
    assert_eq!(
        from_counts,
        once(&before),
        "every hypothesis of `from` once"
    );

    for e in entries(&diff, "new") {
        assert!(e["from_id"].is_null() && e["score_before"].is_null(), "{e}");
    }
    for e in entries(&diff, "lost") {
        assert!(e["to_id"].is_null() && e["score_after"].is_null(), "{e}");
    }
    let threshold = diff["score_threshold"].as_f64().expect("threshold");
    let replicated = |e: &Value, side: &str| e[side].as_str() == Some("replicated");
    for e in entries(&diff, "strengthened") {
        let up = e["score_delta"].as_f64().is_some_and(|d| d > threshold);
        let gained = !replicated(e, "replication_before") && replicated(e, "replication_after");
        assert!(up || gained, "not stronger: {e}");
        assert!(!e["key"].as_str().unwrap_or("").is_empty());
    }
    for e in entries(&diff, "weakened") {
        let down = e["score_delta"].as_f64().is_some_and(|d| d < -threshold);
        let lost = replicated(e, "replication_before") && !replicated(e, "replication_after");
        assert!(down || lost, "not weaker: {e}");
    }
    for e in entries(&diff, "unchanged") {
        assert_eq!(
            replicated(e, "replication_before"),
            replicated(e, "replication_after")
        );
        assert!(
            e["score_delta"]
                .as_f64()
                .is_none_or(|d| d.abs() <= threshold),
            "{e}"
        );
    }
    let changed: usize = ["new", "lost", "strengthened", "weakened"]
        .iter()
        .map(|c| entries(&diff, c).len())
        .sum();
    assert!(changed > 0, "two different runs should differ: {diff}");
    let matched: usize = ["strengthened", "weakened", "unchanged"]
        .iter()
        .map(|c| entries(&diff, c).len())
        .sum();
    assert!(
        matched > 0,
        "a larger rerun on the same split re-finds the first run's hypotheses: {diff}"
    );

    // Reversed, new and lost swap.
    let back = ok_json(addr, &format!("/api/runs/{first}/diff?against={second}")).await;
    assert_eq!(entries(&back, "new").len(), entries(&diff, "lost").len());
    assert_eq!(entries(&back, "lost").len(), entries(&diff, "new").len());
}

#[tokio::test]
async fn diff_errors_name_what_is_wrong() {
    let f = two_runs();
    let addr = start(&f.store).await;
    let (first, second) = runs(addr).await;
    let e = get(addr, "/api/runs/999/diff").await.error(404);
    assert!(e.contains("run999"), "{e}");
    let e = get(addr, &format!("/api/runs/{second}/diff?against=999"))
        .await
        .error(404);
    assert!(e.contains("run999"), "{e}");
    let e = get(addr, &format!("/api/runs/{first}/diff"))
        .await
        .error(404);
    assert!(
        e.contains("earlier run") && e.contains(&format!("run{first}")),
        "{e}"
    );
    let e = get(addr, &format!("/api/runs/{second}/diff?against=abc"))
        .await
        .error(400);
    assert!(e.contains("`against`") && e.contains("abc"), "{e}");
    let e = get(addr, &format!("/api/runs/{second}/diff?agianst=1"))
        .await
        .error(400);
    assert!(e.contains("`agianst`"), "{e}");
    get(addr, "/api/runs/x/diff").await.error(400);
}

#[tokio::test]
async fn compare_page_shows_the_diff_with_links() {
    let f = two_runs();
    let addr = start(&f.store).await;
    let (first, second) = runs(addr).await;

    let picker = html(addr, "/compare").await;
    assert!(picker.contains("id=\"compare-form\""), "{picker}");
    assert_eq!(picker.matches("<select").count(), 2);
    assert!(picker.contains(&format!("<option value=\"{second}\" selected>")));

    let path = format!("/compare?from={first}&to={second}");
    let page = html(addr, &path).await;
    for section in ["New", "Lost", "Strengthened", "Weakened"] {
        assert!(
            page.contains(&format!("id=\"{}\">{section} (", section.to_lowercase())),
            "{section} section missing"
        );
    }
    let diff = ok_json(addr, &format!("/api/runs/{second}/diff?against={first}")).await;
    for category in ["new", "lost", "strengthened", "weakened"] {
        for e in entries(&diff, category) {
            let id = e["to_id"]
                .as_i64()
                .or(e["from_id"].as_i64())
                .expect("an id");
            assert!(
                page.contains(&format!("href=\"/hypotheses/{id}\"")),
                "{category}: no link to {id}"
            );
        }
    }
    assert_eq!(html(addr, &format!("/compare?to={second}")).await, page);
    assert!(!page.contains("http://") && !page.contains("https://"));

    let bad: Reply = get(addr, &format!("/compare?from=zz&to={second}")).await;
    assert_eq!(bad.status, 400);
    assert!(bad.content_type.starts_with("text/html"));
    assert_eq!(get(addr, "/compare?to=999").await.status, 404);
    assert_eq!(get(addr, "/compare?form=1").await.status, 400);

    // The later run's page links to the comparison; the first run has nothing to compare with.
    let run_page = html(addr, &format!("/runs/{second}")).await;
    assert!(run_page.contains(&format!("href=\"/compare?from={first}&amp;to={second}\"")));
    assert!(
        !html(addr, &format!("/runs/{first}"))
            .await
            .contains("compare-previous")
    );
}

#[tokio::test]
async fn explorer_page_and_script_are_served() {
    let f = two_runs();
    let addr = start(&f.store).await;
    let (_, second) = runs(addr).await;

    let page = html(addr, "/explore?entity=PTEN").await;
    for needle in [
        "id=\"explore-svg\"",
        "id=\"explore-search\"",
        "id=\"explore-q\"",
        "id=\"explore-details\"",
        "data-entity=\"PTEN\"",
        "<script src=\"/assets/explore.js\"></script>",
    ] {
        assert!(page.contains(needle), "{needle} missing");
    }
    assert!(!page.contains("http://") && !page.contains("https://"));
    // Text from the address is escaped, never markup.
    let hostile = html(addr, "/explore?entity=%3Cb%3Ex%22").await;
    assert!(
        hostile.contains("data-entity=\"&lt;b&gt;x&quot;\""),
        "{hostile}"
    );
    assert!(!hostile.contains("<b>x"));

    let hypothesis = hypothesis_ids(addr, second).await[0];
    let page = html(addr, &format!("/explore?hypothesis={hypothesis}")).await;
    assert!(page.contains(&format!("data-hypothesis=\"{hypothesis}\"")));
    let detail = html(addr, &format!("/hypotheses/{hypothesis}")).await;
    assert!(detail.contains(&format!("href=\"/explore?hypothesis={hypothesis}\"")));
    assert!(html(addr, "/").await.contains("href=\"/explore\""));
    assert_eq!(get(addr, "/explore?hypothesis=999999").await.status, 404);
    assert_eq!(get(addr, "/explore?hypothesis=x").await.status, 400);
    assert_eq!(get(addr, "/explore?gene=PTEN").await.status, 400);

    let script = get(addr, "/assets/explore.js").await;
    assert_eq!(script.status, 200);
    assert!(
        script.content_type.starts_with("text/javascript"),
        "content type {}",
        script.content_type
    );
    assert_eq!(script.body, web::pages::explore::SCRIPT);
    assert!(script.body.contains("createElementNS"));
    assert!(
        !script.body.contains("innerHTML"),
        "data must not become markup"
    );
    // The script calls only routes the server has.
    for route in [
        "/api/entities?search=",
        "/api/hypotheses/",
        "/neighbourhood",
    ] {
        assert!(script.body.contains(route), "{route}");
    }
}

/// A syntax check of the script by Node, when the machine has it (a browser test of the page
/// itself is separate).
#[test]
fn explorer_script_parses() {
    let available = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        eprintln!("NOTE: node not installed; explore.js syntax not checked");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("explore.js");
    std::fs::write(&path, web::pages::explore::SCRIPT).expect("write");
    let out = std::process::Command::new("node")
        .arg("--check")
        .arg(&path)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
