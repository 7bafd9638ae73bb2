//! The OpenAPI 3.0 description of the API, written by hand as JSON: it is small, and a derive
//! crate would cost more build time than the document costs to keep. The tests check that its
//! paths are exactly the router's ([`crate::routes::paths`]).

use axum::Json;
use serde_json::{Value, json};

fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": schema, "description": description })
}

fn required_query(name: &str, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": true, "schema": schema, "description": description })
}

fn path_id(name: &str, description: &str) -> Value {
    json!({
        "name": name, "in": "path", "required": true,
        "schema": { "type": "string", "pattern": "^[a-z]*[0-9]+$" },
        "description": description
    })
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn error(description: &str) -> Value {
    ok(description, schema_ref("Error"))
}

/// A GET operation with its parameters and responses (400 always possible: unknown parameters
/// are refused).
fn get(summary: &str, parameters: Vec<Value>, success: Value, not_found: bool) -> Value {
    let mut responses = json!({ "200": success, "400": error("a parameter is invalid or unknown; the message names it") });
    if not_found {
        responses["404"] = error("the id in the path or the `run` parameter names nothing");
    }
    json!({ "get": { "summary": summary, "parameters": parameters, "responses": responses } })
}

fn run_param() -> Value {
    query(
        "run",
        json!({ "type": "string" }),
        "restrict to one run (id `3` or `run3`)",
    )
}

fn include_prior() -> Value {
    query(
        "include_prior",
        json!({ "type": "boolean", "default": false }),
        "also list prior-knowledge relations (gene sets, naming links)",
    )
}

fn schemas() -> Value {
    let number = json!({ "type": "number" });
    let nullable_number = json!({ "type": "number", "nullable": true });
    json!({
        "Error": {
            "type": "object", "required": ["error"],
            "properties": { "error": { "type": "string", "description": "what went wrong, naming the parameter or id" } }
        },
        "Run": {
            "type": "object", "required": ["id", "label", "started_at"],
            "properties": {
                "id": { "type": "integer" }, "label": { "type": "string" },
                "notes": { "type": "string" }, "started_at": { "type": "string", "format": "date-time" }
            }
        },
        "InputFile": {
            "type": "object", "required": ["path", "sha256"],
            "properties": { "path": { "type": "string" }, "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" } }
        },
        "Finding": {
            "type": "object",
            "required": ["id", "run", "study", "module", "analysis", "layer", "feature", "variable", "test", "statistic", "effect", "p", "n", "direction"],
            "properties": {
                "id": { "type": "integer" }, "run": { "type": "integer" }, "study": { "type": "string" },
                "module": { "type": "string" }, "analysis": { "type": "integer" },
                "layer": { "type": "string" }, "feature": { "type": "string" }, "variable": { "type": "string" },
                "contrast": { "type": "string" },
                "test": { "type": "string", "enum": graph::TestKind::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>() },
                "statistic": number, "effect": number, "ci_low": number, "ci_high": number,
                "p": number, "q": number, "n": { "type": "integer" },
                "direction": { "type": "string", "enum": ["positive", "negative", "zero"] },
                "claim": { "type": "integer" }, "claim_view": { "type": "object" },
                "warning": { "type": "string", "description": "A caveat the analysis put on the result (a failed proportional-hazards check, a Firth rescue)" }
            }
        },
        "Provenance": {
            "type": "object",
            "required": ["id", "run", "study", "module", "params", "input_layers", "n_samples", "inputs", "input_hash", "software_version", "created_at"],
            "properties": {
                "id": { "type": "integer" }, "run": { "type": "integer" }, "study": { "type": "string" },
                "module": { "type": "string" }, "params": { "type": "object" },
                "input_layers": { "type": "array", "items": { "type": "string" } },
                "n_samples": { "type": "integer" },
                "inputs": { "type": "array", "items": schema_ref("InputFile") },
                "input_hash": { "type": "string" }, "software_version": { "type": "string" },
                "created_at": { "type": "string", "format": "date-time" },
                "direction": { "type": "integer", "nullable": true }, "question": { "type": "string", "nullable": true }
            }
        },
        "EvidenceLink": {
            "type": "object", "required": ["stance", "finding", "analysis", "replicated_by"],
            "properties": {
                "stance": { "type": "string", "enum": ["supports", "contradicts"] },
                "finding": schema_ref("Finding"), "analysis": schema_ref("Provenance"),
                "replicated_by": { "type": "array", "items": { "type": "integer" } }
            }
        },
        "HypothesisSummary": {
            "type": "object", "required": ["id", "statement", "status", "score"],
            "properties": {
                "id": { "type": "integer" }, "rank": { "type": "integer", "nullable": true },
                "total": nullable_number, "kind": { "type": "string", "nullable": true },
                "statement": { "type": "string" },
                "status": { "type": "string", "enum": ["proposed", "testing", "supported", "refuted", "retired"] },
                "score": { "type": "object", "description": "the agent's score JSON: id, rank, kind, score (components and total), replication, and chain (a mechanism chain's links with findings and held-out re-tests) when the hypothesis states one" }
            }
        },
        "HypothesisDetail": {
            "type": "object", "required": ["id", "run", "statement", "status", "score", "evidence"],
            "properties": {
                "id": { "type": "integer" }, "run": { "type": "integer" }, "rank": { "type": "integer", "nullable": true },
                "statement": { "type": "string" }, "status": { "type": "string" }, "score": { "type": "object" },
                "created_at": { "type": "string", "format": "date-time" }, "updated_at": { "type": "string", "format": "date-time" },
                "evidence": { "type": "array", "items": schema_ref("EvidenceLink"), "description": "supporting findings first, then contradicting" }
            }
        },
        "HypothesisChange": {
            "type": "object",
            "required": ["key", "statement", "from_id", "to_id", "score_before", "score_after", "score_delta", "replication_before", "replication_after"],
            "properties": {
                "key": { "type": "string", "description": "identity across runs: question kind, layer, relation and entities of the primary finding" },
                "kind": { "type": "string", "nullable": true }, "statement": { "type": "string" },
                "from_id": { "type": "integer", "nullable": true }, "to_id": { "type": "integer", "nullable": true },
                "from_rank": { "type": "integer", "nullable": true }, "to_rank": { "type": "integer", "nullable": true },
                "score_before": nullable_number, "score_after": nullable_number, "score_delta": nullable_number,
                "replication_before": { "type": "string", "nullable": true }, "replication_after": { "type": "string", "nullable": true }
            }
        },
        "RunDiff": {
            "type": "object", "required": ["from", "to", "score_threshold", "new", "lost", "strengthened", "weakened", "unchanged"],
            "properties": {
                "from": { "type": "integer" }, "to": { "type": "integer" },
                "score_threshold": { "type": "number", "description": "a total score change larger than this counts as stronger or weaker" },
                "new": { "type": "array", "items": schema_ref("HypothesisChange") },
                "lost": { "type": "array", "items": schema_ref("HypothesisChange") },
                "strengthened": { "type": "array", "items": schema_ref("HypothesisChange") },
                "weakened": { "type": "array", "items": schema_ref("HypothesisChange") },
                "unchanged": { "type": "array", "items": schema_ref("HypothesisChange") }
            }
        },
        "EntityHit": {
            "type": "object", "required": ["id", "kind", "key", "label"],
            "properties": { "id": { "type": "integer" }, "kind": { "type": "string" }, "key": { "type": "string" }, "label": { "type": "string" } }
        },
        "Neighbourhood": {
            "type": "object", "required": ["centre", "entity", "neighbours", "explored_by", "hypotheses"],
            "properties": {
                "centre": { "type": "integer" }, "entity": { "type": "object" },
                "neighbours": { "type": "array", "items": { "type": "object" } },
                "explored_by": { "type": "array", "items": { "type": "integer" } },
                "hypotheses": { "type": "array", "items": { "type": "integer" } }
            }
        },
        "GraphExport": {
            "type": "object", "required": ["format", "version", "nodes", "edges"],
            "properties": {
                "format": { "type": "string", "enum": ["hypomics-graph"] }, "version": { "type": "integer" },
                "nodes": { "type": "array", "items": { "type": "object" } },
                "edges": { "type": "array", "items": { "type": "object" } }
            }
        }
    })
}

/// The OpenAPI document.
pub fn spec() -> Value {
    let paths = json!({
        "/api/health": get(
            "Liveness and a glance at the store",
            vec![],
            ok("the server reads the store", json!({
                "type": "object", "required": ["status", "runs"],
                "properties": { "status": { "type": "string" }, "version": { "type": "string" }, "store": { "type": "string" },
                                "runs": { "type": "integer" }, "nodes": { "type": "object" } }
            })),
            false,
        ),
        "/api/runs": get(
            "Runs recorded in the store, oldest first",
            vec![],
            ok("runs", json!({ "type": "object", "required": ["runs"],
                "properties": { "runs": { "type": "array", "items": schema_ref("Run") } } })),
            false,
        ),
        "/api/runs/{run}/hypotheses": get(
            "A run's hypotheses in the agent's rank order",
            vec![
                path_id("run", "run id (`3` or `run3`)"),
                query("min_score", json!({ "type": "number" }), "keep hypotheses whose total score is at least this"),
                query("status", json!({ "type": "string", "enum": ["proposed", "testing", "supported", "refuted", "retired"] }), "keep hypotheses with this status"),
            ],
            ok("ranked hypotheses", json!({ "type": "object", "required": ["run", "hypotheses"],
                "properties": { "run": { "type": "integer" }, "hypotheses": { "type": "array", "items": schema_ref("HypothesisSummary") } } })),
            true,
        ),
        "/api/runs/{run}/diff": get(
            "What changed between two runs: hypotheses new, lost, strengthened, weakened or unchanged, matched by what they claim",
            vec![
                path_id("run", "the later run (`5` or `run5`)"),
                query("against", json!({ "type": "string" }), "the earlier run to compare with (`3` or `run3`); default: the previous run of the same study"),
            ],
            ok("the diff", schema_ref("RunDiff")),
            true,
        ),
        "/api/hypotheses/{id}": get(
            "One hypothesis with its evidence chain: findings, analyses, parameters, input file hashes",
            vec![path_id("id", "hypothesis node id (`12` or `n12`)")],
            ok("the hypothesis", schema_ref("HypothesisDetail")),
            true,
        ),
        "/api/findings": get(
            "Findings by q (then p, then effect size), filtered and paginated",
            vec![
                run_param(),
                query("study", json!({ "type": "string" }), "restrict to runs of this study (its name as the runs recorded it, e.g. `CPTAC UCEC demo (trimmed)`)"),
                query("layer", json!({ "type": "string" }), "data layer (`proteome`, `rna`, ...)"),
                query("gene", json!({ "type": "string" }), "gene symbol or alias; sites and mutations of the gene match too"),
                query("variable", json!({ "type": "string" }), "the clinical variable or mutation tested against"),
                query("max_q", json!({ "type": "number" }), "keep findings with q at or below this (findings without q are dropped)"),
                query("min_abs_effect", json!({ "type": "number" }), "keep findings with |effect| at least this"),
                query("limit", json!({ "type": "integer", "minimum": 1, "maximum": crate::routes::findings::MAX_LIMIT, "default": crate::routes::findings::DEFAULT_LIMIT }), "page size"),
                query("offset", json!({ "type": "integer", "minimum": 0, "default": 0 }), "rows to skip"),
            ],
            ok("one page of findings", json!({ "type": "object", "required": ["total", "offset", "limit", "findings"],
                "properties": { "total": { "type": "integer", "description": "matches before paging" },
                                "offset": { "type": "integer" }, "limit": { "type": "integer" },
                                "gene": { "type": "string", "nullable": true, "description": "the gene filter as a current symbol" },
                                "findings": { "type": "array", "items": schema_ref("Finding") } } })),
            true,
        ),
        "/api/entities": get(
            "Find entities by name; gene aliases and outdated symbols resolve to the current gene",
            vec![required_query("search", json!({ "type": "string" }), "symbol, alias, Entrez/Ensembl/UniProt id, site, miRNA, variable, gene set")],
            ok("matching entities", json!({ "type": "object", "required": ["query", "gene", "entities"],
                "properties": { "query": { "type": "string" },
                                "gene": { "type": "object", "description": "how the gene index read the query: status resolved (symbol, via), ambiguous (candidates) or unknown" },
                                "entities": { "type": "array", "items": schema_ref("EntityHit") } } })),
            false,
        ),
        "/api/entities/{id}/neighbourhood": get(
            "An entity's relations with the findings behind each, and the directions and hypotheses about it",
            vec![path_id("id", "entity node id (`12` or `n12`)"), run_param(), include_prior()],
            ok("the neighbourhood", schema_ref("Neighbourhood")),
            true,
        ),
        "/api/export/graph.json": get(
            "The graph of a run (or of all runs) as JSON",
            vec![run_param(), include_prior()],
            ok("nodes and edges", schema_ref("GraphExport")),
            true,
        ),
        "/api/export/graph.graphml": get(
            "The graph of a run (or of all runs) as GraphML, for Cytoscape and Gephi",
            vec![run_param(), include_prior()],
            json!({ "description": "GraphML document", "content": { "application/graphml+xml": { "schema": { "type": "string" } } } }),
            true,
        ),
        "/api/openapi.json": get(
            "This document",
            vec![],
            ok("OpenAPI 3.0 document", json!({ "type": "object" })),
            false,
        ),
    });
    let (mut paths, mut schemas) = (paths, schemas());
    let schedules = crate::routes::schedules::openapi();
    merge(&mut paths, &mut schemas, schedules);
    merge(
        &mut paths,
        &mut schemas,
        (
            crate::openapi_writes::paths(),
            crate::openapi_writes::schemas(),
        ),
    );
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "hypomics API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The hypomics research graph (runs, ranked hypotheses with evidence chains and provenance, findings, entities, exports) and the work that fills it (studies, jobs with live progress, schedules). Reads are open unless the server is private; writes need the server's bearer token."
        },
        "paths": paths,
        "components": { "schemas": schemas, "securitySchemes": crate::openapi_writes::security_schemes() }
    })
}

/// Adds a resource's own `(paths, schemas)` to the document.
fn merge(paths: &mut Value, schemas: &mut Value, (more_paths, more_schemas): (Value, Value)) {
    for (target, more) in [(paths, more_paths), (schemas, more_schemas)] {
        if let (Some(target), Value::Object(more)) = (target.as_object_mut(), more) {
            target.extend(more);
        }
    }
}

pub async fn handler() -> Json<Value> {
    Json(spec())
}
