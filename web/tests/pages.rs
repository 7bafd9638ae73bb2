//! The dashboard end to end: the real agent records a small demo run, the real server renders
//! the pages, and the tests read the HTML as a browser would get it, checking it against what
//! the agent returned, what the JSON API answers and what the study's files hash to.

mod common;

use common::{Reply, fixture, get, ok_json, only_run, start};
use std::net::SocketAddr;
use web::pages::html::escape;

/// A page that must render: 200 with an HTML content type.
async fn page(addr: SocketAddr, path: &str) -> String {
    let reply = get(addr, path).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    assert!(
        reply.content_type.starts_with("text/html"),
        "{path}: content type {}",
        reply.content_type
    );
    reply.body
}

/// The ids of the hypotheses a run page links to, in page order.
fn linked_hypotheses(html: &str) -> Vec<i64> {
    // The ranking table only: the Contradictions section below it links hypotheses again.
    let table = html
        .split("<table id=\"hypotheses\">")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap_or("");
    table
        .split("href=\"/hypotheses/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect()
}

/// Ids of a run's hypotheses from the JSON API with a query string, in its order.
async fn api_ids(addr: SocketAddr, run: i64, query: &str) -> Vec<i64> {
    let body = ok_json(addr, &format!("/api/runs/{run}/hypotheses{query}")).await;
    body["hypotheses"]
        .as_array()
        .expect("hypotheses")
        .iter()
        .map(|h| h["id"].as_i64().expect("id"))
        .collect()
}

fn assert_self_contained(path: &str, html: &str) {
    for banned in ["http://", "https://", "<script src", "<link"] {
        assert!(!html.contains(banned), "{path} contains {banned}");
    }
}

#[tokio::test]
async fn home_lists_the_run_with_a_working_link() {
    let f = fixture();
    let addr = start(&f.store).await;
    let run = only_run(addr).await;
    let home = page(addr, "/").await;
    assert!(home.contains("<h1>hypomics</h1>"));
    assert!(home.contains(&escape(&f.study_name)), "run label missing");
    let link = format!("href=\"/runs/{run}\"");
    assert!(home.contains(&link), "no link to the run");
    // The hypothesis count of the run is in its row.
    assert!(
        home.contains(&format!("<td class=\"num\">{}</td>", f.hypotheses.len())),
        "hypothesis count missing"
    );
    let run_page = page(addr, &format!("/runs/{run}")).await;
    assert!(run_page.contains("<table id=\"hypotheses\">"));
}

#[tokio::test]
async fn run_page_lists_every_hypothesis_in_rank_order_with_badges() {
    let f = fixture();
    let addr = start(&f.store).await;
    let run = only_run(addr).await;
    let html = page(addr, &format!("/runs/{run}")).await;
    let mut last = 0;
    for (rank, statement, _) in &f.hypotheses {
        let at = html
            .find(&format!("{}</a>", escape(statement)))
            .unwrap_or_else(|| panic!("rank {rank} missing: {statement}"));
        assert!(at > last, "rank {rank} out of order");
        last = at;
    }
    assert_eq!(linked_hypotheses(&html), api_ids(addr, run, "").await);
    let rows: Vec<&str> = html.split("<tr><td class=\"num\">").skip(1).collect();
    assert_eq!(rows.len(), f.hypotheses.len());
    for (row, (rank, _, _)) in rows.iter().zip(&f.hypotheses) {
        assert!(row.starts_with(&format!("{rank}</td>")), "row {row}");
        assert!(
            ["replicated<", "not replicated<", "not re-testable<"]
                .iter()
                .any(|b| row.contains(b)),
            "no replication badge in {row}"
        );
        assert!(
            ["known<", "partly known<", "new<"]
                .iter()
                .any(|b| row.contains(&format!("\">{b}")))
                && row.contains("badge knowledge"),
            "no knowledge badge in {row}"
        );
        assert!(row.contains("class=\"bar\""), "no score bar in {row}");
    }
    // The search box and its few lines of inline script.
    assert!(html.contains("id=\"search\"") && html.contains("<script>"));
    // Contradictions have their own section, listed or said to be none.
    assert!(html.contains("<h2 id=\"contradictions\">Contradictions</h2>"));
}

#[tokio::test]
async fn the_filter_form_filters_server_side() {
    let f = fixture();
    let addr = start(&f.store).await;
    let run = only_run(addr).await;
    let all = page(addr, &format!("/runs/{run}")).await;
    assert!(all.contains("<form method=\"get\">"));
    assert!(all.contains("name=\"min_score\"") && all.contains("name=\"status\""));

    // A threshold between the scores: only the hypotheses at or above it remain.
    let mut totals: Vec<f64> = f.hypotheses.iter().map(|h| h.2).collect();
    totals.sort_by(f64::total_cmp);
    let min = totals[totals.len() / 2];
    let expected = f.hypotheses.iter().filter(|h| h.2 >= min).count();
    let query = format!("?min_score={min}");
    let filtered = page(addr, &format!("/runs/{run}{query}")).await;
    let shown = linked_hypotheses(&filtered);
    assert_eq!(shown.len(), expected);
    assert_eq!(shown, api_ids(addr, run, &query).await);
    assert!(
        filtered.contains(&format!("value=\"{min}\"")),
        "form keeps the value"
    );

    // Above every score: nothing; a blank field (as a form submits it) is no filter.
    let none = page(addr, &format!("/runs/{run}?min_score=1.01")).await;
    assert!(linked_hypotheses(&none).is_empty());
    let blank = page(addr, &format!("/runs/{run}?min_score=&status=")).await;
    assert_eq!(linked_hypotheses(&blank).len(), f.hypotheses.len());

    // Status: proposed and supported partition the run's hypotheses, as the API says.
    let proposed = linked_hypotheses(&page(addr, &format!("/runs/{run}?status=proposed")).await);
    let supported = linked_hypotheses(&page(addr, &format!("/runs/{run}?status=supported")).await);
    assert_eq!(proposed, api_ids(addr, run, "?status=proposed").await);
    assert_eq!(supported, api_ids(addr, run, "?status=supported").await);
    assert_eq!(proposed.len() + supported.len(), f.hypotheses.len());

    // A bad value is an HTML 400 naming the parameter.
    let bad = get(addr, &format!("/runs/{run}?min_score=abc")).await;
    assert_eq!(bad.status, 400);
    assert!(bad.content_type.starts_with("text/html"));
    assert!(bad.body.contains("min_score"));
}

#[tokio::test]
async fn hypothesis_page_shows_evidence_provenance_and_a_volcano() {
    let f = fixture();
    let addr = start(&f.store).await;
    let run = only_run(addr).await;
    let id = api_ids(addr, run, "").await[0];
    let html = page(addr, &format!("/hypotheses/{id}")).await;
    assert!(html.contains(&format!("<h1>{}</h1>", escape(&f.hypotheses[0].1))));
    let detail = ok_json(addr, &format!("/api/hypotheses/{id}")).await;
    let evidence = detail["evidence"].as_array().expect("evidence");
    assert!(!evidence.is_empty());
    for link in evidence {
        let finding = link["finding"]["id"].as_i64().expect("finding id");
        assert!(
            html.contains(&format!("<tr><td>n{finding}</td>")),
            "finding n{finding} missing"
        );
    }
    assert!(!f.file_hashes.is_empty());
    for (name, sha) in &f.file_hashes {
        assert!(
            html.contains(&format!("sha256:{sha}")),
            "hash of {name} missing"
        );
        assert!(html.contains(&escape(name)), "input {name} missing");
    }
    let svg = html.find("<svg").expect("an inline volcano");
    assert!(html[svg..].contains("<circle"), "volcano without points");
    assert!(
        html.contains("nominally significant"),
        "figure note missing"
    );
    assert!(html.contains(&format!("href=\"/runs/{run}\"")));
}

#[tokio::test]
async fn no_page_loads_anything_from_elsewhere() {
    let f = fixture();
    let addr = start(&f.store).await;
    let run = only_run(addr).await;
    let mut paths = vec!["/".to_owned(), format!("/runs/{run}")];
    for id in api_ids(addr, run, "").await {
        paths.push(format!("/hypotheses/{id}"));
    }
    for path in &paths {
        assert_self_contained(path, &page(addr, path).await);
    }
}

#[test]
fn statements_with_markup_are_escaped() {
    let statement = "TP53 <mutant> lowers A&B in \"grade\" 'III'";
    let escaped = escape(statement);
    assert_eq!(
        escaped,
        "TP53 &lt;mutant&gt; lowers A&amp;B in &quot;grade&quot; &#39;III&#39;"
    );
    let page = web::pages::html::layout(statement, &escaped);
    assert!(!page.contains("<mutant>"));
    assert!(page.contains("<title>TP53 &lt;mutant&gt;"));
}

#[tokio::test]
async fn unknown_ids_give_an_html_404() {
    let f = fixture();
    let addr = start(&f.store).await;
    let run = only_run(addr).await;
    let not_found = |reply: &Reply, path: &str| {
        assert_eq!(reply.status, 404, "{path}: {}", reply.body);
        assert!(reply.content_type.starts_with("text/html"), "{path}");
        assert!(reply.body.contains("<h1>Not found</h1>"), "{path}");
        assert_self_contained(path, &reply.body);
    };
    for path in [
        "/hypotheses/999999999".to_owned(),
        "/runs/999999".to_owned(),
        // A node that exists but is not a hypothesis: the run's first finding.
        format!(
            "/hypotheses/{}",
            ok_json(addr, &format!("/api/findings?run={run}&limit=1")).await["findings"][0]["id"]
                .as_i64()
                .expect("finding id")
        ),
    ] {
        not_found(&get(addr, &path).await, &path);
    }
}
