//! The API end to end: the real agent records a small run of the bundled demo study in a store,
//! the real server serves it on a loopback port, and a minimal HTTP client checks the answers
//! against what the agent returned and what the study's files hash to.

mod common;

use common::{fixture, get, ok_json, only_run, request, start};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[tokio::test]
async fn health_and_runs() {
    let f = fixture();
    let addr = start(&f.store).await;
    let health = ok_json(addr, "/api/health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["runs"], 1);
    let runs = ok_json(addr, "/api/runs").await;
    let runs = runs["runs"].as_array().expect("runs array");
    assert_eq!(runs.len(), 1);
    let label = runs[0]["label"].as_str().expect("label");
    assert!(label.contains(&f.study_name), "label {label}");
    assert!(
        runs[0]["started_at"]
            .as_str()
            .is_some_and(|t| t.len() >= 20)
    );
}

#[tokio::test]
async fn hypotheses_are_ranked_as_the_agent_returned_them() {
    let f = fixture();
    let addr = start(&f.store).await;
    let run = only_run(addr).await;
    let body = ok_json(addr, &format!("/api/runs/{run}/hypotheses")).await;
    let rows = body["hypotheses"].as_array().expect("hypotheses");
    let ranks: Vec<u64> = rows
        .iter()
        .map(|h| h["rank"].as_u64().expect("rank"))
        .collect();
    let expected: Vec<u64> = (1..=f.hypotheses.len() as u64).collect();
    assert_eq!(ranks, expected);
    let statements: Vec<&str> = rows
        .iter()
        .map(|h| h["statement"].as_str().expect("statement"))
        .collect();
    let agent: Vec<&str> = f.hypotheses.iter().map(|h| h.1.as_str()).collect();
    assert_eq!(statements, agent);

    // min_score keeps exactly the hypotheses at or above it.
    let cut = f.hypotheses[f.hypotheses.len() / 2].2;
    let body = ok_json(
        addr,
        &format!("/api/runs/run{run}/hypotheses?min_score={cut}"),
    )
    .await;
    let kept = body["hypotheses"].as_array().expect("hypotheses");
    assert_eq!(
        kept.len(),
        f.hypotheses.iter().filter(|h| h.2 >= cut).count()
    );
    assert!(
        kept.iter()
            .all(|h| h["total"].as_f64().is_some_and(|t| t >= cut))
    );

    let body = ok_json(
        addr,
        &format!("/api/runs/{run}/hypotheses?status=supported"),
    )
    .await;
    assert!(
        body["hypotheses"]
            .as_array()
            .expect("hypotheses")
            .iter()
            .all(|h| h["status"] == "supported")
    );
}

#[tokio::test]
async fn hypothesis_detail_carries_numbers_and_provenance() {
    let f = fixture();
    let addr = start(&f.store).await;
    let run = only_run(addr).await;
    let list = ok_json(addr, &format!("/api/runs/{run}/hypotheses")).await;
    let id = list["hypotheses"][0]["id"].as_i64().expect("id");
    let detail = ok_json(addr, &format!("/api/hypotheses/{id}")).await;
    assert_eq!(detail["rank"], 1);
    assert_eq!(
        detail["statement"].as_str(),
        Some(f.hypotheses[0].1.as_str())
    );
    let evidence = detail["evidence"].as_array().expect("evidence");
    assert!(!evidence.is_empty(), "the top hypothesis rests on findings");
    for link in evidence {
        let finding = &link["finding"];
        assert!(
            finding["p"]
                .as_f64()
                .is_some_and(|p| (0.0..=1.0).contains(&p)),
            "{finding}"
        );
        assert!(
            finding["q"]
                .as_f64()
                .is_some_and(|q| (0.0..=1.0).contains(&q)),
            "{finding}"
        );
        assert!(
            finding["effect"].as_f64().is_some_and(f64::is_finite),
            "{finding}"
        );
        let analysis = &link["analysis"];
        assert!(analysis["params"].is_object());
        assert!(
            !analysis["input_layers"]
                .as_array()
                .expect("layers")
                .is_empty()
        );
        assert!(
            !analysis["software_version"]
                .as_str()
                .expect("version")
                .is_empty()
        );
        let inputs: BTreeMap<String, String> = analysis["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .map(|i| {
                (
                    i["path"].as_str().expect("path").to_owned(),
                    i["sha256"].as_str().expect("sha256").to_owned(),
                )
            })
            .collect();
        assert_eq!(inputs, f.file_hashes);
    }
}

fn belongs_to_gene(feature: &str, gene: &str) -> bool {
    feature == gene
        || feature
            .strip_prefix(gene)
            .is_some_and(|rest| rest.starts_with('-') || rest.starts_with("_p."))
}

#[tokio::test]
async fn findings_filter_and_paginate_consistently() {
    let f = fixture();
    let addr = start(&f.store).await;
    let run = only_run(addr).await;

    let all = ok_json(
        addr,
        &format!("/api/findings?run={run}&max_q=0.1&limit=1000"),
    )
    .await;
    let rows = all["findings"].as_array().expect("findings");
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["q"].as_f64().is_some_and(|q| q <= 0.1) && r["run"] == run)
    );
    let qs: Vec<f64> = rows.iter().map(|r| r["q"].as_f64().expect("q")).collect();
    assert!(qs.windows(2).all(|w| w[0] <= w[1]), "ranked by q");

    // Pages are slices of the same order, with the same total.
    let total = all["total"].as_u64().expect("total");
    let mut paged = Vec::new();
    for page in 0..4 {
        let body = ok_json(
            addr,
            &format!(
                "/api/findings?run={run}&max_q=0.1&limit=5&offset={}",
                page * 5
            ),
        )
        .await;
        assert_eq!(body["total"].as_u64(), Some(total));
        paged.extend(
            body["findings"]
                .as_array()
                .expect("page")
                .iter()
                .map(|r| r["id"].clone()),
        );
    }
    let first: Vec<Value> = rows.iter().take(20).map(|r| r["id"].clone()).collect();
    assert_eq!(paged, first);
    let beyond = ok_json(
        addr,
        &format!("/api/findings?run={run}&max_q=0.1&offset={total}"),
    )
    .await;
    assert_eq!(beyond["total"].as_u64(), Some(total));
    assert_eq!(beyond["findings"].as_array().map(Vec::len), Some(0));

    // Gene, layer, effect and q filters: every row satisfies them.
    let gene = rows
        .iter()
        .find(|r| r["layer"] == "proteome")
        .and_then(|r| r["feature"].as_str())
        .expect("a proteome finding")
        .to_owned();
    let body = ok_json(
        addr,
        &format!("/api/findings?gene={gene}&max_q=0.5&limit=1000"),
    )
    .await;
    let hits = body["findings"].as_array().expect("findings");
    assert!(!hits.is_empty());
    assert!(
        hits.iter().all(
            |r| belongs_to_gene(r["feature"].as_str().unwrap_or(""), &gene)
                && r["q"].as_f64().is_some_and(|q| q <= 0.5)
        ),
        "{hits:?}"
    );
    let unfiltered = ok_json(addr, "/api/findings?max_q=0.5&limit=1").await;
    assert!(
        body["total"].as_u64() < unfiltered["total"].as_u64(),
        "the gene filter removes other genes' findings"
    );
    let body = ok_json(
        addr,
        "/api/findings?layer=proteome&min_abs_effect=0.5&limit=1000",
    )
    .await;
    let hits = body["findings"].as_array().expect("findings");
    assert!(!hits.is_empty());
    assert!(
        hits.iter()
            .all(|r| r["layer"] == "proteome"
                && r["effect"].as_f64().is_some_and(|e| e.abs() >= 0.5))
    );

    // The study filter: the fixture's one study has every finding; another name has none.
    let study = f
        .study_name
        .replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29");
    let by_study = ok_json(
        addr,
        &format!("/api/findings?study={study}&max_q=0.5&limit=1"),
    )
    .await;
    assert_eq!(by_study["total"], unfiltered["total"]);
    let msg = get(addr, "/api/findings?study=no-such-study")
        .await
        .error(404);
    assert!(msg.contains("no-such-study"), "{msg}");
}

#[tokio::test]
async fn entity_search_resolves_aliases_to_the_current_gene() {
    let f = fixture();
    let addr = start(&f.store).await;
    let genes = graph::GeneIndex::embedded().expect("gene index");
    // Genes the run's hypotheses rest on, best hypothesis first.
    let run = only_run(addr).await;
    let list = ok_json(addr, &format!("/api/runs/{run}/hypotheses")).await;
    let mut features = Vec::new();
    for h in list["hypotheses"].as_array().expect("hypotheses") {
        let detail = ok_json(addr, &format!("/api/hypotheses/{}", h["id"])).await;
        for link in detail["evidence"].as_array().expect("evidence") {
            if let Some(feature) = link["finding"]["feature"].as_str() {
                features.push(feature.to_owned());
            }
        }
    }
    // One of them with an alias that resolves to it (and not to another gene).
    let (symbol, alias) = features
        .iter()
        .filter_map(|s| genes.get(s))
        .find_map(|g| {
            g.aliases
                .iter()
                .find(|a| {
                    matches!(genes.resolve(a), graph::knowledge::GeneResolution::Resolved { gene, via: graph::knowledge::GeneMatch::Alias, .. } if gene.symbol == g.symbol)
                })
                .map(|a| (g.symbol.clone(), a.clone()))
        })
        .expect("a gene with an unambiguous alias");
    let body = ok_json(addr, &format!("/api/entities?search={alias}")).await;
    assert_eq!(
        body["gene"]["symbol"].as_str(),
        Some(symbol.as_str()),
        "{body}"
    );
    assert_eq!(body["gene"]["via"], "alias");
    let gene = body["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .find(|e| e["kind"] == "gene")
        .expect("the gene entity");
    assert_eq!(gene["key"].as_str(), Some(symbol.as_str()));

    let id = gene["id"].as_i64().expect("id");
    let hood = ok_json(addr, &format!("/api/entities/{id}/neighbourhood")).await;
    assert_eq!(hood["centre"].as_i64(), Some(id));
    assert_eq!(hood["entity"]["key"].as_str(), Some(symbol.as_str()));
    let shown = ["neighbours", "explored_by", "hypotheses"]
        .iter()
        .map(|k| hood[*k].as_array().map_or(0, Vec::len))
        .sum::<usize>();
    assert!(
        shown > 0,
        "the page of a gene a hypothesis rests on is not empty: {hood}"
    );
}

#[tokio::test]
async fn errors_are_json_with_status_and_parameter() {
    let f = fixture();
    let addr = start(&f.store).await;
    let msg = get(addr, "/api/hypotheses/999999999").await.error(404);
    assert!(msg.contains("not found"), "{msg}");
    let msg = get(addr, "/api/runs/424242/hypotheses").await.error(404);
    assert!(msg.contains("run"), "{msg}");
    // An entity id is not a hypothesis.
    let entity = ok_json(addr, "/api/entities?search=PTEN").await["entities"][0]["id"]
        .as_i64()
        .expect("PTEN entity");
    get(addr, &format!("/api/hypotheses/{entity}"))
        .await
        .error(404);
    get(addr, "/api/no/such/route").await.error(404);
    let msg = request(addr, "POST", "/api/runs").await.error(405);
    assert!(msg.contains("not allowed"), "{msg}");

    for (path, param) in [
        ("/api/findings?max_q=abc", "max_q"),
        ("/api/findings?min_abs_effect=NaN", "min_abs_effect"),
        ("/api/findings?limit=0", "limit"),
        ("/api/findings?offset=-1", "offset"),
        ("/api/findings?run=x", "run"),
        ("/api/findings?maxq=0.1", "maxq"),
        ("/api/hypotheses/abc", "id"),
        ("/api/runs/xyz/hypotheses", "run"),
        ("/api/runs/1/hypotheses?status=maybe", "status"),
        ("/api/entities", "search"),
        (
            "/api/entities/1/neighbourhood?include_prior=perhaps",
            "include_prior",
        ),
    ] {
        let msg = get(addr, path).await.error(400);
        assert!(msg.contains(&format!("`{param}`")), "{path}: {msg}");
    }
}

#[tokio::test]
async fn exports_are_scoped_by_run() {
    let f = fixture();
    let addr = start(&f.store).await;
    let run = only_run(addr).await;
    let reply = get(addr, &format!("/api/export/graph.graphml?run={run}")).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.starts_with("<?xml"),
        "{}",
        &reply.body[..reply.body.len().min(80)]
    );
    assert!(reply.content_type.starts_with("application/graphml+xml"));
    assert!(reply.body.contains("<graph ") && reply.body.trim_end().ends_with("</graphml>"));

    let export = ok_json(addr, &format!("/api/export/graph.json?run={run}")).await;
    assert_eq!(export["format"], "hypomics-graph");
    let node_ids: BTreeSet<i64> = export["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_i64())
        .collect();
    let list = ok_json(addr, &format!("/api/runs/{run}/hypotheses")).await;
    for h in list["hypotheses"].as_array().expect("hypotheses") {
        assert!(
            node_ids.contains(&h["id"].as_i64().expect("id")),
            "hypothesis {} in the run's export",
            h["id"]
        );
    }
}

#[tokio::test]
async fn openapi_lists_exactly_the_served_routes() {
    let f = fixture();
    let addr = start(&f.store).await;
    let spec = ok_json(addr, "/api/openapi.json").await;
    assert!(
        spec["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.0"))
    );
    let documented: BTreeSet<String> = spec["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    let served: BTreeSet<String> = web::routes::paths()
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(documented, served);

    // Every path parameter is declared, and every documented route answers 200 for real ids.
    let run = only_run(addr).await;
    let hypotheses = ok_json(addr, &format!("/api/runs/{run}/hypotheses")).await;
    let hypothesis = hypotheses["hypotheses"][0]["id"]
        .as_i64()
        .expect("hypothesis");
    let entity = ok_json(addr, "/api/entities?search=PTEN").await["entities"][0]["id"]
        .as_i64()
        .expect("entity");
    for path in &served {
        let ops = spec["paths"][path.as_str()]
            .as_object()
            .expect("operations");
        let in_path: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, op) in ops {
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(declared, in_path, "{method} {path}");
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                ["200", "201", "202", "204"]
                    .iter()
                    .any(|s| responses.contains_key(*s)),
                "{method} {path} documents no success"
            );
        }
        if !ops.contains_key("get") {
            continue;
        }
        let concrete = path
            .replace("{run}", &run.to_string())
            .replace("/hypotheses/{id}", &format!("/hypotheses/{hypothesis}"))
            .replace("/entities/{id}", &format!("/entities/{entity}"))
            .replace("{id}", "1");
        let concrete = if concrete == "/api/entities" {
            "/api/entities?search=PTEN".to_owned()
        } else if concrete == "/api/schedules/preview" {
            "/api/schedules/preview?cron=0%206%20*%20*%201-5&timezone=Europe/Berlin".to_owned()
        } else if concrete.ends_with("/diff") {
            // The store has one run: compare it with itself.
            format!("{concrete}?against={run}")
        } else {
            concrete
        };
        // This server only reads a store: the job queue's resources answer 403, as documented.
        let needs_queue = ["/api/studies", "/api/jobs", "/api/schedules"]
            .iter()
            .any(|p| concrete.starts_with(p))
            && !concrete.starts_with("/api/schedules/preview");
        let expected = if needs_queue { 403 } else { 200 };
        let reply = get(addr, &concrete).await;
        assert_eq!(
            reply.status,
            expected,
            "{concrete}: {}",
            &reply.body[..reply.body.len().min(200)]
        );
        assert!(
            spec["paths"][path.as_str()]["get"]["responses"][expected.to_string()].is_object(),
            "{path} does not document {expected}"
        );
    }
}

#[tokio::test]
async fn a_new_run_in_the_store_appears_without_restart() {
    let f = fixture();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("copy.db");
    std::fs::copy(&f.store, &store).expect("copy store");
    let addr = start(&store).await;
    assert_eq!(
        ok_json(addr, "/api/runs").await["runs"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    {
        let mut writer = graph::ResearchGraph::open(&store).expect("open for writing");
        writer.start_run("second run", None).expect("start run");
    }
    // Reloads are spaced by a few times their own duration (well under a second here), so the
    // new run shows up shortly, not necessarily on the very next request.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let runs = ok_json(addr, "/api/runs").await;
        let labels: Vec<String> = runs["runs"]
            .as_array()
            .expect("runs")
            .iter()
            .filter_map(|r| r["label"].as_str().map(str::to_owned))
            .collect();
        if labels.len() == 2 {
            assert_eq!(labels[1], "second run");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new run never appeared: {labels:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
